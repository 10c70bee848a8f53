//! Follow-up cues: what in a message says it leans on the previous turn.
//!
//! A message is read after normalisation (Simplified, lower case, punctuation as spaces).
//! The cues are few and plain on purpose: a bare facet question (为什么, 谁说的), an
//! ordinal (第三点), "more" (还有呢), "is that all" (没了吗), an ellipsis with a new subject
//! (那欧洲呢) and a pronoun (他, 这个). Everything else is a question on its own.
//!
//! The words of each cue are data (`[follow_up]`, `[facets]`, `[given]` and `[numbers]`
//! in `knowledge/language.toml`); this module holds only how they are looked for.

use crate::knowledge::{Language, Words};

/// What a message asks of the previous turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cue<'a> {
    /// Nothing: the message is read on its own.
    None,
    /// 第N点: the Nth item of the list last shown (1-based).
    Ordinal(usize),
    /// 最后一点: the last item of the list last shown.
    Last,
    /// 倒数第N点: the Nth item from the end of the list last shown (1 is the last).
    FromEnd(usize),
    /// 上一条: the item before the one last shown.
    Previous,
    /// 还有呢 / 其他的呢: the next item, or the next related entry.
    Next,
    /// 没了吗 / 就这些吗: whether the list is complete.
    Complete,
    /// A question with nothing but a facet (为什么, 什么时候, 谁说的), `exact` when
    /// nothing else is left (什么时候 rather than 什么时候开始).
    Facet {
        /// The facet asked.
        facet: Facet,
        /// Whether the message is the facet word alone.
        exact: bool,
    },
    /// 那X呢 / X呢: the previous question about a new subject X.
    Ellipsis(String),
    /// A pronoun standing for the last person or topic.
    Pronoun(Pronoun<'a>),
}

/// The kind of fact a follow-up asks about the last entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Facet {
    /// 为什么 / 什么原因.
    Why,
    /// 谁说的.
    Who,
    /// 什么时候.
    When,
    /// 在哪.
    Where,
    /// 多少.
    HowMany,
    /// 具体说说 / 详细点 / 怎么回事.
    Detail,
    /// 怎么看 / 怎么说 / 什么态度.
    Attitude,
    /// 谈到X了吗.
    DidDiscuss,
    /// Any other question (什么, 哪些).
    What,
}

/// A pronoun and what it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pronoun<'a> {
    /// 他 / 她 / 对方: the last person.
    Person(&'a str),
    /// 这个 / 那个 / 这些 / 此事: the last topic.
    Topic(&'a str),
}

impl<'a> Pronoun<'a> {
    /// The pronoun as written.
    pub fn word(self) -> &'a str {
        match self {
            Self::Person(word) | Self::Topic(word) => word,
        }
    }
}

/// How many characters a bare facet question may have besides its facet word
/// (多少人, 什么时候开始, 谁提出来的, 为什么这么做).
const FACET_REST: usize = 3;
/// The longest new subject an ellipsis may name, in characters.
const SUBJECT_MAX_CHARS: usize = 12;

/// Reads the cue of a normalised message.
pub fn read<'a>(language: &'a Language, normalized: &str) -> Cue<'a> {
    let words = &language.follow_up;
    let compact: String = normalized.chars().filter(|c| !c.is_whitespace()).collect();
    let core = strip(language, &compact);
    if core.is_empty() {
        return Cue::None;
    }
    let from_end = language.numbers.from_end.as_str();
    if let Some(n) = core.find(from_end).and_then(|at| ordinal(language, &core[at + from_end.len()..])) {
        return Cue::FromEnd(n);
    }
    if let Some(n) = ordinal(language, core) {
        return Cue::Ordinal(n);
    }
    if words.last.any_in(core) {
        return Cue::Last;
    }
    let bare = |set: &Words| {
        set.contains(core) || core.strip_suffix(words.perfective.as_str()).is_some_and(|c| set.contains(c))
    };
    if bare(&words.next) {
        return Cue::Next;
    }
    if bare(&words.previous) {
        return Cue::Previous;
    }
    if bare(&words.complete) {
        return Cue::Complete;
    }
    // 谈什么 after a turn about talks asks what they are about: that entry again.
    if words.talks_about.contains(core) {
        return Cue::Facet { facet: Facet::Detail, exact: true };
    }
    // 他是谁 asks who the last person is, not who said it.
    let identity = words
        .person_pronouns
        .iter()
        .find(|p| core.strip_prefix(*p).is_some_and(|rest| words.identity_asks.contains(rest)));
    if let Some(word) = identity {
        return Cue::Pronoun(Pronoun::Person(word));
    }
    if let Some((facet, exact)) = bare_facet(language, core) {
        return Cue::Facet { facet, exact };
    }
    // 他是在哪儿说的 asks where the last speaker said it: a facet of the last entry.
    let unpronounced =
        words.person_pronouns.iter().find_map(|p| core.contains(p).then(|| core.replacen(p, "", 1)));
    if let Some((facet, _)) = unpronounced.as_deref().and_then(|rest| bare_facet(language, rest)) {
        return Cue::Facet { facet, exact: false };
    }
    if compact.ends_with(words.ellipsis_particle.as_str()) {
        let subject = subject_of(language, core);
        if !subject.is_empty() && subject.chars().count() <= SUBJECT_MAX_CHARS {
            return Cue::Ellipsis(subject.to_owned());
        }
    }
    if let Some(word) = words
        .person_pronouns
        .iter()
        .find(|p| core.contains(p) && !core.contains(words.plural_person.as_str()))
    {
        return Cue::Pronoun(Pronoun::Person(word));
    }
    if let Some(word) = words.topic_pronouns.iter().find(|p| core.contains(p)) {
        return Cue::Pronoun(Pronoun::Topic(word));
    }
    Cue::None
}

/// The facet a question asks, for carrying it over to a new subject.
pub fn facet_of(language: &Language, normalized: &str, about_the_call: bool) -> Facet {
    if about_the_call {
        return Facet::DidDiscuss;
    }
    let words = &language.facets;
    if words.why.any_in(normalized) {
        Facet::Why
    } else if words.who.any_in(normalized) {
        Facet::Who
    } else if words.when.any_in(normalized) {
        Facet::When
    } else if words.place.any_in(normalized) {
        Facet::Where
    } else if words.how_many.any_in(normalized) {
        Facet::HowMany
    } else if language.follow_up.attitude_endings.any_in(normalized) || words.attitude.any_in(normalized) {
        Facet::Attitude
    } else {
        Facet::What
    }
}

/// Whether a compact message asks where, through whom, how long or from what point
/// something is, and `text` gives it (在哪发的 → 社交媒体平台, 哪家媒体 → 电讯社, 什么场合
/// → 记者会, 多久 → 30天, 从哪 → 从…开始).
pub fn given_in(language: &Language, compact: &str, text: &str) -> bool {
    let words = &language.given;
    let venue = words.venue_asks.any_in(compact) && words.venue_words.any_in(text);
    let duration = words.duration_asks.any_in(compact) && gives_duration(&words.duration_units, text);
    let start = words.start_asks.any_in(compact)
        && text
            .find(words.start_from.as_str())
            .is_some_and(|at| text[at..].contains(words.start_begins.as_str()));
    venue || duration || start
}

/// Whether a text gives a length of time: a number before one of the units (天, 小时).
fn gives_duration(units: &Words, text: &str) -> bool {
    text.char_indices().any(|(at, c)| {
        c.is_ascii_digit() && units.iter().any(|unit| text[at + c.len_utf8()..].starts_with(unit))
    })
}

/// The facet of a message that is nothing but a facet word, and at most
/// [`FACET_REST`] characters more.
fn bare_facet(language: &Language, core: &str) -> Option<(Facet, bool)> {
    let facets = &language.follow_up.bare_facets;
    let length = core.chars().count();
    [
        (Facet::Why, &facets.why),
        (Facet::Who, &facets.who),
        (Facet::When, &facets.when),
        (Facet::Where, &facets.place),
        (Facet::HowMany, &facets.how_many),
        (Facet::Detail, &facets.detail),
    ]
    .into_iter()
    .flat_map(|(facet, cues)| cues.iter().map(move |cue| (facet, cue)))
    .filter(|(_, cue)| core.contains(cue) && length - cue.chars().count() <= FACET_REST)
    .max_by_key(|(_, cue)| cue.chars().count())
    .map(|(facet, cue)| (facet, cue.chars().count() == length))
}

/// The message without openers and trailing particles.
fn strip<'t>(language: &Language, compact: &'t str) -> &'t str {
    let words = &language.follow_up;
    let mut text = compact;
    loop {
        let before = text;
        // 那 opens a message, but 那个 / 那些 / 那边 are words of their own.
        if let Some(rest) = words.openers.iter().find_map(|o| text.strip_prefix(o))
            && !words.not_opener_before.iter().any(|w| rest.starts_with(w))
        {
            text = rest;
        }
        if let Some(rest) = words.endings.iter().find_map(|e| text.strip_suffix(e)) {
            text = rest;
        }
        if text == before {
            return text;
        }
    }
}

/// The new subject of an ellipsis: the core without 方面, 那边 or an attitude ending.
fn subject_of<'t>(language: &Language, core: &'t str) -> &'t str {
    let words = &language.follow_up;
    let mut subject = core;
    for ending in words.attitude_endings.iter().chain(words.subject_endings.iter()) {
        if let Some(rest) = subject.strip_suffix(ending) {
            subject = rest;
        }
    }
    words.subject_openers.iter().find_map(|o| subject.strip_prefix(o)).unwrap_or(subject)
}

/// 第N点 / 第N条 / 第N项 / 第N个 → N.
fn ordinal(language: &Language, core: &str) -> Option<usize> {
    let numbers = &language.numbers;
    let prefix = numbers.ordinal_prefix.as_str();
    let start = core.find(prefix)?;
    let rest = &core[start + prefix.len()..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit() || numbers.is_numeral(*c)).collect();
    let after = &rest[digits.len()..];
    if digits.is_empty() || !numbers.ordinal_units.iter().any(|u| after.starts_with(u)) {
        return None;
    }
    numbers.value(&digits)
}

/// The two characters naming what is counted after 第N个 (第二个条件 → 条件), if any.
pub fn ordinal_noun(language: &Language, normalized: &str) -> Option<String> {
    let numbers = &language.numbers;
    let prefix = numbers.ordinal_prefix.as_str();
    let compact: String = normalized.chars().filter(|c| !c.is_whitespace()).collect();
    let start = compact.find(prefix)?;
    let rest = &compact[start + prefix.len()..];
    let after = rest.trim_start_matches(|c: char| c.is_ascii_digit() || numbers.is_numeral(c));
    let noun: String = after.strip_prefix(numbers.counter.as_str())?.chars().take(2).collect();
    (noun.chars().count() == 2).then_some(noun)
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use super::*;

    /// The project's `knowledge/language.toml`.
    fn language() -> &'static Language {
        static LANGUAGE: OnceLock<Language> = OnceLock::new();
        LANGUAGE.get_or_init(|| {
            Language::parse(include_str!("../../knowledge/language.toml"), &mut Vec::new()).expect("valid")
        })
    }

    #[test]
    fn ordinals_in_digits_and_numerals() {
        assert_eq!(read(language(), "第三点呢"), Cue::Ordinal(3));
        assert_eq!(read(language(), "第4点具体是什么"), Cue::Ordinal(4));
        assert_eq!(read(language(), "那第十二条呢"), Cue::Ordinal(12));
        assert_eq!(read(language(), "第一次通话"), Cue::None);
        assert_eq!(read(language(), "那最后一条说的是什么"), Cue::Last);
        assert_eq!(read(language(), "倒数第二点呢"), Cue::FromEnd(2));
        assert_eq!(read(language(), "上一条呢"), Cue::Previous);
        assert_eq!(read(language(), "前一个呢"), Cue::Previous);
        assert_eq!(ordinal_noun(language(), "第三个要求指什么").as_deref(), Some("要求"));
        assert_eq!(ordinal_noun(language(), "第三个呢"), None);
    }

    #[test]
    fn bare_facets_more_and_complete() {
        assert_eq!(read(language(), "为什么"), Cue::Facet { facet: Facet::Why, exact: true });
        assert_eq!(read(language(), "那是谁说的呢"), Cue::Facet { facet: Facet::Who, exact: true });
        assert_eq!(read(language(), "什么时候"), Cue::Facet { facet: Facet::When, exact: true });
        assert_eq!(read(language(), "具体说说"), Cue::Facet { facet: Facet::Detail, exact: true });
        assert_eq!(read(language(), "还有呢"), Cue::Next);
        assert_eq!(read(language(), "其他的呢"), Cue::Next);
        assert_eq!(read(language(), "没了吗"), Cue::Complete);
        assert_eq!(read(language(), "多少人"), Cue::Facet { facet: Facet::HowMany, exact: false });
        assert_eq!(read(language(), "什么时候开始"), Cue::Facet { facet: Facet::When, exact: false });
        assert_eq!(read(language(), "谁提出来的"), Cue::Facet { facet: Facet::Who, exact: true });
        assert_eq!(read(language(), "再下一个呢"), Cue::Next);
        assert_eq!(read(language(), "泽连斯基为什么怀疑"), Cue::None);
        assert_eq!(read(language(), "她是在哪儿说的"), Cue::Facet { facet: Facet::Where, exact: false });
        assert_eq!(read(language(), "谈什么"), Cue::Facet { facet: Facet::Detail, exact: true });
        assert_eq!(read(language(), "他是谁"), Cue::Pronoun(Pronoun::Person("他")));
    }

    #[test]
    fn ellipsis_names_the_new_subject() {
        assert_eq!(read(language(), "那欧洲呢"), Cue::Ellipsis("欧洲".into()));
        assert_eq!(read(language(), "中国呢"), Cue::Ellipsis("中国".into()));
        assert_eq!(read(language(), "波兰方面呢"), Cue::Ellipsis("波兰".into()));
        assert_eq!(read(language(), "那北约呢"), Cue::Ellipsis("北约".into()));
    }

    #[test]
    fn pronouns_and_plain_questions() {
        assert_eq!(read(language(), "他说的主菜是什么"), Cue::Pronoun(Pronoun::Person("他")));
        assert_eq!(read(language(), "这个协议对乌克兰有什么好处"), Cue::Pronoun(Pronoun::Topic("这个")));
        assert_eq!(read(language(), "这个是什么意思"), Cue::Facet { facet: Facet::Detail, exact: false });
        assert_eq!(read(language(), "他们谈了什么"), Cue::None);
        assert_eq!(read(language(), "泽连斯基对这次通话怎么看"), Cue::None);
    }

    #[test]
    fn facets_the_text_gives() {
        assert!(given_in(language(), "他在哪里发表的", "某人在社交媒体平台发文写道"));
        assert!(given_in(language(), "有效期多久", "在30天内不袭击"));
        assert!(given_in(language(), "先从哪里入手", "冲突将从停火开始"));
        assert!(!given_in(language(), "在哪里发表的", "双方同意结束冲突"));
        assert!(!given_in(language(), "持续多长时间", "双方同意结束冲突"));
    }

    #[test]
    fn the_facet_of_a_question() {
        assert_eq!(facet_of(language(), "泽连斯基对这次通话怎么看", false), Facet::Attitude);
        assert_eq!(facet_of(language(), "谈到北约了吗", true), Facet::DidDiscuss);
        assert_eq!(facet_of(language(), "梅德韦杰夫说了什么", false), Facet::What);
    }
}
