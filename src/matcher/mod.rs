//! The matcher: finds the entry closest to a question.
//!
//! A question is normalised ([`normalize`]), cut into words with jieba ([`segment`]),
//! and looked up in a BM25 index over the entries ([`index`]). Only the best few
//! candidates of that look-up are scored in full, so the cost does not grow with every
//! phrasing in the knowledge. The full score mixes three parts, each in 0–1:
//!
//! - coverage (weight 0.5): how much of the question's meaning (its words' idf) the
//!   entry contains. A question about something the knowledge never mentions (天气,
//!   拜登) keeps unknown words and so a low coverage: this is what makes the bot decline.
//! - similarity (weight 0.3): strsim's normalised Levenshtein similarity between the
//!   question and the entry's closest phrasing, which rewards a question asked the way
//!   an editor wrote it, word order included.
//! - relevance (weight 0.2): the BM25 score relative to the best the question could
//!   reach, which rewards words the entry uses often (keywords, many phrasings).
//!
//! A question asking whether the call touched a topic (谈到X了吗) adds 0.05 to entries
//! that have a status, since those answer exactly that.

mod index;
mod intent;
mod normalize;
mod segment;

use serde::Deserialize;

pub use index::{DocumentWords, Index, TermScore};
pub use intent::{Wanted, asks_if_discussed, gives, is_yes_no, wanted};
pub use normalize::{Normalizer, basic_form};
pub use segment::{Segmenter, Word, keep_dictionary};

use crate::knowledge::{Category, KnowledgeBase};

const COVERAGE_WEIGHT: f64 = 0.5;
const SIMILARITY_WEIGHT: f64 = 0.3;
const RELEVANCE_WEIGHT: f64 = 0.2;
/// A question asking whether the call touched a topic (谈到X了吗) is best answered by a
/// topic that has a status (discussed or not): such entries get this much more.
const STATUS_BONUS: f64 = 0.05;
/// A single character says less than a word: it counts this much of a word's weight.
const SINGLE_CHARACTER_WEIGHT: f64 = 0.5;
/// A function word (pronoun, particle …) that no entry uses counts this much: 他们 or
/// 哪个 in a question should not make it look off-topic, as an unknown noun should.
const UNKNOWN_FUNCTION_WORD_WEIGHT: f64 = 0.1;

/// The matcher's settings (`[matcher]` in `config/callbot.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatcherConfig {
    /// The lowest score (0–1) that is answered; below it the bot declines.
    pub threshold: f64,
    /// When the second candidate scores within this of the first, it is offered as "did you mean".
    pub ambiguity_margin: f64,
    /// How many of the BM25 look-up's best entries are scored in full.
    pub candidates: usize,
    /// Longer questions are declined with a request to ask briefly.
    pub max_question_chars: usize,
}

impl Default for MatcherConfig {
    fn default() -> Self {
        Self { threshold: 0.34, ambiguity_margin: 0.04, candidates: 3, max_question_chars: 500 }
    }
}

/// What the matcher made of a question.
#[derive(Debug, Clone)]
pub struct Match {
    /// The question after normalisation.
    pub normalized: String,
    /// Its words, as weighed.
    pub words: Vec<String>,
    /// Whether it asks yes or no.
    pub yes_no: bool,
    /// Whether it asks if the call touched a topic (谈到X了吗).
    pub about_the_call: bool,
    /// The best entries, best first.
    pub candidates: Vec<Candidate>,
    /// What to do with it.
    pub outcome: Outcome,
}

/// An entry considered for a question, with the parts of its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// The entry's position in the knowledge base.
    pub entry: usize,
    /// The full score, 0–1.
    pub score: f64,
    /// The raw BM25 score.
    pub bm25: f64,
    /// The share of the question's weight found in the entry.
    pub coverage: f64,
    /// The similarity to the entry's closest phrasing.
    pub similarity: f64,
}

/// What the bot does with a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answer with the best candidate.
    Answer,
    /// The best candidate is something the article does not report: say so.
    Unreported,
    /// Decline, for this reason.
    Decline(Decline),
}

/// Why a question is declined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decline {
    /// Nothing left after normalisation: empty, emoji or punctuation only.
    Empty,
    /// Longer than `max_question_chars`.
    TooLong,
    /// No entry scores above the threshold.
    NoMatch,
    /// The closest entry does not give the kind of fact asked for (a date, a number):
    /// the article does not report it.
    MissingFact,
}

impl Match {
    /// The best candidate, if any.
    pub fn best(&self) -> Option<&Candidate> {
        self.candidates.first()
    }

    /// Whether the bot answers the question.
    pub fn is_answered(&self) -> bool {
        self.outcome == Outcome::Answer
    }
}

/// Finds the entry closest to a question. Built once; matching is read-only.
#[derive(Debug)]
pub struct Matcher {
    normalizer: Normalizer,
    segmenter: Segmenter,
    index: Index,
    /// Each entry's phrasings, prepared for the similarity part.
    phrasings: Vec<Vec<Phrasing>>,
    unreported: Vec<bool>,
    /// Whether each entry has a status (discussed, not discussed, unclear).
    has_status: Vec<bool>,
    /// The kinds of fact (a date, a number) each entry's answer and quotes give.
    gives_kinds: Vec<Vec<Wanted>>,
    config: MatcherConfig,
}

impl Matcher {
    /// Builds the matcher for a knowledge base.
    pub fn new(knowledge: &KnowledgeBase, config: MatcherConfig) -> Self {
        let normalizer = Normalizer::new(&knowledge.aliases);
        let vocabulary: Vec<String> = knowledge
            .aliases
            .iter()
            .map(|a| a.word.as_str())
            .chain(knowledge.entries.iter().flat_map(|e| e.keywords.iter().map(String::as_str)))
            .map(|w| normalizer.normalize(w))
            .collect();
        // Loading jieba's dictionary is most of the start-up: normalise the entries'
        // texts on this thread meanwhile.
        let (segmenter, texts) = std::thread::scope(|scope| {
            let loading = scope.spawn(|| {
                Segmenter::new(vocabulary.iter().map(String::as_str), knowledge.stopwords.iter().cloned())
            });
            let texts: Vec<EntryTexts> =
                knowledge.entries.iter().map(|e| EntryTexts::new(e, &normalizer)).collect();
            (loading.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), texts)
        });
        let words = |normalized: &str| -> Vec<String> {
            segmenter.words(normalized).into_iter().map(|w| w.text).collect()
        };
        let document = |t: &EntryTexts| DocumentWords {
            questions: t.questions.iter().map(|q| words(q)).collect(),
            keywords: t.keywords.iter().flat_map(|k| words(k)).collect(),
            answer: t.answer.iter().flat_map(|a| words(a)).collect(),
            quotes: t.quotes.iter().flat_map(|q| words(q)).collect(),
        };
        // Segmenting every phrasing is the rest of the start-up: two halves on two threads.
        let (first, second) = texts.split_at(texts.len() / 2);
        let documents: Vec<DocumentWords> = std::thread::scope(|scope| {
            let first = scope.spawn(|| first.iter().map(document).collect::<Vec<_>>());
            let second: Vec<DocumentWords> = second.iter().map(document).collect();
            let mut documents = first.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            documents.extend(second);
            documents
        });
        let index = Index::new(&documents);
        let phrasings =
            texts.iter().map(|t| t.questions.iter().map(|q| Phrasing::new(q)).collect()).collect();
        let unreported = knowledge.entries.iter().map(|e| e.category == Category::Unreported).collect();
        let has_status = knowledge.entries.iter().map(|e| e.status.is_some()).collect();
        let gives_kinds = knowledge
            .entries
            .iter()
            .map(|e| {
                let text = e.quotes.iter().fold(e.answer.clone(), |text, q| text + &q.text);
                Wanted::ALL.into_iter().filter(|kind| gives(&text, *kind)).collect()
            })
            .collect();
        Self { normalizer, segmenter, index, phrasings, unreported, has_status, gives_kinds, config }
    }

    /// Matches a question.
    pub fn find(&self, question: &str) -> Match {
        let normalized = self.normalizer.normalize(question);
        let yes_no = is_yes_no(&normalized);
        let about_the_call = asks_if_discussed(&normalized);
        let declined = |normalized: String, words: Vec<String>, reason: Decline| Match {
            normalized,
            words,
            yes_no,
            about_the_call,
            candidates: Vec::new(),
            outcome: Outcome::Decline(reason),
        };
        if normalized.is_empty() {
            return declined(normalized, Vec::new(), Decline::Empty);
        }
        if normalized.chars().count() > self.config.max_question_chars {
            return declined(normalized, Vec::new(), Decline::TooLong);
        }
        let words = self.segmenter.words(&normalized);
        let weighted = self.weigh(&words);
        let words: Vec<String> = words.into_iter().map(|w| w.text).collect();
        let ideal = self.index.ideal_score(&weighted);
        let question = Phrasing::new(&normalized);
        let mut candidates: Vec<Candidate> = self
            .index
            .search(&weighted)
            .into_iter()
            .take(self.config.candidates)
            .map(|term| {
                let similarity = closest(&question, &self.phrasings[term.doc]);
                let relevance = if ideal > 0.0 { term.bm25 / ideal } else { 0.0 };
                let bonus = if about_the_call && self.has_status[term.doc] { STATUS_BONUS } else { 0.0 };
                Candidate {
                    entry: term.doc,
                    score: (COVERAGE_WEIGHT * term.coverage
                        + SIMILARITY_WEIGHT * similarity
                        + RELEVANCE_WEIGHT * relevance
                        + bonus)
                        .min(1.0),
                    bm25: term.bm25,
                    coverage: term.coverage,
                    similarity,
                }
            })
            .collect();
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        let outcome = match candidates.first() {
            Some(best) if best.score >= self.config.threshold => {
                if self.unreported[best.entry] {
                    Outcome::Unreported
                } else if wanted(&normalized)
                    .into_iter()
                    .any(|kind| !self.gives_kinds[best.entry].contains(&kind))
                {
                    Outcome::Decline(Decline::MissingFact)
                } else {
                    Outcome::Answer
                }
            }
            _ => Outcome::Decline(Decline::NoMatch),
        };
        Match { normalized, words, yes_no, about_the_call, candidates, outcome }
    }

    /// The question's distinct words with their weights.
    fn weigh(&self, words: &[Word]) -> Vec<(String, f64)> {
        let mut weighted: Vec<(String, f64)> = Vec::with_capacity(words.len());
        for word in words {
            if weighted.iter().any(|(w, _)| *w == word.text) {
                continue;
            }
            let weight = if word.function && !self.index.knows(&word.text) {
                UNKNOWN_FUNCTION_WORD_WEIGHT
            } else if word.text.chars().count() == 1 && !word.text.is_ascii() {
                SINGLE_CHARACTER_WEIGHT
            } else {
                1.0
            };
            weighted.push((word.text.clone(), weight));
        }
        weighted
    }

    /// Whether the second candidate is close enough to the first to offer it too.
    pub fn is_ambiguous(&self, found: &Match) -> bool {
        match found.candidates.as_slice() {
            [first, second, ..] => {
                found.outcome == Outcome::Answer
                    && second.score >= self.config.threshold
                    && first.score - second.score < self.config.ambiguity_margin
                    && !self.unreported[second.entry]
            }
            _ => false,
        }
    }
}

/// An entry's texts, normalised, field by field.
struct EntryTexts {
    questions: Vec<String>,
    keywords: Vec<String>,
    answer: Option<String>,
    quotes: Vec<String>,
}

impl EntryTexts {
    fn new(entry: &crate::knowledge::Entry, normalizer: &Normalizer) -> Self {
        let all = |texts: &mut dyn Iterator<Item = &String>| texts.map(|t| normalizer.normalize(t)).collect();
        Self {
            questions: all(&mut entry.questions.iter()),
            keywords: all(&mut entry.keywords.iter().chain([&entry.topic])),
            // An unreported entry's answer tells what the article does say nearby
            // (吉达 and 23日 for the outcome of the Jeddah talks): those words must not
            // pull questions about the facts that are reported.
            answer: (entry.category != Category::Unreported).then(|| normalizer.normalize(&entry.answer)),
            quotes: all(&mut entry.quotes.iter().map(|q| &q.text)),
        }
    }
}

/// A phrasing prepared for the similarity part: its characters in order, and sorted.
#[derive(Debug)]
struct Phrasing {
    chars: Vec<char>,
    sorted: Vec<char>,
}

impl Phrasing {
    fn new(normalized: &str) -> Self {
        let chars: Vec<char> = compact(normalized).chars().collect();
        let mut sorted = chars.clone();
        sorted.sort_unstable();
        Self { chars, sorted }
    }

    /// The most the similarity to a question can be: the Levenshtein distance is at least
    /// the bag distance (the characters of the longer text that the other lacks).
    fn bound(&self, question: &Phrasing) -> f64 {
        let longer = self.chars.len().max(question.chars.len());
        if longer == 0 {
            return 1.0;
        }
        let common = common_count(&self.sorted, &question.sorted);
        common as f64 / longer as f64
    }

    /// strsim's Levenshtein distance normalised by the longer length, as
    /// `strsim::normalized_levenshtein`.
    fn similarity(&self, question: &Phrasing) -> f64 {
        let longer = self.chars.len().max(question.chars.len());
        if longer == 0 {
            return 1.0;
        }
        1.0 - strsim::generic_levenshtein(&question.chars, &self.chars) as f64 / longer as f64
    }
}

/// How many characters two sorted sequences share, counting repeats.
fn common_count(a: &[char], b: &[char]) -> usize {
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common
}

/// The similarity of a question to the closest of some phrasings. Each phrasing's bound
/// is cheap; the distance itself is computed best bound first, and only while a bound
/// can still beat the best found, so the result is exactly the best similarity.
fn closest(question: &Phrasing, phrasings: &[Phrasing]) -> f64 {
    let mut bounded: Vec<(f64, &Phrasing)> = phrasings.iter().map(|p| (p.bound(question), p)).collect();
    bounded.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    let mut best = 0.0;
    for (bound, phrasing) in bounded {
        if bound <= best {
            break;
        }
        best = phrasing.similarity(question).max(best);
    }
    best
}

/// Normalised text without spaces, for character-level similarity.
fn compact(normalized: &str) -> String {
    normalized.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_agrees_with_strsim_over_every_phrasing() {
        let phrasings = ["冰球", "谈了冰球吗", "他们谈了冰球比赛吗", "美俄冰球比赛是谁的主意", "", "x"];
        let prepared: Vec<Phrasing> = phrasings.iter().map(|p| Phrasing::new(p)).collect();
        for question in
            ["冰球", "他们谈冰球了吗", "冰球比赛在哪里办", "", "完全无关的一句很长很长的话", "球冰"]
        {
            let expected =
                phrasings.iter().map(|p| strsim::normalized_levenshtein(question, p)).fold(0.0, f64::max);
            let got = closest(&Phrasing::new(question), &prepared);
            assert!((got - expected).abs() < 1e-12, "{question}: {got} != {expected}");
        }
    }
}
