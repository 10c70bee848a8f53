//! Conversations in Redis: one JSON record per (chat, user).
//!
//! Each key carries a prefix, the context format's version and both ids
//! (`callbot:ctx:v2:<chat>:<user>`), so a changed format is simply not found instead of
//! being misread, and each write sets a TTL equal to the idle expiry, so Redis forgets
//! a conversation when the bot would. Records of an older layout (`v1`, one per chat)
//! are never read and expire by their own TTL.

use std::time::Duration;

use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::ContextKey;
use crate::conversation::{CONTEXT_VERSION, Context};

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

/// Whether a Redis error says the configuration is wrong (the server refused the URL's
/// credentials): waiting will not fix it.
pub fn is_configuration_error(error: &redis::RedisError) -> bool {
    error.kind() == redis::ErrorKind::AuthenticationFailed
        || matches!(error.code(), Some("NOAUTH" | "WRONGPASS"))
}

/// Checks at start-up that Redis accepts the connection. A refusal of its credentials is
/// returned, to end the start with a clear error; a server that does not answer is only
/// logged, since it may come back (commands fail meanwhile and the bot answers without).
///
/// # Errors
/// When the server refuses the credentials (`NOAUTH`, `WRONGPASS`).
pub async fn check(connection: &ConnectionManager) -> Result<(), redis::RedisError> {
    let mut connection = connection.clone();
    match redis::cmd("PING").query_async::<String>(&mut connection).await {
        Ok(_) => Ok(()),
        Err(error) if is_configuration_error(&error) => Err(error),
        Err(error) => {
            log::warn!("Redis does not answer at start-up ({error}); going on, it may come back");
            Ok(())
        }
    }
}

/// Contexts in Redis, as JSON under a versioned key per (chat, user) with a TTL.
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
    pub fn new(connection: ConnectionManager, ttl: Duration) -> Self {
        Self { connection, ttl }
    }

    /// The key of one user's context in a chat.
    pub fn key((chat, user): ContextKey) -> String {
        format!("{KEY_PREFIX}:ctx:v{CONTEXT_VERSION}:{chat}:{user}")
    }

    /// A user's context in a chat. A record that does not read (written by another
    /// format under the same version by mistake) is dropped, with a warning, never
    /// misread.
    pub async fn get(&self, key: ContextKey) -> Result<Option<Context>, redis::RedisError> {
        let mut connection = self.connection.clone();
        let value: Option<String> = connection.get(Self::key(key)).await?;
        Ok(value.and_then(|text| {
            serde_json::from_str(&text)
                .map_err(|error| log::warn!("dropping an unreadable conversation record: {error}"))
                .ok()
        }))
    }

    /// Writes (or with `None`, deletes) a user's context in a chat, with the TTL.
    pub async fn set(&self, key: ContextKey, context: Option<Context>) -> Result<(), redis::RedisError> {
        let mut connection = self.connection.clone();
        let Some(context) = context else {
            return connection.del(Self::key(key)).await;
        };
        let value = serde_json::to_string(&context).map_err(|error| {
            redis::RedisError::from((redis::ErrorKind::Client, "cannot encode context", error.to_string()))
        })?;
        connection.set_ex(Self::key(key), value, self.ttl.as_secs().max(1)).await
    }
}
