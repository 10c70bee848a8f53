//! The bot's settings (`[telegram]` in `config/callbot.toml`).

use serde::Deserialize;

use crate::config::{ConfigError, Settings};

/// How long teloxide's HTTP client waits for any answer, in seconds.
pub const CLIENT_TIMEOUT_SECS: u32 = 17;
/// The longest poll that still ends, with a margin, before the client gives up on it.
pub const MAX_POLL_TIMEOUT_SECS: u32 = CLIENT_TIMEOUT_SECS - 2;

/// The Telegram bot's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelegramConfig {
    /// Send through teloxide's `Throttle`, which keeps to Telegram's rate limits
    /// (about 1 message/s per chat, 20/min per group, 30/s overall).
    pub throttle: bool,
    /// Chats the bot serves (ids); empty means every chat.
    pub allowed_chats: Vec<i64>,
    /// Answer in groups and supergroups (when addressed).
    pub groups: bool,
    /// Answer inline queries (`@bot question` in any chat).
    pub inline: bool,
    /// Answer edited messages as new questions.
    pub answer_edits: bool,
    /// Commands switched off (names without the slash).
    pub disabled_commands: Vec<String>,
    /// Questions a user may send at once before being slowed down.
    pub flood_burst: u32,
    /// Questions per second a user may send after the burst.
    pub flood_per_second: f64,
    /// Long-polling timeout, in seconds (at most [`MAX_POLL_TIMEOUT_SECS`]).
    pub poll_timeout_secs: u32,
    /// At most this many inline results.
    pub inline_results: usize,
    /// What an empty chat with the bot shows before anyone types (`setMyDescription`).
    pub description: String,
    /// The bot's profile text and what sharing it shows (`setMyShortDescription`).
    pub short_description: String,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        Self {
            throttle: true,
            allowed_chats: Vec::new(),
            groups: true,
            inline: true,
            answer_edits: true,
            disabled_commands: Vec::new(),
            flood_burst: 5,
            flood_per_second: 1.0,
            poll_timeout_secs: 10,
            inline_results: 5,
            description: String::new(),
            short_description: String::new(),
        }
    }
}

/// The slowest refill of the flood limit: one question a thousand seconds.
const MIN_FLOOD_PER_SECOND: f64 = 0.001;
/// The fastest: far above what Telegram delivers to one user.
const MAX_FLOOD_PER_SECOND: f64 = 1000.0;

impl TelegramConfig {
    /// The section these settings are read from.
    pub const SECTION: &str = "telegram";

    /// Reads and checks the `[telegram]` section.
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        settings.section(Self::SECTION, Self::validate)
    }

    /// Checks the values that serde cannot.
    pub fn validate(&self) -> Result<(), String> {
        let rate = self.flood_per_second;
        if !(MIN_FLOOD_PER_SECOND..=MAX_FLOOD_PER_SECOND).contains(&rate) {
            return Err(format!(
                "telegram.flood_per_second must be {MIN_FLOOD_PER_SECOND} to {MAX_FLOOD_PER_SECOND}, not {rate}"
            ));
        }
        if self.flood_burst == 0 {
            return Err(
                "telegram.flood_burst must be at least 1, not 0 (no question would ever pass)".to_owned()
            );
        }
        if !(1..=50).contains(&self.inline_results) {
            return Err(format!("telegram.inline_results must be 1 to 50, not {}", self.inline_results));
        }
        if self.poll_timeout_secs > MAX_POLL_TIMEOUT_SECS {
            return Err(format!(
                "telegram.poll_timeout_secs must be at most {MAX_POLL_TIMEOUT_SECS} (a poll must end before \
                 the client's {CLIENT_TIMEOUT_SECS} s timeout), not {}",
                self.poll_timeout_secs
            ));
        }
        let too_long = |text: &str, max: usize| text.chars().count() > max;
        if too_long(&self.description, 512) {
            return Err("telegram.description must be at most 512 characters".to_owned());
        }
        if too_long(&self.short_description, 120) {
            return Err("telegram.short_description must be at most 120 characters".to_owned());
        }
        Ok(())
    }

    /// Whether the bot serves this chat.
    pub fn allows(&self, chat: i64) -> bool {
        self.allowed_chats.is_empty() || self.allowed_chats.contains(&chat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flood_settings_that_would_never_admit_or_never_limit_are_refused() {
        for rate in [f64::INFINITY, f64::NAN, 0.0, 1e-300, -1.0, 1e6] {
            let config = TelegramConfig { flood_per_second: rate, ..TelegramConfig::default() };
            let error = config.validate().expect_err("refused");
            assert!(error.contains(&format!("not {rate}")), "{error}");
        }
        let config = TelegramConfig { flood_burst: 0, ..TelegramConfig::default() };
        assert!(config.validate().expect_err("refused").contains("flood_burst"));
        assert!(TelegramConfig::default().validate().is_ok());
    }

    #[test]
    fn a_poll_longer_than_the_client_waits_is_refused() {
        let config = TelegramConfig { poll_timeout_secs: CLIENT_TIMEOUT_SECS, ..TelegramConfig::default() };
        let error = config.validate().expect_err("too long");
        assert!(error.contains("17 s timeout"), "{error}");
        let config = TelegramConfig { poll_timeout_secs: MAX_POLL_TIMEOUT_SECS, ..TelegramConfig::default() };
        assert!(config.validate().is_ok());
    }
}
