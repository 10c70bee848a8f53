//! Understanding: a message read once into a [`Question`].
//!
//! One step normalises the message ([`normalize`]: Traditional to Simplified, the
//! aliases and the lexicon's variants to their target, English words to the article's),
//! cuts it into words with jieba ([`segment`]), and analyses it ([`analysis`]): the
//! facet it asks (one [`Facet`]), the entities it names, its verb, whether it is negated,
//! the detail it asks, whether it asks yes or no and whether it asks if the call touched
//! a topic ([`intent`]). The ranking, the decision and the reply all take the `Question`;
//! none of them reads the text again.
//!
//! Every word this step looks for is data: `knowledge/language.toml`
//! (`[understanding]`, `[answers]`) and the lexicon. The code keeps the mechanisms.

mod analysis;
mod intent;
mod normalize;
mod script;
mod segment;

pub(crate) use analysis::Analyzer;
pub use analysis::{Analysis, Entity, Facet};
pub use intent::{Intent, Wanted};
pub use normalize::{Normalizer, basic_form};
pub use script::Script;
pub use segment::{Segmenter, Word, keep_dictionary};

use crate::knowledge::KnowledgeBase;
use crate::knowledge::language::UnderstandingWords;

/// A message as the bot understood it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The message as written.
    pub text: String,
    /// The message normalised: Simplified, aliases replaced, punctuation a space.
    pub normalized: String,
    /// Its words (stopwords dropped), in order; empty for a message too long to read.
    pub words: Vec<Word>,
    /// What it asks, of whom or what.
    pub analysis: Analysis,
    /// Whether it asks yes or no (谈了X吗).
    pub yes_no: bool,
    /// Whether it asks if the call touched a topic (谈到X了吗).
    pub about_the_call: bool,
    /// Whether it is longer than a question is read (it is declined unread).
    pub too_long: bool,
}

impl Question {
    /// The words' texts, in order.
    pub fn word_texts(&self) -> Vec<String> {
        self.words.iter().map(|w| w.text.clone()).collect()
    }

    /// The question as asking whether the call touched its topic: what "X呢" asks after
    /// "谈到Y了吗".
    pub fn asking_if_discussed(mut self) -> Self {
        self.yes_no = true;
        self.about_the_call = true;
        self.analysis.facet = Facet::DidDiscuss;
        self
    }

    /// This question read after `context` (the sentence before it, or the topic it
    /// leaves out) as one question: the context's words and entities first, then its
    /// own. What it asks (facet, detail, yes or no) is its own, or the context's where it
    /// asks nothing of its own.
    pub fn after(&self, context: &Question) -> Question {
        let own = &self.analysis;
        let before = &context.analysis;
        let mut entities = before.entities.clone();
        entities.extend(own.entities.iter().filter(|e| !before.entities.contains(e)).cloned());
        let mut content_words = before.content_words.clone();
        content_words.extend(own.content_words.iter().filter(|w| !before.content_words.contains(w)).cloned());
        let analysis = Analysis {
            facet: if own.facet == Facet::What { before.facet } else { own.facet },
            entities,
            predicate: before.predicate.clone().or_else(|| own.predicate.clone()),
            negated: own.negated || before.negated,
            content_words,
            detail: own.detail.or(before.detail),
            english: own.english,
            unknown_role: own.unknown_role.clone().or_else(|| before.unknown_role.clone()),
        };
        Question {
            text: format!("{} {}", context.text, self.text),
            normalized: format!("{} {}", context.normalized, self.normalized),
            words: context.words.iter().chain(&self.words).cloned().collect(),
            analysis,
            yes_no: self.yes_no,
            about_the_call: self.about_the_call || (self.yes_no && context.about_the_call),
            too_long: false,
        }
    }

    /// The question without a phrase of its own (这件事) and its words: what stands in
    /// for a topic the question then reads after ([`Question::after`]).
    pub fn without(&self, phrase: &str) -> Question {
        let mut question = self.clone();
        question.normalized = self.normalized.replacen(phrase, " ", 1);
        question.words.retain(|w| !phrase.contains(w.text.as_str()));
        question.analysis.content_words.retain(|w| !phrase.contains(w.as_str()));
        question
    }
}

/// What reads messages: the normaliser, the segmenter and the analyser, built once from
/// the knowledge.
#[derive(Debug)]
pub struct Understanding {
    normalizer: Normalizer,
    segmenter: Segmenter,
    analyzer: Analyzer,
    /// The words jieba keeps whole: names, lexicon words, fields and keywords, normalised.
    vocabulary: Vec<String>,
    /// Messages longer than this (normalised, in characters) are not read.
    max_chars: usize,
}

impl Understanding {
    /// Builds the reader of a knowledge base's questions. Loading jieba's dictionary is
    /// most of a start-up: `meanwhile` runs on this thread while it loads, with the
    /// normaliser, and its result is returned beside.
    pub fn new<T: Send>(
        knowledge: &KnowledgeBase,
        max_chars: usize,
        meanwhile: impl FnOnce(&Normalizer) -> T + Send,
    ) -> (Self, T) {
        let normalizer = Normalizer::with_lexicon(&knowledge.aliases, &knowledge.lexicon);
        let analyzer = Analyzer::new(&knowledge.lexicon, &knowledge.language);
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
        let negations = knowledge.language.understanding.negation.words.iter().map(str::to_owned);
        let (segmenter, result) = std::thread::scope(|scope| {
            let loading = scope.spawn(|| {
                Segmenter::new(
                    vocabulary.iter().map(String::as_str),
                    knowledge.stopwords.iter().cloned(),
                    negations,
                )
            });
            let result = meanwhile(&normalizer);
            (loading.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), result)
        });
        (Self { normalizer, segmenter, analyzer, vocabulary, max_chars }, result)
    }

    /// Reads a message: normalises, segments and analyses it, once.
    pub fn read(&self, message: &str) -> Question {
        let normalized = self.normalizer.normalize(message);
        let intent = self.analyzer.intent();
        let yes_no = intent.is_yes_no(&normalized);
        let about_the_call = intent.asks_if_discussed(&normalized);
        let too_long = normalized.chars().count() > self.max_chars;
        if normalized.is_empty() || too_long {
            return Question {
                text: message.to_owned(),
                normalized,
                words: Vec::new(),
                analysis: Analysis::empty(),
                yes_no,
                about_the_call,
                too_long,
            };
        }
        let words = self.segmenter.words(&normalized);
        let mut analysis = self.analyzer.analyze(&normalized, &words);
        analysis.english = analysis::is_english(message);
        // A detail asked in words the normalisation rewrites (Truth Social → 社交媒体).
        if analysis.detail.is_none() && message.contains(|c: char| c.is_ascii_alphabetic()) {
            analysis.detail = self.analyzer.detail_in(&basic_form(message));
        }
        Question { text: message.to_owned(), normalized, words, analysis, yes_no, about_the_call, too_long }
    }

    /// The sentences of a message, in order, split at sentence ends.
    pub fn sentences<'m>(&self, message: &'m str) -> Vec<&'m str> {
        message
            .split(['。', '！', '？', '?', '!', '；', ';', '\n', '…'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// Whether a sentence asks something: it holds a question word or asks yes or no.
    pub fn asks(&self, sentence: &str) -> bool {
        let normalized = basic_form(sentence);
        self.words().question_words.any_in(&normalized) || self.intent().is_yes_no(&normalized)
    }

    /// The normaliser.
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// The segmenter.
    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    /// The analyser.
    pub(crate) fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// What tells a question's kind.
    pub fn intent(&self) -> &Intent {
        self.analyzer.intent()
    }

    /// The words questions are read with.
    pub fn words(&self) -> &UnderstandingWords {
        self.analyzer.words()
    }

    /// The words jieba keeps whole.
    pub fn vocabulary(&self) -> &[String] {
        &self.vocabulary
    }
}
