//! The Telegram bot: long polling, a handler tree built by a pure function, and careful
//! sending (see [`send`]).
//!
//! The token comes from `TELOXIDE_TOKEN` (and the API server from `TELOXIDE_API_URL`,
//! for a self-hosted Bot API server or tests); it never appears in logs or errors.

mod commands;
mod config;
mod flood;
mod handlers;
mod render;
mod send;

use std::sync::Arc;
use std::time::Duration;

use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::Limits;
use teloxide::dispatching::{Dispatcher, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, BotCommand, Me, UserId};
use teloxide::update_listeners::Polling;

pub use config::TelegramConfig;
pub use flood::FloodGate;
pub use handlers::{BotState, MessageKind};
pub use render::{MAX_MESSAGE_LEN, Outgoing, messages, utf16_len};
pub use send::{SendError, deliver, deliver_all};

use crate::engine::{Engine, SharedEngine};
use crate::review::ReviewLog;

/// What the bot serves with: the engine (a reload swaps it), the bot's own settings and,
/// if one is kept, the review log.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The engine in service.
    pub engine: SharedEngine,
    /// The `[telegram]` settings.
    pub telegram: TelegramConfig,
    /// Where questions not answered well are logged.
    pub review: Option<Arc<ReviewLog>>,
}

impl Setup {
    /// An engine and the bot's settings, with no review log.
    pub fn new(engine: Arc<Engine>, telegram: TelegramConfig) -> Self {
        Self { engine: SharedEngine::new(engine), telegram, review: None }
    }
}

/// What handlers need of a Telegram client: `Bot`, or `Throttle<Bot>` when sending
/// keeps to Telegram's rate limits.
pub trait Client:
    Requester<
        Err = teloxide::RequestError,
        SendMessage: Send,
        AnswerCallbackQuery: Send,
        AnswerInlineQuery: Send,
        SetMyCommands: Send,
        SetMyDescription: Send,
        SetMyShortDescription: Send,
        GetUpdates: Send,
        GetMe: Send,
        DeleteWebhook: Send,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> Client for T where
    T: Requester<
            Err = teloxide::RequestError,
            SendMessage: Send,
            AnswerCallbackQuery: Send,
            AnswerInlineQuery: Send,
            SetMyCommands: Send,
            SetMyDescription: Send,
            SetMyShortDescription: Send,
            SetMyDescription: Send,
            SetMyShortDescription: Send,
            GetUpdates: Send,
            GetMe: Send,
            DeleteWebhook: Send,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// What handlers return; their errors are only logged.
pub type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// How long replies in flight may take to finish after a stop signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The environment variable that holds the bot's token.
pub const TOKEN_VARIABLE: &str = "TELOXIDE_TOKEN";

/// The whole handler tree: which updates go to which endpoint.
pub fn schema<R: Client>() -> UpdateHandler<Box<dyn std::error::Error + Send + Sync>> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(|bot: R, msg: Message, me: Me, state: Arc<BotState>| {
            handlers::on_message(bot, msg, me, state, MessageKind::New)
        }))
        .branch(
            Update::filter_edited_message()
                .filter(|state: Arc<BotState>| state.telegram.answer_edits)
                .endpoint(|bot: R, msg: Message, me: Me, state: Arc<BotState>| {
                    handlers::on_message(bot, msg, me, state, MessageKind::Edited)
                }),
        )
        .branch(Update::filter_callback_query().endpoint(handlers::on_callback::<R>))
        .branch(Update::filter_inline_query().endpoint(handlers::on_inline::<R>))
}

/// Builds the dispatcher for a client and a setup. Updates of one user are handled in
/// order, different users' at once.
pub fn dispatcher<R: Client>(
    bot: R,
    setup: Setup,
) -> Dispatcher<R, Box<dyn std::error::Error + Send + Sync>, UserId> {
    let state = Arc::new(BotState::new(setup));
    Dispatcher::builder(bot, schema::<R>())
        .dependencies(dptree::deps![state])
        .distribution_function(|update: &Update| update.from().map(|user| user.id))
        // A user's questions wait in their worker's queue (flood control): make room,
        // so that one user's backlog never blocks the dispatcher for everyone.
        .worker_queue_size(1024)
        .default_handler(|update| async move {
            log::debug!("update={:?} ignored", update.kind);
        })
        .error_handler(teloxide::error_handlers::LoggingErrorHandler::with_custom_text("handler failed"))
        .build()
}

/// Runs the bot with the client `Bot::from_env()` would give (so `TELOXIDE_API_URL`
/// works too), throttled when the configuration says so, until SIGINT or SIGTERM.
pub async fn run(bot: Bot, setup: Setup) -> Result<(), teloxide::RequestError> {
    if setup.telegram.throttle {
        serve(Throttle::new_spawn(bot, Limits::default()), setup, wait_for_signal()).await
    } else {
        serve(bot, setup, wait_for_signal()).await
    }
}

/// Registers the commands and the descriptions, then polls until `stop` resolves;
/// replies in flight are finished before it returns.
pub async fn serve<R, S>(bot: R, setup: Setup, stop: S) -> Result<(), teloxide::RequestError>
where
    R: Client,
    S: Future<Output = ()> + Send + 'static,
{
    let config = setup.telegram.clone();
    // A rejected token ends here, with an error, not a panic; a network error is retried.
    let mut attempt = 0;
    while let Err(error) = bot.get_me().await {
        attempt += 1;
        let transient = matches!(error, teloxide::RequestError::Network(_) | teloxide::RequestError::Io(_));
        if !transient || attempt >= 5 {
            return Err(error);
        }
        log::warn!("cannot reach Telegram ({error}); trying again");
        tokio::time::sleep(Duration::from_secs(1 << attempt)).await;
    }
    introduce(&bot, &config).await;
    let mut allowed = vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery];
    if config.answer_edits {
        allowed.push(AllowedUpdate::EditedMessage);
    }
    if config.inline {
        allowed.push(AllowedUpdate::InlineQuery);
    }
    let listener = Polling::builder(bot.clone())
        .timeout(Duration::from_secs(u64::from(config.poll_timeout_secs)))
        .allowed_updates(allowed)
        .delete_webhook()
        .await
        .build();
    let mut dispatcher = dispatcher(bot.clone(), setup);
    let shutdown = dispatcher.shutdown_token();
    let (stopping, stopped) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        stop.await;
        log::info!("shutting down: finishing replies in flight");
        let _ = stopping.send(());
        // The dispatcher refuses to stop before it has started: try again until it has.
        loop {
            match shutdown.shutdown() {
                Ok(done) => break done.await,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    });
    log::info!("callbot is polling for updates");
    let dispatching = dispatcher.try_dispatch_with_listener(
        listener,
        teloxide::error_handlers::LoggingErrorHandler::with_custom_text("polling failed"),
    );
    // Replies in flight get `SHUTDOWN_GRACE` to finish; a reply still waiting after that
    // (for flood control, or Telegram's rate limits) is given up, and the log says so.
    let deadline = async {
        if stopped.await.is_ok() {
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = dispatching => result?,
        () = deadline => log::warn!("replies still in flight {SHUTDOWN_GRACE:?} after the stop signal were given up"),
    }
    log::info!("stopped");
    Ok(())
}

/// Tells Telegram the command menu, and the descriptions an empty chat and the bot's
/// profile show; a failure is logged, and the bot serves all the same.
async fn introduce<R: Client>(bot: &R, config: &TelegramConfig) {
    let commands: Vec<BotCommand> = crate::screen::commands_enabled(&config.disabled_commands)
        .into_iter()
        .map(|(name, description)| BotCommand::new(name, description))
        .collect();
    if let Err(error) = bot.set_my_commands(commands).await {
        log::warn!("could not register the command menu: {error}");
    }
    if let Err(error) = bot.set_my_description().description(config.description.clone()).await {
        log::warn!("could not set the bot's description: {error}");
    }
    if let Err(error) =
        bot.set_my_short_description().short_description(config.short_description.clone()).await
    {
        log::warn!("could not set the bot's short description: {error}");
    }
}

/// A future that resolves on SIGINT or SIGTERM. The handlers are installed at once, when
/// this is called, so a signal that comes before the future is first polled is not lost
/// (nor does it kill the process).
pub fn wait_for_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|error| log::warn!("cannot listen for SIGTERM: {error}"))
        .ok();
    let interrupt = tokio::signal::ctrl_c();
    async move {
        #[cfg(unix)]
        if let Some(mut terminate) = terminate {
            tokio::select! {
                _ = interrupt => {}
                _ = terminate.recv() => {}
            }
            return;
        }
        let _ = interrupt.await;
    }
}
