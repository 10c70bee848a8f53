//! Where conversations live: one context per user in each chat, in memory or in Redis.
//!
//! - In memory ([`ContextStore::memory`]) by default: nothing to install; contexts are
//!   lost on restart.
//! - Redis when `storage.redis_url` is set ([`redis`]): contexts survive a restart and
//!   are shared by several instances. The connection is opened here ([`connect`]) and
//!   only here: the webhook's update dedupe and the shared flood limit
//!   ([`crate::telegram::Shared`]) use the same one.
//!
//! Each (chat, user) context is a record of its own. Two people answered in one group
//! at the same moment therefore never overwrite each other's context (a record per chat,
//! read, changed and written back, lost one of them), and what is written for a message
//! is one user's context, whatever the size of the group. A store that fails is logged
//! and the message is answered without context: the bot never stops answering because
//! of its storage.

pub mod redis;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::conversation::{self, Context};

pub use self::redis::{RedisContexts, check, connect};

/// Who a context belongs to: a user in a chat (in a private chat, the chat's one user).
pub type ContextKey = (i64, u64);

/// The store the bot keeps conversations in.
#[derive(Clone)]
pub struct ContextStore {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Memory(Arc<MemoryContexts>),
    Redis(Arc<RedisContexts>),
}

impl std::fmt::Debug for ContextStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContextStore").field("backend", &self.backend_name()).finish()
    }
}

impl ContextStore {
    /// Contexts in memory, lost on restart; those idle for longer than `idle` are swept
    /// out as the store grows.
    pub fn memory(idle: Duration) -> Self {
        Self { backend: Backend::Memory(Arc::new(MemoryContexts::new(idle))) }
    }

    /// Contexts in Redis, on a connection from [`connect`], expiring after `idle`.
    pub fn redis(connection: ::redis::aio::ConnectionManager, idle: Duration) -> Self {
        Self { backend: Backend::Redis(Arc::new(RedisContexts::new(connection, idle))) }
    }

    fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Memory(_) => "memory",
            Backend::Redis(_) => "redis",
        }
    }

    /// A user's context in a chat; a store that fails gives none, with a warning.
    pub async fn load(&self, chat: i64, user: u64) -> Option<Context> {
        let read = match &self.backend {
            Backend::Memory(memory) => Ok(memory.get((chat, user))),
            Backend::Redis(redis) => redis.get((chat, user)).await,
        };
        read.unwrap_or_else(|error| {
            log::warn!(
                "conversation store ({}) unavailable, answering without context: {error}",
                self.backend_name()
            );
            None
        })
    }

    /// Saves (or with `None`, forgets) a user's context in a chat; a store that fails is
    /// logged, nothing more.
    pub async fn save(&self, chat: i64, user: u64, context: Option<Context>) {
        let written = match &self.backend {
            Backend::Memory(memory) => {
                memory.set((chat, user), context);
                Ok(())
            }
            Backend::Redis(redis) => redis.set((chat, user), context).await,
        };
        if let Err(error) = written {
            log::warn!(
                "conversation store ({}) unavailable, context not saved: {error}",
                self.backend_name()
            );
        }
    }
}

/// The in-memory store: a map behind a lock held only to read or write one record.
#[derive(Debug)]
struct MemoryContexts {
    idle: Duration,
    state: Mutex<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    contexts: HashMap<ContextKey, Context>,
    /// The number of records at which the next sweep of idle ones runs: twice the number
    /// left by the last, so sweeping costs O(1) a write on average.
    sweep_at: usize,
}

/// The fewest records a sweep waits for.
const FIRST_SWEEP: usize = 1024;
/// The most records kept: past this, a sweep also drops the least recently used live
/// ones (about 1 kB each, so about 100 MB at most).
const MAX_CONTEXTS: usize = 100_000;

impl MemoryContexts {
    fn new(idle: Duration) -> Self {
        Self { idle, state: Mutex::new(Memory { sweep_at: FIRST_SWEEP, ..Memory::default() }) }
    }

    fn get(&self, key: ContextKey) -> Option<Context> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).contexts.get(&key).cloned()
    }

    fn set(&self, key: ContextKey, context: Option<Context>) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match context {
            Some(context) => {
                state.contexts.insert(key, context);
            }
            None => {
                state.contexts.remove(&key);
            }
        }
        if state.contexts.len() >= state.sweep_at {
            let now = conversation::now();
            state.contexts.retain(|_, context| context.is_alive(now, self.idle));
            if state.contexts.len() > MAX_CONTEXTS {
                let mut updated: Vec<u64> = state.contexts.values().map(|c| c.updated).collect();
                let cut = updated.len() - MAX_CONTEXTS / 2;
                let (_, &mut oldest_kept, _) = updated.select_nth_unstable(cut);
                state.contexts.retain(|_, context| context.updated >= oldest_kept);
            }
            // The memory of swept records goes back to the allocator.
            state.contexts.shrink_to_fit();
            state.sweep_at = (state.contexts.len() * 2).clamp(FIRST_SWEEP, MAX_CONTEXTS + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(entry: &str, updated: u64) -> Context {
        Context { entry: Some(entry.to_owned()), updated, ..Context::default() }
    }

    #[test]
    fn memory_keeps_each_user_of_a_chat_apart_and_forgets_on_none() {
        let memory = MemoryContexts::new(Duration::from_secs(60));
        memory.set((-5, 1), Some(context("hockey", 0)));
        memory.set((-5, 2), Some(context("bridges", 0)));
        assert_eq!(memory.get((-5, 1)).and_then(|c| c.entry).as_deref(), Some("hockey"));
        assert_eq!(memory.get((-5, 2)).and_then(|c| c.entry).as_deref(), Some("bridges"));
        memory.set((-5, 1), None);
        assert_eq!(memory.get((-5, 1)), None);
        assert!(memory.get((-5, 2)).is_some());
    }

    #[test]
    fn memory_sweeps_idle_contexts_as_it_grows() {
        let memory = MemoryContexts::new(Duration::from_secs(60));
        let now = conversation::now();
        for user in 0..FIRST_SWEEP as u64 - 1 {
            memory.set((1, user), Some(context("old", 0)));
        }
        memory.set((1, u64::MAX), Some(context("new", now)));
        let state = memory.state.lock().expect("not poisoned");
        assert_eq!(state.contexts.len(), 1, "only the live context is left");
        assert_eq!(state.sweep_at, FIRST_SWEEP);
    }

    #[test]
    fn memory_past_its_bound_keeps_the_most_recently_used_half() {
        let memory = MemoryContexts::new(Duration::from_secs(3600));
        let now = conversation::now();
        let count = MAX_CONTEXTS as u64 + 1;
        for user in 0..count {
            // All alive, the later users more recently.
            memory.set((1, user), Some(context("live", now - count + user)));
        }
        let state = memory.state.lock().expect("not poisoned");
        assert!(state.contexts.len() <= MAX_CONTEXTS / 2 + 1, "{}", state.contexts.len());
        assert!(state.contexts.contains_key(&(1, count - 1)), "the most recent is kept");
        assert!(!state.contexts.contains_key(&(1, 0)), "the least recent is dropped");
    }
}
