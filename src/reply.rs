//! The reply: what the user reads, built by one pure function from a match.
//!
//! [`build`] decides the content (the answer, a yes/no verdict, quotes, follow-ups, "did
//! you mean"); front ends only render it, through its screen (`crate::screen::answer`): as plain
//! text for the terminal and JSON, as HTML with buttons in Telegram. Its sentences are
//! the knowledge's (`knowledge/replies.toml`); this module only chooses and fills them.

use serde::Deserialize;

use crate::knowledge::{Category, Entry, KnowledgeBase, Quote, QuoteKind, Status};
use crate::matcher::{Decline, EntityKind, Match, Outcome};
use crate::understanding::Script;

/// The reply's settings (`[reply]` in `config/callbot.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReplyConfig {
    /// How many follow-up questions an answer suggests.
    pub max_follow_ups: usize,
    /// How many quotes an answer shows.
    pub max_quotes: usize,
    /// Entries suggested when the bot cannot answer (ids).
    pub fallback_suggestions: Vec<String>,
}

impl Default for ReplyConfig {
    fn default() -> Self {
        Self {
            max_follow_ups: 3,
            max_quotes: 2,
            fallback_suggestions: vec![
                "call-overview".to_owned(),
                "not-discussed".to_owned(),
                "zelensky-doubts".to_owned(),
            ],
        }
    }
}

/// What kind of reply it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// The question is answered from an entry.
    Answer,
    /// The article does not report what was asked; the reply says so.
    Unreported,
    /// The bot cannot answer; the reply says what it can answer.
    Declined,
}

/// A question the user can ask next, tied to the entry that answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The entry's id (button data, deep links).
    pub entry: String,
    /// The question as shown.
    pub question: String,
}

/// A quote as shown: the article's words, whose words they are, and the section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteView {
    /// The article's words (a known typo keeps its marked correction).
    pub text: String,
    /// Whose words they are: the speaker's own, the article's account of them, or the
    /// article's narration.
    pub kind: QuoteKind,
    /// Who said them; for narration, the article (新华社).
    pub speaker: String,
    /// The section they stand in, as shown (`A`, `热评`).
    pub section: String,
}

/// A quote laid out for reading: its words and its credit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// The words: “…” for the speaker's own words and the article's narration,
    /// 据…称：… for reported speech.
    pub words: String,
    /// Who and where: ——speaker（section）, or （section） after reported speech.
    pub credit: String,
    /// Whether the credit may stand on a line of its own (after a quotation).
    pub credit_on_own_line: bool,
}

impl QuoteView {
    /// How the quote reads. Only direct quotes and the article's narration stand in
    /// quotation marks, so reported speech is never shown as the speaker's own words;
    /// quotation marks inside a quotation become ‘…’, so marks never nest.
    pub fn citation(&self) -> Citation {
        let words = self.text.trim_end_matches('。');
        match self.kind {
            QuoteKind::Direct | QuoteKind::Narration => Citation {
                words: format!("“{}”", words.replace('“', "‘").replace('”', "’")),
                credit: format!("——{}（{}）", self.speaker, self.section),
                credit_on_own_line: true,
            },
            QuoteKind::Reported => Citation {
                words: format!("据{}称：{words}", self.speaker),
                credit: format!("（{}）", self.section),
                credit_on_own_line: false,
            },
        }
    }

    /// The quote on one line, as plain text shows it.
    pub fn to_plain_text(&self) -> String {
        let citation = self.citation();
        citation.words + &citation.credit
    }
}

/// Everything a reply says, independent of how it is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// What kind of reply it is.
    pub kind: ReplyKind,
    /// The entry answered, if any.
    pub entry: Option<String>,
    /// For "did they discuss X?" about a topic with a status: 谈到了X。/ 没有谈到X。/
    /// 不清楚是否谈到X。
    pub verdict: Option<String>,
    /// The answer, or why the bot cannot answer.
    pub text: String,
    /// The article's own words.
    pub quotes: Vec<QuoteView>,
    /// "Did you mean": another entry that matched almost as well.
    pub did_you_mean: Vec<Suggestion>,
    /// Questions to ask next (follow-ups, or suggestions after a decline).
    pub suggestions: Vec<Suggestion>,
    /// The script it is shown in. Its texts are the knowledge's, in Simplified; the
    /// renderers write them in this script (the asker's, set by the engine).
    pub script: Script,
}

/// Builds the reply for a match; a message that asks two things gets both answers, short.
pub fn build(knowledge: &KnowledgeBase, found: &Match, ambiguous: bool, config: &ReplyConfig) -> Reply {
    let first = build_one(knowledge, found, ambiguous, config);
    match &found.also {
        Some(second) => both(first, build_one(knowledge, second, false, config)),
        None => first,
    }
}

/// One reply holding two answers: the second's verdict and text after the first's, the
/// first's quote alone, and no "did you mean".
fn both(mut first: Reply, second: Reply) -> Reply {
    first.text = format!("{}\n{}", first.text, second.answer_text());
    if second.is_answered() {
        first.kind = ReplyKind::Answer;
    }
    first.quotes.truncate(1);
    first.did_you_mean.clear();
    first.suggestions.retain(|s| second.entry.as_ref() != Some(&s.entry));
    first
}

fn build_one(knowledge: &KnowledgeBase, found: &Match, ambiguous: bool, config: &ReplyConfig) -> Reply {
    let best = found.best().map(|c| &knowledge.entries[c.entry]);
    match (found.outcome, best) {
        (Outcome::Decline(Decline::MissingFact), Some(entry)) => {
            not_reported(knowledge, found, entry, config)
        }
        (Outcome::Answer | Outcome::Unreported, Some(entry)) => {
            let did_you_mean = if ambiguous {
                found.candidates.get(1).map(|c| suggestion(&knowledge.entries[c.entry])).into_iter().collect()
            } else {
                Vec::new()
            };
            let verdict = found.about_the_call.then(|| verdict(knowledge, entry)).flatten();
            let mut reply = entry_reply(knowledge, entry, config, verdict, did_you_mean);
            if let Some(place) = &found.wrong_place {
                let sentence = &knowledge.replies.answer.wrong_place;
                reply.text = sentence.fill(&[("place", place), ("answer", &reply.text)]);
            }
            reply
        }
        (outcome, _) => declined(knowledge, found, outcome, config),
    }
}

/// The reply for a question that cannot be answered, with three suggestions.
fn declined(knowledge: &KnowledgeBase, found: &Match, outcome: Outcome, config: &ReplyConfig) -> Reply {
    let replies = &knowledge.replies;
    let sentence = match outcome {
        Outcome::Decline(Decline::Empty) => &replies.decline.empty,
        Outcome::Decline(Decline::TooLittle) => &replies.decline.too_little,
        _ if found.analysis.english => &replies.decline.english,
        Outcome::Decline(Decline::TooLong) => &replies.decline.too_long,
        _ if found.yes_no => &replies.decline.yes_no,
        _ => &replies.decline.unknown,
    };
    let text = replies.with_scope(sentence);
    Reply {
        kind: ReplyKind::Declined,
        entry: None,
        verdict: None,
        text,
        quotes: Vec::new(),
        did_you_mean: Vec::new(),
        suggestions: fallback(knowledge, config, Vec::new()),
        script: Script::Simplified,
    }
}

/// The reply for a question about a known topic that asks for a fact the article does
/// not give: says which fact, and what the article does say, with that entry as a button.
fn not_reported(knowledge: &KnowledgeBase, found: &Match, entry: &Entry, config: &ReplyConfig) -> Reply {
    let (words, sentences) = (&knowledge.language.reply, &knowledge.replies.answer);
    let subject = found
        .analysis
        .entities
        .iter()
        .find(|e| e.kind == EntityKind::Person && e.name != words.both_sides)
        .or_else(|| found.analysis.entities.iter().find(|e| !words.not_subjects.contains(&e.name)))
        .map_or(entry.topic.as_str(), |e| e.name.as_str());
    let this_point = sentences.this_point.text();
    let missing = found.missing.as_deref().unwrap_or(&this_point);
    let said = entry.answer.split_inclusive('。').next().unwrap_or(&entry.answer).trim_end_matches('。');
    // A missing fact that names its owner already (波兰的总统, 俄方的回应) is not given
    // another (波兰的波兰的总统, 泽连斯基的俄方的回应).
    let owned = found.analysis.entities.iter().any(|e| missing.starts_with(&e.name));
    let what = if owned || missing.starts_with(subject) {
        missing.to_owned()
    } else {
        sentences.missing_of.fill(&[("subject", subject), ("missing", missing)])
    };
    Reply {
        kind: ReplyKind::Unreported,
        entry: None,
        verdict: None,
        text: sentences.not_reported.fill(&[("missing", &what), ("said", said)]),
        quotes: Vec::new(),
        did_you_mean: Vec::new(),
        suggestions: fallback(knowledge, config, vec![suggestion(entry)]),
        script: Script::Simplified,
    }
}

/// Up to three suggestions: these first, then the configured fallbacks.
fn fallback(
    knowledge: &KnowledgeBase,
    config: &ReplyConfig,
    mut suggestions: Vec<Suggestion>,
) -> Vec<Suggestion> {
    for id in &config.fallback_suggestions {
        if suggestions.len() >= 3 {
            break;
        }
        if let Some(entry) = knowledge.entry(id)
            && !suggestions.iter().any(|s| s.entry == entry.id)
        {
            suggestions.push(suggestion(entry));
        }
    }
    suggestions
}

/// The reply that opens an entry directly (a button or a deep link).
pub fn for_entry(knowledge: &KnowledgeBase, entry: &Entry, config: &ReplyConfig) -> Reply {
    entry_reply(knowledge, entry, config, None, Vec::new())
}

/// An entry's reply: an answer, or for an unreported entry what the article does not say.
fn entry_reply(
    knowledge: &KnowledgeBase,
    entry: &Entry,
    config: &ReplyConfig,
    verdict: Option<String>,
    did_you_mean: Vec<Suggestion>,
) -> Reply {
    let kind = if entry.category == Category::Unreported { ReplyKind::Unreported } else { ReplyKind::Answer };
    Reply {
        kind,
        entry: Some(entry.id.clone()),
        verdict,
        text: entry.answer.clone(),
        quotes: entry.quotes.iter().take(config.max_quotes).map(|q| quote_view(knowledge, q)).collect(),
        suggestions: follow_ups(knowledge, entry, config.max_follow_ups, &did_you_mean),
        did_you_mean,
        script: Script::Simplified,
    }
}

/// The yes/no answer to "did they discuss X?", from the topic's status: one verdict per
/// piece of evidence, saying no more than the article does. Other yes/no
/// questions (乌克兰接受停火了吗) may ask about another side of the topic than its status
/// describes, so they get the answer alone, which states the fact.
fn verdict(knowledge: &KnowledgeBase, entry: &Entry) -> Option<String> {
    let verdicts = &knowledge.replies.verdict;
    let sentence = match entry.status? {
        Status::Discussed => &verdicts.discussed,
        Status::NotDiscussed => &verdicts.not_discussed,
        Status::NotMentioned => &verdicts.not_mentioned,
        Status::Unclear => &verdicts.unclear,
        Status::Disputed => &verdicts.disputed,
    };
    Some(sentence.fill(&[("topic", &entry.topic)]))
}

fn suggestion(entry: &Entry) -> Suggestion {
    Suggestion { entry: entry.id.clone(), question: entry.canonical_question().to_owned() }
}

fn follow_ups(
    knowledge: &KnowledgeBase,
    entry: &Entry,
    max: usize,
    exclude: &[Suggestion],
) -> Vec<Suggestion> {
    entry
        .follow_ups
        .iter()
        .filter_map(|id| knowledge.entry(id))
        .filter(|e| !exclude.iter().any(|s| s.entry == e.id))
        .take(max)
        .map(suggestion)
        .collect()
}

fn quote_view(knowledge: &KnowledgeBase, quote: &Quote) -> QuoteView {
    let section = knowledge.article.section(&quote.section).map_or(quote.section.clone(), |s| s.id.clone());
    QuoteView { text: quote.text.clone(), kind: quote.kind, speaker: quote.speaker.clone(), section }
}

impl Reply {
    /// Whether the question counts as answered.
    pub fn is_answered(&self) -> bool {
        self.kind == ReplyKind::Answer
    }

    /// The answer part: the verdict, if any, and the text.
    pub fn answer_text(&self) -> String {
        format!("{}{}", self.verdict.as_deref().unwrap_or(""), self.text)
    }
}
