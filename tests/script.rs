//! Replies in the asker's script: a question in Traditional gets its whole reply in
//! Traditional (Taiwan's forms, or Hong Kong's for Cantonese), its follow-ups stay so, and
//! the quotes are still the article's words once folded back to Simplified.

use callbot_test_support as common;

use std::io::Write;
use std::process::Stdio;

use callbot::knowledge::KnowledgeBase;
use callbot::understanding::Script;

/// What `callbot` with these arguments prints for this input.
fn run(args: &[&str], stdin: &str) -> String {
    let mut child = common::process::callbot(args).stdin(Stdio::piped()).spawn().expect("callbot starts");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let output = child.wait_with_output().expect("callbot ends");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8")
}

fn callbot(args: &[&str], stdin: &str) -> Vec<serde_json::Value> {
    run(args, stdin).lines().map(|l| serde_json::from_str(l).expect("JSON")).collect()
}

fn text<'v>(reply: &'v serde_json::Value, field: &str) -> &'v str {
    reply[field].as_str().unwrap_or_default()
}

fn knowledge() -> KnowledgeBase {
    KnowledgeBase::load(&common::knowledge::paths().knowledge).expect("valid")
}

#[test]
fn a_traditional_question_gets_a_traditional_reply_whose_quotes_fold_to_the_article() {
    let knowledge = knowledge();
    let replies = callbot(&["ask", "--json"], "澤連斯基怎麼看俄方的停火誠意？\n");
    let reply = &replies[0];
    assert_eq!(reply["script"], "zh-Hant-TW");
    assert!(text(reply, "answer").contains("懷疑") && !text(reply, "answer").contains("怀疑"), "{reply}");
    let quotes = reply["quotes"].as_array().expect("quotes");
    assert!(!quotes.is_empty());
    for quote in quotes {
        let written = text(quote, "text");
        let folded = Script::Taiwan.fold(written);
        assert_ne!(folded, written, "the quote is written in Traditional");
        assert!(knowledge.article.find_quote(&folded).is_some(), "{written}");
    }
    for follow_up in reply["follow_ups"].as_array().expect("follow-ups") {
        let written = follow_up.as_str().unwrap_or_default();
        assert!(text(reply, "answer").contains(written), "the buttons are written as shown: {written}");
    }
}

#[test]
fn cantonese_gets_hong_kong_forms_and_simplified_stays_simplified() {
    let replies = callbot(&["ask", "--json"], "普京同特朗普傾咗啲乜嘢\n他们谈了冰球吗\n");
    assert_eq!(replies[0]["script"], "zh-Hant-HK");
    assert_eq!(replies[1]["script"], "zh-Hans");
    assert!(text(&replies[1], "answer").contains("谈到了冰球比赛"), "{}", replies[1]);
}

#[test]
fn a_follow_up_that_does_not_tell_keeps_the_chat_s_script() {
    let dialogue = [
        r#"{"chat": "tw", "q": "北約的問題討論了嗎"}"#,
        r#"{"chat": "cn", "q": "北约的问题讨论了吗"}"#,
        r#"{"chat": "tw", "q": "那冰球呢"}"#,
        r#"{"chat": "cn", "q": "那冰球呢"}"#,
        r#"{"chat": "tw", "q": "那欧洲呢"}"#,
    ];
    let replies = callbot(&["ask", "--json", "--dialogue"], &(dialogue.join("\n") + "\n"));
    let scripts: Vec<&str> = replies.iter().map(|r| text(r, "script")).collect();
    assert_eq!(scripts, ["zh-Hant-TW", "zh-Hans", "zh-Hant-TW", "zh-Hans", "zh-Hans"]);
    assert_eq!(replies[2]["entry"], "hockey");
    assert!(text(&replies[2], "answer").contains("談到了冰球比賽"), "{}", replies[2]);
}

#[test]
fn every_answer_and_quote_folds_back_from_either_traditional_form() {
    let knowledge = knowledge();
    for entry in &knowledge.entries {
        let texts = std::iter::once(&entry.answer).chain(entry.quotes.iter().map(|q| &q.text));
        for text in texts {
            for script in [Script::Taiwan, Script::HongKong] {
                assert_eq!(script.fold(&script.write(text)), text.as_str(), "{}: {script:?}", entry.id);
            }
        }
    }
}

#[test]
fn a_button_picked_in_chat_keeps_the_conversation_s_script() {
    let shown = run(&["chat"], "他們談了冰球嗎\n1\n");
    let picked = shown.split_once("（1）").map(|(_, after)| after).unwrap_or_default();
    assert!(!picked.trim().is_empty(), "the echo of the choice and its answer: {shown}");
    assert_eq!(Script::of_message(picked, None, &knowledge().language.script), Script::Taiwan, "{picked}");
}
