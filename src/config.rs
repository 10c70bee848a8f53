//! Configuration: `config/callbot.toml`, with environment overrides.
//!
//! Any setting can be overridden with an environment variable named
//! `CALLBOT__<SECTION>__<KEY>` (double underscores), e.g. `CALLBOT__MATCHER__THRESHOLD=0.5`.
//! The value is read as TOML (`0.5`, `true`, `[1, 2]`), or else as a string.
//!
//! [`Settings`] holds the file and the overrides; each part of the program reads its own
//! section from it ([`Settings::section`]): the engine reads `[matcher]` and `[reply]`
//! into [`Config`], a front end reads its own section. An error names what caused it: the
//! file, or the environment variable whose value is wrong.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::conversation::ConversationConfig;
use crate::matcher::MatcherConfig;
use crate::reply::ReplyConfig;

/// The prefix of environment variables that override settings.
pub const ENV_PREFIX: &str = "CALLBOT__";

/// The engine's settings: how questions are matched and what replies contain.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// How questions are matched.
    pub matcher: MatcherConfig,
    /// What replies contain.
    pub reply: ReplyConfig,
    /// Conversations: how long a chat's context lives.
    pub conversation: ConversationConfig,
}

/// How long Redis may be unreachable before webhook mode answers updates unclaimed, unless
/// `storage.redis_grace_secs` says otherwise.
pub const DEFAULT_REDIS_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// What several instances share (`[storage]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// The Redis that instances share (`redis://host:port/`): conversation contexts,
    /// update dedupe and flood limits. Empty or absent: everything is kept in the process.
    pub redis_url: Option<String>,
    /// How long Redis may be unreachable before webhook mode answers updates without
    /// claiming them (at least once instead of exactly once) rather than with 503.
    pub redis_grace_secs: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self { redis_url: None, redis_grace_secs: DEFAULT_REDIS_GRACE.as_secs() }
    }
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
        /// The file, or the environment variable.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

/// One `CALLBOT__SECTION__KEY` environment variable.
#[derive(Debug, Clone)]
struct Override {
    variable: String,
    section: String,
    key: String,
    value: toml::Value,
}

/// The configuration file's settings plus the environment's overrides, not yet read
/// into any part's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    file: toml::Table,
    origin: String,
    overrides: Vec<Override>,
}

impl Settings {
    /// Reads the file and the process's environment.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        Self::from_toml_str(&text, &path.display().to_string(), overrides()?)
    }

    /// Parses settings from TOML text (`origin` names it in errors) plus the process's
    /// `CALLBOT__SECTION__KEY` overrides.
    pub fn from_toml_str_with_environment(text: &str, origin: &str) -> Result<Self, ConfigError> {
        Self::from_toml_str(text, origin, overrides()?)
    }

    /// Parses settings from TOML text (`origin` names it in errors) plus
    /// `CALLBOT__SECTION__KEY` overrides.
    pub fn from_toml_str(
        text: &str,
        origin: &str,
        environment: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let file: toml::Table = toml::from_str(text)
            .map_err(|e: toml::de::Error| invalid(&at_line(origin, text, &e), e.message()))?;
        let mut overrides = Vec::new();
        for (variable, value) in environment {
            let Some(path) = variable.strip_prefix(ENV_PREFIX) else { continue };
            let Some((section, key)) = path.split_once("__") else {
                return Err(invalid(
                    &env_origin(&variable),
                    "the name must give a section and a key, as CALLBOT__MATCHER__THRESHOLD",
                ));
            };
            let value = parse_value(&value);
            overrides.push(Override {
                section: section.to_lowercase(),
                key: key.to_lowercase(),
                value,
                variable,
            });
        }
        overrides.sort_by(|a, b| a.variable.cmp(&b.variable));
        Ok(Self { file, origin: origin.to_owned(), overrides })
    }

    /// Refuses sections that no part of the program reads (a typo such as `[matchr]`).
    pub fn expect_sections(&self, known: &[&str]) -> Result<(), ConfigError> {
        let unknown = |name: &str| !known.contains(&name);
        if let Some(name) = self.file.keys().find(|name| unknown(name)) {
            return Err(invalid(
                &self.origin,
                &format!("unknown section `[{name}]`; known: {}", known.join(", ")),
            ));
        }
        if let Some(o) = self.overrides.iter().find(|o| unknown(&o.section)) {
            return Err(invalid(&env_origin(&o.variable), &format!("unknown section `{}`", o.section)));
        }
        Ok(())
    }

    /// Reads one section into `T` and checks it with `validate`. The file is read first,
    /// then each override in turn, so an error names the file or the variable at fault.
    pub fn section<T>(
        &self,
        name: &str,
        validate: impl Fn(&T) -> Result<(), String>,
    ) -> Result<T, ConfigError>
    where
        T: DeserializeOwned,
    {
        let mut table = match self.file.get(name) {
            Some(toml::Value::Table(table)) => table.clone(),
            Some(_) => return Err(invalid(&self.origin, &format!("`{name}` must be a section, `[{name}]`"))),
            None => toml::Table::new(),
        };
        let read = |table: &toml::Table, origin: &str| -> Result<T, ConfigError> {
            let value: T = toml::Value::Table(table.clone())
                .try_into()
                .map_err(|e: toml::de::Error| invalid(origin, &format!("[{name}]: {}", e.message())))?;
            validate(&value).map_err(|message| invalid(origin, &message))?;
            Ok(value)
        };
        let mut value = read(&table, &self.origin)?;
        for o in self.overrides.iter().filter(|o| o.section == name) {
            table.insert(o.key.clone(), o.value.clone());
            value = read(&table, &env_origin(&o.variable))?;
        }
        Ok(value)
    }
}

impl Config {
    /// The sections the engine reads.
    pub const SECTIONS: [&'static str; 3] = ["matcher", "reply", "conversation"];

    /// Reads the engine's sections.
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        Ok(Self {
            matcher: settings.section("matcher", validate_matcher)?,
            reply: settings.section("reply", |_: &ReplyConfig| Ok(()))?,
            conversation: settings.section("conversation", validate_conversation)?,
        })
    }

    /// Parses the engine's settings from TOML text plus `CALLBOT__SECTION__KEY` overrides.
    pub fn from_toml_str(
        text: &str,
        origin: &str,
        environment: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        Self::from_settings(&Settings::from_toml_str(text, origin, environment)?)
    }
}

impl StorageConfig {
    /// The section the storage settings live in.
    pub const SECTION: &'static str = "storage";

    /// Reads `[storage]`.
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        settings.section(Self::SECTION, Self::validate)
    }

    /// The Redis URL, if one is set and not empty.
    pub fn redis_url(&self) -> Option<&str> {
        self.redis_url.as_deref().map(str::trim).filter(|url| !url.is_empty())
    }

    /// How long Redis may be unreachable before updates are answered unclaimed.
    pub fn redis_grace(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.redis_grace_secs)
    }

    /// Checks that a Redis URL, if set, can be parsed (the URL itself is never shown:
    /// it may hold a password), and that the grace period is at most an hour.
    pub fn validate(&self) -> Result<(), String> {
        if self.redis_grace_secs > 3600 {
            return Err(format!("storage.redis_grace_secs must be 0 to 3600, not {}", self.redis_grace_secs));
        }
        match self.redis_url() {
            Some(url) => redis::Client::open(url)
                .map(|_| ())
                .map_err(|error| format!("storage.redis_url is not a valid Redis URL ({:?})", error.kind())),
            None => Ok(()),
        }
    }
}

fn validate_conversation(conversation: &ConversationConfig) -> Result<(), String> {
    if conversation.idle_minutes == 0 {
        return Err("conversation.idle_minutes must be at least 1".to_owned());
    }
    Ok(())
}

fn validate_matcher(matcher: &MatcherConfig) -> Result<(), String> {
    let threshold = matcher.threshold;
    if !(0.0..=1.0).contains(&threshold) {
        return Err(format!("matcher.threshold must be between 0 and 1, not {threshold}"));
    }
    if matcher.candidates == 0 {
        return Err("matcher.candidates must be at least 1".to_owned());
    }
    for (key, value) in [
        ("ambiguity_margin", matcher.ambiguity_margin),
        ("learned_weight", matcher.learned_weight),
        ("out_of_scope", matcher.out_of_scope),
    ] {
        if !(0.0..=1.0).contains(&value) {
            return Err(format!("matcher.{key} must be between 0 and 1, not {value}"));
        }
    }
    Ok(())
}

/// `origin:line:column` of a syntax error, where the parser gives its place.
fn at_line(origin: &str, text: &str, error: &toml::de::Error) -> String {
    let Some(start) = error.span().map(|span| span.start.min(text.len())) else {
        return origin.to_owned();
    };
    let before = text.get(..start).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{origin}:{line}:{column}")
}

fn invalid(origin: &str, message: &str) -> ConfigError {
    ConfigError::Invalid { origin: origin.to_owned(), message: message.to_owned() }
}

fn env_origin(variable: &str) -> String {
    format!("environment variable {variable}")
}

/// The `CALLBOT__…` variables of the environment. Read with `vars_os`, so that a variable
/// that is not UTF-8 cannot panic: an unrelated one is skipped, one of ours is an error.
fn overrides() -> Result<Vec<(String, String)>, ConfigError> {
    let mut found = Vec::new();
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str().filter(|n| n.starts_with(ENV_PREFIX)) else { continue };
        let value = value.into_string().map_err(|_| ConfigError::Invalid {
            origin: "the environment".to_owned(),
            message: format!("{name} is not valid UTF-8"),
        })?;
        found.push((name.to_owned(), value));
    }
    Ok(found)
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
        assert!(err.to_string().contains("threshhold") && err.to_string().contains("test.toml"), "{err}");
    }

    #[test]
    fn a_syntax_error_names_its_line_and_column() {
        let err = Config::from_toml_str("[matcher]\nthreshold = 0.2\nbad = = 3\n", "c.toml", env(&[]))
            .expect_err("syntax");
        assert!(err.to_string().contains("c.toml:3:7"), "{err}");
    }

    #[test]
    fn every_share_of_the_matcher_is_between_0_and_1() {
        for key in ["AMBIGUITY_MARGIN", "LEARNED_WEIGHT", "OUT_OF_SCOPE"] {
            let variable = format!("CALLBOT__MATCHER__{key}");
            let err = Config::from_toml_str("", "t", env(&[(variable.as_str(), "1.5")])).expect_err("range");
            assert!(err.to_string().contains("not 1.5"), "{err}");
        }
    }

    #[test]
    fn out_of_range_threshold_is_refused() {
        let err =
            Config::from_toml_str("", "t", env(&[("CALLBOT__MATCHER__THRESHOLD", "3")])).expect_err("range");
        assert!(err.to_string().contains("between 0 and 1"), "{err}");
    }

    #[test]
    fn a_bad_override_names_the_variable_not_the_file() {
        let err = Config::from_toml_str(
            "[matcher]\nthreshold = 0.4\n",
            "config/callbot.toml",
            env(&[("CALLBOT__MATCHER__THRESHOLD", "abc")]),
        )
        .expect_err("not a number");
        let message = err.to_string();
        assert!(message.contains("environment variable CALLBOT__MATCHER__THRESHOLD"), "{message}");
        assert!(!message.contains("callbot.toml"), "{message}");
    }

    #[test]
    fn unknown_sections_are_refused() {
        let settings = Settings::from_toml_str("[matchr]\n", "t.toml", env(&[])).expect("parses");
        let err = settings.expect_sections(&Config::SECTIONS).expect_err("typo");
        assert!(err.to_string().contains("[matchr]"), "{err}");
    }
}
