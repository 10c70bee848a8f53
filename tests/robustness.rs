//! Arbitrary input never panics the normaliser or the matcher.

use callbot_test_support as common;

use callbot::understanding::basic_form;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn basic_form_never_panics_and_is_idempotent(text in any::<String>()) {
        let once = basic_form(&text);
        prop_assert_eq!(basic_form(&once), once.clone());
        prop_assert!(!once.starts_with(' ') && !once.ends_with(' '));
    }

    #[test]
    fn the_engine_answers_any_string(text in any::<String>()) {
        let engine = common::knowledge::engine();
        let (found, reply) = engine.ask(&text);
        prop_assert!(!reply.to_plain_text(&engine).is_empty());
        prop_assert!(found.candidates.iter().all(|c| c.score.is_finite() && (0.0..=1.0001).contains(&c.score)));
    }

    #[test]
    fn the_engine_answers_chinese_like_text(text in "[\\u{4e00}-\\u{9fff}a-zA-Z0-9，。？！ ]{0,80}") {
        let engine = common::knowledge::engine();
        let (_, reply) = engine.ask(&text);
        prop_assert!(!reply.to_plain_text(&engine).is_empty());
    }
}
