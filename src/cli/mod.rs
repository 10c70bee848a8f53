//! The command line: `callbot ask | check | eval | chat | bot | review`.

mod ask;
mod bot;
mod chat;
mod check;
pub mod eval;
mod review;

pub use chat::{Turn, respond};

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::config::{Config, Settings};
use crate::engine::{Engine, Locations};
use crate::review::ReviewConfig;
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
    /// Run a question file (JSON lines, as ../shared/eval/dev.jsonl) and report accuracy.
    Eval(eval::EvalArgs),
    /// Talk to the bot in the terminal: the Telegram replies, buttons as numbers.
    Chat,
    /// Run the Telegram bot (token in TELOXIDE_TOKEN); SIGHUP reloads the knowledge.
    Bot(bot::BotArgs),
    /// Group the questions of the review log, most frequent first, with what to edit.
    Review(review::ReviewArgs),
}

/// Every section of the configuration file that some part of the program reads.
const SECTIONS: [&str; 4] =
    [Config::SECTIONS[0], Config::SECTIONS[1], TelegramConfig::SECTION, ReviewConfig::SECTION];

impl Cli {
    /// Where the knowledge and the configuration are read from: flags, the environment,
    /// the working directory, else the embedded copies.
    pub fn locations(&self) -> Locations {
        Locations::resolve(
            self.knowledge.clone(),
            self.config.clone(),
            |v| std::env::var(v).ok(),
            Path::new("."),
        )
    }
}

/// Runs a parsed command line; returns the process's exit code.
pub fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let locations = cli.locations();
    let settings = locations.settings()?;
    settings.expect_sections(&SECTIONS)?;
    match cli.command {
        Command::Ask(args) => ask::run(&engine(&locations, &settings)?, &args),
        Command::Check(args) => check::run(&locations, &settings, &args),
        Command::Eval(args) => eval::run(&engine(&locations, &settings)?, &args),
        Command::Chat => chat::run(&engine(&locations, &settings)?),
        Command::Bot(args) => {
            log::info!("knowledge: {}", locations.knowledge);
            log::info!("configuration: {}", locations.config);
            bot::run(engine(&locations, &settings)?, &locations, &settings, &args)
        }
        Command::Review(args) => review::run(&settings, &args),
    }
}

fn engine(locations: &Locations, settings: &Settings) -> anyhow::Result<Engine> {
    let config = Config::from_settings(settings)?;
    Ok(Engine::new(locations.knowledge()?, config))
}
