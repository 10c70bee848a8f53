//! Every quote is the article's own words, and the article's two traps are handled.

mod common;

use callbot::knowledge::{KnowledgeBase, strip_corrections};

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
