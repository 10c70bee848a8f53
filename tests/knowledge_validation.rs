//! Loading refuses bad knowledge with a message naming the file, the line, the entry
//! and what is wrong. Each fixture in tests/fixtures/entries/ has one kind of error.

use callbot_test_support as common;

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

/// The one problem of a fixture, checked for its place: file, line and entry.
fn problem_at(fixture: &str, line: usize, entry: &str) -> Problem {
    let problem = only_problem(fixture);
    assert_eq!(problem.file, format!("entries/{fixture}"), "{problem}");
    assert_eq!(problem.line, Some(line), "{problem}");
    assert_eq!(problem.entry.as_deref(), Some(entry), "{problem}");
    let shown = problem.to_string();
    assert!(shown.starts_with(&format!("entries/{fixture}:{line}: entry `{entry}`: ")), "{shown}");
    problem
}

#[test]
fn a_correction_anywhere_but_after_a_declared_typo_is_refused() {
    let problem = problem_at("correction_not_after_typo.toml", 9, "inserted");
    assert!(problem.message.contains("`〔不〕` is not a declared correction"), "{problem}");
    assert!(problem.message.contains("日军〔俄军〕"), "names the declared typo: {problem}");
}

#[test]
fn an_answer_never_marks_a_correction() {
    let problem = problem_at("correction_in_answer.toml", 6, "answer-marked");
    assert!(problem.message.contains("answer marks a correction with 〔〕"), "{problem}");
}

#[test]
fn a_direct_quote_must_stand_inside_quotation_marks() {
    let problem = problem_at("direct_not_in_quotation_marks.toml", 9, "not-their-words");
    assert!(problem.message.contains("is not inside quotation marks in the article"), "{problem}");
    assert!(problem.message.contains("kind = \"reported\""), "says what to use instead: {problem}");
}

#[test]
fn a_direct_quote_is_the_words_inside_the_marks() {
    let problem = problem_at("direct_with_quotation_marks.toml", 9, "marked");
    assert!(problem.message.contains("contains quotation marks"), "{problem}");
}

#[test]
fn narration_is_credited_to_the_article_only() {
    let problem = problem_at("narration_with_a_speaker.toml", 9, "narrated");
    assert!(problem.message.contains("is narration"), "{problem}");
    assert!(problem.message.contains("新华社") && problem.message.contains("`特朗普`"), "{problem}");
}

#[test]
fn a_speaker_must_be_named_in_the_quotes_paragraph() {
    let problem = problem_at("speaker_not_in_paragraph.toml", 9, "unnamed");
    assert!(problem.message.contains("speaker `白宫` is not named in the quote's paragraph"), "{problem}");
}

#[test]
fn reported_speech_needs_a_speaker() {
    let problem = problem_at("reported_without_speaker.toml", 9, "nobody");
    assert!(
        problem.message.contains("reported quote") && problem.message.contains("has no speaker"),
        "{problem}"
    );
}

#[test]
fn the_articles_own_words_are_narration_not_reported_speech() {
    let problem = problem_at("reported_by_the_article.toml", 9, "self-report");
    assert!(problem.message.contains("make it kind = \"narration\""), "{problem}");
}

#[test]
fn an_unknown_quote_kind_is_refused_with_its_name() {
    let problem = only_problem("unknown_kind.toml");
    assert_eq!(problem.line, Some(10), "{problem}");
    assert!(problem.message.contains("paraphrase"), "{problem}");
    assert!(problem.message.contains("direct"), "lists the kinds: {problem}");
}

#[test]
fn the_first_question_must_be_a_whole_question() {
    let problem = problem_at("fragment_first_question.toml", 6, "rubio");
    assert!(problem.message.contains("`鲁比奥?`") && problem.message.contains("whole question"), "{problem}");
}

#[test]
fn answers_never_use_relative_dates() {
    let problem = problem_at("relative_date_in_answer.toml", 6, "yesterday");
    assert!(problem.message.contains("`昨天`") && problem.message.contains("publication"), "{problem}");
}

#[test]
fn quotes_end_before_a_relative_date() {
    let problem = problem_at("relative_date_in_quote.toml", 9, "yesterday-quoted");
    assert!(problem.message.contains("`昨天`"), "{problem}");
}

#[test]
fn answers_never_nest_the_same_quotation_marks() {
    let problem = problem_at("nested_quotation_marks.toml", 6, "nested");
    assert!(
        problem.message.contains("nests quotation marks") && problem.message.contains("‘…’"),
        "{problem}"
    );
}

#[test]
fn a_status_needs_quoted_evidence() {
    let problem = problem_at("status_without_evidence.toml", 2, "unsupported");
    assert!(problem.message.contains("quotes its evidence"), "{problem}");
}

#[test]
fn a_disputed_status_quotes_both_readings() {
    let problem = problem_at("disputed_with_one_reading.toml", 2, "one-sided");
    assert!(problem.message.contains("both readings"), "{problem}");
}

#[test]
fn the_same_evidence_gives_the_same_verdict() {
    let problem = problem_at("same_evidence_two_verdicts.toml", 15, "power-plant");
    assert!(
        problem.message.contains("`not_discussed` differs from `not_mentioned` of entry `territory`"),
        "{problem}"
    );
    assert!(
        problem.message.contains("entries/same_evidence_two_verdicts.toml:2"),
        "names the other: {problem}"
    );
    assert!(problem.message.contains("均未提及上述内容"), "quotes the evidence: {problem}");
}

#[test]
fn points_run_from_one_without_a_gap() {
    let problem = problem_at("point_gap.toml", 13, "third");
    assert!(problem.message.contains("point 3 follows a gap: no entry is point 2"), "{problem}");
}

#[test]
fn only_discussed_entries_are_numbered_points() {
    let problem = problem_at("point_outside_discussed.toml", 5, "numbered-reaction");
    assert!(problem.message.contains("only a `discussed` entry"), "{problem}");
}

#[test]
fn a_direct_quote_is_credited_only_to_whoever_the_paragraph_names() {
    let problem = problem_at("direct_quote_of_someone_else.toml", 9, "wrong-mouth");
    assert!(
        problem.message.contains("its speaker `泽连斯基` is not named in the quote's paragraph"),
        "{problem}"
    );
}
