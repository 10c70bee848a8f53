//! `callbot check`: validates the knowledge and summarises it.

use std::io::Write;
use std::process::ExitCode;

use crate::engine::Paths;
use crate::knowledge::{Category, KnowledgeBase, KnowledgeError};
use crate::matcher::{Matcher, Outcome};

/// Validates the knowledge; prints every problem, or a summary and the phrasings that
/// the matcher would send to another entry.
pub fn run(paths: &Paths) -> anyhow::Result<ExitCode> {
    let knowledge = match KnowledgeBase::load(&paths.knowledge) {
        Ok(knowledge) => knowledge,
        Err(err @ KnowledgeError::Invalid(_)) => {
            eprintln!("{err}");
            return Ok(ExitCode::FAILURE);
        }
        Err(err) => return Err(err.into()),
    };
    let config = crate::config::Config::load(&paths.config)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "knowledge in {}: valid", paths.knowledge.display())?;
    writeln!(out, "  entries: {}", knowledge.entries.len())?;
    for category in Category::ALL {
        let count = knowledge.in_category(category).count();
        writeln!(out, "    {:<14} {count}", format!("{category:?}"))?;
    }
    let phrasings: usize = knowledge.entries.iter().map(|e| e.questions.len()).sum();
    writeln!(out, "  phrasings: {phrasings}")?;
    writeln!(out, "  quotes verified verbatim: {}", knowledge.quote_count())?;
    writeln!(out, "  aliases: {}", knowledge.aliases.len())?;
    let matcher = Matcher::new(&knowledge, config.matcher);
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
    writeln!(out, "  phrasings answered by their own entry: {}/{phrasings}", phrasings - misrouted)?;
    Ok(ExitCode::SUCCESS)
}
