//! `callbot bot`: runs the Telegram bot with long polling.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use teloxide::Bot;

use crate::engine::Engine;
use crate::telegram::TOKEN_VARIABLE;

/// How to get a token, shown when there is none.
const HOW_TO_GET_A_TOKEN: &str = "\
callbot: no bot token. To run callbot in Telegram:
  1. In Telegram, talk to @BotFather, send /newbot, and follow its questions.
  2. It gives you a token such as 123456:ABC-DEF…; keep it secret.
  3. export TELOXIDE_TOKEN=<the token>   and run   callbot bot   again.
To try the bot without Telegram, run   callbot chat.";

/// Runs the bot until SIGINT or SIGTERM. With no token, says how to get one and, on a
/// terminal, starts the console chat instead.
pub fn run(engine: Engine) -> anyhow::Result<ExitCode> {
    if std::env::var(TOKEN_VARIABLE).map_or(true, |t| t.trim().is_empty()) {
        eprintln!("{HOW_TO_GET_A_TOKEN}");
        if std::io::stdin().is_terminal() {
            eprintln!("\nStarting the console chat now.\n");
            return super::chat::run(&engine);
        }
        return Ok(ExitCode::from(2));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match runtime.block_on(crate::telegram::run(Bot::from_env(), Arc::new(engine))) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(teloxide::RequestError::Api(teloxide::ApiError::InvalidToken)) => anyhow::bail!(
            "Telegram rejected the token in {TOKEN_VARIABLE}; check it with @BotFather (/mybots → API Token)"
        ),
        Err(error) => anyhow::bail!("cannot reach Telegram: {error}"),
    }
}
