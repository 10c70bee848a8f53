//! Term weighting: a BM25 index over the entries, with the entry's fields weighted.
//!
//! Each entry is one document. A word's frequency in it is a weighted sum over fields
//! (BM25F): how many of the entry's phrasings use it, log-damped, plus fixed weights when
//! the word is a keyword or in the topic, the answer or a quote. The phrasings say how
//! people ask; keywords are the editor's explicit pointers; answer and quote words let a
//! question phrased in the article's own words find the entry even when no phrasing
//! uses them. Lengths are not normalised (BM25's b = 0): entries are short and of like
//! size, and an entry with more phrasings should not be punished for them.

use std::collections::HashMap;

/// Weight of a word that is a keyword of the entry or in its topic.
const KEYWORD_WEIGHT: f64 = 2.0;
/// Weight of a word in the entry's answer.
const ANSWER_WEIGHT: f64 = 0.5;
/// Weight of a word in one of the entry's quotes.
const QUOTE_WEIGHT: f64 = 0.3;
/// BM25's saturation: how fast repeated evidence stops adding to the score.
const K1: f64 = 1.2;

/// The words of one entry, by field.
#[derive(Debug, Default)]
pub struct DocumentWords {
    /// The words of each phrasing.
    pub questions: Vec<Vec<String>>,
    /// The words of the keywords and the topic.
    pub keywords: Vec<String>,
    /// The words of the answer.
    pub answer: Vec<String>,
    /// The words of the quotes.
    pub quotes: Vec<String>,
}

/// A posting: one document that contains a word, with the word's weighted frequency.
#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: usize,
    frequency: f64,
}

/// An inverted index from words to entries.
#[derive(Debug, Default)]
pub struct Index {
    postings: HashMap<String, (f64, Vec<Posting>)>,
    unknown_idf: f64,
    documents: usize,
}

/// How one document scores against a question.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TermScore {
    /// The document's index.
    pub doc: usize,
    /// The BM25 score.
    pub bm25: f64,
    /// The share of the question's weight (idf) that the document contains, in 0–1; a
    /// word found only in the answer or a quote counts with that field's weight.
    pub coverage: f64,
}

impl Index {
    /// Indexes the documents; their positions are their ids.
    pub fn new(documents: &[DocumentWords]) -> Self {
        let mut frequencies: HashMap<&str, Vec<Posting>> = HashMap::new();
        for (doc, words) in documents.iter().enumerate() {
            let mut weights: HashMap<&str, f64> = HashMap::new();
            let mut phrasing_counts: HashMap<&str, usize> = HashMap::new();
            for phrasing in &words.questions {
                let mut seen: Vec<&str> = phrasing.iter().map(String::as_str).collect();
                seen.sort_unstable();
                seen.dedup();
                for word in seen {
                    *phrasing_counts.entry(word).or_default() += 1;
                }
            }
            for (word, count) in phrasing_counts {
                *weights.entry(word).or_default() += 1.0 + (count as f64).ln();
            }
            let fields = [
                (&words.keywords, KEYWORD_WEIGHT),
                (&words.answer, ANSWER_WEIGHT),
                (&words.quotes, QUOTE_WEIGHT),
            ];
            for (field, weight) in fields {
                let mut seen: Vec<&str> = field.iter().map(String::as_str).collect();
                seen.sort_unstable();
                seen.dedup();
                for word in seen {
                    *weights.entry(word).or_default() += weight;
                }
            }
            for (word, frequency) in weights {
                frequencies.entry(word).or_default().push(Posting { doc, frequency });
            }
        }
        let n = documents.len() as f64;
        let idf = |df: f64| (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        let postings = frequencies
            .into_iter()
            .map(|(word, postings)| (word.to_owned(), (idf(postings.len() as f64), postings)))
            .collect();
        Self { postings, unknown_idf: idf(0.0), documents: documents.len() }
    }

    /// The inverse document frequency of a word; a word no entry uses gets the highest.
    pub fn idf(&self, word: &str) -> f64 {
        self.postings.get(word).map_or(self.unknown_idf, |(idf, _)| *idf)
    }

    /// Whether any entry uses the word.
    pub fn knows(&self, word: &str) -> bool {
        self.postings.contains_key(word)
    }

    /// Scores every document that shares a word with the question, best first.
    ///
    /// `words` are the question's distinct words with their weights (a single character
    /// says less than a word, so it weighs less).
    pub fn search(&self, words: &[(String, f64)]) -> Vec<TermScore> {
        let total_weight: f64 = words.iter().map(|(w, weight)| weight * self.idf(w)).sum();
        // Per document: (BM25 score, covered weight); documents are few, so a vector.
        let mut scores: Vec<(f64, f64)> = vec![(0.0, 0.0); self.documents];
        for (word, weight) in words {
            let Some((idf, postings)) = self.postings.get(word) else { continue };
            for posting in postings {
                let saturated = posting.frequency * (K1 + 1.0) / (posting.frequency + K1);
                let score = &mut scores[posting.doc];
                score.0 += weight * idf * saturated;
                // A word only in the answer or a quote covers the question in part.
                score.1 += weight * idf * posting.frequency.min(1.0);
            }
        }
        let mut ranked: Vec<TermScore> = scores
            .into_iter()
            .enumerate()
            .filter(|(_, (bm25, _))| *bm25 > 0.0)
            .map(|(doc, (bm25, covered))| TermScore {
                doc,
                bm25,
                coverage: if total_weight > 0.0 { covered / total_weight } else { 0.0 },
            })
            .collect();
        ranked.sort_by(|a, b| b.bm25.total_cmp(&a.bm25).then(a.doc.cmp(&b.doc)));
        ranked
    }

    /// The highest BM25 score a question could reach: every word present with unbounded
    /// frequency in one document.
    pub fn ideal_score(&self, words: &[(String, f64)]) -> f64 {
        words.iter().map(|(w, weight)| weight * self.idf(w) * (K1 + 1.0)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(questions: &[&[&str]], keywords: &[&str]) -> DocumentWords {
        DocumentWords {
            questions: questions.iter().map(|q| q.iter().map(|w| w.to_string()).collect()).collect(),
            keywords: keywords.iter().map(|w| w.to_string()).collect(),
            ..DocumentWords::default()
        }
    }

    fn query(words: &[&str]) -> Vec<(String, f64)> {
        words.iter().map(|w| (w.to_string(), 1.0)).collect()
    }

    #[test]
    fn rarer_shared_words_rank_higher() {
        let index = Index::new(&[
            doc(&[&["冰球", "比赛"]], &[]),
            doc(&[&["能源", "比赛"]], &[]),
            doc(&[&["能源"]], &[]),
        ]);
        let ranked = index.search(&query(&["冰球", "比赛"]));
        assert_eq!(ranked[0].doc, 0);
        assert!((ranked[0].coverage - 1.0).abs() < 1e-9);
        assert!(ranked[1].coverage < 0.5);
    }

    #[test]
    fn unknown_words_lower_coverage() {
        let index = Index::new(&[doc(&[&["冰球"]], &[]), doc(&[&["能源"]], &[])]);
        let ranked = index.search(&query(&["冰球", "天气"]));
        assert_eq!(ranked.len(), 1);
        assert!(ranked[0].coverage < 0.6, "{:?}", ranked[0]);
        assert!(index.idf("天气") > index.idf("冰球"));
    }

    #[test]
    fn keywords_weigh_more_than_a_single_phrasing() {
        let index = Index::new(&[doc(&[&["吉达"]], &[]), doc(&[&["谈判"]], &["吉达"])]);
        let ranked = index.search(&query(&["吉达"]));
        assert_eq!(ranked[0].doc, 1);
    }
}
