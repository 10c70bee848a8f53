//! Normalisation: the same question written in different ways becomes the same text.
//!
//! Full-width forms become half-width, Traditional characters Simplified, letters lower
//! case, punctuation and control characters spaces; then aliases (川普, NATO, 普金 …)
//! become the words the knowledge uses, and a name misspelt with a homophone (特郎普,
//! 泽连司基) is recognised by its pinyin. English words left over are stemmed and looked
//! up in the lexicon's glossary (talked → 谈), English function words dropped, and an
//! English yes/no question (Did they …) marked as one with 吗. Terminal colour codes
//! (`\x1b[31m`) pasted with a question are removed first.

use std::collections::{HashMap, HashSet};

use pinyin::ToPinyin;
use rust_stemmers::{Algorithm, Stemmer};

use crate::knowledge::{Alias, Lexicon};

/// Turns raw text into the form the matcher compares.
#[derive(Debug, Default)]
pub struct Normalizer {
    /// The English glossary, when a lexicon was given.
    english: Option<English>,
    /// Alias variants (already in basic form) by their first character.
    variants_by_first_char: HashMap<char, Vec<Replacement>>,
    /// Names whose homophone misspellings are recognised.
    names: Vec<Name>,
    /// Each character of a name: which names have it, at which offset.
    name_anchors: HashMap<char, Vec<(usize, usize)>>,
}

#[derive(Debug, Clone)]
struct Replacement {
    from: Vec<char>,
    to: String,
}

#[derive(Debug, Clone)]
struct Name {
    chars: Vec<char>,
    syllables: Vec<Option<&'static str>>,
}

impl Normalizer {
    /// Builds a normaliser that applies these aliases.
    pub fn new(aliases: &[Alias]) -> Self {
        let mut variants_by_first_char: HashMap<char, Vec<Replacement>> = HashMap::new();
        for alias in aliases {
            let to = basic_form(&alias.word);
            // The word itself is a variant too, so that a longer spelling of the word
            // wins over a shorter variant inside it (科西尼亚克-卡梅什 over 科西尼亚克).
            for variant in alias.variants.iter().chain([&alias.word]) {
                let from: Vec<char> = basic_form(variant).chars().collect();
                if let Some(&first) = from.first() {
                    variants_by_first_char
                        .entry(first)
                        .or_default()
                        .push(Replacement { from, to: to.clone() });
                }
            }
        }
        for replacements in variants_by_first_char.values_mut() {
            replacements.sort_by_key(|r| std::cmp::Reverse(r.from.len()));
        }
        let names: Vec<Name> = aliases
            .iter()
            .filter(|a| a.name)
            .map(|a| {
                let chars: Vec<char> = basic_form(&a.word).chars().collect();
                let syllables = chars.iter().map(syllable).collect();
                Name { chars, syllables }
            })
            .filter(|n| n.chars.len() >= 2 && n.syllables.iter().all(Option::is_some))
            .collect();
        let mut name_anchors: HashMap<char, Vec<(usize, usize)>> = HashMap::new();
        for (index, name) in names.iter().enumerate() {
            for (offset, c) in name.chars.iter().enumerate() {
                name_anchors.entry(*c).or_default().push((index, offset));
            }
        }
        Self { english: None, variants_by_first_char, names, name_anchors }
    }

    /// Builds a normaliser that applies these aliases, the lexicon's variants and its
    /// English glossary.
    pub fn with_lexicon(aliases: &[Alias], lexicon: &Lexicon) -> Self {
        let mut all = aliases.to_vec();
        all.extend(lexicon.aliases());
        Self { english: Some(English::new(lexicon)), ..Self::new(&all) }
    }

    /// Normalises a question or a phrasing.
    pub fn normalize(&self, text: &str) -> String {
        let basic = basic_form(text);
        let mut chars: Vec<char> = self.replace_aliases(&basic);
        self.correct_homophones(&mut chars);
        let text: String = chars.into_iter().collect();
        match &self.english {
            Some(english) if text.contains(|c: char| c.is_ascii_alphabetic()) => english.translate(&text),
            _ => text,
        }
    }

    fn replace_aliases(&self, text: &str) -> Vec<char> {
        let chars: Vec<char> = text.chars().collect();
        let mut out = Vec::with_capacity(chars.len());
        let mut i = 0;
        while i < chars.len() {
            let found = self.variants_by_first_char.get(&chars[i]).and_then(|candidates| {
                candidates
                    .iter()
                    .find(|r| chars[i..].starts_with(&r.from) && at_word_boundary(&chars, i, r.from.len()))
            });
            match found {
                Some(replacement) => {
                    out.extend(replacement.to.chars());
                    i += replacement.from.len();
                }
                None => {
                    out.push(chars[i]);
                    i += 1;
                }
            }
        }
        out
    }

    fn correct_homophones(&self, chars: &mut [char]) {
        // A misspelling keeps at least half the name's characters in place, so only
        // windows where some character of the text stands at its place in a name are tried.
        let mut starts: Vec<Vec<usize>> = vec![Vec::new(); self.names.len()];
        for (position, c) in chars.iter().enumerate() {
            for &(name, offset) in self.name_anchors.get(c).map_or(&[][..], Vec::as_slice) {
                if let Some(start) = position.checked_sub(offset)
                    && start + self.names[name].chars.len() <= chars.len()
                {
                    starts[name].push(start);
                }
            }
        }
        // A name written correctly is not part of another's misspelling (特朗普今年 is not
        // 特朗普京年).
        let mut written = vec![false; chars.len()];
        for name in &self.names {
            let n = name.chars.len();
            for start in 0..chars.len().saturating_sub(n - 1) {
                if chars[start..start + n] == name.chars[..] {
                    written[start..start + n].fill(true);
                }
            }
        }
        for (name, mut starts) in self.names.iter().zip(starts) {
            starts.sort_unstable();
            starts.dedup();
            let n = name.chars.len();
            let mut free = 0;
            for start in starts {
                if start < free || written[start..start + n].iter().any(|w| *w) {
                    continue;
                }
                let window = &chars[start..start + n];
                let syllables: Vec<Option<&'static str>> = window.iter().map(syllable).collect();
                if sounds_like(name, window, &syllables) {
                    chars[start..start + n].copy_from_slice(&name.chars);
                    free = start + n;
                }
            }
        }
    }
}

/// The lexicon's English glossary, keyed by stem, and by the words as written (talks, the
/// noun, is 谈判 where talk is 谈到).
struct English {
    stemmer: Stemmer,
    glossary: HashMap<String, String>,
    written: HashMap<String, String>,
    stopwords: HashSet<String>,
    yes_no: HashSet<String>,
}

impl std::fmt::Debug for English {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("English").field("glossary", &self.glossary.len()).finish_non_exhaustive()
    }
}

impl English {
    fn new(lexicon: &Lexicon) -> Self {
        let stemmer = Stemmer::create(Algorithm::English);
        let glossary = lexicon
            .english()
            .map(|(word, target)| (stemmer.stem(&word.to_lowercase()).into_owned(), basic_form(target)))
            .collect();
        let written =
            lexicon.english().map(|(word, target)| (word.to_lowercase(), basic_form(target))).collect();
        let lower = |words: &[String]| words.iter().map(|w| w.to_lowercase()).collect();
        Self {
            glossary,
            written,
            stopwords: lower(&lexicon.english_stopwords),
            yes_no: lower(&lexicon.english_yes_no),
            stemmer,
        }
    }

    /// Replaces each English word by its glossary word, drops English function words, and
    /// ends a question that opens with a yes/no auxiliary with 吗.
    fn translate(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut yes_no = false;
        let mut first_word = true;
        let mut rest = text;
        while let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic()) {
            out.push_str(&rest[..start]);
            let word_len =
                rest[start..].find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len() - start);
            let word = &rest[start..start + word_len];
            if first_word && start == 0 && self.yes_no.contains(word) {
                yes_no = true;
            }
            first_word = false;
            // An ordinal after its digits (the 23rd) is a day of the month: 23日.
            let ordinal = ["st", "nd", "rd", "th"].contains(&word)
                && out.ends_with(|c: char| c.is_ascii_digit())
                && start == 0;
            if ordinal {
                out.push('日');
            } else if !self.stopwords.contains(word) {
                // The word as written first (talks, the noun), then its stem (talk).
                // A glossary word written as a stem (propos) is found by the stem of the
                // question's word (proposed → propos) as well.
                let stem = self.stemmer.stem(word);
                let found = self
                    .written
                    .get(word)
                    .or_else(|| self.glossary.get(stem.as_ref()))
                    .or_else(|| self.written.get(stem.as_ref()));
                match found {
                    Some(target) => out.push_str(target),
                    None => out.push_str(word),
                }
            }
            rest = &rest[start + word_len..];
        }
        out.push_str(rest);
        let mut joined = out.split_whitespace().collect::<Vec<_>>().join(" ");
        if yes_no {
            joined.push('吗');
        }
        joined
    }
}

/// Whether a window of text is a homophone misspelling of a name: at least half its
/// characters are the name's own, and every other one sounds the same, except at most
/// one whose pinyin is one letter off (普金 for 普京).
fn sounds_like(name: &Name, window: &[char], syllables: &[Option<&'static str>]) -> bool {
    if window == name.chars.as_slice() {
        return false;
    }
    let same_chars = window.iter().zip(&name.chars).filter(|(a, b)| a == b).count();
    if same_chars * 2 < name.chars.len() {
        return false;
    }
    let mut near_misses = 0;
    for (heard, expected) in syllables.iter().zip(&name.syllables) {
        match (heard, expected) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) if strsim::levenshtein(a, b) == 1 => near_misses += 1,
            _ => return false,
        }
    }
    near_misses <= 1
}

fn syllable(c: &char) -> Option<&'static str> {
    c.to_pinyin().map(|p| p.plain())
}

/// Whether a match of `len` characters at `start` does not cut a latin word or number.
fn at_word_boundary(chars: &[char], start: usize, len: usize) -> bool {
    let is_word = |c: &char| c.is_ascii_alphanumeric();
    if !chars[start].is_ascii_alphanumeric() {
        return true;
    }
    let before_ok = start == 0 || !is_word(&chars[start - 1]);
    let after_ok = chars.get(start + len).is_none_or(|c| !is_word(c));
    before_ok && after_ok
}

/// Characters that join the parts of one name (科西尼亚克-卡梅什, 史蒂文·威特科夫):
/// dropped, so that the name is one word however it is written.
const JOINERS: [char; 5] = ['-', '·', '•', '‧', '・'];

/// Full-width to half-width, Traditional to Simplified, lower case, punctuation and
/// control characters to single spaces (name joiners dropped), trimmed.
pub fn basic_form(text: &str) -> String {
    let half: String =
        without_escapes(text).chars().map(half_width).filter(|c| !JOINERS.contains(c)).collect();
    let simplified = fast2s::convert(&half);
    let mut out = String::with_capacity(simplified.len());
    let mut pending_space = false;
    for c in simplified.chars().flat_map(char::to_lowercase) {
        if is_separator(c) {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// The text without terminal escape sequences (`\x1b[31m`, `\x1b]0;title\x07`): their
/// letters would otherwise be read as words.
fn without_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\x1b') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            // CSI: parameters and intermediates, up to a final byte in @–~.
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC: up to BEL or ESC \.
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    std::borrow::Cow::Owned(out)
}

fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Characters that separate words: white space, control characters, punctuation and
/// symbols such as emoji. Letters, digits, CJK ideographs and `%` are kept.
fn is_separator(c: char) -> bool {
    if c.is_alphanumeric() || c == '%' {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aliases() -> Vec<Alias> {
        vec![
            Alias { word: "特朗普".into(), variants: vec!["川普".into(), "trump".into()], name: true },
            Alias { word: "普京".into(), variants: vec!["putin".into()], name: true },
            Alias { word: "泽连斯基".into(), variants: vec![], name: true },
            Alias { word: "北约".into(), variants: vec!["nato".into()], name: false },
        ]
    }

    #[test]
    fn basic_form_unifies_width_script_case_and_punctuation() {
        assert_eq!(basic_form("澤連斯基怎麼看？"), "泽连斯基怎么看");
        assert_eq!(basic_form("ＮＡＴＯ，１７５人！"), "nato 175人");
        assert_eq!(basic_form("  a\u{0}\tb\u{3000}c "), "a b c");
        assert_eq!(basic_form("🙂🙂"), "");
        assert_eq!(basic_form("86%"), "86%");
        assert_eq!(basic_form("科西尼亚克-卡梅什"), "科西尼亚克卡梅什");
    }

    #[test]
    fn terminal_colour_codes_are_removed() {
        assert_eq!(basic_form("\x1b[31m普京\x1b[0m说了什么"), "普京说了什么");
        assert_eq!(basic_form("\x1b]0;title\x07冰球"), "冰球");
    }

    #[test]
    fn english_words_are_read_through_the_glossary() {
        let lexicon: Lexicon = toml::from_str(
            r#"
            english_stopwords = ["did", "they", "about"]
            english_yes_no = ["did"]
            [[word]]
            word = "谈"
            english = ["talk"]
            [[entity]]
            name = "北约"
            kind = "organisation"
            english = ["nato"]
            "#,
        )
        .expect("valid lexicon");
        let n = Normalizer::with_lexicon(&[], &lexicon);
        assert_eq!(n.normalize("Did they talk about NATO?"), "谈 北约吗");
        assert_eq!(n.normalize("talked"), "谈");
    }

    #[test]
    fn aliases_become_the_knowledge_words() {
        let n = Normalizer::new(&aliases());
        assert_eq!(n.normalize("川普和Putin谈了NATO吗"), "特朗普和普京谈了北约吗");
    }

    #[test]
    fn latin_aliases_do_not_cut_words() {
        let n = Normalizer::new(&aliases());
        assert_eq!(n.normalize("natos trumpet"), "natos trumpet");
    }

    #[test]
    fn homophone_misspellings_of_names_are_recognised() {
        let n = Normalizer::new(&aliases());
        assert_eq!(n.normalize("特郎普"), "特朗普");
        assert_eq!(n.normalize("泽连司基说了啥"), "泽连斯基说了啥");
        assert_eq!(n.normalize("普金"), "普京");
        assert_eq!(n.normalize("特朗普今年多大"), "特朗普今年多大");
    }

    #[test]
    fn unrelated_words_that_sound_close_are_left_alone() {
        let n = Normalizer::new(&aliases());
        assert_eq!(n.normalize("不仅如此"), "不仅如此");
        assert_eq!(n.normalize("北京天气"), "北京天气");
    }
}
