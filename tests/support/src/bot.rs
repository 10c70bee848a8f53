//! Runs the real bot — `callbot::telegram::serve`, the real dispatcher and handler tree —
//! in-process against a [`FakeTelegram`], and reads its replies back.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use callbot_test_support::bot;
//! use callbot_test_support::fake_telegram::{FakeTelegram, TestUser, TextMessage};
//!
//! let fake = FakeTelegram::start().await;
//! let bot = bot::start(&fake, bot::engine()).await; // polling once this returns
//! fake.push_text(TextMessage::private(&TestUser::new(42, "Alice"), "俄乌交换多少战俘"));
//! let replies = fake.wait_for_calls_of("sendMessage", 1, bot::WAIT).await?;
//! bot.stop().await; // replies in flight are finished first
//! # Ok(())
//! # }
//! ```

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use callbot::config::Config;
use callbot::engine::Engine;
use callbot::knowledge::KnowledgeBase;
use callbot::telegram::webhook::WebhookOptions;
use callbot::telegram::{Client, Setup, Shared, TelegramConfig};
use serde_json::Value;
use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::Limits;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::fake_telegram::{Call, FakeTelegram};
use super::knowledge::{paths, settings};

/// How long a test waits for a reply that should come at once.
pub const WAIT: Duration = Duration::from_secs(10);
/// How long `serve` may take to return once told to stop.
const STOP_WITHIN: Duration = Duration::from_secs(10);
/// How long the fake holds an empty `getUpdates` for bots started here: short, so that a
/// stop (which waits for the poll in progress) and [`finish`] are quick.
const POLL_WAIT: Duration = Duration::from_millis(200);

/// The project's knowledge, loaded once per test binary.
pub fn knowledge() -> KnowledgeBase {
    static KNOWLEDGE: OnceLock<KnowledgeBase> = OnceLock::new();
    KNOWLEDGE
        .get_or_init(|| KnowledgeBase::load(&paths().knowledge).expect("the project's knowledge loads"))
        .clone()
}

/// The settings a test runs the bot with: the engine's and the bot's.
pub struct TestConfig {
    /// `[matcher]` and `[reply]`.
    pub engine: Config,
    /// `[telegram]`.
    pub telegram: TelegramConfig,
}

/// `config/callbot.toml` (without environment overrides) as tests run it: no `Throttle`
/// (tests that want it wrap the client themselves, as `telegram::run` does) and a short poll.
pub fn config() -> TestConfig {
    let settings = settings();
    let mut telegram = TelegramConfig::from_settings(&settings).expect("[telegram] is valid");
    telegram.throttle = false;
    telegram.poll_timeout_secs = 1;
    TestConfig { engine: Config::from_settings(&settings).expect("config/callbot.toml is valid"), telegram }
}

/// The bot's setup over the project's knowledge with [`config`] changed by `edit`.
pub fn engine_with(edit: impl FnOnce(&mut TestConfig)) -> Setup {
    let mut config = config();
    edit(&mut config);
    config.telegram.validate().expect("the test's telegram settings are valid");
    Setup::new(Arc::new(Engine::new(knowledge(), config.engine)), config.telegram)
}

/// The bot's setup with [`config`] unchanged (the file's flood control included).
pub fn engine() -> Setup {
    engine_with(|_| {})
}

/// The bot running in a task; stop it with [`RunningBot::stop`] (dropping it aborts the task).
pub struct RunningBot {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningBot {
    /// Tells `serve` to stop and waits for it to return (it finishes replies in flight
    /// first); returns how long that took.
    ///
    /// # Panics
    /// If `serve` panicked or did not return within [`STOP_WITHIN`].
    pub async fn stop(mut self) -> Duration {
        let started = Instant::now();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let task = self.task.take().expect("the bot task is there until stopped");
        match tokio::time::timeout(STOP_WITHIN, task).await {
            Ok(Ok(())) => started.elapsed(),
            Ok(Err(error)) => panic!("the bot task failed: {error}"),
            Err(_) => panic!("serve did not return within {STOP_WITHIN:?} of the stop signal"),
        }
    }

    /// Whether `serve` has returned.
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl Drop for RunningBot {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Spawns `callbot::telegram::serve(client, setup, stop)`; returns at once.
pub fn spawn<R: Client>(client: R, setup: Setup) -> RunningBot {
    let (tx, rx) = oneshot::channel::<()>();
    let stop = async move {
        let _ = rx.await;
    };
    let task = tokio::spawn(async move {
        callbot::telegram::serve(client, setup, None, stop)
            .await
            .expect("the bot starts against the fake server");
    });
    RunningBot { stop: Some(tx), task: Some(task) }
}

/// Starts the bot with a plain `Bot` on the fake and waits until it polls.
///
/// # Panics
/// If it does not poll within [`WAIT`].
pub async fn start(fake: &FakeTelegram, setup: Setup) -> RunningBot {
    let running = spawn(fake.bot(), setup);
    wait_until_polling(fake).await;
    running
}

/// Starts the bot with `Throttle<Bot>` (Telegram's default limits, as `telegram::run` does
/// when `throttle = true`) and waits until it polls.
///
/// # Panics
/// If it does not poll within [`WAIT`].
pub async fn start_throttled(fake: &FakeTelegram, setup: Setup) -> RunningBot {
    let running = spawn(Throttle::new_spawn(fake.bot(), Limits::default()), setup);
    wait_until_polling(fake).await;
    running
}

async fn wait_until_polling(fake: &FakeTelegram) {
    fake.set_max_poll_wait(POLL_WAIT);
    if let Err(timeout) = fake.wait_for_calls_of("getUpdates", 1, WAIT).await {
        panic!("the bot never polled: {timeout}");
    }
}

/// The `sendMessage` calls to `chat`, answered or not, in order.
pub fn sends_to(fake: &FakeTelegram, chat: i64) -> Vec<Call> {
    fake.calls_of("sendMessage").into_iter().filter(|c| c.chat_id() == Some(chat)).collect()
}

/// The `sendMessage` calls to `chat` that the fake accepted, in order.
pub fn delivered_to(fake: &FakeTelegram, chat: i64) -> Vec<Call> {
    sends_to(fake, chat).into_iter().filter(Call::is_ok).collect()
}

/// What the user reads: the text of the message the fake made of an accepted call
/// (markup parsed away).
pub fn shown(call: &Call) -> String {
    call.result().and_then(|m| m.get("text")).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// Waits until `chat` has had `count` messages delivered; returns them.
///
/// # Panics
/// If they do not come within `timeout` (the message lists every call).
pub async fn wait_for_delivered(
    fake: &FakeTelegram,
    chat: i64,
    count: usize,
    timeout: Duration,
) -> Vec<Call> {
    let waited = fake
        .wait_for(
            |calls| {
                calls
                    .iter()
                    .filter(|c| c.method == "sendMessage" && c.chat_id() == Some(chat) && c.is_ok())
                    .count()
                    >= count
            },
            timeout,
        )
        .await;
    if let Err(timeout) = waited {
        panic!("chat {chat} did not get {count} message(s): {timeout}");
    }
    delivered_to(fake, chat)
}

/// Waits until the bot has fetched every queued update, then stops it; once this returns,
/// every update pushed before was handled and every reply to it sent (or given up on), so
/// a test may assert that something was *not* sent.
///
/// # Panics
/// If the updates are not fetched within [`WAIT`] or `serve` does not stop.
pub async fn finish(fake: &FakeTelegram, running: RunningBot) {
    if let Err(timeout) = fake.wait_for_updates_confirmed(WAIT).await {
        panic!("the bot did not fetch every update: {timeout}");
    }
    running.stop().await;
}

/// The secret token webhook tests use.
pub const WEBHOOK_SECRET: &str = "test-secret_1";

/// Webhook options for a listener on a free port of 127.0.0.1, at `/telegram/hook`.
fn webhook_options() -> WebhookOptions {
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port on 127.0.0.1");
    let url = format!("http://{listen}/telegram/hook").parse().expect("a valid URL");
    WebhookOptions { url, listen, secret: WEBHOOK_SECRET.to_owned() }
}

/// Spawns `callbot::telegram::webhook::serve`; returns at once.
fn spawn_webhook<R: Client>(
    client: R,
    setup: Setup,
    options: WebhookOptions,
    shared: Option<Shared>,
) -> RunningBot {
    let (tx, rx) = oneshot::channel::<()>();
    let stop = async move {
        let _ = rx.await;
    };
    let task = tokio::spawn(async move {
        callbot::telegram::webhook::serve(client, setup, options, shared, stop)
            .await
            .expect("the webhook bot starts against the fake server");
    });
    RunningBot { stop: Some(tx), task: Some(task) }
}

/// Starts a webhook bot on the fake and waits until it has registered its webhook.
///
/// # Panics
/// If it does not call `setWebhook` within [`WAIT`].
pub async fn start_webhook(
    fake: &FakeTelegram,
    setup: Setup,
    shared: Option<Shared>,
) -> (RunningBot, WebhookOptions) {
    let options = webhook_options();
    let before = fake.calls_of("setWebhook").len();
    let running = spawn_webhook(fake.bot(), setup, options.clone(), shared);
    if let Err(timeout) = fake.wait_for_calls_of("setWebhook", before + 1, WAIT).await {
        panic!("the bot never set its webhook: {timeout}");
    }
    (running, options)
}

/// Starts a webhook bot sending through `Throttle<Bot>` (Telegram's default limits, as
/// `telegram::run` does when `throttle = true`) and waits until it has registered its webhook.
///
/// # Panics
/// If it does not call `setWebhook` within [`WAIT`].
pub async fn start_webhook_throttled(fake: &FakeTelegram, setup: Setup) -> (RunningBot, WebhookOptions) {
    let options = webhook_options();
    let before = fake.calls_of("setWebhook").len();
    let client = Throttle::new_spawn(fake.bot(), Limits::default());
    let running = spawn_webhook(client, setup, options.clone(), None);
    if let Err(timeout) = fake.wait_for_calls_of("setWebhook", before + 1, WAIT).await {
        panic!("the bot never set its webhook: {timeout}");
    }
    (running, options)
}

/// `setup` with its conversation contexts in the Redis at `url`, as `callbot bot` keeps
/// them when `storage.redis_url` is set.
///
/// # Panics
/// If the URL is not a valid Redis URL.
pub fn with_redis_contexts(mut setup: Setup, url: &str) -> Setup {
    let idle = setup.engine.current().config().conversation.idle();
    let connection = callbot::storage::connect(url).expect("a valid Redis URL");
    setup.contexts = callbot::storage::ContextStore::redis(connection, idle);
    setup
}
