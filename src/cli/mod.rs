//! The command line: `callbot ask | check | eval | chat | bot | webhook`.

mod ask;
mod bot;
mod chat;
mod check;
pub mod eval;
mod webhook;

pub use chat::respond;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::engine::{Engine, Paths};

/// Answers questions about the Xinhua report on the Putin–Trump call of the 18th.
#[derive(Debug, Parser)]
#[command(name = "callbot", version, about)]
pub struct Cli {
    /// The knowledge folder (default: the crate's knowledge/).
    #[arg(long, global = true, env = "CALLBOT_KNOWLEDGE", value_name = "DIR")]
    pub knowledge: Option<PathBuf>,
    /// The configuration file (default: the crate's config/callbot.toml).
    #[arg(long, global = true, env = "CALLBOT_CONFIG", value_name = "FILE")]
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
    Check,
    /// Run a question file (JSON lines, as ../shared/eval/dev.jsonl) and report accuracy.
    Eval(eval::EvalArgs),
    /// Talk to the bot in the terminal: the Telegram replies, buttons as numbers.
    Chat,
    /// Run the Telegram bot (token in TELOXIDE_TOKEN), by long polling or as a webhook.
    Bot(bot::BotArgs),
    /// Set, show or delete the bot's webhook.
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
}

impl Cli {
    /// The paths to use: flags and environment first, then the defaults.
    pub fn paths(&self) -> Paths {
        let defaults = Paths::defaults();
        Paths {
            knowledge: self.knowledge.clone().unwrap_or(defaults.knowledge),
            config: self.config.clone().unwrap_or(defaults.config),
        }
    }
}

/// Runs a parsed command line; returns the process's exit code.
pub fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let paths = cli.paths();
    match cli.command {
        Command::Ask(args) => ask::run(&Engine::load(&paths)?, &args),
        Command::Check => check::run(&paths),
        Command::Eval(args) => eval::run(&Engine::load(&paths)?, &args),
        Command::Chat => chat::run(&Engine::load(&paths)?),
        Command::Bot(args) => bot::run(Engine::load(&paths)?, &args),
        Command::Webhook(command) => webhook::run(&crate::config::Config::load(&paths.config)?, &command),
    }
}
