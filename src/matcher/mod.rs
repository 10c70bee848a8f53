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
//! that have a status, since those answer exactly that. An entry that does not mention
//! a person, place or topic the question names loses 0.2 per such entity, and 0.25 per
//! proper noun of the question it never uses (拜登): the question is about something else.
//!
//! Before matching, the question is analysed ([`analysis`]): a question with nothing
//! left to go on is asked to say more; and the best entry answers only when it gives
//! the asked facet and detail. When it does not (冰球比赛谁赢了), the reply says what the
//! article does not report, and what it does say. A message of several sentences is
//! answered on its question: each interrogative sentence is matched, the best kept. A
//! question that only asks what the call covered (他们谈了什么) is matched among the
//! entries about the call in general.

mod analysis;
mod index;
mod intent;
mod model;
mod normalize;
mod segment;

use std::collections::HashMap;

use serde::Deserialize;

use analysis::Analyzer;

pub use crate::knowledge::EntityKind;
pub use analysis::{Analysis, Entity, Facet};
pub use normalize::basic_form;

use index::{DocumentWords, Index, TermScore};
pub(crate) use intent::{Wanted, asks_if_discussed, counted, gives, gives_count_of};
use intent::{is_yes_no, wanted};
pub use model::Training;
use model::{Model, feature_names};
pub(crate) use normalize::Normalizer;
pub use segment::keep_dictionary;
use segment::{Segmenter, Word};

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
/// How much an entry loses for each entity the question names that it never mentions.
const ENTITY_MISS_PENALTY: f64 = 0.2;
/// How much an entry loses for each proper noun of the question (拜登) that it never
/// uses: the question is about another story.
const STRANGER_PENALTY: f64 = 0.25;
/// What an entry loses for each verb of the question that tells one event's facts from
/// another's (拦截, not 发射) that its answer and quotes never use.
const EVENT_VERB_PENALTY: f64 = 0.15;
/// Verbs that tell apart facts of one event: the drones intercepted (拦截) are not those
/// launched (发射).
const EVENT_VERBS: [&str; 4] = ["拦截", "发射", "互换", "投降"];
/// The plainest wording of "what did the call cover?", normalised.
const OVERVIEW_QUESTION: &str = "双方谈了什么";
/// Verbs of discussing: in "did they discuss X?" the facet already says them, and only X
/// tells the entries apart, so they weigh as little as an unknown function word.
const DISCUSSION_WORDS: [&str; 12] =
    ["谈", "谈了", "谈到", "谈过", "谈及", "讨论", "讨论了", "提到", "提及", "涉及", "说到", "聊到"];
/// Entities that every question is about (the two presidents, the call): they tell
/// entries apart no better than a stopword.
const CALL_ENTITIES: [&str; 3] = ["双方", "通话", "新华社"];
/// The two presidents: named together, they are the call itself, as 双方 is.
const PRESIDENTS: [&str; 2] = ["普京", "特朗普"];
/// The two countries of the call, as the lexicon names them: named together (俄罗斯和美国),
/// they are the call's two sides, as the presidents are.
const SIDES: [[&str; 2]; 2] = [["俄罗斯", "美国"], ["俄方", "美方"]];

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
    /// The share (0–1) of an entry's score that is the model's probability for it; the
    /// rest is the score of words and phrasings.
    pub learned_weight: f64,
    /// A question whose probability of being out of scope is at least this is declined.
    pub out_of_scope: f64,
}

impl Default for MatcherConfig {
    fn default() -> Self {
        Self {
            threshold: 0.34,
            ambiguity_margin: 0.04,
            candidates: 3,
            max_question_chars: 500,
            learned_weight: 0.0,
            out_of_scope: 0.5,
        }
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
    /// What the question asks, about what.
    pub analysis: Analysis,
    /// What the question asks that the best entry does not give (年龄, 具体时间).
    pub missing: Option<String>,
    /// The facets the best entry's answer gives (shown by `--explain`; only dates,
    /// numbers and details decide, as the words that give a reason or a place are too
    /// many to list).
    pub best_gives: Vec<Facet>,
    /// The best entries, best first.
    pub candidates: Vec<Candidate>,
    /// The model's probability that no entry answers the question.
    pub out_of_scope: f64,
    /// The features that most raised the best entry's probability, strongest first.
    pub reasons: Vec<(String, f64)>,
    /// What to do with it.
    pub outcome: Outcome,
    /// A second question of the same message, answered by another entry (换俘多少人？
    /// 另外冰球呢): the reply answers both.
    pub also: Option<Box<Match>>,
    /// A place the question puts an event in that the article does not (多哈 for the
    /// talks in 吉达): the answer gives the article's place, correcting the premise.
    pub wrong_place: Option<String>,
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
    /// The model's probability that the entry answers the question.
    pub probability: f64,
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
    /// Nothing left to go on once question words are set aside (为什么, 谁, 真的吗).
    TooLittle,
    /// The closest entry does not give the kind of fact asked for (a date, a number, a
    /// detail such as an age): the article does not report it ([`Match::missing`]).
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
    /// The people who speak for each country or side (俄方 → 普京).
    speakers_for: HashMap<String, Vec<String>>,
    normalizer: Normalizer,
    segmenter: Segmenter,
    analyzer: Analyzer,
    index: Index,
    /// The model that gives each entry's probability, and that of out of scope.
    model: Model,
    /// Each entry's phrasings, prepared for the similarity part.
    phrasings: Vec<Vec<Phrasing>>,
    unreported: Vec<bool>,
    /// Whether each entry is about the call in general.
    overview: Vec<bool>,
    /// Whether each entry has a status (discussed, not discussed, unclear).
    has_status: Vec<bool>,
    /// What each entry gives and mentions, derived from its texts.
    gives: Vec<EntryFacts>,
    /// Fields (军事) and the article's words for the points under them.
    fields: HashMap<String, Vec<String>>,
    /// Each detail's name and the words of an answer that give it.
    details: Vec<(String, Vec<String>)>,
    config: MatcherConfig,
}

/// What an entry's answer and quotes give, and what the entry mentions anywhere.
#[derive(Debug, Clone)]
struct EntryFacts {
    /// The kinds of fact (a date, a number) its answer and quotes give.
    kinds: Vec<Wanted>,
    /// The facets its answer and quotes give.
    facets: Vec<Facet>,
    /// The entities it mentions (in its phrasings, keywords, answer or quotes).
    entities: Vec<String>,
    /// Whether every phrasing of it asks about an earlier call (上次通话): it answers
    /// only a question that says so.
    earlier_call: bool,
    /// Whether its answer or quotes name a place (a city, a region, a sea), not only a
    /// country: what "在哪里" asks about an event.
    names_place: bool,
    /// Its answer and quotes, normalised.
    text: String,
    /// All its texts, normalised.
    mentions: String,
}

/// The people who speak for a country or side, from the lexicon's roles (俄方 → 普京,
/// 梅德韦杰夫), normalised.
fn speakers_for(knowledge: &KnowledgeBase, normalizer: &Normalizer) -> HashMap<String, Vec<String>> {
    let mut speakers: HashMap<String, Vec<String>> = HashMap::new();
    for role in &knowledge.lexicon.role {
        let person = normalizer.normalize(role.person.get_ref());
        for country in &role.countries {
            let people = speakers.entry(normalizer.normalize(country)).or_default();
            if !people.contains(&person) {
                people.push(person.clone());
            }
        }
    }
    speakers
}

impl Matcher {
    /// Builds the matcher for a knowledge base, its model trained on every phrasing and
    /// example.
    pub fn new(knowledge: &KnowledgeBase, config: MatcherConfig) -> Self {
        Self::trained_on(knowledge, config, |_| true)
    }

    /// Builds the matcher with its model trained on the entries' phrasings and the
    /// examples (by position in [`KnowledgeBase::examples`]) that `learns` keeps: how
    /// cross-validation holds some out.
    pub fn trained_on(
        knowledge: &KnowledgeBase,
        config: MatcherConfig,
        learns: impl Fn(usize) -> bool,
    ) -> Self {
        let normalizer = Normalizer::with_lexicon(&knowledge.aliases, &knowledge.lexicon);
        let analyzer = Analyzer::new(&knowledge.lexicon);
        let vocabulary: Vec<String> = knowledge
            .aliases
            .iter()
            .map(|a| a.word.as_str())
            .chain(knowledge.lexicon.entity.iter().map(|e| e.name.get_ref().as_str()))
            .chain(knowledge.lexicon.word.iter().map(|w| w.word.get_ref().as_str()))
            .chain(knowledge.lexicon.field.iter().map(|f| f.name.as_str()))
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
        let labelled: Vec<(String, usize)> = texts
            .iter()
            .enumerate()
            .flat_map(|(i, t)| t.questions.iter().map(move |q| (q.clone(), i)))
            .chain(knowledge.examples.iter().enumerate().filter(|(i, _)| learns(*i)).map(|(_, e)| {
                (normalizer.normalize(&e.question), e.entry.unwrap_or(knowledge.entries.len()))
            }))
            .collect();
        let featurise = |part: &[(String, usize)]| -> Vec<(Vec<String>, usize)> {
            part.iter().map(|(q, class)| (question_features(q, &segmenter, &analyzer), *class)).collect()
        };
        let started = std::time::Instant::now();
        let (first, second) = labelled.split_at(labelled.len() / 2);
        let rows = std::thread::scope(|scope| {
            let first = scope.spawn(|| featurise(first));
            let second = featurise(second);
            let mut rows = first.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            rows.extend(second);
            rows
        });
        let featurised = started.elapsed();
        let model = Model::train(&rows, knowledge.entries.len() + 1, Training::default());
        log::debug!(
            "model: {} questions, {} features; features in {featurised:?}, trained in {:?}",
            rows.len(),
            model.vocabulary_size(),
            started.elapsed() - featurised
        );
        let phrasings =
            texts.iter().map(|t| t.questions.iter().map(|q| Phrasing::new(q)).collect()).collect();
        let unreported = knowledge.entries.iter().map(|e| e.category == Category::Unreported).collect();
        let has_status = knowledge.entries.iter().map(|e| e.status.is_some()).collect();
        let overview = knowledge.entries.iter().map(|e| e.category == Category::Overview).collect();
        let gives = knowledge
            .entries
            .iter()
            .zip(&texts)
            .map(|(entry, texts)| EntryFacts::new(entry, texts, &normalizer, &analyzer))
            .collect();
        let fields = knowledge
            .lexicon
            .field
            .iter()
            .map(|f| {
                (basic_form(&f.name), f.covers.get_ref().iter().map(|c| normalizer.normalize(c)).collect())
            })
            .collect();
        let details = knowledge
            .lexicon
            .detail
            .iter()
            .map(|d| (d.name.clone(), d.given_by.iter().map(|g| normalizer.normalize(g)).collect()))
            .collect();
        let speakers_for = speakers_for(knowledge, &normalizer);
        Self {
            speakers_for,
            normalizer,
            segmenter,
            analyzer,
            index,
            model,
            phrasings,
            unreported,
            overview,
            has_status,
            gives,
            fields,
            details,
            config,
        }
    }

    /// Analyses a question: its facet, entities, predicate, negation and content words.
    pub fn analyze(&self, question: &str) -> Analysis {
        let normalized = self.normalizer.normalize(question);
        let words = self.segmenter.words(&normalized);
        let mut analysis = self.analyzer.analyze(&normalized, &words);
        analysis.english = analysis::is_english(question);
        analysis
    }

    /// Matches a question. A message of several sentences is matched on each of its
    /// questions: the best is kept, and a second question answered by another entry is
    /// kept beside it ([`Match::also`]). A last question that cannot be answered on its
    /// own (这次一共换多少个人？) is read with the sentence before it.
    pub fn find(&self, question: &str) -> Match {
        let whole = self.find_one(question);
        if matches!(whole.outcome, Outcome::Decline(Decline::Empty | Decline::TooLong)) {
            return whole;
        }
        let sentences = sentences_of(question);
        let asking: Vec<usize> = (0..sentences.len()).filter(|&i| asks(sentences[i])).collect();
        if sentences.len() < 2 && asking.first().is_none_or(|&i| sentences[i] == question.trim()) {
            return whole;
        }
        let clauses: Vec<usize> = if asking.is_empty() { (0..sentences.len()).collect() } else { asking };
        let mut found: Vec<(usize, Match)> =
            clauses.iter().map(|&i| (i, self.find_one(sentences[i]))).collect();
        // "X呢" after "谈到Y了吗" asks the same of X.
        for k in 1..found.len() {
            let (before, rest) = found.split_at_mut(k);
            let (i, current) = &mut rest[0];
            if before[k - 1].1.about_the_call && !current.about_the_call {
                let sentence = sentences[*i].trim_end_matches(['呢', '?', '？']);
                if sentence.len() < sentences[*i].len() {
                    *current = self.find_one(&format!("{sentence}谈到了吗"));
                }
            }
        }
        // A last question that points back (这件事, 这方面) is about the topic named
        // nearest before it.
        if let Some((last, current)) = found.last_mut()
            && let Some(reference) = BACK_REFERENCES.iter().find(|r| sentences[*last].contains(**r))
            && let Some(topic) = (0..*last).rev().find_map(|i| self.topic_of(sentences[i]))
        {
            let resolved = self.find_one(&sentences[*last].replacen(reference, &topic, 1));
            if rank(&resolved) >= rank(current) {
                *current = resolved;
            }
        }
        // A bare last question (一共换多少人？) takes its topic from the sentence before;
        // a question that names no topic at all (数量多少？) is about the sentences before
        // it, even when some entry answers it alone.
        let count = found.len();
        for (k, (at, bare)) in found.iter_mut().enumerate() {
            // An ordinal (第三点) names its own topic: the point of the list.
            let topicless = self.topic_of(sentences[*at]).is_none() && !sentences[*at].contains('第');
            let unanswered = k + 1 == count && rank(bare) < 1.0;
            if *at == 0 || !(unanswered || topicless) {
                continue;
            }
            if let Some(filled) = self.fill(&sentences, *at, topicless)
                && rank(&filled) >= if unanswered { 1.0 } else { 2.0 }
            {
                *bare = filled;
            }
        }
        // The question answered best (the later one on a tie) wins; when none is answered,
        // the best of what the message says.
        let best = found
            .iter()
            .enumerate()
            .max_by(|(i, (_, a)), (j, (_, b))| rank(a).total_cmp(&rank(b)).then(i.cmp(j)))
            .map(|(i, _)| i);
        let Some(best) = best else { return whole };
        if rank(&whole) > rank(&found[best].1) {
            return whole;
        }
        let entry_of = |m: &Match| m.best().map(|c| c.entry);
        let other = found
            .iter()
            .enumerate()
            .filter(|(i, (_, m))| *i != best && rank(m) >= 2.0 && entry_of(m) != entry_of(&found[best].1))
            .max_by(|(_, (_, a)), (_, (_, b))| rank(a).total_cmp(&rank(b)))
            .map(|(i, _)| i);
        match other {
            Some(other) => {
                // Both answers, in the order the message asks them.
                let (first, second) = if other < best { (other, best) } else { (best, other) };
                let second = found.swap_remove(second).1;
                let mut first = found.swap_remove(first).1;
                first.also = Some(Box::new(second));
                first
            }
            None => found.swap_remove(best).1,
        }
    }

    /// The sentence at `at` read with what comes before it: joined to the sentence
    /// before, and, when it names no topic, with the topic named nearest before put in
    /// front of it and of each of its asking clauses, which leaves out the chatter around
    /// (听广播说黑海也谈到了。我不太明白，到底谈了什么？). The best reading.
    fn fill(&self, sentences: &[&str], at: usize, topicless: bool) -> Option<Match> {
        let sentence = sentences[at];
        let joined = self.find_one(&format!("{}，{sentence}", sentences[at - 1]));
        let topic = (0..at).rev().find_map(|i| self.topic_of(sentences[i])).filter(|_| topicless);
        let clauses = sentence.split(['，', ',']).filter(|c| *c != sentence && asks(c));
        let named = topic.iter().flat_map(|topic| {
            std::iter::once(sentence).chain(clauses.clone()).map(move |c| format!("{topic}{c}"))
        });
        std::iter::once(joined)
            .chain(named.map(|q| self.find_one(&q)))
            .max_by(|a, b| rank(a).total_cmp(&rank(b)))
    }

    fn find_one(&self, question: &str) -> Match {
        let normalized = self.normalizer.normalize(question);
        let yes_no = is_yes_no(&normalized);
        let about_the_call = asks_if_discussed(&normalized);
        let declined = |normalized: String, words: Vec<String>, analysis: Analysis, reason: Decline| Match {
            normalized,
            words,
            yes_no,
            about_the_call,
            analysis,
            missing: None,
            best_gives: Vec::new(),
            candidates: Vec::new(),
            out_of_scope: 0.0,
            reasons: Vec::new(),
            outcome: Outcome::Decline(reason),
            also: None,
            wrong_place: None,
        };
        if normalized.is_empty() {
            return declined(normalized, Vec::new(), Analysis::empty(), Decline::Empty);
        }
        if normalized.chars().count() > self.config.max_question_chars {
            return declined(normalized, Vec::new(), Analysis::empty(), Decline::TooLong);
        }
        let words = self.segmenter.words(&normalized);
        let mut analysis = self.analyzer.analyze(&normalized, &words);
        analysis.english = analysis::is_english(question);
        // A detail asked in words the normalisation rewrites (Truth Social → 社交媒体).
        if analysis.detail.is_none() && question.contains(|c: char| c.is_ascii_alphabetic()) {
            analysis.detail = self.analyzer.detail_in(&basic_form(question));
        }
        let features = self.model.features(&features_of(&normalized, &words, &analysis));
        let names: Vec<String> = words
            .iter()
            .filter(|w| w.proper && !analysis.entities.iter().any(|e| e.name.contains(w.text.as_str())))
            .map(|w| w.text.clone())
            .collect();
        // "What did they talk about?" asks for the call in general however it is worded
        // (他们说了啥, 电话里聊了哪些): it is matched as its plainest wording, among the
        // entries about the call in general, whatever else the words of saying point at.
        let asks_earlier = EARLIER_CALL.iter().any(|m| normalized.contains(m));
        let overview_only = analysis.asks_what_the_call_covered() && !asks_earlier;
        let weighted = if overview_only {
            self.weigh(&self.segmenter.words(OVERVIEW_QUESTION), &analysis)
        } else {
            self.weigh(&words, &analysis)
        };
        // Names the article does not use that stand where a place does (在多哈, 去利雅得):
        // jieba tags many foreign places as people's names, so the slot tells.
        let foreign_places: Vec<String> = names
            .iter()
            .filter(|name| {
                words.iter().any(|w| w.place && w.text == **name)
                    || PLACE_SLOTS.iter().any(|slot| normalized.contains(&format!("{slot}{name}")))
            })
            .cloned()
            .collect();
        let words: Vec<String> = words.into_iter().map(|w| w.text).collect();
        if !analysis.has_content() {
            return declined(normalized, words, analysis, Decline::TooLittle);
        }
        let ideal = self.index.ideal_score(&weighted);
        let question = Phrasing::new(if overview_only { OVERVIEW_QUESTION } else { &normalized });
        let both_presidents = PRESIDENTS.iter().all(|p| analysis.names(p));
        let both_sides: Vec<&str> =
            SIDES.iter().filter(|pair| pair.iter().all(|c| analysis.names(c))).flatten().copied().collect();
        let named: Vec<&str> = analysis
            .entities
            .iter()
            .map(|e| e.name.as_str())
            .filter(|name| {
                !(CALL_ENTITIES.contains(name)
                    || both_presidents && PRESIDENTS.contains(name)
                    || both_sides.contains(name))
            })
            .collect();
        let event_verbs: Vec<&str> = EVENT_VERBS.iter().copied().filter(|v| normalized.contains(v)).collect();
        let probabilities = self.model.probabilities(&features);
        let out_of_scope = probabilities.last().copied().unwrap_or(0.0);
        let eligible = |entry: usize| !overview_only || self.overview[entry];
        let found = self.index.search(&weighted);
        let mut learned: Vec<usize> = (0..self.overview.len()).filter(|&e| eligible(e)).collect();
        learned.sort_by(|&a, &b| probabilities[b].total_cmp(&probabilities[a]).then(a.cmp(&b)));
        let mut considered: Vec<TermScore> =
            found.iter().filter(|term| eligible(term.doc)).take(self.config.candidates).copied().collect();
        for &entry in learned.iter().take(self.config.candidates) {
            if !considered.iter().any(|term| term.doc == entry) {
                let term = found.iter().find(|term| term.doc == entry).copied();
                considered.push(term.unwrap_or(TermScore { doc: entry, bm25: 0.0, coverage: 0.0 }));
            }
        }
        let learned_weight = self.config.learned_weight;
        let mut candidates: Vec<Candidate> = considered
            .into_iter()
            .map(|term| {
                let similarity = closest(&question, &self.phrasings[term.doc]);
                let relevance = if ideal > 0.0 { term.bm25 / ideal } else { 0.0 };
                let bonus = if about_the_call && self.has_status[term.doc] { STATUS_BONUS } else { 0.0 };
                let facts = &self.gives[term.doc];
                let misses = named.iter().filter(|n| !facts.entities.iter().any(|e| e == *n)).count();
                let misses = misses + usize::from(facts.earlier_call && !asks_earlier);
                let strangers = names.iter().filter(|n| !facts.mentions.contains(n.as_str())).count();
                let other_event = event_verbs.iter().filter(|v| !facts.text.contains(*v)).count();
                let words_score = (COVERAGE_WEIGHT * term.coverage
                    + SIMILARITY_WEIGHT * similarity
                    + RELEVANCE_WEIGHT * relevance
                    + bonus
                    - ENTITY_MISS_PENALTY * misses as f64
                    - STRANGER_PENALTY * strangers as f64
                    - EVENT_VERB_PENALTY * other_event as f64)
                    .clamp(0.0, 1.0);
                let probability = probabilities[term.doc];
                Candidate {
                    entry: term.doc,
                    score: (learned_weight * probability + (1.0 - learned_weight) * words_score)
                        .clamp(0.0, 1.0),
                    bm25: term.bm25,
                    coverage: term.coverage,
                    similarity,
                    probability,
                }
            })
            .collect();
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        let wrong_place = self.wrong_place(&normalized, &foreign_places, &mut candidates);
        let reasons = candidates.first().map_or_else(Vec::new, |c| self.model.reasons(&features, c.entry, 6));
        let mut missing = None;
        let outcome = match candidates.first() {
            Some(best) if best.score >= self.config.threshold && out_of_scope < self.config.out_of_scope => {
                missing = self.missing(&normalized, &analysis, best.entry);
                if self.unreported[best.entry] {
                    Outcome::Unreported
                } else if missing.is_some() {
                    Outcome::Decline(Decline::MissingFact)
                } else {
                    Outcome::Answer
                }
            }
            _ => Outcome::Decline(Decline::NoMatch),
        };
        let best_gives = candidates.first().map_or_else(Vec::new, |c| self.gives[c.entry].facets.clone());
        Match {
            normalized,
            words,
            yes_no,
            about_the_call,
            analysis,
            missing,
            best_gives,
            candidates,
            out_of_scope,
            reasons,
            outcome,
            also: None,
            wrong_place,
        }
    }

    /// When the question is declined only for a place name the article does not use
    /// (美俄为什么要去多哈谈), and the event it asks about is one whose place the article
    /// gives, that entry is put first with the score it has without the place, and the
    /// place is returned so the answer can correct the premise.
    fn wrong_place(
        &self,
        normalized: &str,
        places: &[String],
        candidates: &mut [Candidate],
    ) -> Option<String> {
        let declined = candidates.first().is_none_or(|c| c.score < self.config.threshold);
        let event = EVENT_WORDS.iter().chain(&["谈"]).any(|w| normalized.contains(w));
        if !declined || places.is_empty() || !event {
            return None;
        }
        let (position, restored) = candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| self.gives[c.entry].names_place && !self.unreported[c.entry])
            .map(|(i, c)| {
                let unknown =
                    places.iter().filter(|p| !self.gives[c.entry].mentions.contains(p.as_str())).count();
                (i, (c.score + STRANGER_PENALTY * unknown as f64).min(1.0))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        if restored < self.config.threshold {
            return None;
        }
        candidates[position].score = restored;
        candidates[..=position].rotate_right(1);
        places.first().cloned()
    }

    /// The detail a message asks (交接地点, 具体伤亡, a count in one region of a list)
    /// that the entry at `entry` (its position in the knowledge) does not give, if any:
    /// what a follow-up asks of the last entry that the article does not report.
    pub fn detail_missing(&self, question: &str, entry: usize) -> Option<String> {
        let facts = self.gives.get(entry)?;
        let normalized = self.normalizer.normalize(question);
        if let Some(detail) = self.analyze(question).detail {
            let (name, given_by) = &self.details[detail];
            return (!given_by.iter().any(|g| facts.text.contains(g.as_str()))).then(|| name.clone());
        }
        let counts = wanted(&normalized).contains(&Wanted::Number) || counted(&normalized).is_some();
        counts
            .then(|| region_in_a_total(&normalized, &facts.text))
            .flatten()
            .map(|r| format!("在{r}的具体数字"))
    }

    /// What a question asks that an entry does not give: a detail (年龄), or a date or
    /// a number.
    fn missing(&self, normalized: &str, analysis: &Analysis, entry: usize) -> Option<String> {
        let facts = &self.gives[entry];
        if let Some(role) = &analysis.unknown_role {
            return Some(role.clone());
        }
        if analysis.facet == Facet::Where
            && !facts.names_place
            && !normalized.contains("从哪")
            && EVENT_WORDS.iter().any(|w| normalized.contains(w))
        {
            return Some(Facet::Where.missing_name().to_owned());
        }
        if let Some((responder, asked)) = responder(normalized, analysis)
            && !speaks_in(&facts.text, responder)
            && !self
                .speakers_for
                .get(responder)
                .is_some_and(|people| people.iter().any(|p| speaks_in(&facts.text, p)))
        {
            return Some(format!("{responder}的{asked}"));
        }
        if let Some(detail) = analysis.detail {
            let (name, given_by) = &self.details[detail];
            if !given_by.iter().any(|g| facts.text.contains(g.as_str())) {
                return Some(name.clone());
            }
        }
        let wanted = wanted(normalized);
        if let Some(kind) = wanted.iter().find(|kind| !facts.kinds.contains(kind)) {
            return Some(match kind {
                Wanted::Time => Facet::When.missing_name().to_owned(),
                Wanted::Number => Facet::HowMany.missing_name().to_owned(),
            });
        }
        if let Some(counter) = counted(normalized)
            && !gives_count_of(&facts.text, counter)
        {
            return Some(Facet::HowMany.missing_name().to_owned());
        }
        if (wanted.contains(&Wanted::Number) || counted(normalized).is_some())
            && let Some(region) = region_in_a_total(normalized, &facts.text)
        {
            return Some(format!("在{region}的具体数字"));
        }
        if (wanted.contains(&Wanted::Number) || counted(normalized).is_some())
            && let Some(total) = part_of_a_total(normalized, &facts.text)
        {
            return Some(format!("{total}中各部分的具体数字"));
        }
        None
    }

    /// The question's distinct words with their weights. A field (军事) stands for the
    /// points under it, sharing its weight; words that only ask for a detail (几岁) say
    /// nothing of the topic and are left out.
    fn weigh(&self, words: &[Word], analysis: &Analysis) -> Vec<(String, f64)> {
        let detail_words: Vec<&str> =
            analysis.detail.map(|d| self.analyzer.detail_words(d)).unwrap_or_default();
        let mut weighted: Vec<(String, f64)> = Vec::with_capacity(words.len());
        for word in words {
            if weighted.iter().any(|(w, _)| *w == word.text)
                || detail_words.iter().any(|d| d.contains(&word.text))
            {
                continue;
            }
            let discussing =
                analysis.facet == Facet::DidDiscuss && DISCUSSION_WORDS.contains(&word.text.as_str());
            let weight = if discussing || word.function && !self.index.knows(&word.text) {
                UNKNOWN_FUNCTION_WORD_WEIGHT
            } else if word.text.chars().count() == 1 && !word.text.is_ascii() {
                SINGLE_CHARACTER_WEIGHT
            } else {
                1.0
            };
            match self.fields.get(&word.text) {
                Some(covers) => {
                    let share = weight / covers.len() as f64;
                    for cover in covers {
                        if !weighted.iter().any(|(w, _)| w == cover) {
                            weighted.push((cover.clone(), share));
                        }
                    }
                }
                None => weighted.push((word.text.clone(), weight)),
            }
        }
        weighted
    }

    /// The topic a sentence names last (the entity nearest its end), if any.
    fn topic_of(&self, sentence: &str) -> Option<String> {
        let analysis = self.analyze(sentence);
        analysis
            .entities
            .iter()
            .rev()
            .find(|e| !GENERAL_ENTITIES.contains(&e.name.as_str()))
            .map(|e| e.name.clone())
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

/// How good a match of one sentence of a message is, to choose among its sentences:
/// an answer beats a specific "not reported", which beats a decline; then the score.
/// What a question asks for when it asks how someone answered or judged something
/// (俄方怎么回应…, 法国怎么评价…).
const RESPONSES: [&str; 2] = ["回应", "评价"];
/// Words saying that someone spoke or acted on something, after their name.
const SPEAKING_WORDS: [&str; 14] = [
    "回应", "表示", "称", "说", "认为", "欢迎", "强调", "提出", "支持", "同意", "通报", "主张", "乐见",
    "写道",
];
/// How far after a name, within its clause, its verb of speaking may stand (普京对特朗普
/// 提出的有关黑海航运安全倡议作出建设性回应).
const SPEAKING_SPAN: usize = 30;

/// Who a question asks the response of, and the word it asks it with: the first
/// person, country or organisation it names, when it asks how they responded or judged
/// something (俄方怎么回应泽连斯基的指责, 法国怎么评价俄方的条件).
fn responder<'a>(normalized: &str, analysis: &'a Analysis) -> Option<(&'a str, &'static str)> {
    let (word, asked_at) = RESPONSES.iter().find_map(|w| normalized.find(w).map(|at| (*w, at)))?;
    // The one after 对 is what is judged, not who judges (他对普京的话怎么评价).
    let judged = |name: &str| normalized.find(name).is_some_and(|at| normalized[..at].ends_with('对'));
    let first =
        analysis.entities.iter().find(|e| !CALL_ENTITIES.contains(&e.name.as_str()) && !judged(&e.name))?;
    let acts = matches!(first.kind, EntityKind::Person | EntityKind::Country | EntityKind::Organisation);
    let at = normalized.find(&first.name)?;
    // 美国舆论怎么评价: the country's media judge, not the country.
    let qualifies = QUALIFIED.iter().any(|q| normalized[at + first.name.len()..].starts_with(q));
    (acts && at < asked_at && !qualifies).then_some((first.name.as_str(), word))
}

/// Words after a country's name that make someone else of that country the speaker.
const QUALIFIED: [&str; 3] = ["舆论", "媒体", "媒"];

/// Whether a text has someone speak or act (a verb of speaking soon after their name).
fn speaks_in(text: &str, who: &str) -> bool {
    text.match_indices(who).any(|(at, _)| {
        let after: String =
            text[at + who.len()..].chars().take(SPEAKING_SPAN).take_while(|c| !c.is_whitespace()).collect();
        SPEAKING_WORDS.iter().any(|w| after.contains(w))
    })
}

/// How far after a region its list may run.
const LIST_SPAN: usize = 40;

/// A region a question asks a count of (苏梅州) that the answer names only inside a list
/// ending in 等 (苏梅州、敖德萨州、基辅州等6个州): the answer's figure is the total
/// over the list, not that region's.
fn region_in_a_total(normalized: &str, answer: &str) -> Option<String> {
    let chars: Vec<char> = normalized.chars().collect();
    (0..chars.len()).filter(|&i| chars[i] == '州').find_map(|end| {
        (2..=4).rev().filter(|len| end >= *len).find_map(|len| {
            let region: String = chars[end - len..=end].iter().collect();
            let at = answer.find(&region)?;
            // The list runs to its first number (等6个州); punctuation is a space by now.
            let mut list = answer[at..].chars().take(LIST_SPAN).take_while(|c| !c.is_ascii_digit());
            list.any(|c| c == '等').then_some(region)
        })
    })
}

/// Words that take a part out of a whole named before them (175名被俘人员里有多少…).
const PART_OF: [&str; 6] = ["其中", "当中", "之中", "里", "中有", "中的"];
/// How far after a figure the word taking a part of it may stand.
const PART_SPAN: usize = 8;

/// A total the question names (175名被俘人员) and asks a part of, when the answer gives
/// only that total: the article does not split it.
fn part_of_a_total(normalized: &str, answer: &str) -> Option<String> {
    let chars: Vec<char> = normalized.chars().collect();
    let mut start = 0;
    while start < chars.len() {
        if !chars[start].is_ascii_digit() || (start > 0 && chars[start - 1].is_ascii_digit()) {
            start += 1;
            continue;
        }
        let digits = chars[start..].iter().take_while(|c| c.is_ascii_digit()).count();
        let number: String = chars[start..start + digits].iter().collect();
        let after: String = chars[start + digits..].iter().take(PART_SPAN).collect();
        if let Some(at) = PART_OF.iter().filter_map(|w| after.find(w)).min()
            && answer.contains(&number)
        {
            return Some(format!("{number}{}", &after[..at]).trim().to_owned());
        }
        start += digits;
    }
    None
}

/// The model's features of a question, from its words and analysis.
fn features_of(normalized: &str, words: &[Word], analysis: &Analysis) -> Vec<String> {
    feature_names(
        normalized,
        words.iter().map(|w| w.text.as_str()),
        analysis.entities.iter().map(|e| e.name.as_str()),
        analysis.facet,
    )
}

/// The model's features of a normalised question, segmented and analysed here.
fn question_features(normalized: &str, segmenter: &Segmenter, analyzer: &Analyzer) -> Vec<String> {
    let words = segmenter.words(normalized);
    let analysis = analyzer.analyze(normalized, &words);
    features_of(normalized, &words, &analysis)
}

fn rank(found: &Match) -> f64 {
    let outcome = match found.outcome {
        Outcome::Answer => 2.0,
        Outcome::Unreported | Outcome::Decline(Decline::MissingFact) => 1.0,
        Outcome::Decline(_) => 0.0,
    };
    outcome + found.best().map_or(0.0, |c| c.score) / 2.0
}

/// Words a question points back with at a topic named before it.
const BACK_REFERENCES: [&str; 9] =
    ["这件事", "那件事", "这方面", "这个问题", "那个问题", "这事", "这一点", "这个", "那道菜"];

/// Entities too general to be what a question points back at.
const GENERAL_ENTITIES: [&str; 2] = ["双方", "通话"];

/// The sentences of a message, in order, split at sentence ends.
fn sentences_of(message: &str) -> Vec<&str> {
    message
        .split(['。', '！', '？', '?', '!', '；', ';', '\n', '…'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Whether a sentence asks something: it holds a question word or asks yes or no.
fn asks(sentence: &str) -> bool {
    let normalized = basic_form(sentence);
    crate::knowledge::QUESTION_WORDS.iter().any(|w| normalized.contains(w)) || is_yes_no(&normalized)
}

/// Words of an answer that place an event more closely than a country does.
const PLACE_NAMES: [&str; 7] = ["城市", "地区", "境内", "州", "边境", "在美国", "在俄罗斯"];

/// Words that point at an earlier call than this one (上次, 2月那次); 之前多久 asks
/// about this one.
const EARLIER_CALL: [&str; 13] = [
    "上次",
    "上一次",
    "上回",
    "上一回",
    "前一次",
    "之前那",
    "之前的通话",
    "之前通话",
    "此前那",
    "第一次",
    "2月",
    "二月",
    "个多月前",
];

/// Words of a question that name an event, which happens somewhere: "在哪里" about one
/// asks for a place, where about a statement (在哪个层面, 从哪里开始) it does not.
const EVENT_WORDS: [&str; 12] =
    ["互换", "被俘人员", "交接", "比赛", "会谈", "会面", "见面", "谈判", "签署", "举行", "举办", "通电话"];

/// Words after which a name stands for a place (在多哈, 去利雅得, 选在日内瓦).
const PLACE_SLOTS: [&str; 4] = ["在", "去", "到", "于"];

impl EntryFacts {
    fn new(
        entry: &crate::knowledge::Entry,
        texts: &EntryTexts,
        normalizer: &Normalizer,
        analyzer: &Analyzer,
    ) -> Self {
        let text = entry.quotes.iter().fold(normalizer.normalize(&entry.answer), |mut text, q| {
            text.push(' ');
            text.push_str(&normalizer.normalize(&q.text));
            text
        });
        let given = analyzer.entities_in(&text);
        let everything = texts.questions.iter().chain(&texts.keywords).fold(text.clone(), |mut all, t| {
            all.push(' ');
            all.push_str(t);
            all
        });
        // The entities its own words name before a title stands for a person (美国中东问题特使
        // is 威特科夫 once normalised, but it names 美国 and 中东 as well).
        let written = std::iter::once(&entry.answer)
            .chain(entry.quotes.iter().map(|q| &q.text))
            .chain(&entry.questions)
            .map(|t| basic_form(t))
            .collect::<Vec<_>>()
            .join(" ");
        let mut entities: Vec<String> =
            analyzer.entities_in(&everything).into_iter().map(|e| e.name).collect();
        for entity in analyzer.entities_in(&written) {
            if !entities.contains(&entity.name) {
                entities.push(entity.name);
            }
        }
        Self {
            kinds: Wanted::ALL.into_iter().filter(|kind| gives(&text, *kind)).collect(),
            facets: analysis::facets_given(&text, &given),
            earlier_call: !texts.questions.is_empty()
                && texts.questions.iter().all(|q| EARLIER_CALL.iter().any(|m| q.contains(m))),
            names_place: given.iter().any(|e| e.kind == EntityKind::Place)
                || PLACE_NAMES.iter().any(|w| text.contains(w)),
            entities,
            text,
            mentions: everything,
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
    fn a_region_named_only_in_a_list_has_no_figure_of_its_own() {
        let answer =
            "乌克兰苏梅州 敖德萨州 基辅州等6个州遭到袭击 乌军在哈尔科夫州 苏梅州等12个州拦截了72架无人机";
        assert_eq!(super::region_in_a_total("乌军在苏梅州拦截了几架", answer).as_deref(), Some("苏梅州"));
        assert_eq!(super::region_in_a_total("哈尔科夫州拦截了多少架", answer).as_deref(), Some("哈尔科夫州"));
        assert_eq!(super::region_in_a_total("一共有几个州遭到袭击", answer), None);
        assert_eq!(super::region_in_a_total("12个州拦截了多少架", answer), None);
    }

    #[test]
    fn a_part_of_a_total_the_answer_gives_whole_is_found() {
        let answer = "俄乌双方将于19日互换175名被俘人员";
        assert_eq!(part_of_a_total("175名被俘人员里乌方有多少人", answer).as_deref(), Some("175名被俘人员"));
        assert_eq!(part_of_a_total("互换的175人中有多少是俄罗斯士兵", answer).as_deref(), Some("175人"));
        assert_eq!(part_of_a_total("一共换了多少人", answer), None);
        // A figure the answer does not give is not its total.
        assert_eq!(part_of_a_total("200人里有多少乌方的", answer), None);
    }

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
