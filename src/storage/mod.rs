//! Where conversations live: behind teloxide's dialogue [`Storage`] trait, so the
//! backend is a setting, not a rewrite.
//!
//! - In memory (teloxide's `InMemStorage`) by default: nothing to install; contexts are
//!   lost on restart.
//! - Redis when `storage.redis_url` is set ([`redis`]): contexts survive a restart and
//!   are shared by several instances. The connection is opened here ([`connect`]) and
//!   only here: the webhook's update dedupe and the shared flood limit
//!   ([`crate::telegram::Shared`]) use the same one.
//!
//! Storage is keyed by chat; one chat's record holds a context per user, so two people
//! in one group do not mix. A store that fails is logged and the message is answered
//! without context: the bot never stops answering because of its storage.

pub mod redis;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use teloxide::dispatching::dialogue::{ErasedStorage, InMemStorage, Storage};
use teloxide::types::ChatId;

use crate::engine::conversation::{Context, ConversationConfig};

pub use self::redis::{RedisContexts, connect};

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

/// The store the bot keeps conversations in: any backend of teloxide's `Storage` trait.
#[derive(Clone)]
pub struct ContextStore {
    storage: Arc<ErasedStorage<ChatContexts>>,
    backend: &'static str,
}

impl std::fmt::Debug for ContextStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContextStore").field("backend", &self.backend).finish()
    }
}

impl ContextStore {
    /// Contexts in memory, lost on restart.
    pub fn memory() -> Self {
        Self { storage: InMemStorage::<ChatContexts>::new().erase(), backend: "memory" }
    }

    /// Contexts in Redis, on a connection from [`connect`], expiring after `idle`.
    pub fn redis(connection: ::redis::aio::ConnectionManager, idle: std::time::Duration) -> Self {
        Self { storage: RedisContexts::new(connection, idle).erase(), backend: "redis" }
    }

    /// The store as teloxide's `Storage`.
    pub fn storage(&self) -> Arc<ErasedStorage<ChatContexts>> {
        Arc::clone(&self.storage)
    }

    /// A chat's contexts and one user's among them; a store that fails gives none, with
    /// a warning.
    pub async fn load(&self, chat: i64, user: u64) -> (ChatContexts, Option<Context>) {
        match self.storage().get_dialogue(ChatId(chat)).await {
            Ok(contexts) => {
                let contexts = contexts.unwrap_or_default();
                let context = contexts.get(user).cloned();
                (contexts, context)
            }
            Err(error) => {
                log::warn!(
                    "conversation store ({}) unavailable, answering without context: {error}",
                    self.backend
                );
                (ChatContexts::default(), None)
            }
        }
    }

    /// Saves a chat's contexts; a store that fails is logged, nothing more.
    pub async fn save(&self, chat: i64, contexts: ChatContexts) {
        if let Err(error) = self.storage().update_dialogue(ChatId(chat), contexts).await {
            log::warn!("conversation store ({}) unavailable, context not saved: {error}", self.backend);
        }
    }
}
