//! `callbot bot`: runs the Telegram bot, with long polling or, given `--webhook`, as a
//! webhook listener.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use teloxide::Bot;

use crate::engine::Engine;
use crate::telegram::webhook::{DEFAULT_LISTEN, SECRET_VARIABLE, WebhookOptions, check_secret};
use crate::telegram::{Mode, Shared, StartError, TOKEN_VARIABLE};

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
    /// Serve a webhook at this public HTTPS URL instead of long polling (secret token in
    /// CALLBOT_WEBHOOK_SECRET).
    #[arg(long, value_name = "PUBLIC_URL")]
    pub webhook: Option<url::Url>,
    /// Where the webhook listener listens.
    #[arg(long, value_name = "ADDR:PORT", default_value = DEFAULT_LISTEN, requires = "webhook")]
    pub listen: SocketAddr,
}

/// A non-empty environment variable, or `None`; read with `var_os`, so a value that is
/// not UTF-8 is an error, not a panic.
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

/// The client `Bot::from_env()` would give, with the token already read.
pub fn client(token: String) -> anyhow::Result<Bot> {
    let bot = Bot::new(token);
    Ok(match variable("TELOXIDE_API_URL")? {
        Some(url) => bot.set_api_url(url.parse().map_err(|e| anyhow::anyhow!("TELOXIDE_API_URL: {e}"))?),
        None => bot,
    })
}

/// Runs the bot until SIGINT or SIGTERM. With no token, says how to get one and, on a
/// terminal, starts the console chat instead.
pub fn run(engine: Engine, args: &BotArgs) -> anyhow::Result<ExitCode> {
    let Some(token) = variable(TOKEN_VARIABLE)? else {
        eprintln!("{HOW_TO_GET_A_TOKEN}");
        if std::io::stdin().is_terminal() {
            eprintln!("\nStarting the console chat now.\n");
            return super::chat::run(&engine);
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
    let bot = client(token)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(async {
        let shared = match &engine.config.storage.redis_url {
            Some(url) => Some(Shared::connect(url).map_err(|e| anyhow::anyhow!("storage.redis_url: {e}"))?),
            None => None,
        };
        Ok::<_, anyhow::Error>(crate::telegram::run(bot, Arc::new(engine), mode, shared).await)
    })?;
    match result {
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
