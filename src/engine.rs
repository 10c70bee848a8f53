//! The engine: the knowledge, the matcher and the settings, built once and shared by
//! every front end.
//!
//! [`Engine::ask`] answers one question on its own; [`Engine::converse`] answers a
//! message within a chat's conversation ([`conversation`]), so that "那欧洲呢？" or
//! "为什么？" lean on the previous turn. Every front end uses the same two.

pub mod conversation;
pub mod cues;

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::config::{Config, ConfigError};
use crate::knowledge::{KnowledgeBase, KnowledgeError};
use crate::matcher::{Match, Matcher};
use crate::reply::{self, Reply};

use conversation::{Context, Conversation, Turn};

/// Where the knowledge and the configuration live.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The `knowledge/` folder.
    pub knowledge: PathBuf,
    /// The configuration file.
    pub config: PathBuf,
}

impl Paths {
    /// The crate's own `knowledge/` and `config/callbot.toml`, found next to the sources
    /// this binary was built from, or else in the working directory.
    pub fn defaults() -> Self {
        let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let base = if crate_dir.join("knowledge").is_dir() { crate_dir } else { Path::new(".") };
        Self { knowledge: base.join("knowledge"), config: base.join("config").join("callbot.toml") }
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
    /// The knowledge base.
    pub knowledge: KnowledgeBase,
    /// The matcher built from it.
    pub matcher: Matcher,
    /// The settings.
    pub config: Config,
    /// What conversations know of the knowledge.
    pub conversation: Conversation,
}

impl Engine {
    /// Loads the knowledge and the configuration, and builds the matcher.
    pub fn load(paths: &Paths) -> Result<Self, EngineError> {
        let started = Instant::now();
        let config = Config::load(&paths.config)?;
        let knowledge = KnowledgeBase::load(&paths.knowledge)?;
        log::debug!("knowledge loaded and validated in {:?}", started.elapsed());
        Ok(Self::new(knowledge, config))
    }

    /// Builds the engine from loaded parts.
    pub fn new(knowledge: KnowledgeBase, config: Config) -> Self {
        let started = Instant::now();
        let matcher = Matcher::new(&knowledge, config.matcher.clone());
        log::debug!("matcher built in {:?}", started.elapsed());
        let conversation = Conversation::new(&knowledge, config.conversation.clone());
        Self { knowledge, matcher, config, conversation }
    }

    /// Matches a question and builds its reply.
    pub fn ask(&self, question: &str) -> (Match, Reply) {
        let found = self.matcher.find(question);
        let ambiguous = self.matcher.is_ambiguous(&found);
        let reply = reply::build(&self.knowledge, &found, ambiguous, &self.config.reply);
        (found, reply)
    }

    /// Answers a message within a conversation whose context is `context` (expired
    /// contexts are ignored) at `now`, seconds since the Unix epoch; the turn carries
    /// the context to keep.
    pub fn converse(&self, context: Option<&Context>, question: &str, now: u64) -> Turn {
        self.conversation.answer(self, context, question, now)
    }

    /// The reply that opens an entry directly, if the id exists.
    pub fn open(&self, entry_id: &str) -> Option<Reply> {
        self.knowledge.entry(entry_id).map(|e| reply::for_entry(&self.knowledge, e, &self.config.reply))
    }
}
