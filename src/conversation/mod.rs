//! Conversation: a follow-up ("那欧洲呢？", "为什么？", "第三点呢？") read against the
//! previous turn.
//!
//! The approach is deliberately simple: a follow-up is rewritten into a full question
//! with the previous turn's subject, facet or entry, and the ordinary matcher answers
//! it. The rewrite is kept only when the matcher answers it and, for a new subject, when
//! that subject is something the knowledge knows; otherwise the message is answered on
//! its own, exactly as without a conversation. So context can resolve a follow-up, but
//! it never turns an out-of-scope question into an answer.
//!
//! Questions that need no matching (the Nth of a list, the next item, "is that all",
//! who said it) are answered from the previous entry directly, and when the article does
//! not give the fact asked for, the reply says so and offers the entry. A message no cue
//! reads and the matcher declines alone is read once more after the previous question
//! ([`Matcher::find_after`]), kept only where it holds to the message's own words.
//!
//! The module sits between the reply and the engine: it answers with an [`Answerer`]
//! (the knowledge, the matcher, the reply settings) that the engine lends it each turn,
//! and its settings ([`ConversationConfig`]) live here.

pub mod cues;

use std::cell::OnceCell;
use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use self::cues::{Cue, Facet, Pronoun};
use crate::knowledge::language::ConversationWords;
use crate::knowledge::{EntityKind, Entry, KnowledgeBase, Language, Words};
use crate::matcher::{Decline, Match, Matcher, Outcome};
use crate::reply::{self, Reply, ReplyConfig, ReplyKind, Suggestion};
use crate::understanding::{Intent, Normalizer, Question, Script, Wanted};

/// The version of [`Context`]'s stored form. A stored context of another version is
/// dropped, never misread: raise it whenever the fields or the key layout change.
pub const CONTEXT_VERSION: u32 = 2;

/// The conversation's settings (`[conversation]` in `config/callbot.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConversationConfig {
    /// Minutes without a message after which a chat's context is forgotten.
    pub idle_minutes: u64,
}

impl Default for ConversationConfig {
    fn default() -> Self {
        Self { idle_minutes: 30 }
    }
}

impl ConversationConfig {
    /// The idle time after which a context expires.
    pub fn idle(&self) -> Duration {
        Duration::from_secs(self.idle_minutes * 60)
    }
}

/// What a chat's conversation remembers of its last turns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// The entry last answered (or said to be unreported).
    pub entry: Option<String>,
    /// The last question, resolved and normalised.
    pub question: String,
    /// The facet it asked.
    pub facet: Option<Facet>,
    /// The last person named in a question or speaking in the answer.
    pub person: Option<String>,
    /// The list last shown, and how far the conversation has gone through it.
    pub list: Option<Shown>,
    /// Entries shown in this conversation, oldest first (at most [`SEEN_KEPT`]).
    pub seen: Vec<String>,
    /// When it was last set, in seconds since the Unix epoch.
    pub updated: u64,
    /// The script the chat writes in, once a message told it (absent from contexts
    /// stored before it was kept: they read as not told).
    #[serde(default)]
    pub script: Option<Script>,
}

/// How many shown entries a context remembers (for "还有呢" without a list).
pub const SEEN_KEPT: usize = 12;

/// A list shown to the user: its name and entries, and the last position shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Shown {
    /// What the list is (两国总统谈到的七点).
    pub name: String,
    /// The entries, in the order shown.
    pub items: Vec<String>,
    /// The last item shown, 1-based; 0 when only the list itself was shown.
    pub position: usize,
}

impl Context {
    /// Whether the context is still alive at `now` (seconds since the epoch).
    pub fn is_alive(&self, now: u64, idle: Duration) -> bool {
        now.saturating_sub(self.updated) < idle.as_secs()
    }

    /// The context after a list screen showed `items` under `name`.
    pub fn listed(previous: Option<Self>, name: &str, items: Vec<String>, now: u64) -> Self {
        let mut context = previous.unwrap_or_default();
        context.list = Some(Shown { name: name.to_owned(), items, position: 0 });
        context.updated = now;
        context
    }
}

/// A message answered within a conversation.
#[derive(Debug, Clone)]
pub struct Turn {
    /// The matcher's view of the question it answered, when it was matched.
    pub found: Option<Match>,
    /// The reply.
    pub reply: Reply,
    /// The context to keep for the next message.
    pub context: Option<Context>,
    /// How the previous turn was used, if it was.
    pub usage: Option<Usage>,
}

/// How a turn used the context, for `--explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    /// The kind of follow-up (ellipsis, pronoun, facet, ordinal, next, complete).
    pub cue: &'static str,
    /// The entry of the earlier turn it leaned on.
    pub earlier: Option<String>,
    /// The slot filled from the context (the subject, the person, the list item …).
    pub filled: String,
    /// The question as rewritten and matched, if it was.
    pub rewritten: Option<String>,
}

/// What a conversation answers with: the knowledge, the matcher built from it and the
/// reply settings. The engine lends it for each turn, so the conversation sits below the
/// engine and never reaches back up to it.
#[derive(Debug, Clone, Copy)]
pub struct Answerer<'a> {
    /// The knowledge base.
    pub knowledge: &'a KnowledgeBase,
    /// The matcher built from it.
    pub matcher: &'a Matcher,
    /// How replies are built.
    pub reply: &'a ReplyConfig,
}

/// A message and its reading by the matcher, made when a step first needs it and then
/// kept, so that the message is read at most once a turn.
struct Message<'m> {
    text: &'m str,
    read: OnceCell<Question>,
}

impl<'m> Message<'m> {
    fn new(text: &'m str) -> Self {
        Self { text, read: OnceCell::new() }
    }

    /// The message as the matcher reads it.
    fn read(&self, matcher: &Matcher) -> &Question {
        self.read.get_or_init(|| matcher.read(self.text))
    }
}

impl Answerer<'_> {
    /// Matches a question and builds its reply.
    pub fn ask(&self, question: &str) -> (Match, Reply) {
        let found = self.matcher.find(question);
        let reply = self.reply_to(&found);
        (found, reply)
    }

    /// [`Self::ask`] for a question already read ([`Matcher::read`]).
    fn ask_read(&self, question: &str, read: &Question) -> (Match, Reply) {
        let found = self.matcher.find_read(question, read);
        let reply = self.reply_to(&found);
        (found, reply)
    }

    /// Matches a message read after the question before it in a conversation (both as
    /// read alone), and builds its reply, where that reading keeps to the message
    /// ([`Matcher::find_after`]).
    pub fn ask_after(&self, own: &Question, before: &Question) -> Option<(Match, Reply)> {
        let found = self.matcher.find_after(own, before)?;
        let reply = self.reply_to(&found);
        Some((found, reply))
    }

    /// The reply that opens an entry directly, if the id exists.
    pub fn open(&self, entry_id: &str) -> Option<Reply> {
        self.knowledge.entry(entry_id).map(|e| reply::for_entry(self.knowledge, e, self.reply))
    }

    fn reply_to(&self, found: &Match) -> Reply {
        let ambiguous = self.matcher.is_ambiguous(found);
        reply::build(self.knowledge, found, ambiguous, self.reply)
    }
}

/// What the conversation knows of the knowledge: built once with the engine.
#[derive(Debug)]
pub struct Conversation {
    normalizer: Normalizer,
    /// What tells a question's kind (yes/no, a count).
    intent: Intent,
    /// People's names, longest first.
    people: Terms,
    /// Names and keywords a question's subject can be, longest first.
    subjects: Terms,
    /// Names of people, countries, organisations, places and topics (the lexicon's
    /// entities), longest first.
    names: Terms,
    /// What a conversation needs of each entry, normalised once, by entry id.
    entries: HashMap<String, EntryView>,
    /// The seven points the two presidents talked about, in order (entries whose
    /// keywords say 第一点 … 第七点), as a list to walk through.
    seven_points: Shown,
    /// The words follow-ups are read with.
    language: Language,
    config: ConversationConfig,
}

/// An entry as conversations read it, normalised once.
#[derive(Debug)]
struct EntryView {
    /// The canonical question.
    question: String,
    /// The first person among its quotes' speakers.
    person: Option<String>,
    /// Its topic, answer and keywords.
    text: String,
}

/// How much of a message without its pronoun the entry found must cover.
const REST_COVERAGE: f64 = 0.5;
/// How long a message asking a facet the last entry gives may be (他在哪发的这段话).
const GIVEN_MAX_CHARS: usize = 12;
/// How long a follow-up naming only a person and a verb may be (普京怎么回应的).
const PERSON_VERB_MAX_CHARS: usize = 8;
/// How long the word before 什么 may be for it to ask what follows that word.
const WHAT_FOLLOWS_MAX_CHARS: usize = 4;
/// The mark that separates the items of a list inside an answer.
const LIST_MARK: char = '、';
/// How many points the article numbers (第一点 … 第七点).
const POINTS: usize = 7;

/// Whether a message asks a count in a measure word (多少架无人机) that a text gives,
/// of the thing the message names after it.
fn counts_given_in(intent: &Intent, words: &ConversationWords, compact: &str, text: &str) -> bool {
    intent.counted(compact).is_some_and(|counter| {
        let thing =
            trim_endings(compact.split(counter).nth(1).unwrap_or_default(), &words.question_particles);
        !thing.is_empty()
            && intent.gives_count_of(text, counter)
            && text.contains(&format!("{counter}{thing}"))
    })
}

/// The text without any of these endings, however many follow each other.
fn trim_endings<'t>(text: &'t str, endings: &Words) -> &'t str {
    let mut text = text;
    while let Some(rest) = endings.iter().find_map(|e| text.strip_suffix(e)) {
        text = rest;
    }
    text
}

impl Conversation {
    /// The context after a button press or a deep link opened `entry` of `knowledge`,
    /// as if its question had been typed after `previous`.
    pub fn opened(
        &self,
        knowledge: &KnowledgeBase,
        entry: &str,
        previous: Option<&Context>,
        now: u64,
    ) -> Option<Context> {
        let entry = knowledge.entry(entry)?;
        let question = self.entries.get(&entry.id).map_or_else(String::new, |v| v.question.clone());
        let previous = previous.filter(|c| c.is_alive(now, self.config.idle()));
        Some(self.next_context(previous, entry, question, None, now))
    }

    /// Prepares the conversation's view of a knowledge base.
    pub fn new(knowledge: &KnowledgeBase, config: ConversationConfig) -> Self {
        let normalizer = Normalizer::new(&knowledge.aliases);
        let words = &knowledge.language.conversation;
        // The lexicon's entities are what questions name: people, countries,
        // organisations, places and topics. Quote speakers add the people it lacks.
        let entity = |kinds: &[EntityKind]| -> Vec<String> {
            knowledge
                .lexicon
                .entity
                .iter()
                .filter(|e| kinds.contains(&e.kind))
                .map(|e| normalizer.normalize(e.name.get_ref()))
                .collect()
        };
        let mut people: Vec<String> = entity(&[EntityKind::Person])
            .into_iter()
            .chain(
                knowledge
                    .entries
                    .iter()
                    .flat_map(|e| e.quotes.iter().map(|q| q.speaker.clone()))
                    .filter(|s| is_person(&words.not_people, s))
                    .map(|s| normalizer.normalize(&s)),
            )
            .filter(|s| !words.call_words.contains(s))
            .collect();
        sort_longest_first(&mut people);
        let all_kinds = [
            EntityKind::Person,
            EntityKind::Country,
            EntityKind::Organisation,
            EntityKind::Place,
            EntityKind::Topic,
        ];
        let mut names: Vec<String> = people
            .iter()
            .cloned()
            .chain(entity(&all_kinds))
            .filter(|s| s.chars().count() >= 2 && !words.call_words.contains(s))
            .collect();
        sort_longest_first(&mut names);
        let mut subjects: Vec<String> = names
            .iter()
            .cloned()
            .chain(knowledge.entries.iter().flat_map(|e| e.keywords.iter().map(|k| normalizer.normalize(k))))
            .filter(|s| s.chars().count() >= 2 && !words.call_words.contains(s))
            .collect();
        sort_longest_first(&mut subjects);
        let numbers = &knowledge.language.numbers;
        let items = (1..=POINTS)
            .filter_map(|n| {
                let marker = format!("{}{}{}", numbers.ordinal_prefix, numbers.numeral(n)?, words.point);
                knowledge.entries.iter().find(|e| e.keywords.contains(&marker)).map(|e| e.id.clone())
            })
            .collect();
        let seven_points =
            Shown { name: knowledge.replies.follow_up.seven_points.text(), items, position: 0 };
        let entries = knowledge
            .entries
            .iter()
            .map(|e| {
                let person = e
                    .quotes
                    .iter()
                    .map(|q| normalizer.normalize(&q.speaker))
                    .find(|s| people.iter().any(|p| p == s));
                let text = std::iter::once(&e.topic)
                    .chain([&e.answer])
                    .chain(&e.keywords)
                    .map(|t| normalizer.normalize(t))
                    .collect::<Vec<_>>()
                    .join(" ");
                let view = EntryView { question: normalizer.normalize(e.canonical_question()), person, text };
                (e.id.clone(), view)
            })
            .collect();
        let (people, subjects, names) = (Terms::new(people), Terms::new(subjects), Terms::new(names));
        let language = knowledge.language.clone();
        Self {
            normalizer,
            intent: Intent::new(&knowledge.language),
            people,
            subjects,
            names,
            entries,
            seven_points,
            language,
            config,
        }
    }

    /// The settings.
    pub fn config(&self) -> &ConversationConfig {
        &self.config
    }

    /// Answers a message given the chat's context (already expired ones included: they
    /// are dropped here) at `now`, in seconds since the epoch.
    pub fn answer(&self, engine: &Answerer<'_>, context: Option<&Context>, question: &str, now: u64) -> Turn {
        let context = context.filter(|c| c.is_alive(now, self.config.idle()));
        let normalized = self.normalizer.normalize(question);
        let cue = cues::read(&self.language, &normalized);
        let Some(context) = context else {
            return match cue {
                Cue::Next | Cue::Complete | Cue::Facet { exact: true, .. } => self.clarify(engine),
                Cue::Ordinal(n) if !self.seven_points.items.is_empty() => {
                    self.list_item(engine, None, &self.seven_points, n, now)
                }
                Cue::FromEnd(n) if (1..=self.seven_points.items.len()).contains(&n) => {
                    let at = self.seven_points.items.len() + 1 - n;
                    self.list_item(engine, None, &self.seven_points, at, now)
                }
                Cue::Previous => self.clarify(engine),
                _ => self.alone(engine, None, &Message::new(question), now),
            };
        };
        // 谁说可能会谈到: whose words, among the last entry's quotes, say that.
        if let Some(turn) = self.who_said(engine, context, &normalized, now) {
            return turn;
        }
        // 在哪交接 / 死了多少人, asked of an entry that does not say it: said so, as the
        // same question alone would be.
        let message = Message::new(question);
        if let Some(turn) = self.unreported_detail(engine, context, &message, &normalized, now) {
            return turn;
        }
        // 在哪发的 / 哪家媒体报道的 / 期限多长, asked of an entry that says it.
        if self.given_by_last(engine, context, &normalized) {
            // The entry is the answer as it stands: opened as for 具体说说.
            if let Some(turn) = self.facet(engine, context, Facet::Detail, now) {
                return turn;
            }
        }
        // 依照什么 after 依照俄方法律保障…: the last entry says it.
        if self.asks_what_follows_in_last(engine, context, &normalized)
            && let Some(turn) = self.facet(engine, context, Facet::Detail, now)
        {
            return turn;
        }
        let turn = match &cue {
            // 普京怎么回应的 after an entry that speaks of 普京: that entry.
            Cue::None if self.person_and_verb_of_last(context, &normalized) => {
                self.facet(engine, context, Facet::Detail, now)
            }
            Cue::None => None,
            // 第二个条件 after the entry that lists the conditions: that entry.
            Cue::Ordinal(_) if self.counts_in_last(engine, context, &normalized) => {
                self.facet(engine, context, Facet::Detail, now)
            }
            // 第二个是什么 / 最后一个呢 after 提了哪些条件 with no list shown: the items of
            // that entry's own answer.
            Cue::Ordinal(_) | Cue::Last if self.listed_by_last(engine, context) => {
                self.facet(engine, context, Facet::Detail, now)
            }
            Cue::Ordinal(n) => {
                let list = context.list.clone().unwrap_or_else(|| self.seven_points.clone());
                Some(self.list_item(engine, Some(context), &list, *n, now))
            }
            Cue::Last => {
                let list = context.list.clone().unwrap_or_else(|| self.seven_points.clone());
                (!list.items.is_empty())
                    .then(|| self.list_item(engine, Some(context), &list, list.items.len(), now))
            }
            Cue::FromEnd(n) => {
                let list = context.list.clone().unwrap_or_else(|| self.seven_points.clone());
                (1..=list.items.len())
                    .contains(n)
                    .then(|| self.list_item(engine, Some(context), &list, list.items.len() + 1 - n, now))
            }
            Cue::Previous => context
                .list
                .clone()
                .filter(|list| list.position > 1)
                .map(|list| self.list_item(engine, Some(context), &list, list.position - 1, now)),
            Cue::Next => Some(self.next(engine, context, now)),
            Cue::Complete => Some(self.complete(engine, context, now)),
            // 什么时候比赛 after hockey is a follow-up; 泽连斯基什么时候说的 names its own subject.
            Cue::Facet { .. } if self.names_other_subject(context, &normalized) => None,
            Cue::Facet { facet, exact: true } => self.facet(engine, context, *facet, now),
            Cue::Facet { facet, exact: false } => self
                .other_entry(engine, context, &normalized, now)
                .or_else(|| self.facet(engine, context, *facet, now)),
            Cue::Ellipsis(subject) => self.ellipsis(engine, context, subject, now),
            Cue::Pronoun(pronoun) => self.pronoun(engine, context, &normalized, *pronoun, now),
        };
        turn.unwrap_or_else(|| self.alone_or_after(engine, context, &message, now))
    }

    /// The message on its own, or, when that declines it, read after the context's
    /// question where that reading keeps to the message ([`Answerer::ask_after`]).
    fn alone_or_after(
        &self,
        engine: &Answerer<'_>,
        context: &Context,
        message: &Message<'_>,
        now: u64,
    ) -> Turn {
        let alone = self.alone(engine, Some(context), message, now);
        let declined = alone.found.as_ref().is_some_and(|found| {
            matches!(found.outcome, Outcome::Decline(Decline::NoMatch | Decline::TooLittle))
        });
        if declined
            && let Some((found, reply)) =
                engine.ask_after(message.read(engine.matcher), &engine.matcher.read(&context.question))
        {
            let usage = self.usage("read after", context, context.question.clone());
            return self.matched(engine, Some(context), found, reply, Some(usage), now);
        }
        alone
    }

    /// The message on its own, as [`Answerer::ask`] answers it.
    fn alone(
        &self,
        engine: &Answerer<'_>,
        context: Option<&Context>,
        message: &Message<'_>,
        now: u64,
    ) -> Turn {
        let (found, reply) = engine.ask_read(message.text, message.read(engine.matcher));
        self.matched(engine, context, found, reply, None, now)
    }

    /// A turn answered by the matcher, with the context it leaves.
    fn matched(
        &self,
        engine: &Answerer<'_>,
        context: Option<&Context>,
        found: Match,
        reply: Reply,
        usage: Option<Usage>,
        now: u64,
    ) -> Turn {
        let answered = matches!(found.outcome, Outcome::Answer | Outcome::Unreported);
        let entry = reply.entry.as_deref().and_then(|id| engine.knowledge.entry(id));
        let next = match entry {
            Some(entry) if answered => {
                Some(self.next_context(context, entry, found.normalized.clone(), None, now))
            }
            _ => context.cloned(),
        };
        Turn { found: Some(found), reply, context: next, usage }
    }

    /// The context after `entry` answered `question`.
    fn next_context(
        &self,
        previous: Option<&Context>,
        entry: &Entry,
        question: String,
        list: Option<Shown>,
        now: u64,
    ) -> Context {
        let facet = cues::facet_of(&self.language, &question, self.intent.asks_if_discussed(&question));
        // The person of the question, else the answer's; but the answer to "who" (谁认为
        // 美方…) is the answer's person, whoever else the question names.
        let answers = || self.entries.get(&entry.id).and_then(|view| view.person.clone());
        let person = if facet == Facet::Who {
            answers().or_else(|| self.person_in(&question))
        } else {
            self.person_in(&question).or_else(answers)
        }
        .or_else(|| previous.and_then(|c| c.person.clone()));
        let list = list.or_else(|| {
            if self.names_the_seven_points(&entry.answer) && !self.seven_points.items.is_empty() {
                return Some(self.seven_points.clone());
            }
            let mut list = previous?.list.clone()?;
            list.position = list.items.iter().position(|id| *id == entry.id)? + 1;
            Some(list)
        });
        let mut seen = previous.map(|c| c.seen.clone()).unwrap_or_default();
        seen.retain(|id| *id != entry.id);
        seen.push(entry.id.clone());
        if seen.len() > SEEN_KEPT {
            seen.remove(0);
        }
        Context {
            entry: Some(entry.id.clone()),
            question,
            facet: Some(facet),
            person,
            list,
            seen,
            updated: now,
            script: previous.and_then(|c| c.script),
        }
    }

    /// The Nth item of a list.
    fn list_item(
        &self,
        engine: &Answerer<'_>,
        context: Option<&Context>,
        list: &Shown,
        n: usize,
        now: u64,
    ) -> Turn {
        let replies = &engine.knowledge.replies;
        let usage = Some(Usage {
            cue: "ordinal",
            earlier: context.and_then(|c| c.entry.clone()),
            filled: replies.explain.item.fill(&[("list", &list.name), ("n", &n.to_string())]),
            rewritten: None,
        });
        let Some(id) = list.items.get(n - 1) else {
            let text = replies.follow_up.no_such_item.fill(&[
                ("list", &list.name),
                ("count", &list.items.len().to_string()),
                ("n", &n.to_string()),
            ]);
            let reply = self.plain_reply(engine, ReplyKind::Unreported, text, &list.items);
            return Turn { found: None, reply, context: context.cloned(), usage };
        };
        let mut shown = list.clone();
        shown.position = n;
        self.opened_turn(engine, context, id, Some(shown), usage, now)
    }

    /// An entry opened from the context, as a button would open it.
    fn opened_turn(
        &self,
        engine: &Answerer<'_>,
        context: Option<&Context>,
        id: &str,
        list: Option<Shown>,
        usage: Option<Usage>,
        now: u64,
    ) -> Turn {
        let (Some(entry), Some(reply)) = (engine.knowledge.entry(id), engine.open(id)) else {
            return Turn { found: None, reply: self.clarify(engine).reply, context: context.cloned(), usage };
        };
        let question = self.entries.get(id).map_or_else(String::new, |view| view.question.clone());
        let next = self.next_context(context, entry, question, list, now);
        Turn { found: None, reply, context: Some(next), usage }
    }

    /// 还有呢: the next item of the list, or the next related entry not yet shown.
    fn next(&self, engine: &Answerer<'_>, context: &Context, now: u64) -> Turn {
        if let Some(list) = &context.list {
            if list.position < list.items.len() {
                let item = (list.position + 1).to_string();
                let filled =
                    engine.knowledge.replies.explain.item.fill(&[("list", &list.name), ("n", &item)]);
                let mut usage = self.usage("next", context, filled);
                usage.rewritten = None;
                return self.list_item(engine, Some(context), list, list.position + 1, now).with_usage(usage);
            }
            return self.complete(engine, context, now);
        }
        let related = context
            .entry
            .as_deref()
            .and_then(|id| engine.knowledge.entry(id))
            .and_then(|e| e.follow_ups.iter().find(|id| !context.seen.contains(id)).cloned());
        match related {
            Some(id) => {
                let filled = engine.knowledge.replies.explain.related.fill(&[("id", &id)]);
                let usage = self.usage("next", context, filled);
                self.opened_turn(engine, Some(context), &id, None, Some(usage), now)
            }
            None => self.complete(engine, context, now),
        }
    }

    /// 没了吗: whether the list (or what the article says on the topic) is complete.
    fn complete(&self, engine: &Answerer<'_>, context: &Context, _now: u64) -> Turn {
        let topics = |ids: &[String]| -> String {
            ids.iter()
                .filter_map(|id| engine.knowledge.entry(id))
                .map(|e| e.topic.as_str())
                .collect::<Vec<_>>()
                .join("、")
        };
        let replies = &engine.knowledge.replies;
        let (text, suggested) = match &context.list {
            Some(list) if list.position < list.items.len() => (
                replies.follow_up.not_finished.fill(&[
                    ("list", &list.name),
                    ("count", &list.items.len().to_string()),
                    ("topics", &topics(&list.items)),
                    ("position", &list.position.to_string()),
                    ("rest", &topics(&list.items[list.position..])),
                ]),
                list.items[list.position..].to_vec(),
            ),
            Some(list) => (
                replies.follow_up.finished.fill(&[
                    ("list", &list.name),
                    ("count", &list.items.len().to_string()),
                    ("topics", &topics(&list.items)),
                ]),
                Vec::new(),
            ),
            None => {
                let entry = context.entry.as_deref().and_then(|id| engine.knowledge.entry(id));
                let topic = entry.map_or_else(|| replies.follow_up.this_topic.text(), |e| e.topic.clone());
                let more: Vec<String> = entry
                    .map(|e| e.follow_ups.iter().filter(|id| !context.seen.contains(id)).cloned().collect())
                    .unwrap_or_default();
                (replies.follow_up.topic_done.fill(&[("topic", &topic)]), more)
            }
        };
        let filled = context.list.as_ref().map_or_else(|| replies.explain.topic.text(), |l| l.name.clone());
        let usage = self.usage("complete", context, filled);
        let reply = self.plain_reply(engine, ReplyKind::Answer, text, &suggested);
        Turn { found: None, reply, context: Some(context.clone()), usage: Some(usage) }
    }

    /// 为什么 / 谁说的 / 什么时候 …: that facet of the last entry; when the entry does
    /// not give it, a reply that says so.
    fn facet(&self, engine: &Answerer<'_>, context: &Context, facet: Facet, now: u64) -> Option<Turn> {
        let entry = engine.knowledge.entry(context.entry.as_deref()?)?;
        let mut reply = engine.open(&entry.id)?;
        let text = entry.quotes.iter().fold(entry.answer.clone(), |text, q| text + &q.text);
        let sentences = &engine.knowledge.replies.follow_up;
        let topic = [("topic", entry.topic.as_str())];
        let missing = match facet {
            Facet::Who => {
                let mut speakers: Vec<&str> = Vec::new();
                for quote in &entry.quotes {
                    if !speakers.contains(&quote.speaker.as_str()) {
                        speakers.push(&quote.speaker);
                    }
                }
                if speakers.is_empty() {
                    Some(sentences.no_speaker.fill(&topic))
                } else {
                    let speakers = speakers.join("、");
                    reply.text = sentences.speakers.fill(&[("speakers", &speakers), ("answer", &reply.text)]);
                    None
                }
            }
            Facet::When => (!self.gives_time(&text)).then(|| sentences.no_time.fill(&topic)),
            Facet::HowMany => {
                (!self.intent.gives(&text, Wanted::Number)).then(|| sentences.no_number.fill(&topic))
            }
            Facet::Where => {
                (!self.language.answers.place_words.any_in(&text)).then(|| sentences.no_place.fill(&topic))
            }
            Facet::Why => {
                (!self.language.answers.reason_words.any_in(&text)).then(|| sentences.no_reason.fill(&topic))
            }
            Facet::Detail | Facet::Attitude | Facet::DidDiscuss | Facet::What => None,
        };
        if let Some(missing) = missing {
            reply.kind = ReplyKind::Unreported;
            reply.text = sentences.only_says.fill(&[("missing", &missing), ("answer", &entry.answer)]);
            reply.quotes.clear();
        }
        let mut next = context.clone();
        next.updated = now;
        let usage = self.usage("facet", context, format!("{facet:?}"));
        Some(Turn { found: None, reply, context: Some(next), usage: Some(usage) })
    }

    /// 谁说…: the speaker of the last entry's quote that shares most with what follows
    /// 谁说 (at least one pair of characters), with the entry's answer.
    fn who_said(&self, engine: &Answerer<'_>, context: &Context, normalized: &str, now: u64) -> Option<Turn> {
        let compact: String = normalized.chars().filter(|c| !c.is_whitespace()).collect();
        let words = &self.language.conversation;
        let claim = words.who_said.iter().find_map(|w| compact.strip_prefix(w))?;
        let claim: Vec<char> = trim_endings(claim, &words.claim_endings).chars().collect();
        if claim.len() < 2 || self.names_other_subject(context, normalized) {
            return None;
        }
        let entry = engine.knowledge.entry(context.entry.as_deref()?)?;
        let shared = |text: &str| {
            let text = self.normalizer.normalize(text);
            claim.windows(2).filter(|pair| text.contains(&pair.iter().collect::<String>())).count()
        };
        let (n, quote) = entry
            .quotes
            .iter()
            .map(|q| (shared(&q.text), q))
            .filter(|(n, _)| *n > 0)
            .max_by_key(|(n, _)| *n)?;
        // A claim that shares only a word or two with the last entry (谈判) and more with
        // the entry found afresh is that entry's: matched afresh.
        if 2 * n < claim.len() - 1 {
            let fresh = engine.matcher.find(normalized);
            let other = fresh
                .best()
                .filter(|_| fresh.outcome == Outcome::Answer)
                .and_then(|c| engine.knowledge.entries.get(c.entry))
                .filter(|other| other.id != entry.id);
            if other.is_some_and(|other| other.quotes.iter().any(|q| shared(&q.text) > n)) {
                return None;
            }
        }
        let mut reply = engine.open(&entry.id)?;
        let sentence = &engine.knowledge.replies.follow_up.speakers;
        reply.text = sentence.fill(&[("speakers", &quote.speaker), ("answer", &reply.text)]);
        let mut next = context.clone();
        next.updated = now;
        let usage = self.usage("who said", context, quote.speaker.clone());
        Some(Turn { found: None, reply, context: Some(next), usage: Some(usage) })
    }

    /// The reply to a short follow-up that asks of the last entry a detail the article
    /// does not give (在哪交接 after the swap): which detail, and what the article says.
    fn unreported_detail(
        &self,
        engine: &Answerer<'_>,
        context: &Context,
        message: &Message<'_>,
        normalized: &str,
        now: u64,
    ) -> Option<Turn> {
        let compact: String = normalized.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.chars().count() > GIVEN_MAX_CHARS || self.names_other_subject(context, normalized) {
            return None;
        }
        let id = context.entry.as_deref()?;
        let position = engine.knowledge.entries.iter().position(|e| e.id == id)?;
        let entry = &engine.knowledge.entries[position];
        let missing = engine.matcher.detail_missing(message.read(engine.matcher), position)?;
        let mut reply = engine.open(id)?;
        reply.kind = ReplyKind::Unreported;
        reply.text = engine.knowledge.replies.follow_up.unreported_detail.fill(&[
            ("topic", &entry.topic),
            ("missing", &missing),
            ("answer", &entry.answer),
        ]);
        reply.quotes.clear();
        let mut next = context.clone();
        next.updated = now;
        let usage = self.usage("unreported detail", context, missing);
        Some(Turn { found: None, reply, context: Some(next), usage: Some(usage) })
    }

    /// Whether a short message asks where, through whom, how long, from what point or how
    /// many of a thing, and the last entry's own text gives that (社交媒体平台, 电讯社,
    /// 记者会, 30天, 从…开始, 145架无人机).
    fn given_by_last(&self, engine: &Answerer<'_>, context: &Context, normalized: &str) -> bool {
        let compact: String = normalized.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.chars().count() > GIVEN_MAX_CHARS || self.names_other_subject(context, normalized) {
            return false;
        }
        let Some(entry) = context.entry.as_deref().and_then(|id| engine.knowledge.entry(id)) else {
            return false;
        };
        let text = entry.quotes.iter().fold(entry.answer.clone(), |text, q| text + &q.text);
        cues::given_in(&self.language, &compact, &text)
            || counts_given_in(&self.intent, &self.language.conversation, &compact, &text)
    }

    /// Whether a message is a word of the last entry's answer and 什么 (依照什么 after
    /// 依照俄方法律): it asks what follows that word there.
    fn asks_what_follows_in_last(&self, engine: &Answerer<'_>, context: &Context, normalized: &str) -> bool {
        let compact: String = normalized.chars().filter(|c| !c.is_whitespace()).collect();
        let Some(word) = compact.strip_suffix(self.language.conversation.what.as_str()) else {
            return false;
        };
        let entry = context.entry.as_deref().and_then(|id| engine.knowledge.entry(id));
        (2..=WHAT_FOLLOWS_MAX_CHARS).contains(&word.chars().count())
            && entry.is_some_and(|e| e.answer.contains(word))
    }

    /// Whether a message counts something (第二个条件) that the last entry's answer names.
    fn counts_in_last(&self, engine: &Answerer<'_>, context: &Context, normalized: &str) -> bool {
        let entry = context.entry.as_deref().and_then(|id| engine.knowledge.entry(id));
        cues::ordinal_noun(&self.language, normalized)
            .is_some_and(|noun| entry.is_some_and(|e| e.answer.contains(&noun)))
    }

    /// Whether the last question asked for several things (哪些条件, not 哪几点) and its
    /// entry's answer lists them (…、…), with no list shown: an ordinal counts in that answer.
    fn listed_by_last(&self, engine: &Answerer<'_>, context: &Context) -> bool {
        let entry = context.entry.as_deref().and_then(|id| engine.knowledge.entry(id));
        context.list.is_none()
            && self.language.conversation.list_question_words.any_in(&context.question)
            && !context.question.contains(self.language.conversation.point.as_str())
            && entry.is_some_and(|e| e.answer.contains(LIST_MARK))
    }

    /// Whether a short message names only a person the last entry speaks of, and a verb.
    fn person_and_verb_of_last(&self, context: &Context, normalized: &str) -> bool {
        let compact: String = normalized.chars().filter(|c| !c.is_whitespace()).collect();
        let Some(person) = self.person_in(&compact) else { return false };
        let entry = context.entry.as_deref().and_then(|id| self.entries.get(id));
        let mut rest = compact.replacen(&person, "", 1);
        for word in self.language.conversation.reaction_words.iter() {
            rest = rest.replace(word, "");
        }
        compact.chars().count() <= PERSON_VERB_MAX_CHARS
            && self.subject_in(&rest).is_none()
            && entry.is_some_and(|view| view.text.contains(&person))
    }

    /// 那X呢: the previous question about X, if the matcher answers it and knows X.
    fn ellipsis(&self, engine: &Answerer<'_>, context: &Context, subject: &str, now: u64) -> Option<Turn> {
        // A subject no entry speaks of (拜登, 天然气价格) is matched alone first: when the
        // knowledge does not know it either, there is nothing to rewrite.
        let mentioned = self.entries.values().any(|view| view.text.contains(subject));
        let alone = (!mentioned).then(|| engine.matcher.find(subject));
        if alone
            .as_ref()
            .is_some_and(|a| !a.best().is_some_and(|c| c.score >= engine.matcher.config().threshold))
        {
            return None;
        }
        let previous = &context.question;
        let rewrites = &self.language.conversation.rewrites;
        let rewritten = match (context.facet, self.subject_in(previous)) {
            (Some(Facet::DidDiscuss), _) => rewrites.did_discuss.fill(&[("subject", subject)]),
            (_, Some(old)) => previous.replacen(old, subject, 1),
            (Some(Facet::Attitude), None) => rewrites.attitude.fill(&[("subject", subject)]),
            _ => format!("{subject}{previous}"),
        };
        let turn = self.rewritten(engine, context, "ellipsis", subject, rewritten, now)?;
        let entry = &engine.knowledge.entries[turn.found.as_ref()?.best()?.entry];
        // The entry must speak of the new subject: in its own words, or else as one of
        // the entries the subject alone is matched to (a synonym, an alias). A subject
        // the knowledge does not know (拜登, 天气) is never filled in.
        if self.entries.get(&entry.id).is_some_and(|view| view.text.contains(subject)) {
            return Some(turn);
        }
        let alone = alone.unwrap_or_else(|| engine.matcher.find(subject));
        let known = alone.best().is_some_and(|c| c.score >= engine.matcher.config().threshold);
        let related = alone.candidates.iter().any(|c| engine.knowledge.entries[c.entry].id == entry.id);
        (known && related).then_some(turn)
    }

    /// A pronoun replaced by the last person or topic.
    fn pronoun(
        &self,
        engine: &Answerer<'_>,
        context: &Context,
        normalized: &str,
        pronoun: Pronoun<'_>,
        now: u64,
    ) -> Option<Turn> {
        let words = &self.language.conversation;
        let referent = match pronoun {
            // A message that names its own person (普京呢？他…) needs no context.
            Pronoun::Person(word) if self.person_in(normalized).is_some() => {
                return self.own_person(engine, context, normalized, word, now);
            }
            // 他是谁 with no person known: whose words the last entry gives.
            Pronoun::Person(_) if context.person.is_none() && words.identity_words.any_in(normalized) => {
                return self.facet(engine, context, Facet::Who, now);
            }
            Pronoun::Person(_) => context.person.clone()?,
            Pronoun::Topic(_) => engine.knowledge.entry(context.entry.as_deref()?)?.topic.clone(),
        };
        let rewritten = normalized.replacen(pronoun.word(), &referent, 1);
        let asks_identity =
            words.identity_words.any_in(normalized) && !words.earlier_words.any_in(normalized);
        if matches!(pronoun, Pronoun::Person(_)) && asks_identity {
            return self.identity(engine, context, &referent, rewritten, now);
        }
        // The referent's name alone must not carry the match (他喜欢吃什么 → 泽连斯基…):
        // the rest of the message must itself point to the entry found.
        let rest = engine.matcher.find(&normalized.replacen(pronoun.word(), " ", 1));
        let turn = self.rewritten(engine, context, "pronoun", &referent, rewritten, now)?;
        let entry = turn.found.as_ref()?.best()?.entry;
        rest.candidates.iter().any(|c| c.entry == entry && c.coverage >= REST_COVERAGE).then_some(turn)
    }

    /// 他是什么职务: who the last person is. The article gives a title only beside a
    /// name, so the rewrite is kept only when the entry found names that person.
    fn identity(
        &self,
        engine: &Answerer<'_>,
        context: &Context,
        person: &str,
        rewritten: String,
        now: u64,
    ) -> Option<Turn> {
        let turn = self.rewritten(engine, context, "pronoun", person, rewritten, now)?;
        let id = &engine.knowledge.entries[turn.found.as_ref()?.best()?.entry].id;
        self.entries.get(id).is_some_and(|view| view.text.contains(person)).then_some(turn)
    }

    /// 普京呢？他在通话里强调了什么？: the last clause, its pronoun replaced by the person
    /// the message itself names.
    fn own_person(
        &self,
        engine: &Answerer<'_>,
        context: &Context,
        normalized: &str,
        word: &str,
        now: u64,
    ) -> Option<Turn> {
        let person = self.person_in(normalized)?;
        let clause = normalized.rsplit(' ').find(|c| !c.is_empty())?;
        if !clause.contains(word) {
            return None;
        }
        let rewritten = clause.replacen(word, &person, 1);
        self.rewritten(engine, context, "pronoun", &person, rewritten, now)
    }

    /// 拦截了多少 after the air force's report: a facet question with a word of its own,
    /// asked about the last topic, may be answered by a neighbouring entry.
    /// The last topic is tried first, then the last entry's speaker, kept only for
    /// another entry of the same speaker (乌克兰空军拦截了多少).
    fn other_entry(
        &self,
        engine: &Answerer<'_>,
        context: &Context,
        normalized: &str,
        now: u64,
    ) -> Option<Turn> {
        let entry = engine.knowledge.entry(context.entry.as_deref()?)?;
        let compact = normalized.replace(' ', "");
        let speaker = self.entries.get(&entry.id).and_then(|view| view.person.as_ref());
        let by_topic = (&entry.topic, None);
        std::iter::once(by_topic).chain(speaker.map(|s| (s, Some(s)))).find_map(|(subject, same_speaker)| {
            let rewritten = format!("{subject}{compact}");
            let turn = self.rewritten(engine, context, "facet", subject, rewritten, now)?;
            let found = turn.found.as_ref()?;
            let other = &engine.knowledge.entries[found.best()?.entry].id;
            let spoken = same_speaker
                .is_none_or(|s| self.entries.get(other).and_then(|view| view.person.as_ref()) == Some(s));
            (*other != entry.id && spoken && found.outcome == Outcome::Answer).then_some(turn)
        })
    }

    /// A rewritten question, kept when the matcher answers it.
    fn rewritten(
        &self,
        engine: &Answerer<'_>,
        context: &Context,
        cue: &'static str,
        filled: &str,
        rewritten: String,
        now: u64,
    ) -> Option<Turn> {
        let (found, reply) = engine.ask(&rewritten);
        if !matches!(found.outcome, Outcome::Answer | Outcome::Unreported) {
            return None;
        }
        let mut usage = self.usage(cue, context, filled.to_owned());
        usage.rewritten = Some(rewritten);
        Some(self.matched(engine, Some(context), found, reply, Some(usage), now))
    }

    /// The reply to a bare follow-up with nothing to follow: what can be asked.
    fn clarify(&self, engine: &Answerer<'_>) -> Turn {
        let replies = &engine.knowledge.replies;
        let text = replies.with_scope(&replies.follow_up.clarify);
        let reply = self.plain_reply(engine, ReplyKind::Declined, text, &engine.reply.fallback_suggestions);
        Turn { found: None, reply, context: None, usage: None }
    }

    fn plain_reply(
        &self,
        engine: &Answerer<'_>,
        kind: ReplyKind,
        text: String,
        suggested: &[String],
    ) -> Reply {
        Reply {
            kind,
            entry: None,
            verdict: None,
            text,
            quotes: Vec::new(),
            did_you_mean: Vec::new(),
            suggestions: suggested
                .iter()
                .filter_map(|id| engine.knowledge.entry(id))
                .take(engine.reply.max_follow_ups)
                .map(suggestion)
                .collect(),
            script: Script::Simplified,
        }
    }

    fn usage(&self, cue: &'static str, context: &Context, filled: String) -> Usage {
        Usage { cue, earlier: context.entry.clone(), filled, rewritten: None }
    }

    /// Whether a message names someone or something (a name the knowledge knows) that
    /// the context's entry does not speak of.
    fn names_other_subject(&self, context: &Context, normalized: &str) -> bool {
        let Some(subject) = self.names.first_in(normalized) else { return false };
        let entry = context.entry.as_deref().and_then(|id| self.entries.get(id));
        !entry.is_some_and(|view| view.text.contains(subject))
    }

    /// The first person named in a normalised question.
    fn person_in(&self, normalized: &str) -> Option<String> {
        self.people.first_in(normalized).map(str::to_owned)
    }

    /// The subject of a normalised question: the first name or keyword in it.
    fn subject_in<'a>(&'a self, normalized: &str) -> Option<&'a str> {
        self.subjects.first_in(normalized)
    }
}

/// Seconds since the Unix epoch, the clock contexts are stamped with.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Turn {
    fn with_usage(mut self, usage: Usage) -> Self {
        self.usage = Some(usage);
        self
    }
}

/// Terms (names, keywords) looked up by their first character.
#[derive(Debug)]
struct Terms {
    /// The terms by first character, longest first.
    by_first: HashMap<char, Vec<String>>,
}

impl Terms {
    fn new(terms: Vec<String>) -> Self {
        let mut by_first: HashMap<char, Vec<String>> = HashMap::new();
        for term in terms {
            if let Some(first) = term.chars().next() {
                by_first.entry(first).or_default().push(term);
            }
        }
        Self { by_first }
    }

    /// The term that starts earliest in the text (the longest, of those starting there).
    fn first_in(&self, text: &str) -> Option<&str> {
        text.char_indices().find_map(|(at, c)| {
            self.by_first.get(&c)?.iter().find(|t| text[at..].starts_with(t.as_str())).map(String::as_str)
        })
    }
}

impl Conversation {
    /// Whether an answer speaks of the seven points as a list (至少七点), not of one of
    /// them (第七点).
    fn names_the_seven_points(&self, answer: &str) -> bool {
        let numbers = &self.language.numbers;
        let Some(seven) = numbers.numeral(POINTS) else { return false };
        let points = format!("{seven}{}", self.language.conversation.point);
        answer.match_indices(&points).any(|(at, _)| !answer[..at].ends_with(numbers.ordinal_prefix.as_str()))
    }

    /// Whether a text gives a time: a date or hour (19日, 23日, 晚7时) or a word such as 立即.
    fn gives_time(&self, text: &str) -> bool {
        let words = &self.language.conversation;
        let chars: Vec<char> = text.chars().collect();
        let dated = chars.windows(2).any(|w| {
            (w[0].is_ascii_digit() || self.language.numbers.is_numeral(w[0]))
                && words.date_units.contains(w[1].encode_utf8(&mut [0; 4]))
        });
        dated || self.language.answers.time_words.any_in(text)
    }
}

fn is_person(not_people: &Words, speaker: &str) -> bool {
    let chars = speaker.chars().count();
    (2..=8).contains(&chars) && !not_people.any_in(speaker) && !speaker.contains(['（', '、', '“'])
}

fn sort_longest_first(terms: &mut Vec<String>) {
    terms.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    terms.dedup();
}

fn suggestion(entry: &Entry) -> Suggestion {
    Suggestion { entry: entry.id.clone(), question: entry.canonical_question().to_owned() }
}
