//! `callbot review`: the review log grouped for an editor, most frequent first.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::config::Settings;
use crate::engine::Locations;
use crate::knowledge::KnowledgeBase;
use crate::review::{self, Advice, Group, ReviewConfig};

/// Arguments of `callbot review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The review log (default: `[review] log` of the configuration).
    pub log: Option<PathBuf>,
    /// Print the groups as one JSON array, for tools.
    #[arg(long)]
    pub json: bool,
    /// Show at most this many questions of each group.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub examples: usize,
}

/// Reads the log and prints its groups; an entry a group goes to is named by its id and
/// its question, from the knowledge at `locations` (by its id alone if that does not load).
pub fn run(locations: &Locations, settings: &Settings, args: &ReviewArgs) -> anyhow::Result<ExitCode> {
    let config: ReviewConfig = settings.section(ReviewConfig::SECTION, ReviewConfig::validate)?;
    let path = args.log.clone().unwrap_or(config.log);
    if !path.exists() {
        anyhow::bail!(
            "no review log at {}: `callbot bot` writes one as it answers (`[review] log` in the configuration), and `callbot ask --log FILE` and `callbot chat --log FILE` write the same. Name another with `callbot review FILE`",
            path.display()
        );
    }
    let records = review::read(&path)?;
    let groups = review::group(&records, config.near);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &groups)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "{} questions to review in {}, {} groups", records.len(), path.display(), groups.len())?;
    let knowledge = locations.knowledge().ok();
    for group in &groups {
        write_group(&mut out, group, knowledge.as_ref(), args.examples)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_group(
    out: &mut impl Write,
    group: &Group,
    knowledge: Option<&KnowledgeBase>,
    examples: usize,
) -> std::io::Result<()> {
    let advice = match &group.advice {
        Advice::AddTo { entry } => {
            let asks = knowledge
                .and_then(|k| k.entry(entry))
                .map(|e| format!(", which answers “{}”", e.canonical_question()))
                .unwrap_or_default();
            format!("add these phrasings to entry `{entry}`{asks} (or make its answer give what is asked)")
        }
        Advice::NewEntry { about } if about.is_empty() => "a new entry is needed".to_owned(),
        Advice::NewEntry { about } => format!("a new entry is needed, about “{about}”"),
    };
    let why: Vec<String> = group.why.iter().map(|(why, n)| format!("{} {n}", why.name())).collect();
    writeln!(out, "\n{} × {advice}", group.count)?;
    writeln!(out, "  why: {}", why.join(", "))?;
    if !group.words.is_empty() {
        writeln!(out, "  shared words: {}", group.words.join(" "))?;
    }
    for asked in group.questions.iter().take(examples) {
        writeln!(out, "  {:>4} × {}", asked.count, asked.question)?;
    }
    let more = group.questions.len().saturating_sub(examples);
    if more > 0 {
        writeln!(out, "  … and {more} other phrasings")?;
    }
    Ok(())
}
