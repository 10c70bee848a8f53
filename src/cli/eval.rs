//! `callbot eval`: runs a question file and reports accuracy per category, graded as
//! `../shared/eval/check.py` grades (every expected group met as a substring).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Deserialize;

use crate::engine::Engine;

/// Arguments of `callbot eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The question file: one JSON object per line, e.g. {"id": "q1", "cat": "discussed",
    /// "q": "他们谈了冰球吗", "expect": [["冰球"], ["七"]]}: the reply must hold one string of
    /// each `expect` group; `cat` "oos" expects a decline.
    #[arg(required_unless_present = "cv", conflicts_with = "cv")]
    pub file: Option<PathBuf>,
    /// Instead of a question file, K-fold cross-validation over the labelled examples of
    /// the knowledge's `examples/` folder, reported per kind.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u16).range(2..))]
    pub cv: Option<u16>,
    /// With `--cv`: instead of the figures per kind, the answer and out-of-scope
    /// thresholds that cross-validation scores best.
    #[arg(long, requires = "cv")]
    pub sweep: bool,
    /// Exit with failure when overall accuracy is below this (0–1).
    #[arg(long, value_name = "RATE")]
    pub min_accuracy: Option<f64>,
}

/// One question of a question file.
#[derive(Debug, Clone, Deserialize)]
pub struct EvalItem {
    /// Unique id.
    pub id: String,
    /// Category; `oos` items must be declined.
    pub cat: String,
    /// The question.
    pub q: String,
    /// Groups of alternatives; each group must be met by one alternative.
    pub expect: Vec<Vec<String>>,
}

/// The category of questions that must be declined.
pub const OUT_OF_SCOPE: &str = "oos";

/// How one item fared.
#[derive(Debug, Clone)]
pub struct EvalResult {
    /// The item.
    pub item: EvalItem,
    /// Whether it passed.
    pub passed: bool,
    /// Why it failed.
    pub reason: String,
    /// The reply's text.
    pub answer: String,
}

/// Reads a question file; errors name the line.
pub fn read_items(path: &std::path::Path) -> anyhow::Result<Vec<EvalItem>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read question file {}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line).map_err(|e| anyhow::anyhow!("{}:{}: {e}", path.display(), n + 1))
        })
        .collect()
}

/// Grades every item.
pub fn evaluate(engine: &Engine, items: &[EvalItem]) -> Vec<EvalResult> {
    items
        .iter()
        .map(|item| {
            let (_, reply) = engine.ask(&item.q);
            let answer = reply.to_plain_text(engine);
            // Graded in Simplified, as the expected facts are written: the script of the
            // reply is tested apart. As check.py does, the suggested questions are not
            // the answer.
            let folded = reply.script.fold(&answer).into_owned();
            let graded = reply.suggestions.iter().fold(folded, |a, s| a.replace(&s.question, ""));
            let (passed, reason) = grade(item, reply.is_answered(), &graded);
            EvalResult { item: item.clone(), passed, reason, answer }
        })
        .collect()
}

fn grade(item: &EvalItem, answered: bool, answer: &str) -> (bool, String) {
    if item.cat == OUT_OF_SCOPE {
        return if answered {
            (false, "answered an out-of-scope question".to_owned())
        } else {
            (true, String::new())
        };
    }
    if !answered {
        return (false, "declined an answerable question".to_owned());
    }
    let answer = grading_form(answer);
    let missing: Vec<String> = item
        .expect
        .iter()
        .filter(|group| !group.iter().any(|alt| answer.contains(&grading_form(alt))))
        .map(|group| format!("[{}]", group.join("|")))
        .collect();
    if missing.is_empty() { (true, String::new()) } else { (false, format!("missing {}", missing.join(" "))) }
}

/// Full-width to half-width and lower case, as the grader compares, and Simplified: an
/// expected fact written in either script is found in a reply in either.
fn grading_form(text: &str) -> String {
    fast2s::convert(text)
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Pass counts per category, and overall.
#[derive(Debug, Default)]
pub struct Summary {
    /// Category → (passed, total).
    pub by_category: BTreeMap<String, (usize, usize)>,
}

impl Summary {
    /// Tallies results.
    pub fn new(results: &[EvalResult]) -> Self {
        let mut by_category: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for result in results {
            let tally = by_category.entry(result.item.cat.clone()).or_default();
            tally.0 += usize::from(result.passed);
            tally.1 += 1;
        }
        Self { by_category }
    }

    fn rate(&self, include: impl Fn(&str) -> bool) -> f64 {
        let (passed, total) = self
            .by_category
            .iter()
            .filter(|(cat, _)| include(cat))
            .fold((0, 0), |(p, t), (_, (cp, ct))| (p + cp, t + ct));
        if total == 0 { 0.0 } else { passed as f64 / total as f64 }
    }

    /// Share of answerable items passed.
    pub fn answerable(&self) -> f64 {
        self.rate(|cat| cat != OUT_OF_SCOPE)
    }

    /// Share of out-of-scope items declined.
    pub fn oos_rejected(&self) -> f64 {
        self.rate(|cat| cat == OUT_OF_SCOPE)
    }

    /// Share of all items passed.
    pub fn overall(&self) -> f64 {
        self.rate(|_| true)
    }
}

/// Runs the file and prints failures and per-category accuracy.
pub fn run(engine: &Engine, file: &std::path::Path, args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let items = read_items(file)?;
    let results = evaluate(engine, &items);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for result in results.iter().filter(|r| !r.passed) {
        let answer: String = result.answer.chars().take(120).collect();
        writeln!(
            out,
            "FAIL {} [{}] {}\n     {}\n     {}",
            result.item.id, result.item.cat, result.item.q, result.reason, answer
        )?;
    }
    let summary = Summary::new(&results);
    for (cat, (passed, total)) in &summary.by_category {
        writeln!(out, "{cat:<14} {passed:>4} / {total:<4} {:.3}", *passed as f64 / *total as f64)?;
    }
    writeln!(
        out,
        "answerable {:.3} oos_rejected {:.3} overall {:.3}",
        summary.answerable(),
        summary.oos_rejected(),
        summary.overall()
    )?;
    if let Some(min) = args.min_accuracy
        && summary.overall() < min
    {
        writeln!(out, "overall {:.3} is below --min-accuracy {min}: failing", summary.overall())?;
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(cat: &str, expect: &[&[&str]]) -> EvalItem {
        EvalItem {
            id: "t".into(),
            cat: cat.into(),
            q: "q".into(),
            expect: expect.iter().map(|g| g.iter().map(|s| s.to_string()).collect()).collect(),
        }
    }

    #[test]
    fn every_group_must_be_met() {
        let it = item("discussed", &[&["175"], &["19日", "19号"]]);
        assert!(grade(&it, true, "俄乌19号互换１７５人").0);
        assert!(!grade(&it, true, "互换175人").0);
        assert!(!grade(&it, false, "175 19日").0);
    }

    #[test]
    fn out_of_scope_must_be_declined() {
        assert!(grade(&item("oos", &[]), false, "").0);
        assert!(!grade(&item("oos", &[]), true, "").0);
    }
}
