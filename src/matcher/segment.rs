//! Segmentation: normalised text → the words the matcher weighs.

use std::collections::HashSet;

use jieba_rs::Jieba;

/// Splits normalised text into words with jieba, keeping the knowledge's own names whole
/// and dropping stopwords.
pub struct Segmenter {
    jieba: Jieba,
    stopwords: HashSet<String>,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter").field("stopwords", &self.stopwords.len()).finish_non_exhaustive()
    }
}

impl Segmenter {
    /// A segmenter with jieba's dictionary plus `words` (names, keywords) kept whole.
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>, stopwords: impl IntoIterator<Item = String>) -> Self {
        let mut jieba = Jieba::new();
        for word in words {
            if word.chars().count() >= 2 && !word.contains(' ') {
                jieba.add_word(word, None, None);
            }
        }
        Self { jieba, stopwords: stopwords.into_iter().collect() }
    }

    /// The words of normalised text, in order, without stopwords; a long word is followed
    /// by the shorter dictionary words inside it (能源基础设施 → 能源, 基础, 设施, 基础设施).
    pub fn words(&self, normalized: &str) -> Vec<String> {
        self.jieba
            .cut_for_search(normalized, true)
            .into_iter()
            .map(|t| t.word)
            .filter(|w| !w.trim().is_empty() && !self.stopwords.contains(*w))
            .map(str::to_owned)
            .collect()
    }
}
