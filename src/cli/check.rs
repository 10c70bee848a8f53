//! `callbot check`: validates the knowledge and summarises it; `--coverage` lists the
//! article's sentences that no entry answers or quotes.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

use crate::config::{Config, Settings};
use crate::coverage::{self, SectionCoverage};
use crate::engine::Locations;
use crate::knowledge::{Category, KnowledgeBase, KnowledgeError};
use crate::matcher::{Matcher, Outcome};

/// Arguments of `callbot check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Also list, by section, the article's sentences no entry answers or quotes.
    #[arg(long)]
    pub coverage: bool,
}

/// Validates the knowledge; prints every problem, or a summary and the phrasings that
/// the matcher would send to another entry (and, asked, the coverage).
pub fn run(locations: &Locations, settings: &Settings, args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let knowledge = match locations.knowledge() {
        Ok(knowledge) => knowledge,
        Err(err @ KnowledgeError::Invalid(_)) => {
            eprintln!("knowledge in {}:\n{err}", locations.knowledge);
            return Ok(ExitCode::FAILURE);
        }
        Err(err) => return Err(err.into()),
    };
    let config = Config::from_settings(settings)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "knowledge in {}: valid", locations.knowledge)?;
    writeln!(out, "configuration in {}", locations.config)?;
    summarise(&mut out, &knowledge)?;
    routing(&mut out, &knowledge, &Matcher::new(&knowledge, config.matcher))?;
    if args.coverage {
        report_coverage(&mut out, &coverage::coverage(&knowledge))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn summarise(out: &mut impl Write, knowledge: &KnowledgeBase) -> std::io::Result<()> {
    writeln!(out, "  entries: {}", knowledge.entries.len())?;
    for category in Category::ALL {
        let count = knowledge.in_category(category).count();
        writeln!(out, "    {:<14} {count}", format!("{category:?}"))?;
    }
    let phrasings: usize = knowledge.entries.iter().map(|e| e.questions.len()).sum();
    writeln!(out, "  phrasings: {phrasings}")?;
    writeln!(out, "  quotes verified verbatim: {}", knowledge.quote_count())?;
    writeln!(out, "  aliases: {}", knowledge.aliases.len())
}

/// Each phrasing asked as a question: does it reach its own entry?
fn routing(out: &mut impl Write, knowledge: &KnowledgeBase, matcher: &Matcher) -> std::io::Result<()> {
    let phrasings: usize = knowledge.entries.iter().map(|e| e.questions.len()).sum();
    let mut misrouted = 0;
    for entry in &knowledge.entries {
        for question in &entry.questions {
            let found = matcher.find(question);
            let routed = found.best().map(|c| knowledge.entries[c.entry].id.as_str());
            let answered = matches!(found.outcome, Outcome::Answer | Outcome::Unreported);
            if routed != Some(entry.id.as_str()) || !answered {
                misrouted += 1;
                writeln!(
                    out,
                    "  note: `{question}` ({}) goes to {} ({:?})",
                    entry.id,
                    routed.unwrap_or("nothing"),
                    found.outcome
                )?;
            }
        }
    }
    writeln!(out, "  phrasings answered by their own entry: {}/{phrasings}", phrasings - misrouted)
}

fn report_coverage(out: &mut impl Write, sections: &[SectionCoverage]) -> std::io::Result<()> {
    let (covered, all, share) = coverage::share(sections);
    writeln!(out, "coverage: {covered}/{all} sentences answered or quoted ({:.0}%)", share * 100.0)?;
    for section in sections {
        let uncovered: Vec<_> = section.uncovered().collect();
        let total = section.sentences.len();
        writeln!(out, "  {} {}: {}/{total} covered", section.id, section.name, total - uncovered.len())?;
        for sentence in uncovered {
            writeln!(out, "    not covered: {}", sentence.text)?;
        }
    }
    Ok(())
}
