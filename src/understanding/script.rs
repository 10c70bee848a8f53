//! The script a message is written in, so that its reply is written in the same one.
//!
//! The knowledge is in Simplified Chinese, as the article is. A message written in
//! Traditional characters is answered in Traditional: its reply is converted with
//! OpenCC's tables (the `ferrous-opencc` crate), with Taiwan's character forms, or Hong
//! Kong's when the message writes Cantonese (`[script]` in `knowledge/language.toml`) or
//! uses Hong Kong's forms. Only characters change, never words: a quote stays the
//! article's words, and folding the reply back to Simplified gives them again.
//!
//! A message is Traditional when more of its characters are Traditional-only than
//! Simplified-only. A message with neither (digits, Latin letters, characters both scripts
//! share: "3", "NATO呢") says nothing, and the conversation keeps the script it had.

use std::borrow::Cow;
use std::sync::LazyLock;

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;
use serde::{Deserialize, Serialize};

use crate::knowledge::language::ScriptWords;

/// A script a reply is written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Script {
    /// Simplified Chinese, as the knowledge is written.
    #[default]
    #[serde(rename = "zh-Hans")]
    Simplified,
    /// Traditional Chinese with Taiwan's character forms.
    #[serde(rename = "zh-Hant-TW")]
    Taiwan,
    /// Traditional Chinese with Hong Kong's character forms.
    #[serde(rename = "zh-Hant-HK")]
    HongKong,
}

/// One OpenCC conversion, built on first use: a Simplified chat never pays for it.
struct Converter {
    config: BuiltinConfig,
    opencc: LazyLock<Option<OpenCC>>,
}

impl Converter {
    /// The converter's result, or `None` when its tables could not be built (logged;
    /// the text is then left as it is rather than the reply lost).
    fn convert(&self, text: &str) -> Option<String> {
        let opencc = self.opencc.as_ref();
        if opencc.is_none() {
            log::warn!("the OpenCC tables {:?} could not be built; text left unconverted", self.config);
        }
        opencc.map(|opencc| opencc.convert(text))
    }

    /// How many characters of `text` the conversion changes (0 when it cannot convert).
    fn changes(&self, text: &str) -> usize {
        self.convert(text).map_or(0, |converted| changed(text, &converted))
    }
}

macro_rules! converter {
    ($config:expr) => {
        Converter { config: $config, opencc: LazyLock::new(|| OpenCC::from_config($config).ok()) }
    };
}

static TO_TAIWAN: Converter = converter!(BuiltinConfig::S2tw);
static TO_HONG_KONG: Converter = converter!(BuiltinConfig::S2hk);
static TO_TRADITIONAL: Converter = converter!(BuiltinConfig::S2t);
static TRADITIONAL_TO_TAIWAN: Converter = converter!(BuiltinConfig::T2tw);
static TRADITIONAL_TO_HONG_KONG: Converter = converter!(BuiltinConfig::T2hk);
static FROM_TAIWAN: Converter = converter!(BuiltinConfig::Tw2s);
static FROM_HONG_KONG: Converter = converter!(BuiltinConfig::Hk2s);

impl Script {
    /// The script to answer `text` in: the script it is written in, or `previous` (the
    /// conversation's) when nothing in it tells, else Simplified.
    pub fn of_message(text: &str, previous: Option<Self>, words: &ScriptWords) -> Self {
        let traditional = changed(text, &fast2s::convert(text));
        let previous_traditional = previous.is_some_and(Self::is_traditional);
        if traditional == 0 && !previous_traditional {
            // The common case costs one pass of fast2s: no Traditional character, and no
            // Traditional conversation to keep.
            return Self::Simplified;
        }
        let simplified = TO_TRADITIONAL.changes(text);
        match (traditional, simplified) {
            (0, 0) => previous.unwrap_or_default(),
            (t, s) if t > s => Self::traditional_variant(text, words),
            _ => Self::Simplified,
        }
    }

    /// Hong Kong's forms for a Traditional message that writes Cantonese or uses them
    /// more than Taiwan's; Taiwan's otherwise.
    fn traditional_variant(text: &str, words: &ScriptWords) -> Self {
        if words.hong_kong.any_in(text) {
            return Self::HongKong;
        }
        if TRADITIONAL_TO_HONG_KONG.changes(text) < TRADITIONAL_TO_TAIWAN.changes(text) {
            Self::HongKong
        } else {
            Self::Taiwan
        }
    }

    /// The script a user's language tag (Telegram's `language_code`, IETF) asks for,
    /// when it names one: for screens a user opens before any message has told
    /// (`/start`, a button).
    pub fn of_language_code(code: &str) -> Option<Self> {
        let code = code.to_ascii_lowercase().replace('_', "-");
        let mut parts = code.split('-');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("yue"), ..) => Some(Self::HongKong),
            (Some("zh"), Some("hk" | "mo"), _) | (Some("zh"), Some("hant"), Some("hk" | "mo")) => {
                Some(Self::HongKong)
            }
            (Some("zh"), Some("tw" | "hant"), _) => Some(Self::Taiwan),
            (Some("zh"), Some("cn" | "sg" | "hans"), _) => Some(Self::Simplified),
            _ => None,
        }
    }

    /// Whether the script is one of the Traditional ones.
    pub fn is_traditional(self) -> bool {
        self != Self::Simplified
    }

    /// `text`, written in Simplified, as this script writes it.
    pub fn write<'t>(self, text: &'t str) -> Cow<'t, str> {
        converted(self.conversions().map(|(to, _)| to), text)
    }

    /// `text`, written in this script, back in Simplified: the inverse of
    /// [`write`](Self::write) on the knowledge's texts. fast2s, which the normaliser
    /// reads with, is not: it leaves some characters Traditional (透着 → 透著 → 透著).
    pub fn fold<'t>(self, text: &'t str) -> Cow<'t, str> {
        converted(self.conversions().map(|(_, back)| back), text)
    }

    /// The conversions from Simplified to this script and back; none for Simplified.
    fn conversions(self) -> Option<(&'static Converter, &'static Converter)> {
        match self {
            Self::Simplified => None,
            Self::Taiwan => Some((&TO_TAIWAN, &FROM_TAIWAN)),
            Self::HongKong => Some((&TO_HONG_KONG, &FROM_HONG_KONG)),
        }
    }

    /// The script's language tag (BCP 47), as `ask --json` gives it.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Simplified => "zh-Hans",
            Self::Taiwan => "zh-Hant-TW",
            Self::HongKong => "zh-Hant-HK",
        }
    }
}

/// `text` through `converter`, or as it is with none (or when it cannot convert).
fn converted<'t>(converter: Option<&Converter>, text: &'t str) -> Cow<'t, str> {
    converter.and_then(|c| c.convert(text)).map_or(Cow::Borrowed(text), Cow::Owned)
}

/// How many characters differ between `text` and its conversion; 0 when a conversion
/// changed the number of characters (then no character can be compared with its own).
fn changed(text: &str, converted: &str) -> usize {
    if text.chars().count() != converted.chars().count() {
        return 0;
    }
    text.chars().zip(converted.chars()).filter(|(a, b)| a != b).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Language;

    fn words() -> ScriptWords {
        let mut problems = Vec::new();
        let language = Language::parse(include_str!("../../knowledge/language.toml"), &mut problems);
        language.expect("the shipped language data is valid").script
    }

    #[test]
    fn a_message_is_answered_in_the_script_it_is_written_in() {
        let words = words();
        assert_eq!(Script::of_message("他们谈了冰球吗", None, &words), Script::Simplified);
        assert_eq!(Script::of_message("他們談了冰球嗎", None, &words), Script::Taiwan);
        assert_eq!(Script::of_message("佢哋傾咗乜嘢", None, &words), Script::HongKong);
    }

    #[test]
    fn a_message_that_does_not_tell_keeps_the_conversation_s_script() {
        let words = words();
        assert_eq!(Script::of_message("NATO呢", Some(Script::Taiwan), &words), Script::Taiwan);
        assert_eq!(Script::of_message("3", Some(Script::HongKong), &words), Script::HongKong);
        assert_eq!(Script::of_message("3", None, &words), Script::Simplified);
        // A Simplified message leaves a Traditional conversation's script.
        assert_eq!(Script::of_message("那欧洲呢", Some(Script::Taiwan), &words), Script::Simplified);
    }

    #[test]
    fn a_stray_traditional_character_does_not_outweigh_simplified_ones() {
        assert_eq!(Script::of_message("普京说了什么關于乌克兰的话", None, &words()), Script::Simplified);
    }

    #[test]
    fn writing_changes_characters_and_folding_back_gives_the_text_again() {
        let text = "普京说，“没有乌克兰的谈判不会有结果”，后来这里发表了声明。";
        let taiwan = Script::Taiwan.write(text);
        assert_eq!(taiwan, "普京說，“沒有烏克蘭的談判不會有結果”，後來這裡發表了聲明。");
        assert_eq!(
            Script::HongKong.write(text),
            "普京説，“沒有烏克蘭的談判不會有結果”，後來這裏發表了聲明。"
        );
        assert_eq!(fast2s::convert(&taiwan), text);
        assert!(matches!(Script::Simplified.write(text), Cow::Borrowed(_)));
    }

    #[test]
    fn a_language_code_names_a_script_or_none() {
        let cases = [
            ("zh-hant", Some(Script::Taiwan)),
            ("zh-TW", Some(Script::Taiwan)),
            ("zh-Hant-HK", Some(Script::HongKong)),
            ("zh-hk", Some(Script::HongKong)),
            ("yue", Some(Script::HongKong)),
            ("zh-hans", Some(Script::Simplified)),
            ("zh", None),
            ("en", None),
            ("", None),
        ];
        for (code, script) in cases {
            assert_eq!(Script::of_language_code(code), script, "{code}");
        }
    }

    #[test]
    fn tags_are_the_serialised_names() {
        for script in [Script::Simplified, Script::Taiwan, Script::HongKong] {
            assert_eq!(serde_json::to_string(&script).expect("serialises"), format!("\"{}\"", script.tag()));
        }
    }
}
