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

mod cache;
mod index;
mod model;

use std::collections::HashMap;

use serde::Deserialize;

pub use crate::knowledge::EntityKind;
pub use crate::understanding::{Analysis, Entity, Facet, keep_dictionary};

use index::{DocumentWords, Index, TermScore};
pub use model::Training;
use model::{Model, feature_names};

use crate::knowledge::language::{AnswerWords, FigureWords, MissingNames};
use crate::knowledge::{Category, KnowledgeBase, Words};
use crate::understanding::{
    Analyzer, Normalizer, Question, Segmenter, Understanding, Wanted, Word, basic_form,
};

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
/// What an entry about the call as a whole loses when the question names a topic of its
/// own (冰球, 核不扩散): the overview only lists it, another entry tells it.
const OVERVIEW_FOR_A_TOPIC_PENALTY: f64 = 0.2;
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
    /// Where trained models are cached, keyed by their data: `auto` (the user's cache
    /// directory), a directory, or empty for none.
    pub model_cache: String,
}

impl Default for MatcherConfig {
    fn default() -> Self {
        Self {
            threshold: 0.20,
            ambiguity_margin: 0.04,
            candidates: 3,
            max_question_chars: 500,
            learned_weight: 0.5,
            out_of_scope: 0.30,
            model_cache: "auto".to_owned(),
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
    /// What reads each question once.
    understanding: Understanding,
    /// The words that show what an answer gives.
    answers: AnswerWords,
    /// The names of what the article does not give.
    missing_names: MissingNames,
    /// The particle of an ellipsis (那欧洲呢).
    ellipsis_particle: String,
    /// What opens an ordinal (第).
    ordinal_prefix: String,
    /// The plainest "what did they talk about", read: how every other wording is matched.
    plainest: Question,
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
    fields: Fields,
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

/// Featurises the labelled questions (two halves on two threads) and trains the model.
fn train(labelled: &[(String, usize)], reader: &Reader<'_>, classes: usize, training: Training) -> Model {
    let featurise = |part: &[(String, usize)]| -> Vec<(Vec<String>, usize)> {
        part.iter().map(|(q, class)| (question_features(q, reader), *class)).collect()
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
    let model = Model::train(&rows, classes, training);
    log::debug!(
        "model: {} questions, {} features; features in {featurised:?}, trained in {:?}",
        rows.len(),
        model.vocabulary_size(),
        started.elapsed() - featurised
    );
    model
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
        // Normalise the entries' texts while jieba's dictionary loads.
        let (understanding, texts) = Understanding::new(knowledge, config.max_question_chars, |normalizer| {
            knowledge.entries.iter().map(|e| EntryTexts::new(e, normalizer)).collect::<Vec<EntryTexts>>()
        });
        let normalizer = understanding.normalizer();
        let segmenter = understanding.segmenter();
        let analyzer = understanding.analyzer();
        let vocabulary = understanding.vocabulary();
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
        let fields: Fields = knowledge
            .lexicon
            .field
            .iter()
            .map(|f| {
                (basic_form(&f.name), f.covers.get_ref().iter().map(|c| normalizer.normalize(c)).collect())
            })
            .collect();
        let training = Training::default();
        let classes = knowledge.entries.len() + 1;
        let cache = cache::directory(&config.model_cache);
        let key = cache::key(&(
            &labelled,
            vocabulary,
            &knowledge.stopwords,
            classes,
            format!("{training:?}"),
            format!("{:?}", knowledge.language.understanding),
            fields.iter().collect::<std::collections::BTreeMap<_, _>>(),
        ));
        let model = match cache.as_deref().and_then(|dir| cache::load(dir, &key)) {
            Some(model) => {
                log::debug!("model {key} read from the cache");
                model
            }
            None => {
                let model =
                    train(&labelled, &Reader { segmenter, analyzer, fields: &fields }, classes, training);
                if let Some(dir) = &cache {
                    cache::store(dir, &key, &model);
                }
                model
            }
        };
        let phrasings =
            texts.iter().map(|t| t.questions.iter().map(|q| Phrasing::new(q)).collect()).collect();
        let unreported = knowledge.entries.iter().map(|e| e.category == Category::Unreported).collect();
        let has_status = knowledge.entries.iter().map(|e| e.status.is_some()).collect();
        let overview = knowledge.entries.iter().map(|e| e.category == Category::Overview).collect();
        let gives = knowledge
            .entries
            .iter()
            .zip(&texts)
            .map(|(entry, texts)| {
                EntryFacts::new(entry, texts, normalizer, analyzer, &knowledge.language.answers)
            })
            .collect();
        let details = knowledge
            .lexicon
            .detail
            .iter()
            .map(|d| (d.name.clone(), d.given_by.iter().map(|g| normalizer.normalize(g)).collect()))
            .collect();
        let speakers_for = speakers_for(knowledge, normalizer);
        let overview_question = understanding.read(&knowledge.language.understanding.call.overview_question);
        Self {
            speakers_for,
            understanding,
            answers: knowledge.language.answers.clone(),
            missing_names: knowledge.replies.missing.clone(),
            ellipsis_particle: knowledge.language.follow_up.ellipsis_particle.clone(),
            ordinal_prefix: knowledge.language.numbers.ordinal_prefix.clone(),
            plainest: overview_question,
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

    /// Reads a message once: what it asks, about what.
    pub fn read(&self, message: &str) -> Question {
        self.understanding.read(message)
    }

    /// The settings.
    pub fn config(&self) -> &MatcherConfig {
        &self.config
    }

    /// What reads questions.
    pub fn understanding(&self) -> &Understanding {
        &self.understanding
    }

    /// Matches a question. A message of several sentences is matched on each of its
    /// questions: the best is kept, and a second question answered by another entry is
    /// kept beside it ([`Match::also`]). A last question that cannot be answered on its
    /// own (这次一共换多少个人？) is read with the sentence before it.
    pub fn find(&self, message: &str) -> Match {
        self.find_read(message, &self.read(message))
    }

    /// [`Self::find`] for a message already read ([`Self::read`]), so that a caller that
    /// needs the reading too does not read the message twice.
    pub fn find_read(&self, message: &str, read: &Question) -> Match {
        let whole = self.find_one(read);
        if matches!(whole.outcome, Outcome::Decline(Decline::Empty | Decline::TooLong)) {
            return whole;
        }
        let understanding = &self.understanding;
        let sentences = understanding.sentences(message);
        let asking: Vec<usize> = (0..sentences.len()).filter(|&i| understanding.asks(sentences[i])).collect();
        if sentences.len() < 2 && asking.first().is_none_or(|&i| sentences[i] == message.trim()) {
            return whole;
        }
        // Each sentence is read once; what follows combines the readings.
        let read: Vec<Question> = sentences.iter().map(|s| self.read(s)).collect();
        let clauses: Vec<usize> = if asking.is_empty() { (0..sentences.len()).collect() } else { asking };
        let mut found: Vec<(usize, Match)> = clauses.iter().map(|&i| (i, self.find_one(&read[i]))).collect();
        // "X呢" after "谈到Y了吗" asks the same of X.
        let ellipsis = &self.ellipsis_particle;
        for k in 1..found.len() {
            let (before, rest) = found.split_at_mut(k);
            let (i, current) = &mut rest[0];
            let elliptic = sentences[*i].trim_end_matches(['?', '？']).ends_with(ellipsis.as_str());
            if before[k - 1].1.about_the_call && !current.about_the_call && elliptic {
                *current = self.find_one(&read[*i].clone().asking_if_discussed());
            }
        }
        // A last question that points back (这件事, 这方面) is about the topic named
        // nearest before it.
        if let Some((last, current)) = found.last_mut()
            && let Some(reference) =
                understanding.words().back_references.iter().find(|r| sentences[*last].contains(r))
            && let Some(topic) = (0..*last).rev().find_map(|i| self.topic_of(&read[i]))
        {
            let reference = basic_form(reference);
            let resolved = self.find_one(&read[*last].without(&reference).after(&self.read(&topic)));
            if rank(&resolved) >= rank(current) {
                *current = resolved;
            }
        }
        // A bare last question (一共换多少人？) takes its topic from the sentence before;
        // a question that names no topic at all (数量多少？) is about the sentences before
        // it, even when some entry answers it alone.
        let count = found.len();
        let ordinal = &self.ordinal_prefix;
        for (k, (at, bare)) in found.iter_mut().enumerate() {
            // An ordinal (第三点) names its own topic: the point of the list.
            let topicless = self.topic_of(&read[*at]).is_none() && !sentences[*at].contains(ordinal.as_str());
            let unanswered = k + 1 == count && rank(bare) < 1.0;
            if *at == 0 || !(unanswered || topicless) {
                continue;
            }
            if let Some(filled) = self.fill(&sentences, &read, *at, topicless)
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

    /// A message that is not answered on its own read after the question before it in
    /// a conversation ([`Question::after`]: its own facet and detail, the earlier
    /// question's topic and entities). The reading stands only where it keeps to the
    /// message: the entry it finds mentions every entity the message names, and holds
    /// one of the message's own content words where the message has any. Otherwise the
    /// message stays as it was read alone, so context never makes an unrelated question
    /// an answer.
    ///
    /// `own` is the message as read alone, `before` the earlier question as read.
    pub fn find_after(&self, own: &Question, before: &Question) -> Option<Match> {
        let resolved = self.find_one(&own.after(before));
        let entry = resolved.best()?.entry;
        let facts = &self.gives[entry];
        let call = &self.understanding.words().call;
        let keeps_entities = own
            .analysis
            .entities
            .iter()
            .filter(|e| !call.call_entities.contains(&e.name))
            .all(|e| facts.entities.contains(&e.name));
        let words = &own.analysis.content_words;
        let keeps_words = words.is_empty() || words.iter().any(|w| facts.mentions.contains(w.as_str()));
        let answered = matches!(
            resolved.outcome,
            Outcome::Answer | Outcome::Unreported | Outcome::Decline(Decline::MissingFact)
        );
        (answered && keeps_entities && keeps_words).then_some(resolved)
    }

    /// The sentence at `at` read with what comes before it: after the sentence before,
    /// and, when it names no topic, after the topic named nearest before, it and each of
    /// its asking clauses, which leaves out the chatter around (听广播说黑海也谈到了。我不太
    /// 明白，到底谈了什么？). The best reading.
    fn fill(&self, sentences: &[&str], read: &[Question], at: usize, topicless: bool) -> Option<Match> {
        let sentence = sentences[at];
        let joined = self.find_one(&read[at].after(&read[at - 1]));
        let topic = (0..at).rev().find_map(|i| self.topic_of(&read[i])).filter(|_| topicless);
        let Some(topic) = topic else { return Some(joined) };
        let topic = self.read(&topic);
        let clauses = sentence
            .split(['，', ','])
            .filter(|c| *c != sentence && self.understanding.asks(c))
            .map(|c| self.read(c));
        let named = std::iter::once(read[at].clone()).chain(clauses).map(|c| self.find_one(&c.after(&topic)));
        std::iter::once(joined).chain(named).max_by(|a, b| rank(a).total_cmp(&rank(b)))
    }

    fn find_one(&self, question: &Question) -> Match {
        let Question { normalized, yes_no, about_the_call, .. } = question;
        let (yes_no, about_the_call) = (*yes_no, *about_the_call);
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
            return declined(normalized.clone(), Vec::new(), Analysis::empty(), Decline::Empty);
        }
        if question.too_long {
            return declined(normalized.clone(), Vec::new(), Analysis::empty(), Decline::TooLong);
        }
        let words = &question.words;
        let analysis = question.analysis.clone();
        let call = &self.understanding.words().call;
        let names: Vec<String> = words
            .iter()
            .filter(|w| w.proper && !analysis.entities.iter().any(|e| e.name.contains(w.text.as_str())))
            .map(|w| w.text.clone())
            .collect();
        // "What did they talk about?" asks for the call in general however it is worded
        // (他们说了啥, 电话里聊了哪些): it is matched as its plainest wording, among the
        // entries about the call in general, whatever else the words of saying point at.
        let asks_earlier = call.earlier_call.any_in(normalized);
        let overview_only = analysis.asks_what_the_call_covered(self.understanding.words()) && !asks_earlier;
        let weighted = if overview_only {
            self.weigh(&self.plainest.words, &analysis)
        } else {
            self.weigh(words, &analysis)
        };
        let features = if overview_only {
            features_of(
                &self.plainest.normalized,
                &self.plainest.words,
                &self.plainest.analysis,
                &self.fields,
            )
        } else {
            features_of(normalized, words, &analysis, &self.fields)
        };
        let features = self.model.features(&features);
        // Names the article does not use that stand where a place does (在多哈, 去利雅得):
        // jieba tags many foreign places as people's names, so the slot tells.
        let foreign_places: Vec<String> = names
            .iter()
            .filter(|name| {
                words.iter().any(|w| w.place && w.text == **name)
                    || call.place_slots.iter().any(|slot| normalized.contains(&format!("{slot}{name}")))
            })
            .cloned()
            .collect();
        let words: Vec<String> = question.word_texts();
        if !analysis.has_content() {
            return declined(normalized.clone(), words, analysis, Decline::TooLittle);
        }
        let ideal = self.index.ideal_score(&weighted);
        let question = Phrasing::new(if overview_only { &call.overview_question } else { normalized });
        let both_presidents = call.presidents.iter().all(|p| analysis.names(p));
        let both_sides: Vec<&str> = call
            .sides
            .iter()
            .filter(|pair| pair.iter().all(|c| analysis.names(c)))
            .flat_map(Words::iter)
            .collect();
        let named: Vec<&str> = analysis
            .entities
            .iter()
            .map(|e| e.name.as_str())
            .filter(|name| {
                !(call.call_entities.contains(name)
                    || both_presidents && call.presidents.contains(name)
                    || both_sides.contains(name))
            })
            .collect();
        let event_verbs: Vec<&str> = call.event_verbs.iter().filter(|v| normalized.contains(v)).collect();
        let names_a_topic = !overview_only
            && analysis
                .entities
                .iter()
                .any(|e| e.kind == EntityKind::Topic && !call.call_entities.contains(&e.name));
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
                    + RELEVANCE_WEIGHT * relevance)
                    .clamp(0.0, 1.0);
                // The structural checks hold whatever the words or the model say: an
                // entity the entry never mentions, a name the article does not use, a verb
                // of another event.
                let overview_for_a_topic = self.overview[term.doc] && names_a_topic;
                let constraints = bonus
                    - ENTITY_MISS_PENALTY * misses as f64
                    - STRANGER_PENALTY * strangers as f64
                    - EVENT_VERB_PENALTY * other_event as f64
                    - if overview_for_a_topic { OVERVIEW_FOR_A_TOPIC_PENALTY } else { 0.0 };
                // Which entry answers, given that one does: the decision whether one does
                // is the out-of-scope probability's.
                let probability = probabilities[term.doc] / (1.0 - out_of_scope).max(f64::EPSILON);
                Candidate {
                    entry: term.doc,
                    score: (learned_weight * probability
                        + (1.0 - learned_weight) * words_score
                        + constraints)
                        .clamp(0.0, 1.0),
                    bm25: term.bm25,
                    coverage: term.coverage,
                    similarity,
                    probability,
                }
            })
            .collect();
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        let wrong_place = self.wrong_place(normalized, &foreign_places, &mut candidates);
        let reasons = candidates.first().map_or_else(Vec::new, |c| self.model.reasons(&features, c.entry, 6));
        // A question that names only what one candidate names and asks a detail of it that
        // the candidate does not give is about that candidate's topic, whatever the scores:
        // the first such candidate leads when the best one would be declined, and the
        // decline says what the article does not give.
        let names_only_what = |entry: usize| {
            analysis.detail.is_some()
                && !named.is_empty()
                && named.iter().all(|n| self.gives[entry].entities.iter().any(|e| e == n))
        };
        let gated = |c: &Candidate| c.score >= self.config.threshold;
        if candidates.first().is_some_and(|best| !gated(best) || out_of_scope >= self.config.out_of_scope)
            && let Some(at) = candidates.iter().position(|c| {
                names_only_what(c.entry) && self.missing(normalized, &analysis, c.entry).is_some()
            })
        {
            candidates[..=at].rotate_right(1);
        }
        let mut missing = None;
        let outcome = match candidates.first() {
            Some(best) => {
                let scored = gated(best);
                missing = self.missing(normalized, &analysis, best.entry).filter(|_| {
                    // A role the article names no one for, or a detail of the entry's own
                    // topic, is missing whatever the scores.
                    scored || analysis.unknown_role.is_some() || names_only_what(best.entry)
                });
                // A place the article does not give is a premise the answer corrects,
                // however unlikely the model finds the question.
                let in_scope = out_of_scope < self.config.out_of_scope || wrong_place.is_some();
                if scored && in_scope {
                    if self.unreported[best.entry] {
                        Outcome::Unreported
                    } else if missing.is_some() {
                        Outcome::Decline(Decline::MissingFact)
                    } else {
                        Outcome::Answer
                    }
                } else if missing.is_some() {
                    // Out of scope for the model, yet about an entry's topic: the decline
                    // says what the article does not give (冰球比赛谁赢了).
                    Outcome::Decline(Decline::MissingFact)
                } else {
                    Outcome::Decline(Decline::NoMatch)
                }
            }
            None => Outcome::Decline(Decline::NoMatch),
        };
        let best_gives = candidates.first().map_or_else(Vec::new, |c| self.gives[c.entry].facets.clone());
        Match {
            normalized: normalized.clone(),
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

    /// A place name the article does not use that a question puts an event in (美俄为什么
    /// 要去多哈谈), when the event is one whose place the article gives: returned so the
    /// answer corrects the premise. When the place's penalty put that entry below the
    /// threshold, it is put first with the score it has without the place.
    fn wrong_place(
        &self,
        normalized: &str,
        places: &[String],
        candidates: &mut [Candidate],
    ) -> Option<String> {
        let event = self.understanding.words().call.event_words.any_in(normalized);
        if places.is_empty() || !event {
            return None;
        }
        // Answered already, by an entry that gives the event's place: that place corrects
        // the premise.
        if let Some(best) = candidates.first()
            && best.score >= self.config.threshold
        {
            let facts = &self.gives[best.entry];
            let unknown = places.iter().find(|p| !facts.mentions.contains(p.as_str()));
            return unknown.filter(|_| facts.names_place && !self.unreported[best.entry]).cloned();
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
    pub fn detail_missing(&self, question: &Question, entry: usize) -> Option<String> {
        let facts = self.gives.get(entry)?;
        if let Some(detail) = question.analysis.detail {
            let (name, given_by) = &self.details[detail];
            return (!given_by.iter().any(|g| facts.text.contains(g.as_str()))).then(|| name.clone());
        }
        let normalized = &question.normalized;
        let intent = self.understanding.intent();
        let counts =
            intent.wanted(normalized).contains(&Wanted::Number) || intent.counted(normalized).is_some();
        counts
            .then(|| self.region_in_a_total(normalized, &facts.text))
            .flatten()
            .map(|region| self.missing_names.region_count.fill(&[("region", &region)]))
    }

    /// What a question asks that an entry does not give: a detail (年龄), or a date or
    /// a number.
    fn missing(&self, normalized: &str, analysis: &Analysis, entry: usize) -> Option<String> {
        let facts = &self.gives[entry];
        let names = &self.missing_names;
        let words = self.understanding.words();
        let intent = self.understanding.intent();
        if let Some((country, title)) = &analysis.unknown_role {
            return Some(names.role.fill(&[("country", country), ("title", title)]));
        }
        if analysis.facet == Facet::Where
            && !facts.names_place
            && !words.facets.origin.any_in(normalized)
            && words.call.event_words.any_in(normalized)
        {
            return Some(Facet::Where.missing_name(names).to_owned());
        }
        if let Some((responder, asked)) = self.responder(normalized, analysis)
            && !self.speaks_in(&facts.text, responder)
            && !self
                .speakers_for
                .get(responder)
                .is_some_and(|people| people.iter().any(|p| self.speaks_in(&facts.text, p)))
        {
            return Some(names.response.fill(&[("who", responder), ("asked", asked)]));
        }
        if let Some(detail) = analysis.detail {
            let (name, given_by) = &self.details[detail];
            if !given_by.iter().any(|g| facts.text.contains(g.as_str())) {
                return Some(name.clone());
            }
        }
        let wanted = intent.wanted(normalized);
        if let Some(kind) = wanted.iter().find(|kind| !facts.kinds.contains(kind)) {
            return Some(match kind {
                Wanted::Time => Facet::When.missing_name(names).to_owned(),
                Wanted::Number => Facet::HowMany.missing_name(names).to_owned(),
            });
        }
        let counter = intent.counted(normalized);
        if let Some(counter) = counter
            && !intent.gives_count_of(&facts.text, counter)
        {
            return Some(Facet::HowMany.missing_name(names).to_owned());
        }
        let counts = wanted.contains(&Wanted::Number) || counter.is_some();
        if counts && let Some(region) = self.region_in_a_total(normalized, &facts.text) {
            return Some(names.region_count.fill(&[("region", &region)]));
        }
        if counts && let Some(total) = self.part_of_a_total(normalized, &facts.text) {
            return Some(names.part_count.fill(&[("total", &total)]));
        }
        None
    }

    /// The question's distinct words with their weights. A field (军事) stands for the
    /// points under it, sharing its weight; words that only ask for a detail (几岁) say
    /// nothing of the topic and are left out.
    fn weigh(&self, words: &[Word], analysis: &Analysis) -> Vec<(String, f64)> {
        let detail_words: Vec<&str> =
            analysis.detail.map(|d| self.understanding.analyzer().detail_words(d)).unwrap_or_default();
        let mut weighted: Vec<(String, f64)> = Vec::with_capacity(words.len());
        for word in words {
            if weighted.iter().any(|(w, _)| *w == word.text)
                || detail_words.iter().any(|d| d.contains(&word.text))
            {
                continue;
            }
            let discussing = analysis.facet == Facet::DidDiscuss
                && self.understanding.words().call.discussion_words.contains(&word.text);
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
    fn topic_of(&self, sentence: &Question) -> Option<String> {
        let general = &self.understanding.words().call.general_entities;
        sentence.analysis.entities.iter().rev().find(|e| !general.contains(&e.name)).map(|e| e.name.clone())
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
impl Matcher {
    /// Who a question asks the response of, and the word it asks it with: the first
    /// person, country or organisation it names, when it asks how they responded or judged
    /// something (俄方怎么回应泽连斯基的指责, 法国怎么评价俄方的条件).
    fn responder<'a>(&'a self, normalized: &str, analysis: &'a Analysis) -> Option<(&'a str, &'a str)> {
        let call = &self.understanding.words().call;
        let (word, asked_at) = call.responses.iter().find_map(|w| normalized.find(w).map(|at| (w, at)))?;
        // The one after 对 is what is judged, not who judges (他对普京的话怎么评价).
        let judged = |name: &str| {
            normalized.find(name).is_some_and(|at| normalized[..at].ends_with(call.judged.as_str()))
        };
        let first =
            analysis.entities.iter().find(|e| !call.call_entities.contains(&e.name) && !judged(&e.name))?;
        let acts = matches!(first.kind, EntityKind::Person | EntityKind::Country | EntityKind::Organisation);
        let at = normalized.find(&first.name)?;
        // 美国舆论怎么评价: the country's media judge, not the country.
        let qualifies = call.qualified.iter().any(|q| normalized[at + first.name.len()..].starts_with(q));
        (acts && at < asked_at && !qualifies).then_some((first.name.as_str(), word))
    }

    /// Whether a text has someone speak or act (a verb of speaking soon after their name).
    fn speaks_in(&self, text: &str, who: &str) -> bool {
        text.match_indices(who).any(|(at, _)| {
            let after: String = text[at + who.len()..]
                .chars()
                .take(SPEAKING_SPAN)
                .take_while(|c| !c.is_whitespace())
                .collect();
            self.answers.speaking_words.any_in(&after)
        })
    }

    fn region_in_a_total(&self, normalized: &str, answer: &str) -> Option<String> {
        region_in_a_total(&self.understanding.words().figures, normalized, answer)
    }

    fn part_of_a_total(&self, normalized: &str, answer: &str) -> Option<String> {
        part_of_a_total(&self.understanding.words().figures.part_of, normalized, answer)
    }
}

/// How far after a name, within its clause, its verb of speaking may stand (普京对特朗普
/// 提出的有关黑海航运安全倡议作出建设性回应).
const SPEAKING_SPAN: usize = 30;

/// How far after a region its list may run.
const LIST_SPAN: usize = 40;

/// A region a question asks a count of (苏梅州) that the answer names only inside a list
/// ending in 等 (苏梅州、敖德萨州、基辅州等6个州): the answer's figure is the total
/// over the list, not that region's.
fn region_in_a_total(figures: &FigureWords, normalized: &str, answer: &str) -> Option<String> {
    let chars: Vec<char> = normalized.chars().collect();
    let is = |c: char, word: &str| word.chars().eq(std::iter::once(c));
    (0..chars.len()).filter(|&i| is(chars[i], &figures.region_end)).find_map(|end| {
        (2..=4).rev().filter(|len| end >= *len).find_map(|len| {
            let region: String = chars[end - len..=end].iter().collect();
            let at = answer.find(&region)?;
            // The list runs to its first number (等6个州); punctuation is a space by now.
            let mut list = answer[at..].chars().take(LIST_SPAN).take_while(|c| !c.is_ascii_digit());
            list.any(|c| is(c, &figures.list_end)).then_some(region)
        })
    })
}

/// How far after a figure the word taking a part of it may stand.
const PART_SPAN: usize = 8;

/// A total the question names (175名被俘人员) and asks a part of, when the answer gives
/// only that total: the article does not split it.
fn part_of_a_total(part_of: &Words, normalized: &str, answer: &str) -> Option<String> {
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
        if let Some(at) = part_of.iter().filter_map(|w| after.find(w)).min()
            && answer.contains(&number)
        {
            return Some(format!("{number}{}", &after[..at]).trim().to_owned());
        }
        start += digits;
    }
    None
}

/// The model's features of a question, from its words and analysis.
/// The entities name concepts, and so does a field (体育) for each point under it
/// (冰球): what the question names besides its words.
fn features_of(normalized: &str, words: &[Word], analysis: &Analysis, fields: &Fields) -> Vec<String> {
    let covered = words.iter().filter_map(|w| fields.get(&w.text)).flatten().map(String::as_str);
    feature_names(
        normalized,
        words.iter().map(|w| w.text.as_str()),
        analysis.entities.iter().map(|e| e.name.as_str()).chain(covered),
        analysis.facet,
    )
}

/// Fields (军事) and the article's words for the points under them, normalised.
type Fields = HashMap<String, Vec<String>>;

/// The model's features of a normalised question, segmented and analysed here: how the
/// labelled questions are read for training.
fn question_features(normalized: &str, reader: &Reader<'_>) -> Vec<String> {
    let words = reader.segmenter.words(normalized);
    let analysis = reader.analyzer.analyze(normalized, &words);
    features_of(normalized, &words, &analysis, reader.fields)
}

/// What reads the labelled questions for training.
struct Reader<'a> {
    segmenter: &'a Segmenter,
    analyzer: &'a Analyzer,
    fields: &'a Fields,
}

fn rank(found: &Match) -> f64 {
    let outcome = match found.outcome {
        Outcome::Answer => 2.0,
        Outcome::Unreported | Outcome::Decline(Decline::MissingFact) => 1.0,
        Outcome::Decline(_) => 0.0,
    };
    outcome + found.best().map_or(0.0, |c| c.score) / 2.0
}

impl EntryFacts {
    fn new(
        entry: &crate::knowledge::Entry,
        texts: &EntryTexts,
        normalizer: &Normalizer,
        analyzer: &Analyzer,
        answers: &AnswerWords,
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
            kinds: Wanted::ALL.into_iter().filter(|kind| analyzer.intent().gives(&text, *kind)).collect(),
            facets: analyzer.facets_given(&text, &given),
            earlier_call: !texts.questions.is_empty()
                && texts.questions.iter().all(|q| analyzer.words().call.earlier_call.any_in(q)),
            names_place: given.iter().any(|e| e.kind == EntityKind::Place)
                || answers.precise_place_words.any_in(&text),
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

    fn language() -> crate::knowledge::Language {
        let mut problems = Vec::new();
        crate::knowledge::Language::parse(include_str!("../../knowledge/language.toml"), &mut problems)
            .expect("the built-in language.toml parses")
    }

    #[test]
    fn a_region_named_only_in_a_list_has_no_figure_of_its_own() {
        let figures = language().understanding.figures;
        let region_in_a_total = |q: &str, a: &str| super::region_in_a_total(&figures, q, a);
        let answer =
            "乌克兰苏梅州 敖德萨州 基辅州等6个州遭到袭击 乌军在哈尔科夫州 苏梅州等12个州拦截了72架无人机";
        assert_eq!(region_in_a_total("乌军在苏梅州拦截了几架", answer).as_deref(), Some("苏梅州"));
        assert_eq!(region_in_a_total("哈尔科夫州拦截了多少架", answer).as_deref(), Some("哈尔科夫州"));
        assert_eq!(region_in_a_total("一共有几个州遭到袭击", answer), None);
        assert_eq!(region_in_a_total("12个州拦截了多少架", answer), None);
    }

    #[test]
    fn a_part_of_a_total_the_answer_gives_whole_is_found() {
        let part_of = language().understanding.figures.part_of;
        let part_of_a_total = |q: &str, a: &str| super::part_of_a_total(&part_of, q, a);
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
