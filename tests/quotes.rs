//! Every quote is the article's own words, credited as the article credits them (a
//! speaker's own words, the article's account of them, or its narration), shown so that
//! only a speaker's own words stand in quotation marks; and the article's two traps are
//! handled.

use callbot_test_support as common;

use std::process::Command;

use callbot::knowledge::{KnowledgeBase, QuoteKind, strip_corrections};
use callbot::reply::QuoteView;

fn knowledge() -> KnowledgeBase {
    KnowledgeBase::load(&common::knowledge::paths().knowledge).expect("valid")
}

#[test]
fn every_quote_is_verbatim_in_its_section() {
    let knowledge = knowledge();
    for entry in &knowledge.entries {
        for quote in &entry.quotes {
            let section = knowledge.article.find_quote(&quote.text);
            assert_eq!(
                section.map(|s| s.id.as_str()),
                Some(quote.section.as_str()),
                "{}: {}",
                entry.id,
                quote.text
            );
            assert!(!quote.speaker.trim().is_empty(), "{}: quote without speaker", entry.id);
        }
    }
}

#[test]
fn the_article_is_the_seed_verbatim() {
    let ours =
        std::fs::read_to_string(common::knowledge::paths().knowledge.join("article.txt")).expect("readable");
    let seed = common::knowledge::crate_dir().join("../shared/seed/article.txt");
    if let Ok(seed) = std::fs::read_to_string(seed) {
        assert_eq!(ours, seed);
    }
    assert!(ours.contains("向日军下达相关指令"), "the copy keeps the article's typo");
}

#[test]
fn answers_never_repeat_the_typo_and_quotes_mark_it() {
    let knowledge = knowledge();
    let mut marked = 0;
    for entry in &knowledge.entries {
        assert!(!entry.answer.contains("日军"), "{}", entry.id);
        for quote in &entry.quotes {
            if strip_corrections(&quote.text).contains("日军") {
                assert!(quote.text.contains("日军〔俄军〕"), "{}: {}", entry.id, quote.text);
                marked += 1;
            }
        }
    }
    assert!(marked >= 1, "the order to the army is quoted with its correction");
}

#[test]
fn zelenskys_quote_split_by_the_caption_is_quoted_whole() {
    let knowledge = knowledge();
    let whole = "没有乌克兰的谈判不会有结果";
    assert!(knowledge.article.find_quote(whole).is_some());
    let quoted = knowledge.entries.iter().flat_map(|e| &e.quotes).any(|q| q.text.contains(whole));
    assert!(quoted, "some entry quotes the sentence whole");
}

#[test]
fn the_caption_is_not_running_text() {
    let knowledge = knowledge();
    let caption_then_rest =
        "乌军称在通话结束后，俄军使用了近150架无人机攻击乌能源设施、交通设施、医疗机构。有乌克兰";
    assert!(knowledge.article.find_quote(caption_then_rest).is_none());
}

#[test]
fn every_direct_quote_stands_inside_quotation_marks_and_names_its_speaker() {
    let knowledge = knowledge();
    let mut direct = 0;
    for entry in &knowledge.entries {
        for quote in entry.quotes.iter().filter(|q| q.kind == QuoteKind::Direct) {
            direct += 1;
            let quoted = knowledge
                .article
                .occurrences(&quote.text)
                .filter(|o| o.is_inside_quotation_marks())
                .any(|o| o.paragraph.contains(&quote.speaker));
            assert!(
                quoted,
                "{}: `{}` is not {}'s words in quotation marks",
                entry.id, quote.text, quote.speaker
            );
        }
    }
    assert!(direct >= 10, "the speakers' own words are quoted: {direct}");
}

#[test]
fn reported_speech_names_its_speaker_and_narration_is_the_articles() {
    let knowledge = knowledge();
    let (mut reported, mut narration) = (0, 0);
    for entry in &knowledge.entries {
        for quote in &entry.quotes {
            let section = knowledge.article.section(&quote.section).expect("known section");
            match quote.kind {
                QuoteKind::Reported => {
                    reported += 1;
                    assert_ne!(quote.speaker, section.narrator, "{}", entry.id);
                    assert!(
                        knowledge
                            .article
                            .occurrences(&quote.text)
                            .any(|o| o.paragraph.contains(&quote.speaker)),
                        "{}: {} is not named beside `{}`",
                        entry.id,
                        quote.speaker,
                        quote.text
                    );
                }
                QuoteKind::Narration => {
                    narration += 1;
                    assert_eq!(quote.speaker, section.narrator, "{}", entry.id);
                }
                QuoteKind::Direct => {}
            }
        }
    }
    assert!(reported >= 10 && narration >= 10, "reported {reported}, narration {narration}");
    let commentary = knowledge.article.section("热评").expect("commentary");
    assert_eq!(commentary.narrator, "新华社热评");
    assert_eq!(knowledge.article.section("B").expect("B").narrator, "新华社");
}

#[test]
fn the_white_house_statement_not_mentioning_something_is_the_articles_words() {
    let knowledge = knowledge();
    for quote in knowledge.entries.iter().flat_map(|e| &e.quotes) {
        if quote.text.contains("未提及") || quote.text.contains("没有提及") || quote.text.contains("不清楚")
        {
            assert_ne!(quote.kind, QuoteKind::Direct, "{}", quote.text);
        }
    }
}

#[test]
fn the_commentarys_reading_of_medvedev_is_never_his_words() {
    let knowledge = knowledge();
    for entry in &knowledge.entries {
        for quote in &entry.quotes {
            if quote.text.contains("乌克兰是主菜") {
                assert_eq!(
                    (quote.kind, quote.speaker.as_str()),
                    (QuoteKind::Narration, "新华社热评"),
                    "{}",
                    entry.id
                );
            }
        }
        if entry.answer.contains("乌克兰是主菜") {
            assert!(entry.answer.contains("热评"), "{}: the reading is credited to the commentary", entry.id);
        }
    }
}

fn view(kind: QuoteKind, text: &str, speaker: &str) -> QuoteView {
    QuoteView { text: text.to_owned(), kind, speaker: speaker.to_owned(), section: "C".to_owned() }
}

#[test]
fn a_direct_quote_is_shown_in_quotation_marks_with_its_speaker() {
    let quote = view(QuoteKind::Direct, "普京的话与现实不符", "泽连斯基");
    assert_eq!(quote.to_plain_text(), "“普京的话与现实不符”——泽连斯基（C）");
}

#[test]
fn reported_speech_is_shown_as_reported_without_quotation_marks() {
    let quote = view(QuoteKind::Reported, "乌方对俄方停火诚意感到怀疑。", "泽连斯基");
    assert_eq!(quote.to_plain_text(), "据泽连斯基称：乌方对俄方停火诚意感到怀疑（C）");
    let citation = quote.citation();
    assert!(!citation.words.starts_with('“') && !citation.credit_on_own_line);
}

#[test]
fn narration_is_credited_to_the_article_and_inner_marks_do_not_nest() {
    let quote = view(QuoteKind::Narration, "欧洲从“后援团”变成了“局外人”。", "新华社热评");
    assert_eq!(quote.to_plain_text(), "“欧洲从‘后援团’变成了‘局外人’”——新华社热评（C）");
}

#[test]
fn reported_speech_keeps_the_articles_inner_quotation_marks() {
    let quote = view(QuoteKind::Reported, "与普京的通话“富有成效”", "特朗普");
    assert_eq!(quote.to_plain_text(), "据特朗普称：与普京的通话“富有成效”（C）");
}

#[test]
fn no_reply_nests_quotation_marks() {
    let engine = common::knowledge::engine();
    for entry in &engine.knowledge().entries {
        let reply = engine.open(&entry.id).expect("every entry opens");
        for quote in &reply.quotes {
            let shown = quote.to_plain_text();
            let mut depth = 0i32;
            for c in shown.chars() {
                match c {
                    '“' => depth += 1,
                    '”' => depth -= 1,
                    _ => {}
                }
                assert!((0..=1).contains(&depth), "{}: {shown}", entry.id);
            }
        }
    }
}

#[test]
fn json_quotes_carry_their_kind() {
    let output = Command::new(env!("CARGO_BIN_EXE_callbot"))
        .args(["ask", "--json", "泽连斯基说普京的话怎么样？", "对俄制裁谈了吗", "乌克兰空军怎么说"])
        .env_remove("TELOXIDE_TOKEN")
        .env("RUST_LOG", "warn")
        .output()
        .expect("callbot runs");
    let kinds: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .flat_map(|line| {
            let reply: serde_json::Value = serde_json::from_str(line).expect("JSON");
            reply["quotes"].as_array().cloned().unwrap_or_default()
        })
        .map(|q| q["kind"].as_str().expect("every quote has a kind").to_owned())
        .collect();
    for kind in ["direct", "reported", "narration"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
    assert!(kinds.iter().all(|k| ["direct", "reported", "narration"].contains(&k.as_str())), "{kinds:?}");
}
