//! Conversations, run interleaved through `Engine::converse` with one context per
//! dialogue, as the bot keeps one per chat, and graded as
//! `../shared/eval/dialogue_check.py` grades them, on three sets:
//!
//! - `tests/data/dialogues.jsonl`: the project's own dialogues;
//! - `tests/data/dialogues_blind.jsonl`: 100 dialogues written from the article alone,
//!   without sight of the knowledge or the code, then used to develop the follow-up
//!   mechanisms (so no longer held out);
//! - `tests/data/dialogues_holdout.jsonl`: 60 dialogues written the same way and frozen:
//!   never tuned on, only measured.

use callbot_test_support as common;

use std::collections::HashMap;

use callbot::conversation::Context;
use callbot::engine::Engine;
use callbot::reply::Reply;
use common::knowledge::{crate_dir, engine};
use serde::Deserialize;

/// Measured on the own set (118 dialogues): 114/118 first turns (0.966), 139/142
/// follow-ups (0.979), with the learned scorer and the thresholds chosen by
/// cross-validation.
const FIRST_TURNS_AT_LEAST: f64 = 0.96;
const FOLLOW_UPS_AT_LEAST: f64 = 0.97;
/// When the dialogues start (any fixed time: contexts only compare times).
const START: u64 = 1_800_000_000;

#[derive(Debug, Deserialize)]
struct Dialogue {
    id: String,
    turns: Vec<Turn>,
}

#[derive(Debug, Deserialize)]
struct Turn {
    q: String,
    /// Groups of alternatives, each group must appear; `null`: must be declined.
    expect: Option<Vec<Vec<String>>>,
    /// Minutes since the dialogue's previous turn (default 1).
    idle_minutes: Option<u64>,
}

fn dialogues() -> Vec<Dialogue> {
    dialogues_in("tests/data/dialogues.jsonl")
}

fn dialogues_in(file: &str) -> Vec<Dialogue> {
    let text = std::fs::read_to_string(crate_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| serde_json::from_str(line).unwrap_or_else(|e| panic!("{file}:{}: {e}", n + 1)))
        .collect()
}

/// What a reply shows as its answer, without the suggested questions (as the checker reads it).
fn shown(reply: &Reply) -> String {
    let mut text = reply.answer_text();
    for quote in &reply.quotes {
        text.push_str(&quote.text);
    }
    text.to_lowercase()
}

/// Why a turn fails, or `None` when it passes.
fn grade(turn: &Turn, reply: &Reply) -> Option<String> {
    match &turn.expect {
        None => reply.is_answered().then(|| "answered a turn that should be declined".to_owned()),
        Some(_) if !reply.is_answered() => Some("declined an answerable turn".to_owned()),
        Some(groups) => {
            let text = shown(reply);
            let missing: Vec<String> = groups
                .iter()
                .filter(|g| !g.iter().any(|a| text.contains(&a.to_lowercase())))
                .map(|g| g.join("|"))
                .collect();
            (!missing.is_empty()).then(|| format!("missing {}", missing.join(" ")))
        }
    }
}

/// A set's pass rates when its dialogues are run interleaved: first turns, follow-ups,
/// and a report of the figures and failures.
fn run(dialogues: &[Dialogue]) -> (f64, f64, String) {
    let engine = engine();
    let depth = dialogues.iter().map(|d| d.turns.len()).max().unwrap_or(0);
    let mut contexts: HashMap<&str, Context> = HashMap::new();
    let mut clocks: HashMap<&str, u64> = HashMap::new();
    let (mut first, mut later) = ((0, 0), (0, 0));
    let mut failures = Vec::new();
    for t in 0..depth {
        for dialogue in dialogues.iter().filter(|d| t < d.turns.len()) {
            let turn = &dialogue.turns[t];
            let clock = clocks.entry(&dialogue.id).or_insert(START);
            *clock += 60 * turn.idle_minutes.unwrap_or(1);
            let answered = engine.converse(contexts.get(dialogue.id.as_str()), &turn.q, *clock);
            match answered.context {
                Some(context) => contexts.insert(&dialogue.id, context),
                None => contexts.remove(dialogue.id.as_str()),
            };
            let tally = if t == 0 { &mut first } else { &mut later };
            tally.1 += 1;
            match grade(turn, &answered.reply) {
                None => tally.0 += 1,
                Some(why) => failures.push(format!(
                    "{} turn {}: {} — {why}: {}",
                    dialogue.id,
                    t + 1,
                    turn.q,
                    answered.reply.answer_text()
                )),
            }
        }
    }
    let rate = |(pass, total): (usize, usize)| pass as f64 / total as f64;
    let report = format!(
        "first turns {}/{}, follow-ups {}/{}\n{}",
        first.0,
        first.1,
        later.0,
        later.1,
        failures.join("\n")
    );
    (rate(first), rate(later), report)
}

#[test]
fn own_dialogues_interleaved_meet_their_targets() {
    let dialogues = dialogues();
    assert!(dialogues.len() >= 80, "at least 80 dialogues, found {}", dialogues.len());
    let (first, later, report) = run(&dialogues);
    assert!(first >= FIRST_TURNS_AT_LEAST, "{report}");
    assert!(later >= FOLLOW_UPS_AT_LEAST, "{report}");
}

/// Measured on the blind set (100 dialogues): see README.md ("Figures").
const BLIND_FIRST_TURNS_AT_LEAST: f64 = 0.90;
const BLIND_FOLLOW_UPS_AT_LEAST: f64 = 0.80;

#[test]
fn dialogues_written_blind_meet_their_targets() {
    let dialogues = dialogues_in("tests/data/dialogues_blind.jsonl");
    assert_eq!(dialogues.len(), 100);
    let (first, later, report) = run(&dialogues);
    println!("blind dialogues: {report}");
    assert!(first >= BLIND_FIRST_TURNS_AT_LEAST, "{report}");
    assert!(later >= BLIND_FOLLOW_UPS_AT_LEAST, "{report}");
}

/// Measured on the frozen holdout (60 dialogues), never tuned on: see README.md.
const HOLDOUT_FIRST_TURNS_AT_LEAST: f64 = 0.86;
const HOLDOUT_FOLLOW_UPS_AT_LEAST: f64 = 0.74;

#[test]
fn frozen_holdout_dialogues_meet_their_targets() {
    let dialogues = dialogues_in("tests/data/dialogues_holdout.jsonl");
    assert_eq!(dialogues.len(), 60);
    let (first, later, report) = run(&dialogues);
    // Only the figures: the failures of a frozen set are not read.
    println!("frozen holdout dialogues: {}", report.lines().next().unwrap_or_default());
    assert!(first >= HOLDOUT_FIRST_TURNS_AT_LEAST, "first turns {first:.3}");
    assert!(later >= HOLDOUT_FOLLOW_UPS_AT_LEAST, "follow-ups {later:.3}");
}

#[test]
fn the_set_has_every_kind_of_follow_up() {
    let dialogues = dialogues();
    let later: Vec<&Turn> = dialogues.iter().flat_map(|d| d.turns.iter().skip(1)).collect();
    let has = |cue: &str| later.iter().any(|t| t.q.contains(cue));
    for cue in
        ["呢", "他", "这", "为什么", "谁说", "什么时候", "在哪", "多少", "第", "还有", "没了", "具体", "详细"]
    {
        assert!(has(cue), "no follow-up with {cue}");
    }
    assert!(later.iter().any(|t| t.expect.is_none()), "an unrelated or unanswerable turn after a follow-up");
    assert!(later.iter().any(|t| t.idle_minutes.unwrap_or(1) > 30), "a turn after the context expired");
    assert!(dialogues.iter().all(|d| (2..=4).contains(&d.turns.len())), "2 to 4 turns each");
}

#[test]
fn a_bare_follow_up_without_context_asks_for_more() {
    let engine = engine();
    for question in ["为什么？", "还有呢", "谁说的", "具体说说", "什么时候"] {
        let turn = engine.converse(None, question, START);
        assert!(!turn.reply.is_answered(), "{question}: {}", turn.reply.answer_text());
        assert!(turn.reply.text.contains("你想问哪方面"), "{question}: {}", turn.reply.text);
        assert!(!turn.reply.suggestions.is_empty(), "{question}: topic buttons");
    }
}

#[test]
fn context_never_answers_an_out_of_scope_question() {
    let engine = engine();
    let first = engine.converse(None, "泽连斯基对这次通话怎么看？", START);
    let context = first.context.expect("an answer leaves a context");
    for question in ["那拜登呢？", "那天气呢？", "今天股市怎么样", "那日本呢", "他喜欢吃什么"]
    {
        let alone = engine.ask(question).1;
        let turn = engine.converse(Some(&context), question, START + 60);
        assert!(
            !turn.reply.is_answered() || alone.is_answered(),
            "{question}: context made it answered: {}",
            turn.reply.answer_text()
        );
    }
}

/// The entry a conversation's turns end on, one turn after another.
fn entries_of(engine: &Engine, questions: &[&str]) -> Vec<Option<String>> {
    let mut context: Option<Context> = None;
    let mut entries = Vec::new();
    for (i, question) in questions.iter().enumerate() {
        let turn = engine.converse(context.as_ref(), question, START + 60 * i as u64);
        entries.push(turn.reply.is_answered().then(|| turn.reply.entry.clone()).flatten());
        context = turn.context;
    }
    entries
}

#[test]
fn the_item_before_and_items_counted_from_the_end_of_a_list() {
    let engine = engine();
    let entries = entries_of(&engine, &["两国总统谈了哪几点？", "第三点呢", "上一条呢", "倒数第二点呢"]);
    let third = entries[1].clone();
    assert_eq!(
        entries[2].as_deref(),
        Some("energy-pause"),
        "the second point, before the third: {entries:?}"
    );
    assert_eq!(entries[3].as_deref(), Some("normalization"), "the sixth of seven: {entries:?}");
    assert_ne!(entries[2], third);
    // With no list shown, 上一条 asks for more, as any bare cue does.
    let alone = engine.converse(None, "上一条呢", START);
    assert!(!alone.reply.is_answered(), "{}", alone.reply.answer_text());
}

#[test]
fn asking_for_the_words_opens_the_entry_in_context_with_its_quotes() {
    let engine = engine();
    let first = engine.converse(None, "中国外交部怎么表态的？", START);
    let context = first.context.expect("a context");
    let turn = engine.converse(Some(&context), "原话呢", START + 60);
    assert_eq!(turn.reply.entry, first.reply.entry, "{}", turn.reply.answer_text());
    assert!(!turn.reply.quotes.is_empty(), "the quotes are shown: {}", turn.reply.answer_text());
}

#[test]
fn a_follow_up_declined_alone_is_read_after_the_previous_question_when_it_keeps_to_it() {
    let engine = engine();
    let question = "他觉得俄方想干嘛";
    assert!(!engine.ask(question).1.is_answered(), "declined alone");
    let entries = entries_of(&engine, &["泽连斯基对这次通话怎么看？", question]);
    assert_eq!(entries[1], entries[0], "read after the question about Zelensky: {entries:?}");
    let first = engine.converse(None, "泽连斯基对这次通话怎么看？", START);
    let turn = engine.converse(first.context.as_ref(), question, START + 60);
    assert_eq!(turn.usage.map(|u| u.cue), Some("read after"), "--explain says the context was used");
    // A message whose words the entry found after the context does not hold stays as
    // it was read alone.
    let entries = entries_of(&engine, &["梅德韦杰夫说了什么？", "那他喜欢吃什么"]);
    assert_eq!(entries[1], None, "{entries:?}");
}

#[test]
fn an_expired_context_is_not_used() {
    let engine = engine();
    let idle = engine.config().conversation.idle_minutes * 60;
    let first = engine.converse(None, "美俄在哪谈停火细节？", START);
    let context = first.context.expect("a context");
    let soon = engine.converse(Some(&context), "什么时候？", START + idle - 60);
    assert!(soon.reply.answer_text().contains("23"), "{}", soon.reply.answer_text());
    let late = engine.converse(Some(&context), "什么时候？", START + idle);
    assert!(!late.reply.is_answered(), "{}", late.reply.answer_text());
}

#[test]
fn a_button_sets_the_context_as_if_its_question_was_typed() {
    let engine = engine();
    let context = engine.opened("witkoff-jeddah", None, START).expect("the entry exists");
    let turn = engine.converse(Some(&context), "谁说的？", START + 5);
    assert!(turn.reply.answer_text().contains("威特科夫"), "{}", turn.reply.answer_text());
    assert!(engine.opened("no-such-entry", None, START).is_none());
}

#[test]
fn a_button_for_an_item_of_the_list_shown_moves_the_list_to_it() {
    let engine = engine();
    let listed = engine.converse(None, "两国总统谈了哪几点？", START).context.expect("a context");
    let items = listed.list.clone().expect("the seven points are shown").items;
    let opened = engine.opened(&items[2], Some(&listed), START + 5).expect("the entry exists");
    assert_eq!(opened.list.as_ref().map(|l| l.position), Some(3));
    let next = engine.converse(Some(&opened), "下一个", START + 10);
    assert_eq!(next.reply.entry.as_deref(), Some(items[3].as_str()), "{}", next.reply.answer_text());
}

#[test]
fn which_ones_after_a_count_opens_the_answer_that_lists_them() {
    let engine = engine();
    let count = engine.converse(None, "乌克兰有几个州遭到袭击", START);
    let entry = count.reply.entry.clone().expect("answered");
    let context = count.context.expect("a context");
    let items = engine.converse(Some(&context), "都是哪几个", START + 5);
    assert_eq!(items.reply.entry, Some(entry), "{}", items.reply.answer_text());
    assert!(items.reply.answer_text().contains("苏梅"), "{}", items.reply.answer_text());
}

#[test]
fn where_someone_is_from_is_asked_of_the_one_just_quoted() {
    let engine = engine();
    let first = engine.converse(None, "谁说不要被情绪左右", START);
    let context = first.context.expect("a context");
    let country = engine.converse(Some(&context), "哪个国家的", START + 5);
    assert!(country.reply.answer_text().contains("波兰"), "{}", country.reply.answer_text());
    let first = engine.converse(None, "谁认为美国可能断供情报", START);
    let context = first.context.expect("a context");
    let body = engine.converse(Some(&context), "他是什么机构的", START + 5);
    assert!(body.reply.answer_text().contains("高等经济大学"), "{}", body.reply.answer_text());
    // 他 after "who thinks …" is the one who thinks it, not a side the question names.
    let first = engine.converse(None, "是谁认为美方以后可能按照俄方条件对乌克兰断供武器", START);
    let context = first.context.expect("a context");
    let body = engine.converse(Some(&context), "他是哪个机构的", START + 5);
    assert!(body.reply.answer_text().contains("高等经济大学"), "{}", body.reply.answer_text());
}

#[test]
fn a_context_round_trips_through_json() {
    let engine = engine();
    let turn = engine.converse(None, "两国总统谈了哪几点？", START);
    let context = turn.context.expect("a context");
    assert!(context.list.as_ref().is_some_and(|l| l.items.len() == 7), "{context:?}");
    let json = serde_json::to_string(&context).expect("serialises");
    let back: Context = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back, context);
}

#[test]
fn the_single_question_path_ignores_conversations() {
    let engine = engine();
    let (_, alone) = engine.ask("那欧洲呢？");
    let first = engine.converse(None, "泽连斯基对这次通话怎么看？", START);
    let _ = engine.converse(first.context.as_ref(), "那欧洲呢？", START + 30);
    let (_, again) = engine.ask("那欧洲呢？");
    assert_eq!(alone, again, "ask keeps no state");
}

#[test]
fn ask_dialogue_answers_interleaved_chats_and_survives_a_bad_line() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let input = concat!(
        r#"{"chat": "a", "q": "美俄接下来在哪里谈停火细节？"}"#,
        "\n",
        r#"{"chat": "b", "q": "他们谈到冰球了吗？"}"#,
        "\n",
        "this is not json\n",
        r#"{"chat": "a", "q": "什么时候？"}"#,
        "\n",
        r#"{"chat": "b", "q": "那北约呢？"}"#,
        "\n",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_callbot"))
        .args(["ask", "--json", "--dialogue"])
        .env("CALLBOT_KNOWLEDGE", crate_dir().join("knowledge"))
        .env("CALLBOT_CONFIG", crate_dir().join("config/callbot.toml"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("callbot runs");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("written");
    let output = child.wait_with_output().expect("callbot finishes");
    assert!(output.status.success());
    let replies: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    assert_eq!(replies.len(), 5, "one reply per line: {replies:#?}");
    assert_eq!(replies[2]["answered"], false, "the bad line gets an error reply");
    assert_eq!(replies[3]["chat"], "a");
    assert!(replies[3]["answer"].as_str().is_some_and(|a| a.contains("23")), "{}", replies[3]);
    assert_eq!(replies[4]["chat"], "b");
    assert!(replies[4]["answer"].as_str().is_some_and(|a| a.contains("北约")), "{}", replies[4]);
}

/// A follow-up the article cannot answer (为什么 of a view whose reason it does not give)
/// says so and what the article says; its suggestions do not offer the entry just shown.
#[test]
fn a_follow_up_answered_from_the_last_entry_does_not_suggest_that_entry_again() {
    let engine = engine();
    let first = engine.converse(None, "波兰怎么看", 1_800_000_000);
    let why = engine.converse(first.context.as_ref(), "为什么", 1_800_000_060);
    let entry = why.reply.entry.clone().expect("the reply rests on the last entry");
    assert_eq!(first.reply.entry.as_deref(), Some(entry.as_str()));
    assert!(!why.reply.suggestions.is_empty());
    assert!(why.reply.suggestions.iter().all(|s| s.entry != entry), "{:?}", why.reply.suggestions);
}
