//! `callbot eval --cv K`: K-fold cross-validation over the labelled examples of
//! `knowledge/examples/`. Each fold's matcher learns from the entries' phrasings and the
//! other folds' examples, then reads the fold's own: an example labelled with an entry
//! passes when that entry is answered first, one labelled out of scope when it is
//! declined. The figures are printed per kind, so an editor sees which style is weak.
//!
//! With `--sweep`, the decision's two thresholds (`matcher.threshold` on the best
//! entry's score, `matcher.out_of_scope` on the model's probability that no entry
//! answers) are chosen from the same held-out readings: each example is read once with
//! both gates open, and every pair of a grid is scored on what it would have answered.
//! The pair with the best balanced rate (the mean of answerable and declined) is printed
//! with the grid, for the configuration.

use std::collections::BTreeMap;
use std::io::Write;

use crate::knowledge::KnowledgeBase;
use crate::matcher::{Matcher, MatcherConfig, Outcome};

/// Passed and total counts of answerable and of out-of-scope examples.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Answerable examples answered by their entry.
    pub answered: usize,
    /// Answerable examples.
    pub answerable: usize,
    /// Out-of-scope examples declined.
    pub declined: usize,
    /// Out-of-scope examples.
    pub out_of_scope: usize,
}

impl Tally {
    fn add(&mut self, labelled_entry: bool, passed: bool) {
        if labelled_entry {
            self.answerable += 1;
            self.answered += usize::from(passed);
        } else {
            self.out_of_scope += 1;
            self.declined += usize::from(passed);
        }
    }
}

fn rate(passed: usize, total: usize) -> f64 {
    if total == 0 { 0.0 } else { passed as f64 / total as f64 }
}

/// What cross-validation found: a tally per kind of example, and one in all.
#[derive(Debug, Default)]
pub struct CrossValidation {
    /// Kind → tally.
    pub by_kind: BTreeMap<String, Tally>,
    /// All examples.
    pub total: Tally,
    /// The examples that failed: (fold, question, expected id or `out_of_scope`, what was
    /// done instead).
    pub failures: Vec<String>,
}

/// How one held-out example was read with both gates open: what a pair of thresholds
/// decides from.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    /// The entry the example is labelled with; `None` for out of scope.
    pub expected: Option<usize>,
    /// The best entry and whether it would be answered (or said unreported) once past
    /// the gates.
    pub best: Option<(usize, bool)>,
    /// The best entry's score.
    pub score: f64,
    /// The model's probability of out of scope.
    pub out_of_scope: f64,
}

impl Reading {
    /// Whether the example passes with these thresholds.
    fn passes(&self, threshold: f64, out_of_scope: f64) -> bool {
        let open = self.score >= threshold && self.out_of_scope < out_of_scope;
        let answered_by = self.best.filter(|(_, answers)| open && *answers).map(|(entry, _)| entry);
        answered_by == self.expected
    }
}

/// The tally of readings under a pair of thresholds.
pub fn tally(readings: &[Reading], threshold: f64, out_of_scope: f64) -> Tally {
    let mut tally = Tally::default();
    for reading in readings {
        tally.add(reading.expected.is_some(), reading.passes(threshold, out_of_scope));
    }
    tally
}

/// Reads every example held out, K folds, with both gates open.
pub fn readings(knowledge: &KnowledgeBase, config: &MatcherConfig, k: usize) -> Vec<Reading> {
    let fold_of = folds(knowledge, k);
    let open = MatcherConfig { threshold: 0.0, out_of_scope: f64::INFINITY, ..config.clone() };
    let mut readings = Vec::with_capacity(knowledge.examples.len());
    for fold in 0..k {
        let matcher = Matcher::trained_on(knowledge, open.clone(), |i| fold_of[i] != fold);
        for (example, _) in knowledge.examples.iter().zip(&fold_of).filter(|(_, f)| **f == fold) {
            let found = matcher.find(&example.question);
            let answers = matches!(found.outcome, Outcome::Answer | Outcome::Unreported);
            readings.push(Reading {
                expected: example.entry,
                best: found.best().map(|c| (c.entry, answers)),
                score: found.best().map_or(0.0, |c| c.score),
                out_of_scope: found.out_of_scope,
            });
        }
    }
    readings
}

/// The thresholds of the grid: scores 0.10–0.50 by 0.02, out-of-scope probabilities
/// 0.10–0.90 by 0.05.
fn grid() -> impl Iterator<Item = (f64, f64)> {
    (0..=20).flat_map(|t| (0..=16).map(move |o| (0.10 + 0.02 * f64::from(t), 0.10 + 0.05 * f64::from(o))))
}

/// The balanced rate of a tally: the mean of answerable and declined.
fn balanced(tally: &Tally) -> f64 {
    (rate(tally.answered, tally.answerable) + rate(tally.declined, tally.out_of_scope)) / 2.0
}

/// Prints the best pairs of the grid, best first, and the configured pair's figures.
pub fn report_sweep(
    readings: &[Reading],
    config: &MatcherConfig,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mut scored: Vec<(f64, f64, Tally)> = grid().map(|(t, o)| (t, o, tally(readings, t, o))).collect();
    scored.sort_by(|a, b| balanced(&b.2).total_cmp(&balanced(&a.2)));
    writeln!(out, "threshold  out_of_scope  answerable  declined  balanced")?;
    let line = |t: f64, o: f64, tally: &Tally| {
        format!(
            "{t:>9.2}  {o:>12.2}  {:>10.3}  {:>8.3}  {:>8.3}",
            rate(tally.answered, tally.answerable),
            rate(tally.declined, tally.out_of_scope),
            balanced(tally)
        )
    };
    for (t, o, tally) in scored.iter().take(10) {
        writeln!(out, "{}", line(*t, *o, tally))?;
    }
    let configured = tally(readings, config.threshold, config.out_of_scope);
    writeln!(out, "configured:\n{}", line(config.threshold, config.out_of_scope, &configured))?;
    if let Some((t, o, _)) = scored.first() {
        writeln!(out, "best: threshold = {t:.2}, out_of_scope = {o:.2} ([matcher] in the configuration)")?;
    }
    Ok(())
}

/// The fold an example belongs to: examples are dealt round the folds in file order
/// within each label, so that every fold holds some of every entry.
fn folds(knowledge: &KnowledgeBase, k: usize) -> Vec<usize> {
    let mut seen: BTreeMap<Option<usize>, usize> = BTreeMap::new();
    knowledge
        .examples
        .iter()
        .map(|example| {
            let count = seen.entry(example.entry).or_default();
            *count += 1;
            (*count - 1) % k
        })
        .collect()
}

/// Runs K-fold cross-validation (`k` at least 2).
pub fn cross_validate(knowledge: &KnowledgeBase, config: &MatcherConfig, k: usize) -> CrossValidation {
    let fold_of = folds(knowledge, k);
    let mut result = CrossValidation::default();
    for fold in 0..k {
        let matcher = Matcher::trained_on(knowledge, config.clone(), |i| fold_of[i] != fold);
        for (example, _) in knowledge.examples.iter().zip(&fold_of).filter(|(_, f)| **f == fold) {
            let found = matcher.find(&example.question);
            let answered_by = match found.outcome {
                Outcome::Answer | Outcome::Unreported => found.best().map(|c| c.entry),
                Outcome::Decline(_) => None,
            };
            let passed = answered_by == example.entry;
            result.by_kind.entry(example.kind.clone()).or_default().add(example.entry.is_some(), passed);
            result.total.add(example.entry.is_some(), passed);
            if !passed {
                let id = |entry: Option<usize>| {
                    entry.map_or("out_of_scope", |e| knowledge.entries[e].id.as_str()).to_owned()
                };
                result.failures.push(format!(
                    "FAIL {} [{}] {}\n     expected {}, got {}",
                    example.place,
                    example.kind,
                    example.question,
                    id(example.entry),
                    id(answered_by)
                ));
            }
        }
    }
    result
}

/// Prints the failures, then the figures per kind and in all.
pub fn report(result: &CrossValidation, k: usize, out: &mut impl Write) -> std::io::Result<()> {
    for failure in &result.failures {
        writeln!(out, "{failure}")?;
    }
    writeln!(out, "{k}-fold cross-validation over the examples")?;
    writeln!(out, "{:<16} {:>17} {:>17}", "kind", "answerable", "declined")?;
    let cell = |passed: usize, total: usize| {
        if total == 0 { "-".to_owned() } else { format!("{passed}/{total} {:.3}", rate(passed, total)) }
    };
    for (kind, tally) in result.by_kind.iter().chain([(&"all".to_owned(), &result.total)]) {
        writeln!(
            out,
            "{kind:<16} {:>17} {:>17}",
            cell(tally.answered, tally.answerable),
            cell(tally.declined, tally.out_of_scope)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_passes_only_past_both_gates_and_on_its_entry() {
        let reading = Reading { expected: Some(3), best: Some((3, true)), score: 0.4, out_of_scope: 0.2 };
        assert!(reading.passes(0.3, 0.5));
        assert!(!reading.passes(0.5, 0.5));
        assert!(!reading.passes(0.3, 0.1));
        let declined = Reading { expected: None, ..reading };
        assert!(declined.passes(0.5, 0.5));
        assert!(!declined.passes(0.3, 0.5));
        let missing = Reading { best: Some((3, false)), ..declined };
        assert!(missing.passes(0.3, 0.5));
        assert_eq!(
            tally(&[reading, declined], 0.3, 0.5),
            Tally { answered: 1, answerable: 1, declined: 0, out_of_scope: 1 }
        );
    }

    #[test]
    fn a_tally_counts_each_side_apart() {
        let mut tally = Tally::default();
        tally.add(true, true);
        tally.add(true, false);
        tally.add(false, true);
        assert_eq!(tally, Tally { answered: 1, answerable: 2, declined: 1, out_of_scope: 1 });
        assert_eq!(rate(0, 0), 0.0);
    }
}
