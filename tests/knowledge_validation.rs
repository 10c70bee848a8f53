//! Loading refuses bad knowledge with a message naming the file, the line, the entry
//! and what is wrong. Each fixture in tests/fixtures/entries/ has one kind of error.

mod common;

use callbot::knowledge::{KnowledgeBase, KnowledgeError, Problem};

fn problems(fixture: &str) -> Vec<Problem> {
    match KnowledgeBase::from_sources(&common::knowledge::sources_with_entries(&[fixture])) {
        Ok(_) => panic!("{fixture} should be refused"),
        Err(KnowledgeError::Invalid(problems)) => problems,
        Err(other) => panic!("{fixture}: unexpected error {other}"),
    }
}

fn only_problem(fixture: &str) -> Problem {
    let mut found = problems(fixture);
    assert_eq!(found.len(), 1, "{fixture}: {found:?}");
    found.remove(0)
}

#[test]
fn the_project_knowledge_is_valid() {
    let knowledge = KnowledgeBase::load(&common::knowledge::paths().knowledge).expect("valid");
    assert!(knowledge.entries.len() >= 50);
    assert!(knowledge.quote_count() >= 50);
}

#[test]
fn malformed_toml_names_file_and_line() {
    let problem = only_problem("malformed.toml");
    assert_eq!(problem.file, "entries/malformed.toml");
    assert_eq!(problem.line, Some(4));
    assert!(problem.message.starts_with("malformed TOML"), "{problem}");
}

#[test]
fn unknown_field_is_refused_with_its_name() {
    let problem = only_problem("unknown_field.toml");
    assert_eq!(problem.line, Some(6));
    assert!(problem.message.contains("anwser"), "{problem}");
}

#[test]
fn bad_category_is_refused() {
    let problem = only_problem("bad_category.toml");
    assert!(problem.message.contains("sports"), "{problem}");
}

#[test]
fn duplicate_id_names_both_places() {
    let problem = only_problem("duplicate_id.toml");
    assert_eq!(problem.entry.as_deref(), Some("same"));
    assert_eq!(problem.line, Some(9));
    assert!(problem.message.contains("entries/duplicate_id.toml:2"), "{problem}");
}

#[test]
fn follow_up_to_an_unknown_id_is_refused() {
    let problem = only_problem("unknown_follow_up.toml");
    assert_eq!(problem.entry.as_deref(), Some("lonely"));
    assert_eq!(problem.line, Some(7));
    assert!(problem.message.contains("`no-such-entry` is not the id of any entry"), "{problem}");
}

#[test]
fn quote_not_in_the_article_is_refused() {
    let problem = only_problem("quote_not_verbatim.toml");
    assert_eq!(problem.entry.as_deref(), Some("misquoted"));
    assert_eq!(problem.line, Some(9));
    assert!(problem.message.contains("not found verbatim"), "{problem}");
    assert!(problem.to_string().contains("特朗普大力支持"), "{problem}");
}

#[test]
fn empty_questions_are_refused() {
    let problem = only_problem("empty_questions.toml");
    assert!(problem.message.contains("questions is empty"), "{problem}");
}

#[test]
fn empty_answer_is_refused() {
    let problem = only_problem("empty_answer.toml");
    assert!(problem.message.contains("answer is empty"), "{problem}");
}

#[test]
fn answers_longer_than_three_sentences_are_refused() {
    let problem = only_problem("long_answer.toml");
    assert!(problem.message.contains("answer has 4 sentences"), "{problem}");
}

#[test]
fn quote_repeating_the_typo_must_mark_the_correction() {
    let problem = only_problem("uncorrected_typo.toml");
    assert!(problem.message.contains("日军〔俄军〕"), "{problem}");
}

#[test]
fn answer_repeating_the_typo_is_refused() {
    let problem = only_problem("typo_in_answer.toml");
    assert!(problem.message.contains("write `俄军`"), "{problem}");
}

#[test]
fn quote_in_another_section_is_refused() {
    let problem = only_problem("wrong_section.toml");
    assert!(problem.message.contains("stands in section A, not B"), "{problem}");
}

#[test]
fn unknown_section_is_refused() {
    let problem = only_problem("unknown_section.toml");
    assert!(problem.message.contains("section `E` is unknown"), "{problem}");
}

#[test]
fn every_problem_of_every_file_is_reported_at_once() {
    let sources = common::knowledge::sources_with_entries(&["empty_answer.toml", "unknown_follow_up.toml"]);
    let Err(err) = KnowledgeBase::from_sources(&sources) else { panic!("should be refused") };
    assert_eq!(err.problems().len(), 2, "{err}");
    assert!(err.to_string().starts_with("2 problems in the knowledge"), "{err}");
}
