//! Conversations in Redis, behind teloxide's dialogue `Storage` trait.
//!
//! teloxide's own `RedisStorage` keys by chat id alone, with no expiry and no prefix.
//! Here each key carries a prefix and the context format's version
//! (`callbot:ctx:v1:<chat>`), so a changed format is simply not found (and an old one
//! expires) instead of being misread, and each write sets a TTL equal to the idle
//! expiry, so Redis forgets a conversation when the bot would.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

use super::ChatContexts;
use crate::engine::conversation::CONTEXT_VERSION;

/// The prefix of every key callbot writes to Redis.
pub const KEY_PREFIX: &str = "callbot";
/// How long one Redis command may take before the bot answers without it.
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
/// How long connecting may take.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(1);

/// Opens a connection to Redis that reconnects by itself and may be cloned and shared
/// (conversations, and anything else that needs Redis). It connects lazily: a server
/// that is down now is not an error, only its commands fail until it is back.
pub fn connect(url: &str) -> Result<ConnectionManager, redis::RedisError> {
    let client = redis::Client::open(url)?;
    let config = ConnectionManagerConfig::new()
        .set_response_timeout(Some(RESPONSE_TIMEOUT))
        .set_connection_timeout(Some(CONNECTION_TIMEOUT))
        .set_number_of_retries(1);
    ConnectionManager::new_lazy_with_config(client, config)
}

/// Chat contexts in Redis, as JSON under a versioned key with a TTL.
#[derive(Clone)]
pub struct RedisContexts {
    connection: ConnectionManager,
    ttl: Duration,
}

impl std::fmt::Debug for RedisContexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisContexts").field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

impl RedisContexts {
    /// A store on a connection whose keys expire `ttl` after their last write.
    pub fn new(connection: ConnectionManager, ttl: Duration) -> Arc<Self> {
        Arc::new(Self { connection, ttl })
    }

    /// The key of a chat's contexts.
    pub fn key(chat: ChatId) -> String {
        format!("{KEY_PREFIX}:ctx:v{CONTEXT_VERSION}:{}", chat.0)
    }
}

impl Storage<ChatContexts> for RedisContexts {
    type Error = redis::RedisError;

    fn remove_dialogue(self: Arc<Self>, chat_id: ChatId) -> BoxFuture<'static, Result<(), Self::Error>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            connection.del::<_, ()>(Self::key(chat_id)).await
        })
    }

    fn update_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
        dialogue: ChatContexts,
    ) -> BoxFuture<'static, Result<(), Self::Error>> {
        Box::pin(async move {
            let value = serde_json::to_string(&dialogue).map_err(|error| {
                redis::RedisError::from((
                    redis::ErrorKind::Client,
                    "cannot encode context",
                    error.to_string(),
                ))
            })?;
            let mut connection = self.connection.clone();
            connection.set_ex::<_, _, ()>(Self::key(chat_id), value, self.ttl.as_secs().max(1)).await
        })
    }

    fn get_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<Option<ChatContexts>, Self::Error>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let value: Option<String> = connection.get(Self::key(chat_id)).await?;
            // A record that does not read (written by another format under the same
            // version by mistake) is dropped, with a warning, never misread.
            Ok(value.and_then(|text| {
                serde_json::from_str(&text)
                    .map_err(|error| log::warn!("dropping an unreadable conversation record: {error}"))
                    .ok()
            }))
        })
    }
}
