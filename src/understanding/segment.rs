//! Segmentation: normalised text → the words the matcher weighs.

use std::collections::HashSet;

use jieba_rs::Jieba;

/// A word of a question, with what its part of speech says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word.
    pub text: String,
    /// Whether jieba tags it as a function word (pronoun, preposition, particle,
    /// conjunction, adverb, numeral …): such words say little about the topic.
    pub function: bool,
    /// Whether jieba's dictionary tags it as a proper noun (a person, a place, an
    /// organisation): a name the knowledge does not know means another story.
    pub proper: bool,
    /// Whether it is tagged as a place name (多哈, 利雅得).
    pub place: bool,
}

/// Part-of-speech tags (jieba's, from the ICTCLAS set) of function words. Negations
/// (没, 未, 不) are adverbs but mean a lot here, so they are never function words.
const FUNCTION_TAGS: [&str; 16] =
    ["r", "p", "u", "uj", "ul", "uz", "uv", "ud", "ug", "c", "y", "e", "o", "d", "f", "q"];
/// Part-of-speech tags (and their subtags: nrt, nrfg) of proper nouns: people, places,
/// organisations.
const PROPER_TAGS: [&str; 3] = ["nr", "ns", "nt"];
/// The part-of-speech tag of place names.
const PLACE_TAG: &str = "ns";

/// jieba's own dictionary, parsed once and kept when a process will build matchers again.
static KEPT_DICTIONARY: std::sync::OnceLock<Jieba> = std::sync::OnceLock::new();

/// Keeps jieba's own dictionary for the rest of the process, so that each segmenter built
/// from now on (a reload builds one) copies it rather than parse it again: several times
/// quicker, for the memory of one more copy. Processes that build one matcher need not.
pub fn keep_dictionary() {
    KEPT_DICTIONARY.get_or_init(Jieba::new);
}

/// Splits normalised text into words with jieba, keeping the knowledge's own names whole
/// and dropping stopwords.
pub struct Segmenter {
    jieba: Jieba,
    stopwords: HashSet<String>,
    /// Negations, never function words whatever their tag.
    negations: HashSet<String>,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter").field("stopwords", &self.stopwords.len()).finish_non_exhaustive()
    }
}

impl Segmenter {
    /// A segmenter with jieba's dictionary plus `words` (names, keywords) kept whole,
    /// without `stopwords`, and with `negations` always content words.
    pub fn new<'a>(
        words: impl IntoIterator<Item = &'a str>,
        stopwords: impl IntoIterator<Item = String>,
        negations: impl IntoIterator<Item = String>,
    ) -> Self {
        let started = std::time::Instant::now();
        let mut jieba = KEPT_DICTIONARY.get().cloned().unwrap_or_else(Jieba::new);
        log::debug!("jieba's dictionary ready in {:?}", started.elapsed());
        for word in words {
            if word.chars().count() >= 2 && !word.contains(' ') {
                jieba.add_word(word, None, None);
            }
        }
        Self { jieba, stopwords: stopwords.into_iter().collect(), negations: negations.into_iter().collect() }
    }

    /// The words of normalised text, in order, without stopwords. A word of three or more
    /// characters is followed by the dictionary words inside it (能源基础设施 → 能源,
    /// 基础, 设施, 基础设施), as jieba's search mode does, so that a question and a
    /// phrasing that cut a phrase differently still share words.
    pub fn words(&self, normalized: &str) -> Vec<Word> {
        let mut words = Vec::new();
        for token in self.jieba.cut(normalized, true) {
            let text = token.word;
            if text.trim().is_empty() || self.stopwords.contains(text) {
                continue;
            }
            let (function, proper, place) = self.kind_of(text);
            words.push(Word { text: text.to_owned(), function, proper, place });
            let chars: Vec<char> = text.chars().collect();
            if chars.len() < 3 {
                continue;
            }
            for len in 2..chars.len() {
                for window in chars.windows(len) {
                    let inner: String = window.iter().collect();
                    if self.jieba.has_word(&inner) && !self.stopwords.contains(&inner) {
                        words.push(Word { text: inner, function, proper: false, place: false });
                    }
                }
            }
        }
        words
    }
}

impl Segmenter {
    /// Whether a word is a function word by its part of speech in jieba's dictionary.
    /// Words the dictionary does not have (names found by jieba's HMM) are content words;
    /// asking for their tag would load jieba's tagging model, which start-up can spare.
    /// Also whether it is a proper noun, and whether a place name, by the same tag.
    fn kind_of(&self, word: &str) -> (bool, bool, bool) {
        if self.negations.contains(word) || !self.jieba.has_word(word) {
            return (false, false, false);
        }
        match self.jieba.tag(word, false).as_slice() {
            [tagged] => (
                FUNCTION_TAGS.contains(&tagged.tag),
                PROPER_TAGS.iter().any(|t| tagged.tag.starts_with(t)),
                tagged.tag.starts_with(PLACE_TAG),
            ),
            _ => (false, false, false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_bring_their_parts() {
        let segmenter = Segmenter::new(["能源基础设施"], Vec::new(), Vec::new());
        let words: Vec<String> = segmenter.words("能源基础设施").into_iter().map(|w| w.text).collect();
        assert!(words.contains(&"能源基础设施".to_owned()), "{words:?}");
        assert!(words.contains(&"基础设施".to_owned()), "{words:?}");
        assert!(words.contains(&"能源".to_owned()), "{words:?}");
    }

    #[test]
    fn pronouns_are_function_words_and_negations_are_not() {
        let segmenter = Segmenter::new(Vec::<&str>::new(), Vec::new(), Vec::new());
        let words = segmenter.words("他们没有谈什么");
        let function: Vec<(&str, bool)> = words.iter().map(|w| (w.text.as_str(), w.function)).collect();
        assert!(function.contains(&("他们", true)), "{function:?}");
        assert!(function.contains(&("什么", true)), "{function:?}");
        assert!(function.contains(&("没有", false)), "{function:?}");
    }

    #[test]
    fn stopwords_are_dropped() {
        let segmenter = Segmenter::new(Vec::<&str>::new(), vec!["的".to_owned()], Vec::new());
        assert!(segmenter.words("普京的话").iter().all(|w| w.text != "的"));
    }
}
