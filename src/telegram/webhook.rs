//! Webhook mode: Telegram POSTs each update to a listener of ours (axum), which answers
//! only once the update's reply was sent or its failure logged, so an instance that dies
//! mid-update leaves it to Telegram's redelivery.
//!
//! teloxide's stock listener is not used: it answers 200 as soon as an update is queued,
//! and deletes the webhook when it stops (another instance may still be serving). Here:
//! - `POST <path of the public URL>`: the update, with `X-Telegram-Bot-Api-Secret-Token`
//!   (401 without the right one, compared in constant time and checked before the body
//!   is read, so a stranger cannot make the listener buffer anything); a body must
//!   arrive within [`BODY_READ`] and hold at most [`MAX_BODY`] bytes; 503 once stopping
//!   or with [`MAX_IN_FLIGHT`] updates in hand, so Telegram retries later or elsewhere;
//! - `GET /healthz`: 200 when the knowledge is loaded and the configured Redis answers;
//! - `GET /metrics`: Prometheus text ([`super::metrics`]).
//!
//! An update is handled in a task of its own, so a POST whose connection drops (Telegram
//! or the proxy gave up) is still answered and marked done. Every update is claimed
//! before it is handled, with Redis ([`Shared`]) across instances, without it in this
//! process ([`super::recent`]), so a redelivery is not answered twice: one that comes
//! while the update is in hand waits for it. The HTTP side (header timeout,
//! connection cap) is [`super::listener`]'s.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use subtle::ConstantTimeEq;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::Me;
use tokio::sync::Notify;

use super::listener::{self, ListenerLimits};
use super::metrics::METRICS;
use super::recent::{Local, Recent};
use super::shared::{ClaimKeeper, Claimed, Shared};
use super::turns::Turns;
use super::{Arrived, BotState, Client, SHUTDOWN_GRACE, Setup, StartError, Stop, allowed_updates, start_up};

/// The environment variable that holds the webhook's secret token.
pub const SECRET_VARIABLE: &str = "CALLBOT_WEBHOOK_SECRET";
/// The header Telegram sends the secret token in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// Where the listener listens unless told otherwise: loopback, behind the HTTPS proxy
/// that is the way in (README, "Deployment").
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8443";
/// How many updates Telegram may POST at once (its most; its default is 40): replies take
/// most of their time waiting for Telegram, so more at once means more per second.
pub const MAX_CONNECTIONS: u8 = 100;
/// The most updates handled at once; one more gets 503 and is sent again by Telegram.
/// Telegram itself keeps at most [`MAX_CONNECTIONS`] in flight.
pub const MAX_IN_FLIGHT: usize = 2 * MAX_CONNECTIONS as usize;
/// The largest body read (an update is a few kilobytes).
pub const MAX_BODY: usize = 1 << 20;
/// How long the body of an authenticated request may take to arrive.
pub const BODY_READ: Duration = Duration::from_secs(10);
/// How long a redelivered update waits for another instance's claim on it to end.
const WAIT_FOR_CLAIM: Duration = Duration::from_secs(15);

/// Where Telegram sends updates and how they are checked.
#[derive(Clone)]
pub struct WebhookOptions {
    /// The public HTTPS URL Telegram POSTs to; its path is the listener's.
    pub url: url::Url,
    /// The local address to listen on.
    pub listen: SocketAddr,
    /// The secret token Telegram sends with each update (1–256 of `A-Z a-z 0-9 _ -`).
    pub secret: String,
}

impl std::fmt::Debug for WebhookOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookOptions")
            .field("url", &self.url.as_str())
            .field("listen", &self.listen)
            .field("secret", &"<hidden>")
            .finish()
    }
}

/// Checks a secret token the way Telegram does: 1–256 characters of `A-Z a-z 0-9 _ -`.
///
/// # Errors
/// Says what is wrong, without quoting the secret.
pub fn check_secret(secret: &str) -> Result<(), String> {
    let valid_chars = secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if (1..=256).contains(&secret.len()) && valid_chars {
        Ok(())
    } else {
        Err(format!("{SECRET_VARIABLE} must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -"))
    }
}

struct Listener<R> {
    bot: R,
    me: Me,
    state: Arc<BotState>,
    handler: UpdateHandler<Box<dyn std::error::Error + Send + Sync>>,
    secret: String,
    shared: Option<Shared>,
    stopping: AtomicBool,
    in_flight: AtomicUsize,
    idle: Notify,
    turns: Turns,
    recent: Recent,
}

/// Connects, registers the commands, the descriptions and the webhook, then serves updates until `stop`
/// resolves; then answers 503 to new updates and gives those in flight
/// [`SHUTDOWN_GRACE`] to finish. The webhook is left in place.
///
/// # Errors
/// If Telegram rejects the token or the webhook, or the address cannot be bound.
pub async fn serve<R, S>(
    bot: R,
    setup: Setup,
    options: WebhookOptions,
    shared: Option<Shared>,
    stop: S,
) -> Result<(), StartError>
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
    let tcp = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|source| StartError::Listen { address: options.listen, source })?;
    bot.set_webhook(options.url.clone())
        .secret_token(options.secret.clone())
        .allowed_updates(allowed_updates(&config))
        .max_connections(MAX_CONNECTIONS)
        .await?;
    let path = match options.url.path() {
        "" => "/".to_owned(),
        path => path.to_owned(),
    };
    let listener = Arc::new(Listener {
        bot,
        me,
        state: Arc::new(BotState::new(setup, shared.clone())),
        handler: super::schema::<R>(),
        secret: options.secret,
        shared,
        stopping: AtomicBool::new(false),
        in_flight: AtomicUsize::new(0),
        idle: Notify::new(),
        turns: Turns::default(),
        recent: Recent::default(),
    });
    let app = Router::new()
        .route(&path, post(on_update::<R>))
        .route("/healthz", get(healthz::<R>))
        .route("/metrics", get(metrics))
        .with_state(listener.clone());
    let (close, closed) = tokio::sync::oneshot::channel::<()>();
    let closing = async {
        let _ = closed.await;
    };
    let server =
        tokio::spawn(listener::serve(tcp, app, ListenerLimits::default(), closing, Duration::from_secs(1)));
    log::info!("callbot is serving the webhook on {} (path {path})", options.listen);
    stop.wait().await;
    log::info!("shutting down: new updates get 503, finishing replies in flight");
    listener.stopping.store(true, Ordering::SeqCst);
    let finished = async {
        while listener.in_flight.load(Ordering::SeqCst) > 0 {
            let notified = listener.idle.notified();
            if listener.in_flight.load(Ordering::SeqCst) == 0 {
                break;
            }
            notified.await;
        }
    };
    if tokio::time::timeout(SHUTDOWN_GRACE, finished).await.is_err() {
        log::warn!("replies still in flight {SHUTDOWN_GRACE:?} after the stop signal were given up");
    }
    let _ = close.send(());
    if tokio::time::timeout(Duration::from_secs(2), server).await.is_err() {
        log::warn!("the listener did not close within 2 s");
    }
    log::info!("stopped");
    Ok(())
}

/// Counts an update in flight while it lives.
struct InFlight<R>(Arc<Listener<R>>);

impl<R> InFlight<R> {
    fn new(listener: &Arc<Listener<R>>) -> Self {
        listener.in_flight.fetch_add(1, Ordering::SeqCst);
        Self(Arc::clone(listener))
    }
}

impl<R> Drop for InFlight<R> {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

async fn on_update<R: Client>(
    State(listener): State<Arc<Listener<R>>>,
    headers: HeaderMap,
    body: Body,
) -> StatusCode {
    let received = Instant::now();
    if listener.stopping.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    // The secret comes from the headers: a request without it is refused before a byte
    // of its body is read.
    let secret = headers.get(SECRET_HEADER).map_or(&[][..], axum::http::HeaderValue::as_bytes);
    if !bool::from(secret.ct_eq(listener.secret.as_bytes())) {
        log::warn!("a webhook request without the right secret token was refused");
        return StatusCode::UNAUTHORIZED;
    }
    if listener.in_flight.load(Ordering::SeqCst) >= MAX_IN_FLIGHT {
        log::warn!("{MAX_IN_FLIGHT} updates in hand: 503, Telegram sends this one again");
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let in_flight = InFlight::new(&listener);
    let body = match tokio::time::timeout(BODY_READ, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(body)) => body,
        Ok(Err(error)) => {
            log::warn!("a webhook body could not be read (over {MAX_BODY} bytes, or cut off): {error}");
            return StatusCode::BAD_REQUEST;
        }
        Err(_) => {
            log::warn!("a webhook body did not arrive within {BODY_READ:?}");
            return StatusCode::REQUEST_TIMEOUT;
        }
    };
    let update: Update = match serde_json::from_slice(&body) {
        Ok(update) => update,
        Err(error) => {
            // Telegram would send it again and again: acknowledge, and log.
            log::warn!("an unreadable update was skipped: {error}");
            return StatusCode::OK;
        }
    };
    // Handled in a task of its own: a connection that drops (Telegram or the proxy gave
    // up on the POST) does not cancel a reply that may be on its way; the update runs to
    // its done mark, and a redelivery meanwhile waits on its claim.
    let handling = tokio::spawn(handle(in_flight, update, received));
    handling.await.unwrap_or_else(|error| {
        log::warn!("handling an update failed: {error}");
        StatusCode::INTERNAL_SERVER_ERROR
    })
}

/// Claims an update, answers it and marks it done; the status for Telegram.
async fn handle<R: Client>(in_flight: InFlight<R>, update: Update, received: Instant) -> StatusCode {
    let listener = &in_flight.0;
    let id = update.id.0;
    let kind = super::update_kind(&update);
    let mut local = None;
    let keeper = match &listener.shared {
        None => match listener.recent.claim(id, WAIT_FOR_CLAIM).await {
            Local::Taken(claim) => {
                local = Some(claim);
                None
            }
            Local::Done => {
                log::debug!("update {id} was answered already");
                METRICS.duplicates.inc();
                return StatusCode::OK;
            }
            Local::Busy => return StatusCode::SERVICE_UNAVAILABLE,
        },
        Some(shared) => match claim(shared, id).await {
            SharedClaim::Handle(keeper) => keeper,
            SharedClaim::Skip(status) => return status,
        },
    };
    let Listener { handler, bot, me, state, turns, .. } = &**listener;
    // One user's updates one at a time, as in polling (see `turns`); one that finds its
    // user's backlog full does not wait its turn: flood control refuses it at once.
    let user = update.from().map(|user| user.id.0);
    let ahead = user.map_or(0, |user| turns.ahead(user));
    let turn = match user {
        Some(user) if !state.flood.backlog_full(ahead) => Some(turns.take(user).await),
        _ => None,
    };
    super::dispatch_update(handler, bot, me, state, update, Arrived { at: received, ahead }).await;
    drop(turn);
    if let Some(claim) = local {
        claim.finish();
    }
    if let (Some(shared), Some(keeper)) = (&listener.shared, keeper) {
        shared.finish(keeper, id).await;
    }
    METRICS.latency.with_label_values(&[kind]).observe(received.elapsed().as_secs_f64());
    StatusCode::OK
}

/// What the shared claim on an update says to do.
enum SharedClaim {
    /// Handle it, renewing the claim while the keeper lives, or unclaimed (`None`) when
    /// Redis has been unreachable past its grace period.
    Handle(Option<ClaimKeeper>),
    /// Answer Telegram with this status and do nothing more.
    Skip(StatusCode),
}

async fn claim(shared: &Shared, id: u32) -> SharedClaim {
    match shared.claim_waiting(id, WAIT_FOR_CLAIM).await {
        Ok(Claimed::Taken(keeper)) => SharedClaim::Handle(Some(keeper)),
        Ok(Claimed::Done) => {
            log::debug!("update {id} was answered already");
            METRICS.duplicates.inc();
            SharedClaim::Skip(StatusCode::OK)
        }
        Ok(Claimed::Busy) => SharedClaim::Skip(StatusCode::SERVICE_UNAVAILABLE),
        Err(error) if shared.past_grace() => {
            log::warn!(
                "update {id}: Redis unavailable for over {:?} ({error}); answering it unclaimed",
                shared.grace()
            );
            METRICS.unclaimed.inc();
            SharedClaim::Handle(None)
        }
        Err(error) => {
            log::warn!("update {id}: Redis unavailable ({error}); Telegram will send it again");
            SharedClaim::Skip(StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}

async fn healthz<R: Client>(State(listener): State<Arc<Listener<R>>>) -> impl IntoResponse {
    if listener.stopping.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "stopping\n");
    }
    if listener.state.engine.current().knowledge().entries.is_empty() {
        return (StatusCode::SERVICE_UNAVAILABLE, "no knowledge loaded\n");
    }
    if let Some(shared) = &listener.shared
        && !shared.ping().await
    {
        return (StatusCode::SERVICE_UNAVAILABLE, "redis does not answer\n");
    }
    (StatusCode::OK, "ok\n")
}

async fn metrics() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], METRICS.render())
}
