//! The Telegram bot: long polling or a webhook ([`webhook`]), a handler tree built by a
//! pure function, and careful sending (see [`send`]).
//!
//! The token comes from `TELOXIDE_TOKEN` (and the API server from `TELOXIDE_API_URL`,
//! for a self-hosted Bot API server or tests); it never appears in logs or errors.
//!
//! Start-up runs in named steps: [`connect`] (getMe, retried while Telegram cannot be
//! reached, given up at once on a stop signal), [`introduce`] (commands and descriptions),
//! then polling ([`serve`], [`polling`]) or the webhook listener ([`webhook::serve`]).

mod commands;
mod config;
mod flood;
mod handlers;
pub mod listener;
pub mod metrics;
pub mod polling;
mod recent;
mod render;
mod send;
pub mod shared;
mod turns;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::Limits;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, BotCommand, Me, UpdateKind};

pub use config::TelegramConfig;
pub use flood::FloodGate;
pub use handlers::{BotState, MessageKind};
pub use render::{MAX_MESSAGE_LEN, Outgoing, messages, utf16_len};
pub use send::{ErrorClass, SendError, classify, deliver, deliver_all};
pub use shared::Shared;

use crate::engine::{Engine, SharedEngine};
use crate::knowledge::Replies;
use crate::review::ReviewLog;
use crate::storage::ContextStore;

/// What the bot serves with: the engine (a reload swaps it), the bot's own settings,
/// if one is kept, the review log, and where conversation contexts are kept.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The engine in service.
    pub engine: SharedEngine,
    /// The `[telegram]` settings.
    pub telegram: TelegramConfig,
    /// Where questions not answered well are logged.
    pub review: Option<Arc<ReviewLog>>,
    /// Where each chat's conversation context is kept.
    pub contexts: ContextStore,
}

impl Setup {
    /// An engine and the bot's settings, with no review log and contexts in memory.
    pub fn new(engine: Arc<Engine>, telegram: TelegramConfig) -> Self {
        let contexts = ContextStore::memory(engine.config().conversation.idle());
        Self { engine: SharedEngine::new(engine), telegram, review: None, contexts }
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
        GetWebhookInfo: Send,
        SetWebhook: Send,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl Client for Bot {}

impl Client for Throttle<Bot> {}

/// When this process received an update (fetched it, or its POST arrived), and how many of
/// the same user's updates were waiting ahead of it then: flood control counts both.
#[derive(Debug, Clone, Copy)]
pub struct Arrived {
    /// When it was received.
    pub at: std::time::Instant,
    /// How many of its user's updates were in hand, not yet handled, when it was received.
    pub ahead: usize,
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
        .inspect(|update: Update| {
            metrics::METRICS.updates.with_label_values(&[update_kind(&update)]).inc();
        })
        .branch(Update::filter_message().endpoint(
            |bot: R, msg: Message, me: Me, state: Arc<BotState>, arrived: Arrived| {
                handlers::on_message(bot, msg, me, state, arrived, MessageKind::New)
            },
        ))
        .branch(
            Update::filter_edited_message()
                .filter(|state: Arc<BotState>| state.telegram.answer_edits)
                .endpoint(|bot: R, msg: Message, me: Me, state: Arc<BotState>, arrived: Arrived| {
                    handlers::on_message(bot, msg, me, state, arrived, MessageKind::Edited)
                }),
        )
        .branch(Update::filter_callback_query().endpoint(handlers::on_callback::<R>))
        .branch(Update::filter_inline_query().endpoint(handlers::on_inline::<R>))
}

/// The kind of an update, as counted in the metrics.
pub fn update_kind(update: &Update) -> &'static str {
    match update.kind {
        UpdateKind::Message(_) => "message",
        UpdateKind::EditedMessage(_) => "edited_message",
        UpdateKind::CallbackQuery(_) => "callback_query",
        UpdateKind::InlineQuery(_) => "inline_query",
        _ => "other",
    }
}

/// How the bot gets its updates.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Long polling (`getUpdates`).
    Polling,
    /// Telegram POSTs updates to a listener.
    Webhook(webhook::WebhookOptions),
}

/// Runs the bot with the client `Bot::from_env()` would give (so `TELOXIDE_API_URL`
/// works too), throttled when the configuration says so, until SIGINT or SIGTERM.
///
/// # Errors
/// If Telegram rejects the token or the webhook, or the listener cannot be bound.
pub async fn run(bot: Bot, setup: Setup, mode: Mode, shared: Option<Shared>) -> Result<(), StartError> {
    let stop = wait_for_signal();
    match (setup.telegram.throttle, mode) {
        (true, Mode::Polling) => {
            Ok(serve(Throttle::new_spawn(bot, Limits::default()), setup, shared, stop).await?)
        }
        (false, Mode::Polling) => Ok(serve(bot, setup, shared, stop).await?),
        (true, Mode::Webhook(options)) => {
            webhook::serve(Throttle::new_spawn(bot, Limits::default()), setup, options, shared, stop).await
        }
        (false, Mode::Webhook(options)) => webhook::serve(bot, setup, options, shared, stop).await,
    }
}

/// Why the bot could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Telegram refused a request at start-up (the token, the webhook).
    #[error(transparent)]
    Telegram(#[from] teloxide::RequestError),
    /// The webhook listener could not be bound.
    #[error("cannot listen on {address}")]
    Listen {
        /// The address.
        address: std::net::SocketAddr,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

/// Asks Telegram who the bot is (which also checks the token). Network errors and
/// failures on Telegram's side are retried with backoff; `None` if `stop` came first.
///
/// # Errors
/// If Telegram refuses the token.
pub async fn connect<R: Client>(bot: &R, stop: &mut Stop) -> Result<Option<Me>, teloxide::RequestError> {
    use backon::BackoffBuilder;
    let mut backoff = backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(500))
        .with_max_delay(Duration::from_secs(30))
        .with_jitter()
        .without_max_times()
        .build();
    loop {
        let attempt = tokio::select! {
            result = bot.get_me() => result,
            () = stop.wait() => return Ok(None),
        };
        let error = match attempt {
            Ok(me) => return Ok(Some(me)),
            Err(error) => error,
        };
        if send::classify(&error) != ErrorClass::Transient {
            return Err(error);
        }
        let delay = backoff.next().unwrap_or(Duration::from_secs(30));
        log::warn!("cannot reach Telegram ({error}); trying again in {delay:?}");
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = stop.wait() => return Ok(None),
        }
    }
}

/// Runs the handler tree on one update, for the poller and the webhook listener alike; a
/// handler's failure is logged.
async fn dispatch_update<R: Client>(
    handler: &UpdateHandler<Box<dyn std::error::Error + Send + Sync>>,
    bot: &R,
    me: &Me,
    state: &Arc<BotState>,
    update: Update,
    arrived: Arrived,
) {
    let deps = dptree::deps![bot.clone(), me.clone(), state.clone(), update, arrived];
    match handler.dispatch(deps).await {
        std::ops::ControlFlow::Break(Ok(())) => {}
        std::ops::ControlFlow::Break(Err(error)) => log::warn!("handler failed: {error}"),
        std::ops::ControlFlow::Continue(_) => log::debug!("update ignored"),
    }
}

/// Start-up common to polling and the webhook: [`connect`], then [`introduce`]; `None`
/// (and a log line) if `stop` came first.
///
/// # Errors
/// If Telegram refuses the token.
async fn start_up<R: Client>(
    bot: &R,
    config: &TelegramConfig,
    replies: &Replies,
    stop: &mut Stop,
) -> Result<Option<Me>, teloxide::RequestError> {
    let Some(me) = connect(bot, stop).await? else {
        log::info!("stopped before start-up finished");
        return Ok(None);
    };
    introduce(bot, config, replies).await;
    Ok(Some(me))
}

/// Tells Telegram the command menu, and the descriptions an empty chat and the bot's
/// profile show; a failure is logged, and the bot serves all the same.
pub async fn introduce<R: Client>(bot: &R, config: &TelegramConfig, replies: &Replies) {
    let commands: Vec<BotCommand> = crate::screen::commands_enabled(replies, &config.disabled_commands)
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

/// The update kinds the bot handles, as configured.
pub fn allowed_updates(config: &TelegramConfig) -> Vec<AllowedUpdate> {
    let mut allowed = vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery];
    if config.answer_edits {
        allowed.push(AllowedUpdate::EditedMessage);
    }
    if config.inline {
        allowed.push(AllowedUpdate::InlineQuery);
    }
    allowed
}

/// A stop signal that several steps can wait for in turn.
#[derive(Debug, Clone)]
pub struct Stop(tokio::sync::watch::Receiver<bool>);

impl Stop {
    /// A stop that comes when `signal` resolves.
    pub fn new<S>(signal: S) -> Self
    where
        S: Future<Output = ()> + Send + 'static,
    {
        let (sender, receiver) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            signal.await;
            let _ = sender.send(true);
        });
        Self(receiver)
    }

    /// Resolves once the stop has come (at once if it already has).
    pub async fn wait(&mut self) {
        // An error means the sender is gone without a stop: then none will come.
        if self.0.wait_for(|stopped| *stopped).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Connects, registers the commands and descriptions, removes a webhook if one is set,
/// then polls until `stop` resolves ([`polling`]): replies in flight are finished before
/// it returns (within [`SHUTDOWN_GRACE`]), and only the updates answered are acknowledged.
///
/// # Errors
/// If Telegram rejects the token.
pub async fn serve<R, S>(
    bot: R,
    setup: Setup,
    shared: Option<Shared>,
    stop: S,
) -> Result<(), teloxide::RequestError>
where
    R: Client,
    S: Future<Output = ()> + Send + 'static,
{
    let mut stop = Stop::new(stop);
    let config = setup.telegram.clone();
    let replies = setup.engine.current().knowledge().replies.clone();
    let Some(me) = start_up(&bot, &config, &replies, &mut stop).await? else {
        return Ok(());
    };
    delete_webhook(&bot).await;
    let options = polling::PollOptions {
        timeout: Duration::from_secs(u64::from(config.poll_timeout_secs)),
        allowed_updates: allowed_updates(&config),
    };
    let state = Arc::new(BotState::new(setup, shared.clone()));
    polling::poll(bot, me, state, shared, options, stop).await;
    log::info!("stopped");
    Ok(())
}

/// Removes the webhook if one is set (`getUpdates` fails while it is); a failure is
/// logged, and polling then says what is wrong.
async fn delete_webhook<R: Client>(bot: &R) {
    match bot.get_webhook_info().await {
        Ok(info) if info.url.is_some() => {
            if let Err(error) = bot.delete_webhook().await {
                log::error!("could not delete the webhook: {error}");
            }
        }
        Ok(_) => {}
        Err(error) => log::error!("could not read the webhook's settings: {error}"),
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
