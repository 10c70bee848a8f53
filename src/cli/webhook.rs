//! `callbot webhook set|info|delete`: manages the bot's webhook explicitly (the bot never
//! deletes it on its own: another instance may still be serving).

use std::process::ExitCode;

use clap::Subcommand;
use teloxide::prelude::*;

use super::bot::client;
use super::variable;
use crate::telegram::TelegramConfig;
use crate::telegram::webhook::{MAX_CONNECTIONS, SECRET_VARIABLE, check_secret};
use crate::telegram::{TOKEN_VARIABLE, allowed_updates};

/// What to do with the webhook.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Register URL as the webhook, with the secret token in CALLBOT_WEBHOOK_SECRET.
    Set {
        /// The public HTTPS URL Telegram posts updates to.
        url: url::Url,
    },
    /// Show what Telegram knows of the webhook (URL, pending updates, last error).
    Info,
    /// Remove the webhook (long polling works again).
    Delete {
        /// Also drop the updates Telegram still holds.
        #[arg(long)]
        drop_pending_updates: bool,
    },
}

/// Runs a webhook command against the bot in TELOXIDE_TOKEN.
pub fn run(telegram: &TelegramConfig, command: &WebhookCommand) -> anyhow::Result<ExitCode> {
    let Some(token) = variable(TOKEN_VARIABLE)? else {
        anyhow::bail!("no bot token: export {TOKEN_VARIABLE}=<the token from @BotFather>");
    };
    let bot = client(token)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        match command {
            WebhookCommand::Set { url } => {
                let Some(secret) = variable(SECRET_VARIABLE)? else {
                    anyhow::bail!("setting the webhook needs its secret token in {SECRET_VARIABLE}");
                };
                check_secret(&secret).map_err(anyhow::Error::msg)?;
                bot.set_webhook(url.clone())
                    .secret_token(secret)
                    .allowed_updates(allowed_updates(telegram))
                    .max_connections(MAX_CONNECTIONS)
                    .await?;
                println!("webhook set: {url}");
            }
            WebhookCommand::Info => {
                let info = bot.get_webhook_info().await?;
                let url = info.url.as_ref().map_or("(none: long polling)", url::Url::as_str);
                println!("url: {url}");
                println!("pending updates: {}", info.pending_update_count);
                if let Some(message) = &info.last_error_message {
                    println!("last error: {message}");
                }
            }
            WebhookCommand::Delete { drop_pending_updates } => {
                let mut request = bot.delete_webhook();
                if *drop_pending_updates {
                    request = request.drop_pending_updates(true);
                }
                request.await?;
                println!("webhook deleted");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
