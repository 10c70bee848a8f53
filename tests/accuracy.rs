//! Accuracy on the project's own question set (tests/data/questions.jsonl), graded as
//! `callbot eval` and ../shared/eval/check.py grade. Fails below its targets.

use callbot_test_support as common;

use callbot::cli::eval::{Summary, evaluate, read_items};

/// Share of answerable questions that must be answered with every expected fact
/// (measured 0.951 on 653 questions).
const ANSWERABLE_TARGET: f64 = 0.945;
/// Share of out-of-scope questions (traps included) that must be declined (measured 1.000).
const OUT_OF_SCOPE_TARGET: f64 = 0.99;
/// The same shares on the frozen holdout set (tests/data/holdout.jsonl: 350 questions
/// written blind from the article, 170 chat-style and 180 mostly plain, never trained or
/// tuned on; measured 0.936 and 0.957).
const HOLDOUT_TARGETS: (f64, f64) = (0.93, 0.95);

#[test]
fn own_question_set_meets_its_targets() {
    let engine = common::knowledge::engine();
    let items =
        read_items(&common::knowledge::crate_dir().join("tests/data/questions.jsonl")).expect("readable");
    assert!(items.len() >= 400, "the set has at least 400 questions");
    let results = evaluate(&engine, &items);
    let summary = Summary::new(&results);
    let failures: Vec<String> = results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| format!("{} [{}] {} — {}", r.item.id, r.item.cat, r.item.q, r.reason))
        .collect();
    assert!(
        summary.answerable() >= ANSWERABLE_TARGET && summary.oos_rejected() >= OUT_OF_SCOPE_TARGET,
        "answerable {:.3} (target {ANSWERABLE_TARGET}), out of scope declined {:.3} (target {OUT_OF_SCOPE_TARGET}); failures:\n{}",
        summary.answerable(),
        summary.oos_rejected(),
        failures.join("\n")
    );
}

#[test]
fn frozen_holdout_set_meets_its_targets() {
    let engine = common::knowledge::engine();
    let items =
        read_items(&common::knowledge::crate_dir().join("tests/data/holdout.jsonl")).expect("readable");
    let summary = Summary::new(&evaluate(&engine, &items));
    assert!(
        summary.answerable() >= HOLDOUT_TARGETS.0 && summary.oos_rejected() >= HOLDOUT_TARGETS.1,
        "holdout: answerable {:.3}, declined {:.3} (targets {HOLDOUT_TARGETS:?})",
        summary.answerable(),
        summary.oos_rejected()
    );
}

#[test]
fn every_category_is_covered() {
    let items =
        read_items(&common::knowledge::crate_dir().join("tests/data/questions.jsonl")).expect("readable");
    for cat in ["discussed", "not_discussed", "yesno", "reaction", "aftermath", "analysis", "variant", "oos"]
    {
        assert!(items.iter().filter(|i| i.cat == cat).count() >= 10, "{cat}");
    }
}

#[test]
fn the_set_has_every_kind_of_hard_question() {
    let items =
        read_items(&common::knowledge::crate_dir().join("tests/data/questions.jsonl")).expect("readable");
    // The id's prefix says how a question is written: a trap (a named entity, an
    // unreported fact), a short or chatty input, chat style, a paraphrase, English,
    // Traditional; `gen-` are the kinds a set written apart from the knowledge found hard
    // (unreported details of named things, roles, fields, neighbouring numbers, this call's
    // date, long messages, English, summaries, two questions at once, slang).
    for (prefix, least) in
        [("trap-", 60), ("short-", 40), ("chat-", 80), ("para-", 30), ("en-", 15), ("tw-", 15), ("gen-", 95)]
    {
        let count = items.iter().filter(|i| i.id.starts_with(prefix)).count();
        assert!(count >= least, "{prefix}: {count} < {least}");
    }
    assert!(
        items.iter().filter(|i| i.id.starts_with("trap-")).all(|i| i.cat == "oos"),
        "traps must be declined"
    );
}
