//! The bot's settings (`[telegram]` in `config/callbot.toml`).

use serde::Deserialize;

/// The Telegram bot's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelegramConfig {
    /// Whether sending goes through teloxide's `Throttle` (Telegram's rate limits).
    pub throttle: bool,
    /// Chats the bot serves; empty means every chat.
    pub allowed_chats: Vec<i64>,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        Self { throttle: true, allowed_chats: Vec::new() }
    }
}

impl TelegramConfig {
    /// Checks the values that serde cannot.
    pub fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}
