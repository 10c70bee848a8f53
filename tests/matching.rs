//! How the engine answers: yes/no verdicts, scripts and misspellings, declines,
//! suggestions and the shape of replies.

mod common;

use callbot::matcher::{Decline, Outcome};
use callbot::reply::ReplyKind;

fn answer(question: &str) -> (Option<String>, String, ReplyKind) {
    let engine = common::knowledge::engine();
    let (_, reply) = engine.ask(question);
    (reply.entry.clone(), reply.to_plain_text(), reply.kind)
}

#[test]
fn a_plain_question_gets_its_entry_and_the_facts() {
    let (entry, text, kind) = answer("俄乌要交换多少战俘？");
    assert_eq!(kind, ReplyKind::Answer);
    assert_eq!(entry.as_deref(), Some("prisoner-swap"));
    assert!(text.contains("175") && text.contains("19日"), "{text}");
}

#[test]
fn yes_no_questions_get_a_verdict_first() {
    let (_, text, _) = answer("通话谈到冰球了吗");
    assert!(text.starts_with("谈到了"), "{text}");
    let (_, text, _) = answer("有没有谈到对乌援助");
    assert!(text.starts_with("是否谈到对乌援助，说法不一"), "{text}");
    let (_, text, _) = answer("北约的事谈了没");
    assert!(text.starts_with("不清楚是否谈到"), "{text}");
}

#[test]
fn other_yes_no_questions_get_the_fact_without_a_verdict() {
    let engine = common::knowledge::engine();
    let (found, reply) = engine.ask("乌克兰接受30天停火了吗");
    assert!(found.yes_no && !found.about_the_call);
    assert_eq!(reply.verdict, None);
    assert!(reply.text.contains("乌克兰已接受"), "{}", reply.text);
}

#[test]
fn the_order_went_to_the_russian_army() {
    let (_, text, _) = answer("普京的指令是下给谁的？");
    assert!(text.contains("俄军"), "{text}");
    assert!(!text.replace("日军〔俄军〕", "").contains("日军"), "{text}");
}

#[test]
fn traditional_chinese_and_misspelt_names_are_understood() {
    let (entry, _, _) = answer("梅德韋傑夫說了什麼？");
    assert_eq!(entry.as_deref(), Some("medvedev-restaurant"));
    let (entry, _, _) = answer("泽连司基怎么看停火诚意");
    assert_eq!(entry.as_deref(), Some("zelensky-doubts"));
}

#[test]
fn short_english_questions_find_their_entry() {
    let (entry, _, _) = answer("hockey?");
    assert_eq!(entry.as_deref(), Some("hockey"));
    let (entry, _, _) = answer("Putin Trump prisoners");
    assert_eq!(entry.as_deref(), Some("prisoner-swap"));
}

#[test]
fn unrelated_questions_are_declined_with_three_suggestions() {
    let engine = common::knowledge::engine();
    for question in ["今天上海下雨吗", "给我讲个笑话", "比特币现在多少钱"] {
        let (found, reply) = engine.ask(question);
        assert_eq!(found.outcome, Outcome::Decline(Decline::NoMatch), "{question}");
        assert_eq!(reply.kind, ReplyKind::Declined);
        assert_eq!(reply.suggestions.len(), 3, "{question}");
        assert!(reply.text.contains("没有报道"), "{}", reply.text);
    }
}

#[test]
fn facts_the_article_does_not_give_are_not_answered() {
    let engine = common::knowledge::engine();
    let (_, reply) = engine.ask("吉达谈判最终取得了什么成果？");
    assert_eq!(reply.kind, ReplyKind::Unreported, "{}", reply.text);
    assert!(reply.text.contains("没有报道"), "{}", reply.text);
    let (found, reply) = engine.ask("美乌矿产协议是哪天签署的？");
    assert!(!reply.is_answered(), "{:?}", found.outcome);
}

#[test]
fn empty_and_symbol_only_questions_are_declined_as_empty() {
    let engine = common::knowledge::engine();
    for question in ["", "   ", "？？！！", "🙂🙂🙂", "\u{0}\u{7}"] {
        let (found, reply) = engine.ask(question);
        assert_eq!(found.outcome, Outcome::Decline(Decline::Empty), "{question:?}");
        assert!(reply.text.contains("请用文字提一个问题"), "{}", reply.text);
    }
}

#[test]
fn very_long_questions_are_declined_as_too_long() {
    let engine = common::knowledge::engine();
    let (found, _) = engine.ask(&"普京".repeat(3000));
    assert_eq!(found.outcome, Outcome::Decline(Decline::TooLong));
}

#[test]
fn answers_carry_quotes_with_speaker_and_section_and_follow_ups() {
    let engine = common::knowledge::engine();
    let (_, reply) = engine.ask("梅德韦杰夫说了什么");
    assert!(!reply.quotes.is_empty());
    assert!(reply.quotes.iter().all(|q| !q.speaker.is_empty() && !q.section.is_empty()));
    assert!(!reply.suggestions.is_empty() && reply.suggestions.len() <= 3);
    let text = reply.to_plain_text();
    assert!(text.contains("——梅德韦杰夫"), "{text}");
}

#[test]
fn every_entry_answers_its_own_phrasings() {
    let engine = common::knowledge::engine();
    let mut misses = Vec::new();
    let mut total = 0;
    for entry in &engine.knowledge.entries {
        for question in &entry.questions {
            total += 1;
            let (found, _) = engine.ask(question);
            if found.best().map(|c| engine.knowledge.entries[c.entry].id.as_str()) != Some(entry.id.as_str())
            {
                misses.push(format!("{}: {question}", entry.id));
            }
        }
    }
    assert!(misses.len() * 50 <= total, "more than 2% of phrasings go elsewhere:\n{}", misses.join("\n"));
}
