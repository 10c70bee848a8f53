//! Normalisation: the same question written in different ways becomes the same text.
//!
//! Full-width forms become half-width, Traditional characters Simplified, letters lower
//! case, punctuation and control characters spaces; then aliases (川普, NATO, 普金 …)
//! become the words the knowledge uses, and a name misspelt with a homophone (特郎普,
//! 泽连司基) is recognised by its pinyin.

use std::collections::HashMap;

use pinyin::ToPinyin;

use crate::knowledge::Alias;

/// Turns raw text into the form the matcher compares.
#[derive(Debug, Clone, Default)]
pub struct Normalizer {
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
        Self { variants_by_first_char, names, name_anchors }
    }

    /// Normalises a question or a phrasing.
    pub fn normalize(&self, text: &str) -> String {
        let basic = basic_form(text);
        let mut chars: Vec<char> = self.replace_aliases(&basic);
        self.correct_homophones(&mut chars);
        chars.into_iter().collect()
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
        for (name, mut starts) in self.names.iter().zip(starts) {
            starts.sort_unstable();
            starts.dedup();
            let n = name.chars.len();
            let mut free = 0;
            for start in starts {
                if start < free {
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
    let half: String = text.chars().map(half_width).filter(|c| !JOINERS.contains(c)).collect();
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
    }

    #[test]
    fn unrelated_words_that_sound_close_are_left_alone() {
        let n = Normalizer::new(&aliases());
        assert_eq!(n.normalize("不仅如此"), "不仅如此");
        assert_eq!(n.normalize("北京天气"), "北京天气");
    }
}
