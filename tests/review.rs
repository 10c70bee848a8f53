//! The review log: which questions are written (and nothing that identifies anyone), how
//! `callbot review` groups them, and the bot writing it as it serves.

use callbot_test_support as common;

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use callbot::review::{self, Advice, Record, ReviewLog, Scored, Why};
use common::bot::{self, WAIT};
use common::fake_telegram::{FakeTelegram, TestUser, TextMessage};

fn record(question: &str, words: &[&str], entry: &str, score: f64, why: Why) -> Record {
    Record {
        time: "2025-03-19T08:00:00Z".to_owned(),
        chat: "private".to_owned(),
        question: question.to_owned(),
        words: words.iter().map(|w| (*w).to_owned()).collect(),
        best: vec![Scored { entry: entry.to_owned(), score }],
        why,
    }
}

/// Three questions near one entry, two about the weather, one about the Olympics.
fn fixed_set() -> Vec<Record> {
    vec![
        record("战俘换了几个", &["战俘", "换", "几个"], "prisoner-swap", 0.31, Why::NoMatch),
        record("明天天气怎么样", &["明天", "天气", "怎么样"], "call-overview", 0.08, Why::NoMatch),
        record("交换俘虏的人数", &["交换", "俘虏", "人数"], "prisoner-swap", 0.36, Why::LowMargin),
        record("北京天气如何", &["北京", "天气", "如何"], "call-overview", 0.05, Why::NoMatch),
        record("战俘换了几个", &["战俘", "换", "几个"], "prisoner-swap", 0.31, Why::NoMatch),
        record("奥运会在哪办", &["奥运会", "哪", "办"], "hockey", 0.12, Why::NoMatch),
    ]
}

#[test]
fn the_log_is_rotated_past_its_size_and_keeps_every_record_of_the_new_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("review.jsonl");
    let log = ReviewLog::open(&path, 0.05).expect("opens").with_max_bytes(400);
    for record in fixed_set().iter().cycle().take(12) {
        log.append(record).expect("written");
    }
    let current = std::fs::metadata(&path).expect("current").len();
    let rotated = std::fs::metadata(log.rotated_path()).expect("rotated").len();
    assert!(current <= 400 && rotated <= 400, "each file within the cap: {current}, {rotated}");
    let kept =
        review::read(&path).expect("reads").len() + review::read(&log.rotated_path()).expect("reads").len();
    assert!(kept >= 4, "the newest records are kept whole: {kept}");
}

#[test]
fn a_long_question_is_kept_only_to_the_longest_question_read() {
    let engine = common::knowledge::engine();
    let question = "天气".repeat(2_000);
    let (found, reply) = engine.ask(&question);
    let record = Record::of(&engine, "private", &question, &found, &reply, 0.05).expect("recorded");
    assert_eq!(record.question.chars().count(), engine.config().matcher.max_question_chars);
}

#[test]
fn questions_are_grouped_by_nearest_entry_then_by_shared_words() {
    let groups = review::group(&fixed_set(), 0.25);
    let summary: Vec<(Advice, usize)> = groups.iter().map(|g| (g.advice.clone(), g.count)).collect();
    assert_eq!(
        summary,
        vec![
            (Advice::AddTo { entry: "prisoner-swap".into() }, 3),
            (Advice::NewEntry { about: "天气".into() }, 2),
            (Advice::NewEntry { about: "奥运会".into() }, 1),
        ]
    );
    let first = &groups[0];
    assert_eq!(first.questions[0].question, "战俘换了几个");
    assert_eq!(first.questions[0].count, 2);
    assert_eq!(first.why, vec![(Why::NoMatch, 2), (Why::LowMargin, 1)]);
    assert_eq!(groups[1].words, vec!["天气".to_owned()]);
}

fn write_log(path: &Path, records: &[Record]) {
    let mut file = std::fs::File::create(path).expect("create log");
    for record in records {
        writeln!(file, "{}", serde_json::to_string(record).expect("serialises")).expect("write");
    }
}

#[test]
fn the_review_command_prints_the_largest_group_first_and_json_for_tools() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("review.jsonl");
    write_log(&log, &fixed_set());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_callbot")).args(args).env("RUST_LOG", "warn").output().expect("runs")
    };
    let output = run(&["review", log.to_str().expect("utf-8")]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    let groups: Vec<&str> = text.lines().filter(|l| l.contains(" × ") && !l.starts_with("  ")).collect();
    let knowledge = bot::knowledge();
    let asks = knowledge.entry("prisoner-swap").expect("the entry").canonical_question();
    let add_to = format!(
        "3 × add these phrasings to entry `prisoner-swap`, which answers “{asks}” (or make its answer give what is asked)"
    );
    assert_eq!(
        groups,
        vec![
            add_to.as_str(),
            "2 × a new entry is needed, about “天气”",
            "1 × a new entry is needed, about “奥运会”",
        ],
        "{text}"
    );

    let output = run(&["review", "--json", log.to_str().expect("utf-8")]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json[0]["advice"]["action"], "add_to");
    assert_eq!(json[0]["advice"]["entry"], "prisoner-swap");
    assert_eq!(json[1]["advice"]["about"], "天气");
}

#[test]
fn a_malformed_line_is_named_with_its_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("review.jsonl");
    write_log(&log, &fixed_set()[..2]);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .and_then(|mut f| writeln!(f, "{{not json"))
        .expect("append");
    let err = review::read(&log).expect_err("malformed");
    assert!(err.to_string().starts_with(&format!("review log {}:3:", log.display())), "{err}");
}

#[test]
fn declined_clarified_and_low_margin_questions_are_recorded_and_good_answers_are_not() {
    let engine = common::knowledge::engine();
    let (found, reply) = engine.ask("明天北京天气怎么样");
    let declined =
        Record::of(&engine, "private", "明天北京天气怎么样", &found, &reply, 0.05).expect("recorded");
    assert_eq!(declined.why, Why::NoMatch);
    assert!(!declined.words.is_empty() && !declined.best.is_empty());

    let (mut found, mut reply) = engine.ask("俄乌双方将互换多少名被俘人员？");
    assert!(reply.is_answered());
    assert_eq!(
        Record::of(&engine, "private", "q", &found, &reply, 0.05),
        None,
        "a clear answer is not logged"
    );
    reply.did_you_mean = reply.suggestions.clone();
    assert_eq!(Record::of(&engine, "group", "q", &found, &reply, 0.05).map(|r| r.why), Some(Why::Clarified));
    reply.did_you_mean.clear();
    found.candidates[0].score = engine.config().matcher.threshold + 0.01;
    assert_eq!(Record::of(&engine, "group", "q", &found, &reply, 0.05).map(|r| r.why), Some(Why::LowMargin));
}

#[tokio::test]
async fn the_bot_logs_a_declined_question_without_any_id()
-> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("review.jsonl");
    let fake = FakeTelegram::start().await;
    let mut setup = bot::engine();
    setup.review = Some(Arc::new(ReviewLog::open(&path, 0.05)?));
    let running = bot::start(&fake, setup).await;
    let user = TestUser::new(777_001, "Rita");
    fake.push_text(TextMessage::private(&user, "明天北京天气怎么样"));
    fake.push_text(TextMessage::private(&user, "俄乌交换了多少被俘人员？"));
    bot::wait_for_delivered(&fake, user.id, 2, WAIT).await;
    bot::finish(&fake, running).await;

    let text = std::fs::read_to_string(&path)?;
    let lines: Vec<serde_json::Value> = text.lines().map(serde_json::from_str).collect::<Result<_, _>>()?;
    assert_eq!(lines.len(), 1, "only the declined question: {text}");
    let line = &lines[0];
    assert_eq!(line["question"], "明天北京天气怎么样");
    assert_eq!(line["chat"], "private");
    assert_eq!(line["why"], "no_match");
    let keys: Vec<&str> = line.as_object().ok_or("an object")?.keys().map(String::as_str).collect();
    assert_eq!(keys, vec!["best", "chat", "question", "time", "why", "words"]);
    assert!(!text.contains("777001") && !text.contains("Rita"), "{text}");
    Ok(())
}
