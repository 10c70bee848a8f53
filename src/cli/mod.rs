//! The command line: `callbot ask | check | eval | chat | bot | webhook | review`.

mod ask;
mod bot;
mod chat;
mod check;
mod cv;
pub mod eval;
mod review;
mod webhook;

pub use chat::{Turn, respond};

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::config::{Config, Settings, StorageConfig};
use crate::engine::{CONFIG_VARIABLE, Engine, KNOWLEDGE_VARIABLE, Locations};
use crate::review::{ReviewConfig, ReviewLog};
use crate::telegram::TelegramConfig;

/// Answers questions about the Xinhua report on the Putin–Trump call of the 18th.
#[derive(Debug, Parser)]
#[command(name = "callbot", version, about)]
pub struct Cli {
    /// The knowledge folder [env: CALLBOT_KNOWLEDGE] (default: ./knowledge if there,
    /// else the copy built into the binary).
    #[arg(long, global = true, value_name = "DIR")]
    pub knowledge: Option<PathBuf>,
    /// The configuration file [env: CALLBOT_CONFIG] (default: ./config/callbot.toml if
    /// there, else the copy built into the binary).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer questions given as arguments, or one per line on standard input.
    Ask(ask::AskArgs),
    /// Validate the knowledge and print a summary.
    Check(check::CheckArgs),
    /// Run a question file (JSON lines, as tests/data/questions.jsonl) and report accuracy.
    Eval(eval::EvalArgs),
    /// Talk to the bot in the terminal: the Telegram replies, buttons as numbers.
    Chat(chat::ChatArgs),
    /// Run the Telegram bot (token in TELOXIDE_TOKEN), by long polling or as a webhook;
    /// SIGHUP reloads the knowledge.
    Bot(bot::BotArgs),
    /// Set, show or delete the bot's webhook.
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
    /// Group the questions of the review log, most frequent first, with what to edit.
    Review(review::ReviewArgs),
}

/// Every section of the configuration file that some part of the program reads.
const SECTIONS: [&str; 6] = [
    Config::SECTIONS[0],
    Config::SECTIONS[1],
    Config::SECTIONS[2],
    TelegramConfig::SECTION,
    ReviewConfig::SECTION,
    StorageConfig::SECTION,
];

impl Cli {
    /// Where the knowledge and the configuration are read from: flags, the environment,
    /// the working directory, else the embedded copies.
    ///
    /// # Errors
    /// If `CALLBOT_KNOWLEDGE` or `CALLBOT_CONFIG` is not valid UTF-8.
    pub fn locations(&self) -> anyhow::Result<Locations> {
        let knowledge = variable(KNOWLEDGE_VARIABLE)?;
        let config = variable(CONFIG_VARIABLE)?;
        let environment = |name: &str| match name {
            KNOWLEDGE_VARIABLE => knowledge.clone(),
            CONFIG_VARIABLE => config.clone(),
            _ => None,
        };
        Ok(Locations::resolve(self.knowledge.clone(), self.config.clone(), environment, Path::new(".")))
    }
}

/// Runs a parsed command line; returns the process's exit code.
pub fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let locations = cli.locations()?;
    let settings = locations.settings()?;
    settings.expect_sections(&SECTIONS)?;
    StorageConfig::from_settings(&settings)?;
    match cli.command {
        Command::Ask(args) => {
            let review = review_log(&settings, args.log.as_deref())?;
            ask::run(&engine(&locations, &settings)?, &args, review.as_ref())
        }
        Command::Check(args) => check::run(&locations, &settings, &args),
        Command::Eval(args) => match (&args.file, args.cv) {
            (Some(file), _) => eval::run(&engine(&locations, &settings)?, file, &args),
            (None, k) => {
                let k = usize::from(k.unwrap_or(5));
                let config = Config::from_settings(&settings)?;
                let knowledge = locations.knowledge()?;
                if args.sweep {
                    let readings = cv::readings(&knowledge, &config.matcher, k);
                    cv::report_sweep(&readings, &config.matcher, &mut std::io::stdout().lock())?;
                } else {
                    let result = cv::cross_validate(&knowledge, &config.matcher, k);
                    cv::report(&result, k, &mut std::io::stdout().lock())?;
                }
                Ok(std::process::ExitCode::SUCCESS)
            }
        },
        Command::Chat(args) => {
            let review = review_log(&settings, args.log.as_deref())?;
            chat::run(&engine(&locations, &settings)?, review.as_ref())
        }
        Command::Bot(args) => {
            log::info!("knowledge: {}", locations.knowledge);
            log::info!("configuration: {}", locations.config);
            bot::run(engine(&locations, &settings)?, &locations, &settings, &args)
        }
        Command::Webhook(command) => webhook::run(&TelegramConfig::from_settings(&settings)?, &command),
        Command::Review(args) => review::run(&locations, &settings, &args),
    }
}

/// The review log at `path`, opened for appending, logging what the configuration's
/// `[review]` says to log: `bot`, `ask --log` and `chat --log` write the same log.
fn review_log_at(settings: &Settings, path: &Path) -> anyhow::Result<ReviewLog> {
    let config: ReviewConfig = settings.section(ReviewConfig::SECTION, ReviewConfig::validate)?;
    let log = ReviewLog::open(path, config.low_margin)?;
    log::info!("questions to review are logged to {}", log.path().display());
    Ok(log)
}

/// The review log `--log` names, if it names one.
fn review_log(settings: &Settings, path: Option<&Path>) -> anyhow::Result<Option<ReviewLog>> {
    path.map(|path| review_log_at(settings, path)).transpose()
}

fn engine(locations: &Locations, settings: &Settings) -> anyhow::Result<Engine> {
    let config = Config::from_settings(settings)?;
    Ok(Engine::new(locations.knowledge()?, config))
}

/// A non-empty environment variable, or `None`; read with `var_os`, so a value that is
/// not UTF-8 is an error, not a panic.
///
/// # Errors
/// If the value is not valid UTF-8.
pub fn variable(name: &str) -> anyhow::Result<Option<String>> {
    match std::env::var_os(name) {
        None => Ok(None),
        Some(value) => match value.into_string() {
            Ok(text) if text.trim().is_empty() => Ok(None),
            Ok(text) => Ok(Some(text)),
            Err(_) => anyhow::bail!("{name} is not valid UTF-8"),
        },
    }
}
