//! Configuration: `config/callbot.toml`, with environment overrides.
//!
//! Any setting can be overridden with an environment variable named
//! `CALLBOT__<SECTION>__<KEY>` (double underscores), e.g. `CALLBOT__MATCHER__THRESHOLD=0.5`.
//! The value is read as TOML (`0.5`, `true`, `[1, 2]`), or else as a string.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engine::conversation::ConversationConfig;
use crate::matcher::MatcherConfig;
use crate::reply::ReplyConfig;
use crate::storage::StorageConfig;
use crate::telegram::TelegramConfig;

/// The prefix of environment variables that override settings.
pub const ENV_PREFIX: &str = "CALLBOT__";

/// All settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// How questions are matched.
    pub matcher: MatcherConfig,
    /// What replies contain.
    pub reply: ReplyConfig,
    /// The Telegram bot.
    pub telegram: TelegramConfig,
    /// Conversations: how long a chat's context lives.
    pub conversation: ConversationConfig,
    /// Where conversations are kept.
    pub storage: StorageConfig,
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The file or an override is not valid.
    #[error("invalid configuration in {origin}: {message}")]
    Invalid {
        /// The file, or the environment.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// Reads the file, applies the environment's overrides and validates the result.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        Self::from_toml_str(&text, &path.display().to_string(), std::env::vars())
    }

    /// Parses settings from TOML text plus `CALLBOT__SECTION__KEY` overrides.
    pub fn from_toml_str(
        text: &str,
        origin: &str,
        environment: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let invalid =
            |origin: &str, message: String| ConfigError::Invalid { origin: origin.to_owned(), message };
        let mut table: toml::Table =
            toml::from_str(text).map_err(|e| invalid(origin, e.message().to_owned()))?;
        for (name, value) in environment {
            let Some(path) = name.strip_prefix(ENV_PREFIX) else { continue };
            let Some((section, key)) = path.split_once("__") else {
                return Err(invalid("the environment", format!("{name} must name a section and a key")));
            };
            let value = parse_value(&value);
            let section_table = table
                .entry(section.to_lowercase())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .ok_or_else(|| invalid("the environment", format!("{name}: `{section}` is not a section")))?;
            section_table.insert(key.to_lowercase(), value);
        }
        let config: Self =
            table.try_into().map_err(|e: toml::de::Error| invalid(origin, e.message().to_owned()))?;
        config.validate().map_err(|message| invalid(origin, message))?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        let threshold = self.matcher.threshold;
        if !(0.0..=1.0).contains(&threshold) {
            return Err(format!("matcher.threshold must be between 0 and 1, not {threshold}"));
        }
        if self.matcher.candidates == 0 {
            return Err("matcher.candidates must be at least 1".to_owned());
        }
        self.storage.validate()?;
        self.telegram.validate()
    }
}

fn parse_value(text: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn environment_overrides_the_file() {
        let config = Config::from_toml_str(
            "[matcher]\nthreshold = 0.4\n",
            "test.toml",
            env(&[("CALLBOT__MATCHER__THRESHOLD", "0.6"), ("UNRELATED", "x")]),
        )
        .expect("valid");
        assert!((config.matcher.threshold - 0.6).abs() < 1e-9);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err =
            Config::from_toml_str("[matcher]\nthreshhold = 0.4\n", "test.toml", env(&[])).expect_err("typo");
        assert!(err.to_string().contains("threshhold"), "{err}");
    }

    #[test]
    fn out_of_range_threshold_is_refused() {
        let err =
            Config::from_toml_str("", "t", env(&[("CALLBOT__MATCHER__THRESHOLD", "3")])).expect_err("range");
        assert!(err.to_string().contains("between 0 and 1"), "{err}");
    }
}
