//! Where conversations live: behind teloxide's dialogue [`Storage`] trait, so the
//! backend is a setting, not a rewrite.
//!
//! - In memory (teloxide's `InMemStorage`) by default: nothing to install; contexts are
//!   lost on restart.
//! - Redis when `storage.redis_url` is set ([`redis`]): contexts survive a restart and
//!   are shared by several instances. The connection is opened once here and can be
//!   shared with anything else that needs Redis ([`connect`]).
//!
//! Storage is keyed by chat; one chat's record holds a context per user, so two people
//! in one group do not mix. A store that fails is logged and the message is answered
//! without context: the bot never stops answering because of its storage.

pub mod redis;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use teloxide::dispatching::dialogue::{ErasedStorage, InMemStorage, Storage};
use teloxide::types::ChatId;

use crate::engine::conversation::{ConversationConfig, Context};

pub use self::redis::{RedisContexts, connect};

/// The storage settings (`[storage]` in `config/callbot.toml`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// The Redis server (`redis://127.0.0.1:6379/`); empty or absent keeps contexts in memory.
    pub redis_url: Option<String>,
}

impl StorageConfig {
    /// The Redis URL, if one is set and not empty.
    pub fn redis_url(&self) -> Option<&str> {
        self.redis_url.as_deref().map(str::trim).filter(|url| !url.is_empty())
    }
}

/// One chat's conversations: a context per user (in a private chat, one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatContexts {
    /// Each user's context, by Telegram user id.
    pub users: Vec<(u64, Context)>,
}

impl ChatContexts {
    /// A user's context.
    pub fn get(&self, user: u64) -> Option<&Context> {
        self.users.iter().find(|(id, _)| *id == user).map(|(_, context)| context)
    }

    /// Sets (or with `None`, forgets) a user's context.
    pub fn set(&mut self, user: u64, context: Option<Context>) {
        self.users.retain(|(id, _)| *id != user);
        if let Some(context) = context {
            self.users.push((user, context));
        }
    }

    /// Drops the contexts that expired by `now`.
    pub fn expire(&mut self, now: u64, config: &ConversationConfig) {
        self.users.retain(|(_, context)| context.is_alive(now, config.idle()));
    }
}

/// The store the bot keeps conversations in.
pub type ContextStore = Arc<ErasedStorage<ChatContexts>>;

/// Opens the configured store: Redis when a URL is set, else memory. A Redis URL that
/// cannot be parsed is an error; a Redis server that is down is not (the bot answers
/// without context until it is back).
pub fn open(config: &StorageConfig, conversation: &ConversationConfig) -> Result<ContextStore, ::redis::RedisError> {
    match config.redis_url() {
        Some(url) => Ok(RedisContexts::new(connect(url)?, conversation.idle()).erase()),
        None => Ok(InMemStorage::<ChatContexts>::new().erase()),
    }
}

/// A user's context in a chat; a store that fails gives none, with a warning.
pub async fn load(store: &ContextStore, chat: i64, user: u64) -> (ChatContexts, Option<Context>) {
    match Arc::clone(store).get_dialogue(ChatId(chat)).await {
        Ok(contexts) => {
            let contexts = contexts.unwrap_or_default();
            let context = contexts.get(user).cloned();
            (contexts, context)
        }
        Err(error) => {
            log::warn!("conversation store unavailable, answering without context: {error}");
            (ChatContexts::default(), None)
        }
    }
}

/// Saves a chat's contexts; a store that fails is logged, nothing more.
pub async fn save(store: &ContextStore, chat: i64, contexts: ChatContexts) {
    if let Err(error) = Arc::clone(store).update_dialogue(ChatId(chat), contexts).await {
        log::warn!("conversation store unavailable, context not saved: {error}");
    }
}
