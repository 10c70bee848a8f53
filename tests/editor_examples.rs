//! What an editor does to teach the bot a word: add examples to `knowledge/examples/`,
//! no code. Five phrasings with an invented slang word make a different sentence using
//! that word reach their entry; five negatives about an invented TV channel (whose
//! coverage the article does not report) make a different question about it declined. Each change is checked against the same knowledge without it, so the test
//! shows that the examples made the difference.

use callbot_test_support as common;

use callbot::config::Config;
use callbot::engine::Engine;
use callbot::knowledge::{KnowledgeBase, Sources};

/// The engine over the project's knowledge plus one more example file.
fn engine_with_examples(examples: Option<&str>) -> Engine {
    let mut sources = Sources::read(&common::knowledge::paths().knowledge).expect("knowledge readable");
    if let Some(text) = examples {
        sources.example_files.push(("examples/editor.toml".to_owned(), text.to_owned()));
    }
    let knowledge = KnowledgeBase::from_sources(&sources).expect("the examples are valid");
    let mut config = Config::from_settings(&common::knowledge::settings()).expect("configuration");
    // A model trained here is not worth keeping.
    config.matcher.model_cache = String::new();
    Engine::new(knowledge, config)
}

/// The entry id a question is answered with, or `None` when it is declined.
fn answered_by(engine: &Engine, question: &str) -> Option<String> {
    let found = engine.matcher().find(question);
    let best = found.best().filter(|_| found.is_answered())?;
    Some(engine.knowledge().entries[best.entry].id.clone())
}

const SLANG: &str = r#"
[[example]]
entry = "hockey"
kind = "chat"
questions = [
    "咕咚赛是谁出的主意",
    "两位总统聊咕咚赛了吗",
    "咕咚赛打算在哪儿打",
    "咕咚赛啥情况啊",
    "特朗普对咕咚赛什么态度",
]
"#;

const NEGATIVES: &str = r#"
[[example]]
entry = "out_of_scope"
kind = "missing_detail"
questions = [
    "喵喵台怎么报道这次通话",
    "喵喵台说普京和特朗普谈了什么",
    "喵喵台主持人怎么看这次通话",
    "喵喵台播了通话的新闻吗",
    "喵喵台对美俄通话下了什么结论",
]
"#;

#[test]
fn five_phrasings_with_a_new_word_teach_it() {
    let question = "咕咚赛的事两位总统怎么说的";
    let before = answered_by(&engine_with_examples(None), question);
    assert_ne!(before.as_deref(), Some("hockey"), "the word is unknown before the examples");
    let after = answered_by(&engine_with_examples(Some(SLANG)), question);
    assert_eq!(after.as_deref(), Some("hockey"));
}

#[test]
fn five_negatives_teach_what_to_decline() {
    let question = "喵喵台怎么评价美俄通话";
    let before = answered_by(&engine_with_examples(None), question);
    assert!(before.is_some(), "answered before the negatives");
    let after = answered_by(&engine_with_examples(Some(NEGATIVES)), question);
    assert_eq!(after, None);
}
