//! `callbot bot`: runs the Telegram bot with long polling; SIGHUP (and, with `--watch`,
//! an edit of the knowledge) reloads the knowledge without a restart.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use teloxide::Bot;

use crate::config::Settings;
use crate::engine::{Engine, Locations, Reloader, SharedEngine};
use crate::review::{ReviewConfig, ReviewLog};
use crate::telegram::{Setup, TOKEN_VARIABLE, TelegramConfig};

/// How to get a token, shown when there is none.
const HOW_TO_GET_A_TOKEN: &str = "\
callbot: no bot token. To run callbot in Telegram:
  1. In Telegram, talk to @BotFather, send /newbot, and follow its questions.
  2. It gives you a token such as 123456:ABC-DEF…; keep it secret.
  3. export TELOXIDE_TOKEN=<the token>   and run   callbot bot   again.
To try the bot without Telegram, run   callbot chat.";

/// Arguments of `callbot bot`.
#[derive(Debug, Args)]
pub struct BotArgs {
    /// Reload the knowledge whenever a file in its folder changes.
    #[arg(long)]
    pub watch: bool,
}

/// Runs the bot until SIGINT or SIGTERM. With no token, says how to get one and, on a
/// terminal, starts the console chat instead.
pub fn run(
    engine: Engine,
    locations: &Locations,
    settings: &Settings,
    args: &BotArgs,
) -> anyhow::Result<ExitCode> {
    if std::env::var(TOKEN_VARIABLE).map_or(true, |t| t.trim().is_empty()) {
        eprintln!("{HOW_TO_GET_A_TOKEN}");
        if std::io::stdin().is_terminal() {
            eprintln!("\nStarting the console chat now.\n");
            return super::chat::run(&engine);
        }
        return Ok(ExitCode::from(2));
    }
    let telegram = TelegramConfig::from_settings(settings)?;
    let review = review_log(settings)?;
    let engine = SharedEngine::new(Arc::new(engine));
    let reloader = Reloader::new(engine.clone(), locations.knowledge.clone());
    let setup = Setup { engine, telegram, review };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let served = runtime.block_on(async {
        #[cfg(unix)]
        crate::reload::on_hangup(reloader.clone()).context("cannot listen for SIGHUP")?;
        let _watcher = match (args.watch, locations.knowledge.path()) {
            (false, _) => None,
            (true, Some(dir)) => Some(
                crate::reload::watch(reloader, dir)
                    .with_context(|| format!("cannot watch {}", dir.display()))?,
            ),
            (true, None) => anyhow::bail!(
                "--watch needs a knowledge folder to watch: run in the repository, or give --knowledge DIR"
            ),
        };
        Ok(crate::telegram::run(Bot::from_env(), setup).await)
    })?;
    match served {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(teloxide::RequestError::Api(teloxide::ApiError::InvalidToken)) => anyhow::bail!(
            "Telegram rejected the token in {TOKEN_VARIABLE}; check it with @BotFather (/mybots → API Token)"
        ),
        Err(error) => anyhow::bail!("cannot reach Telegram: {error}"),
    }
}

/// The review log the configuration names, opened for appending; `None` if it names none.
fn review_log(settings: &Settings) -> anyhow::Result<Option<Arc<ReviewLog>>> {
    let config: ReviewConfig = settings.section(ReviewConfig::SECTION, ReviewConfig::validate)?;
    if config.log.as_os_str().is_empty() {
        log::info!("no review log ([review] log is empty)");
        return Ok(None);
    }
    let log = ReviewLog::open(&config.log, config.low_margin)?;
    log::info!("questions to review are logged to {}", log.path().display());
    Ok(Some(Arc::new(log)))
}
