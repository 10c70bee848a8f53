//! `callbot bot`: runs the Telegram bot, with long polling or, given `--webhook`, as a
//! webhook listener; SIGHUP (and, with `--watch`, an edit of the knowledge) reloads the
//! knowledge without a restart, in either mode.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use teloxide::Bot;

use super::variable;
use crate::config::{Settings, StorageConfig};
use crate::engine::{Engine, Locations, Reloader, SharedEngine};
use crate::review::{ReviewConfig, ReviewLog};
use crate::storage::ContextStore;
use crate::telegram::webhook::{DEFAULT_LISTEN, SECRET_VARIABLE, WebhookOptions, check_secret};
use crate::telegram::{Mode, Setup, Shared, StartError, TOKEN_VARIABLE, TelegramConfig};

/// How to get a token, shown when there is none.
const HOW_TO_GET_A_TOKEN: &str = "\
callbot: no bot token. To run callbot in Telegram:
  1. In Telegram, talk to @BotFather, send /newbot, and follow its questions.
  2. It gives you a token such as 123456:ABC-DEF…; keep it secret.
  3. export TELOXIDE_TOKEN=<the token>   and run   callbot bot   again.
To try the bot without Telegram, run   callbot chat.";

/// The options of `callbot bot`.
#[derive(Debug, Args)]
pub struct BotArgs {
    /// Reload the knowledge whenever a file in its folder changes.
    #[arg(long)]
    pub watch: bool,
    /// Serve a webhook at this public HTTPS URL instead of long polling (secret token in
    /// CALLBOT_WEBHOOK_SECRET).
    #[arg(long, value_name = "PUBLIC_URL")]
    pub webhook: Option<url::Url>,
    /// Where the webhook listener listens.
    #[arg(long, value_name = "ADDR:PORT", default_value = DEFAULT_LISTEN, requires = "webhook")]
    pub listen: SocketAddr,
}

/// The client `Bot::from_env()` would give, with the token already read.
///
/// # Errors
/// If `TELOXIDE_API_URL` is not valid UTF-8 or not a URL.
pub fn client(token: String) -> anyhow::Result<Bot> {
    let bot = Bot::new(token);
    Ok(match variable("TELOXIDE_API_URL")? {
        Some(url) => bot.set_api_url(url.parse().map_err(|e| anyhow::anyhow!("TELOXIDE_API_URL: {e}"))?),
        None => bot,
    })
}

/// Runs the bot until SIGINT or SIGTERM. With no token, says how to get one and, on a
/// terminal, starts the console chat instead.
pub fn run(
    engine: Engine,
    locations: &Locations,
    settings: &Settings,
    args: &BotArgs,
) -> anyhow::Result<ExitCode> {
    let Some(token) = variable(TOKEN_VARIABLE)? else {
        eprintln!("{HOW_TO_GET_A_TOKEN}");
        if std::io::stdin().is_terminal() {
            eprintln!("\nStarting the console chat now.\n");
            return super::chat::run(&engine, None);
        }
        return Ok(ExitCode::from(2));
    };
    let mode = match &args.webhook {
        None => Mode::Polling,
        Some(url) => {
            let Some(secret) = variable(SECRET_VARIABLE)? else {
                anyhow::bail!(
                    "webhook mode needs a secret token in {SECRET_VARIABLE} (1 to 256 characters of A-Z, \
                     a-z, 0-9, _ and -), so that only Telegram can post updates"
                );
            };
            check_secret(&secret).map_err(anyhow::Error::msg)?;
            Mode::Webhook(WebhookOptions { url: url.clone(), listen: args.listen, secret })
        }
    };
    let telegram = TelegramConfig::from_settings(settings)?;
    let storage = StorageConfig::from_settings(settings)?;
    let review = review_log(settings)?;
    let bot = client(token)?;
    let idle = engine.config().conversation.idle();
    let engine = SharedEngine::new(Arc::new(engine));
    let reloader = Reloader::new(engine.clone(), locations.knowledge.clone());
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
        // One Redis connection, if one is configured, for conversations and for what
        // webhook instances share (update dedupe, flood limits).
        let (contexts, shared) = match storage.redis_url() {
            Some(url) => {
                let connection =
                    crate::storage::connect(url).map_err(|e| anyhow::anyhow!("storage.redis_url: {e}"))?;
                // A wrong password is a configuration error: said now, not as 503s forever.
                crate::storage::check(&connection).await.map_err(|e| {
                    anyhow::anyhow!("storage.redis_url: Redis refused the credentials in the URL ({e})")
                })?;
                (
                    ContextStore::redis(connection.clone(), idle),
                    Some(Shared::new(connection).with_grace(storage.redis_grace())),
                )
            }
            None => (ContextStore::memory(idle), None),
        };
        let setup = Setup { engine, telegram, review, contexts };
        Ok(crate::telegram::run(bot, setup, mode, shared).await)
    })?;
    match served {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(StartError::Telegram(teloxide::RequestError::Api(teloxide::ApiError::InvalidToken))) => {
            anyhow::bail!(
                "Telegram rejected the token in {TOKEN_VARIABLE}; check it with @BotFather (/mybots → API Token)"
            )
        }
        Err(StartError::Telegram(error)) => anyhow::bail!("Telegram refused to start the bot: {error}"),
        Err(error) => Err(error.into()),
    }
}

/// The review log the configuration names, opened for appending; `None` if it names none.
fn review_log(settings: &Settings) -> anyhow::Result<Option<Arc<ReviewLog>>> {
    let config: ReviewConfig = settings.section(ReviewConfig::SECTION, ReviewConfig::validate)?;
    if config.log.as_os_str().is_empty() {
        log::info!("no review log ([review] log is empty)");
        return Ok(None);
    }
    Ok(Some(Arc::new(super::review_log_at(settings, &config.log)?)))
}
