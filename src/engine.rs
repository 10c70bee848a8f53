//! The engine: the knowledge, the matcher and the settings, built once and shared by
//! every front end.
//!
//! Where the knowledge and the configuration are read from ([`Locations::resolve`]): a
//! flag (`--knowledge DIR`, `--config FILE`), else the environment (`CALLBOT_KNOWLEDGE`,
//! `CALLBOT_CONFIG`), else `./knowledge` and `./config/callbot.toml` when the working
//! directory has them (so an editor in the repository edits what the bot reads), else
//! the copy embedded in the binary when it was built. So a binary moved anywhere works,
//! and no path of the tree it was built in is compiled into it.
//!
//! A running front end holds a [`SharedEngine`]; a [`Reloader`] swaps in an engine built
//! from the edited knowledge, or keeps the running one when the edit is invalid. A
//! question in flight finishes on the engine it started with.
//!
//! [`Engine::ask`] answers one question on its own; [`Engine::converse`] answers a
//! message within a chat's conversation ([`crate::conversation`], which answers with
//! the knowledge, the matcher and the reply settings the engine lends it), so that
//! "那欧洲呢？" or "为什么？" lean on the previous turn. Every front end uses the same two.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use include_dir::{Dir, include_dir};

use crate::config::{Config, ConfigError, Settings};
use crate::knowledge::{KnowledgeBase, KnowledgeError, Sources};
use crate::matcher::{Match, Matcher};
use crate::reply::Reply;
use crate::understanding::Script;

use crate::conversation::{Answerer, Context, Conversation, Turn};

/// The `knowledge/` folder as it was when the binary was built.
static EMBEDDED_KNOWLEDGE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/knowledge");

/// `config/callbot.toml` as it was when the binary was built.
pub const EMBEDDED_CONFIG: &str = include_str!("../config/callbot.toml");

/// The variable that names the knowledge folder.
pub const KNOWLEDGE_VARIABLE: &str = "CALLBOT_KNOWLEDGE";
/// The variable that names the configuration file.
pub const CONFIG_VARIABLE: &str = "CALLBOT_CONFIG";

/// Where the knowledge and the configuration live, given as paths.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The `knowledge/` folder.
    pub knowledge: PathBuf,
    /// The configuration file.
    pub config: PathBuf,
}

/// Where one thing is read from, and why there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Given with a command-line flag.
    Flag(PathBuf),
    /// Given by an environment variable.
    Environment(&'static str, PathBuf),
    /// Found in the working directory.
    WorkingDirectory(PathBuf),
    /// The copy embedded in the binary.
    Embedded,
}

impl Location {
    /// The path, unless the embedded copy is used.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::Flag(path) | Self::Environment(_, path) | Self::WorkingDirectory(path) => Some(path),
            Self::Embedded => None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(path) => write!(f, "{} (given by a flag)", path.display()),
            Self::Environment(variable, path) => write!(f, "{} (given by {variable})", path.display()),
            Self::WorkingDirectory(path) => write!(f, "{} (in the working directory)", path.display()),
            Self::Embedded => write!(f, "the copy built into this binary"),
        }
    }
}

/// Where the knowledge and the configuration are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locations {
    /// The knowledge folder.
    pub knowledge: Location,
    /// The configuration file.
    pub config: Location,
}

impl Locations {
    /// Resolves each location: the flag, else the environment variable, else the
    /// working directory's `knowledge/` or `config/callbot.toml` if there, else the
    /// embedded copy.
    pub fn resolve(
        knowledge_flag: Option<PathBuf>,
        config_flag: Option<PathBuf>,
        environment: impl Fn(&str) -> Option<String>,
        working_directory: &Path,
    ) -> Self {
        let pick =
            |flag: Option<PathBuf>, variable: &'static str, local: PathBuf, is_there: fn(&Path) -> bool| {
                if let Some(path) = flag {
                    Location::Flag(path)
                } else if let Some(value) = environment(variable).filter(|v| !v.trim().is_empty()) {
                    Location::Environment(variable, PathBuf::from(value))
                } else if is_there(&working_directory.join(&local)) {
                    Location::WorkingDirectory(local)
                } else {
                    Location::Embedded
                }
            };
        Self {
            knowledge: pick(knowledge_flag, KNOWLEDGE_VARIABLE, PathBuf::from("knowledge"), Path::is_dir),
            config: pick(
                config_flag,
                CONFIG_VARIABLE,
                Path::new("config").join("callbot.toml"),
                Path::is_file,
            ),
        }
    }

    /// The embedded knowledge and configuration.
    pub fn embedded() -> Self {
        Self { knowledge: Location::Embedded, config: Location::Embedded }
    }

    /// Reads the configuration file (with the environment's overrides).
    pub fn settings(&self) -> Result<Settings, ConfigError> {
        match self.config.path() {
            Some(path) => Settings::load(path),
            None => Settings::from_toml_str_with_environment(EMBEDDED_CONFIG, "the built-in configuration"),
        }
    }

    /// Reads and validates the knowledge.
    pub fn knowledge(&self) -> Result<KnowledgeBase, KnowledgeError> {
        load_knowledge(&self.knowledge)
    }
}

fn load_knowledge(location: &Location) -> Result<KnowledgeBase, KnowledgeError> {
    match location.path() {
        Some(dir) => KnowledgeBase::load(dir),
        None => KnowledgeBase::from_sources(&embedded_sources()),
    }
}

/// The embedded knowledge files.
pub fn embedded_sources() -> Sources {
    let text = |name: &str| {
        EMBEDDED_KNOWLEDGE.get_file(name).and_then(|f| f.contents_utf8()).unwrap_or_default().to_owned()
    };
    let folder = |name: &str| -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = EMBEDDED_KNOWLEDGE
            .get_dir(name)
            .map(|dir| {
                dir.files()
                    .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
                    .map(|f| {
                        (f.path().display().to_string(), f.contents_utf8().unwrap_or_default().to_owned())
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    };
    Sources {
        article: text("article.txt"),
        layout: text("article.toml"),
        aliases: text("aliases.toml"),
        stopwords: text("stopwords.txt"),
        lexicon: text("lexicon.toml"),
        language: text("language.toml"),
        replies: text("replies.toml"),
        entry_files: folder("entries"),
        example_files: folder("examples"),
    }
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The knowledge is invalid.
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Answers questions. Built once; read-only afterwards, so it can be shared across tasks.
#[derive(Debug)]
pub struct Engine {
    knowledge: KnowledgeBase,
    matcher: Matcher,
    config: Config,
    conversation: Conversation,
}

impl Engine {
    /// Loads the knowledge and the configuration from these paths, and builds the matcher.
    pub fn load(paths: &Paths) -> Result<Self, EngineError> {
        let locations = Locations {
            knowledge: Location::Flag(paths.knowledge.clone()),
            config: Location::Flag(paths.config.clone()),
        };
        Self::from_locations(&locations)
    }

    /// Loads the knowledge and the engine's settings from where `locations` say.
    pub fn from_locations(locations: &Locations) -> Result<Self, EngineError> {
        let config = Config::from_settings(&locations.settings()?)?;
        let started = Instant::now();
        let knowledge = locations.knowledge()?;
        log::debug!("knowledge loaded and validated in {:?}", started.elapsed());
        Ok(Self::new(knowledge, config))
    }

    /// The engine over the embedded knowledge and configuration.
    pub fn embedded() -> Result<Self, EngineError> {
        Self::from_locations(&Locations::embedded())
    }

    /// Builds the engine from loaded parts.
    pub fn new(knowledge: KnowledgeBase, config: Config) -> Self {
        let started = Instant::now();
        let matcher = Matcher::new(&knowledge, config.matcher.clone());
        log::debug!("matcher built in {:?}", started.elapsed());
        let conversation = Conversation::new(&knowledge, config.conversation.clone());
        Self { knowledge, matcher, config, conversation }
    }

    /// The knowledge base.
    pub fn knowledge(&self) -> &KnowledgeBase {
        &self.knowledge
    }

    /// The matcher built from the knowledge.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// What conversations answer with: the knowledge, the matcher and the reply settings.
    fn answerer(&self) -> Answerer<'_> {
        Answerer { knowledge: &self.knowledge, matcher: &self.matcher, reply: &self.config.reply }
    }

    /// Matches a question and builds its reply, written in the question's script.
    pub fn ask(&self, question: &str) -> (Match, Reply) {
        let (found, mut reply) = self.answerer().ask(question);
        reply.script = self.script(question, None);
        (found, reply)
    }

    /// Answers a message within a conversation whose context is `context` (expired
    /// contexts are ignored) at `now`, seconds since the Unix epoch; the turn carries
    /// the context to keep. The reply is written in the message's script, or in the
    /// conversation's when the message does not tell, and the context keeps it.
    pub fn converse(&self, context: Option<&Context>, question: &str, now: u64) -> Turn {
        let kept =
            context.filter(|c| c.is_alive(now, self.conversation.config().idle())).and_then(|c| c.script);
        let script = self.script(question, kept);
        let mut turn = self.conversation.answer(&self.answerer(), context, question, now);
        turn.reply.script = script;
        if let Some(context) = &mut turn.context {
            context.script = Some(script);
        }
        turn
    }

    /// The script to answer `text` in: its own, else `previous` (the chat's), else
    /// Simplified.
    pub fn script(&self, text: &str, previous: Option<Script>) -> Script {
        Script::of_message(text, previous, &self.knowledge.language.script)
    }

    /// The context after a button press or a deep link opened `entry`, as if its
    /// question had been typed after `previous` (whose script and list it keeps); `None`
    /// for an unknown entry.
    pub fn opened(&self, entry: &str, previous: Option<&Context>, now: u64) -> Option<Context> {
        self.conversation.opened(&self.knowledge, entry, previous, now)
    }

    /// The answers offered as choices for `query` (inline mode): with no query, the
    /// configured suggestions; otherwise the answer and the runners-up that also pass the
    /// threshold, in the query's script, none when the question is declined.
    pub fn choices(&self, query: &str) -> Vec<Reply> {
        if query.trim().is_empty() {
            return self.config.reply.fallback_suggestions.iter().filter_map(|id| self.open(id)).collect();
        }
        let script = self.script(query, None);
        let found = self.matcher.find(query);
        let candidates = if found.is_answered() { found.candidates.as_slice() } else { &[] };
        candidates
            .iter()
            .filter(|c| c.score >= self.config.matcher.threshold)
            .filter_map(|c| self.open(&self.knowledge.entries[c.entry].id))
            .filter(Reply::is_answered)
            .map(|reply| Reply { script, ..reply })
            .collect()
    }

    /// The entry a message of the bot's answered, found by its answer text (in either
    /// script), so that a reply to that message continues its topic.
    pub fn answered_entry(&self, message: &str) -> Option<&str> {
        let text = self.script(message, None).fold(message);
        self.knowledge
            .entries
            .iter()
            .filter(|e| !e.answer.is_empty() && text.contains(e.answer.as_str()))
            .max_by_key(|e| e.answer.len())
            .map(|e| e.id.as_str())
    }

    /// The reply that opens an entry directly, if the id exists.
    pub fn open(&self, entry_id: &str) -> Option<Reply> {
        self.answerer().open(entry_id)
    }
}

/// The engine a running front end answers with; a reload swaps it for a new one. Each
/// question takes the [`current`](Self::current) engine and keeps it until its reply is
/// sent, so a reload never changes an answer half-way.
#[derive(Debug, Clone)]
pub struct SharedEngine(Arc<ArcSwap<Engine>>);

impl SharedEngine {
    /// Shares an engine.
    pub fn new(engine: Arc<Engine>) -> Self {
        Self(Arc::new(ArcSwap::new(engine)))
    }

    /// The engine now in service.
    pub fn current(&self) -> Arc<Engine> {
        self.0.load_full()
    }

    /// Puts a new engine in service; questions already started finish on the old one.
    pub fn replace(&self, engine: Engine) {
        self.0.store(Arc::new(engine));
    }
}

impl From<Arc<Engine>> for SharedEngine {
    fn from(engine: Arc<Engine>) -> Self {
        Self::new(engine)
    }
}

/// Reloads the knowledge of a [`SharedEngine`] from where it was first read.
#[derive(Debug, Clone)]
pub struct Reloader {
    engine: SharedEngine,
    knowledge: Location,
}

impl Reloader {
    /// A reloader for this engine and knowledge location. From now on the process keeps
    /// jieba's dictionary, so that a reload copies it rather than parse it again.
    pub fn new(engine: SharedEngine, knowledge: Location) -> Self {
        crate::matcher::keep_dictionary();
        Self { engine, knowledge }
    }

    /// Where the knowledge is read from.
    pub fn knowledge(&self) -> &Location {
        &self.knowledge
    }

    /// Reads and validates the knowledge again and, if it is valid, puts an engine built
    /// from it in service; returns how long that took. If it is invalid, the running
    /// engine stays, and every problem is logged with its file and line.
    pub fn reload(&self) -> Result<Duration, KnowledgeError> {
        let started = Instant::now();
        let knowledge = match load_knowledge(&self.knowledge) {
            Ok(knowledge) => knowledge,
            Err(error) => {
                log::error!("reload refused, the running knowledge is kept: {}", self.knowledge);
                match &error {
                    KnowledgeError::Invalid(problems) => {
                        let dir = self.knowledge.path().unwrap_or(Path::new(""));
                        for problem in problems {
                            log::error!("  {}", dir.join(problem.to_string()).display());
                        }
                    }
                    KnowledgeError::Read { .. } => log::error!("  {error}"),
                }
                return Err(error);
            }
        };
        let config = self.engine.current().config.clone();
        self.engine.replace(Engine::new(knowledge, config));
        let took = started.elapsed();
        log::info!("knowledge reloaded from {} in {} ms", self.knowledge, took.as_millis());
        Ok(took)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_environment(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn flags_come_before_the_environment_and_the_working_directory() {
        let env = |name: &str| (name == KNOWLEDGE_VARIABLE).then(|| "/from/env".to_owned());
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let found = Locations::resolve(Some("/from/flag".into()), None, env, here);
        assert_eq!(found.knowledge, Location::Flag("/from/flag".into()));
        assert_eq!(found.config, Location::WorkingDirectory(Path::new("config").join("callbot.toml")));
        let found = Locations::resolve(None, None, env, here);
        assert_eq!(found.knowledge, Location::Environment(KNOWLEDGE_VARIABLE, "/from/env".into()));
    }

    #[test]
    fn a_reply_shown_in_either_script_is_traced_to_its_entry() {
        let engine = Engine::embedded().expect("the embedded engine");
        let (_, reply) = engine.ask("他們談了冰球嗎");
        let shown = reply.to_plain_text(&engine);
        assert_ne!(shown, fast2s::convert(&shown), "the reply is written in Traditional");
        assert_eq!(engine.answered_entry(&shown), Some("hockey"));
        let (_, reply) = engine.ask("他们谈了冰球吗");
        assert_eq!(engine.answered_entry(&reply.to_plain_text(&engine)), Some("hockey"));
        assert_eq!(engine.answered_entry("随便一句话"), None);
    }

    #[test]
    fn inline_choices_are_answers_in_the_query_s_script_and_none_for_a_decline() {
        let engine = Engine::embedded().expect("the embedded engine");
        let choices = engine.choices("他們談了冰球嗎");
        assert_eq!(choices.first().and_then(|r| r.entry.as_deref()), Some("hockey"));
        assert!(choices.iter().all(|r| r.is_answered() && r.script == Script::Taiwan));
        assert!(engine.choices("今天天气怎么样").is_empty());
        assert_eq!(engine.choices(" ").len(), engine.config().reply.fallback_suggestions.len());
    }

    #[test]
    fn an_empty_directory_gets_the_embedded_copies() {
        let empty = std::env::temp_dir().join("callbot-no-such-dir-for-locations");
        assert_eq!(Locations::resolve(None, None, no_environment, &empty), Locations::embedded());
    }

    #[test]
    fn the_embedded_knowledge_is_the_whole_folder() {
        let embedded = embedded_sources();
        assert!(!embedded.article.is_empty() && !embedded.stopwords.is_empty());
        let on_disk = Sources::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")).expect("reads");
        assert_eq!(embedded.entry_files, on_disk.entry_files);
        assert_eq!(embedded.example_files, on_disk.example_files);
        assert_eq!((&embedded.language, &embedded.replies), (&on_disk.language, &on_disk.replies));
    }
}
