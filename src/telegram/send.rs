//! Sending with care: every reply is delivered once, or its loss logged.
//!
//! Errors are classified by what Telegram said, not by whether teloxide has a variant for
//! it (a 502 with a JSON body arrives as `ApiError::Unknown("Bad Gateway")`):
//! - the markup or the buttons rejected (can't parse entities, button data invalid, …):
//!   the same text once more, plain, without buttons;
//! - a 5xx, a network error or an unreadable error page: the same message again, HTML and
//!   buttons kept, after an exponential backoff with jitter, a bounded number of times;
//! - an unreadable answer that says `"ok":true`: delivered (sending again would duplicate);
//! - 429: wait `retry_after`, send again (`Throttle`, when used, waits and resends itself,
//!   so this only sees a 429 when sending unthrottled: the wait happens once);
//! - a group that became a supergroup: send to the new chat;
//! - blocked, kicked, chat not found and other refusals: log and drop.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::*;
use teloxide::types::{ChatId, MessageId, ParseMode, ReplyParameters};
use teloxide::{ApiError, RequestError};

use super::metrics::METRICS;
use super::render::Outgoing;

/// How many times a transient error is retried before the reply is given up.
pub const MAX_RETRIES: usize = 4;
/// The first backoff after a transient error; it doubles each time, plus jitter.
const FIRST_BACKOFF: Duration = Duration::from_millis(300);
/// The longest backoff between two tries.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// The longest `retry_after` honoured; a longer one is capped (it is a request, not an order).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// How many times a 429 is waited out for one message.
const MAX_RETRY_AFTERS: u32 = 3;

/// Why a message was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Telegram refuses this message or this chat for good (blocked, kicked, not found).
    #[error("refused for chat {chat}: {source}")]
    Refused {
        /// The chat.
        chat: ChatId,
        /// Telegram's answer.
        #[source]
        source: RequestError,
    },
    /// Every try failed.
    #[error("gave up on chat {chat} after {tries} tries: {source}")]
    GaveUp {
        /// The chat.
        chat: ChatId,
        /// How many times the message was sent.
        tries: u32,
        /// The last error.
        #[source]
        source: RequestError,
    },
}

/// What an error means for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Telegram took the message; only its answer could not be read.
    Delivered,
    /// Telegram asks to wait this long before sending again.
    RetryAfter(Duration),
    /// Telegram, or the way to it, failed: send the same message again later.
    Transient,
    /// Telegram rejected the markup or the buttons.
    Markup,
    /// The message replied to is gone.
    ReplyMissing,
    /// The group became this supergroup.
    Migrated(ChatId),
    /// Telegram refuses for good: blocked, kicked, not found, or a bad request.
    Refused,
}

impl ErrorClass {
    /// The label used in logs and metrics.
    pub fn label(self) -> &'static str {
        match self {
            Self::Delivered => "unreadable_success",
            Self::RetryAfter(_) => "retry_after",
            Self::Transient => "transient",
            Self::Markup => "markup",
            Self::ReplyMissing => "reply_missing",
            Self::Migrated(_) => "migrated",
            Self::Refused => "refused",
        }
    }
}

/// Descriptions (lowercased) of rejected markup that teloxide may not have a variant for.
const MARKUP_REJECTIONS: &[&str] = &[
    "can't parse entities",
    "button_data_invalid",
    "can't parse inline keyboard button",
    "reply keyboard markup",
    "reply markup",
    "unsupported start tag",
    "button_url_invalid",
];

/// Descriptions (lowercased) of a failure on Telegram's side.
const SERVER_FAILURES: &[&str] =
    &["bad gateway", "internal server error", "service unavailable", "gateway timeout"];

/// What an error means for the message, from what Telegram said.
pub fn classify(error: &RequestError) -> ErrorClass {
    match error {
        RequestError::RetryAfter(seconds) => ErrorClass::RetryAfter(seconds.duration().min(MAX_RETRY_AFTER)),
        RequestError::MigrateToChatId(chat) => ErrorClass::Migrated(*chat),
        RequestError::Network(_) | RequestError::Io(_) => ErrorClass::Transient,
        RequestError::InvalidJson { raw, .. } => {
            let said_ok = serde_json::from_str::<serde_json::Value>(raw)
                .ok()
                .and_then(|body| body.get("ok").and_then(serde_json::Value::as_bool))
                == Some(true);
            if said_ok { ErrorClass::Delivered } else { ErrorClass::Transient }
        }
        RequestError::Api(api) => classify_api(api),
    }
}

fn classify_api(api: &ApiError) -> ErrorClass {
    match api {
        ApiError::CantParseEntities(_)
        | ApiError::ButtonDataInvalid
        | ApiError::TextButtonsAreUnallowed
        | ApiError::WrongHttpUrl
        | ApiError::CantParseUrl => ErrorClass::Markup,
        ApiError::MessageToReplyNotFound => ErrorClass::ReplyMissing,
        ApiError::Unknown(description) => {
            let description = description.to_lowercase();
            if SERVER_FAILURES.iter().any(|s| description.contains(s)) {
                ErrorClass::Transient
            } else if MARKUP_REJECTIONS.iter().any(|s| description.contains(s)) {
                ErrorClass::Markup
            } else {
                ErrorClass::Refused
            }
        }
        _ => ErrorClass::Refused,
    }
}

/// Sends one message to a chat, as a reply to `reply_to` when given.
pub async fn deliver<R>(
    bot: &R,
    chat: ChatId,
    message: &Outgoing,
    reply_to: Option<MessageId>,
) -> Result<(), SendError>
where
    R: Requester<Err = RequestError>,
{
    let mut chat = chat;
    let mut plain = false;
    let mut reply_to = reply_to;
    let mut backoff = backoff();
    let mut waits = 0;
    let mut tries = 0;
    loop {
        tries += 1;
        let error = match send_once(bot, chat, message, plain, reply_to).await {
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        let class = classify(&error);
        if class != ErrorClass::Delivered {
            METRICS.send_errors.with_label_values(&[class.label()]).inc();
        }
        match class {
            ErrorClass::Delivered => {
                log::warn!("chat {chat}: Telegram's answer was unreadable but said ok; not sending again");
                return Ok(());
            }
            ErrorClass::RetryAfter(delay) if waits < MAX_RETRY_AFTERS => {
                waits += 1;
                log::warn!("chat {chat}: flood control, sending again in {delay:?}");
                tokio::time::sleep(delay).await;
            }
            ErrorClass::Transient => match backoff.next() {
                Some(delay) => {
                    log::warn!("chat {chat}: sending failed ({error}); trying again in {delay:?}");
                    tokio::time::sleep(delay).await;
                }
                None => return Err(SendError::GaveUp { chat, tries, source: error }),
            },
            ErrorClass::Markup if !plain => {
                log::warn!("chat {chat}: Telegram rejected the reply's markup ({error}); sending it plain");
                plain = true;
            }
            ErrorClass::ReplyMissing if reply_to.is_some() => reply_to = None,
            ErrorClass::Migrated(new_chat) if new_chat != chat => {
                log::info!("chat {chat} became supergroup {new_chat}");
                chat = new_chat;
            }
            ErrorClass::RetryAfter(_) => return Err(SendError::GaveUp { chat, tries, source: error }),
            _ => return Err(SendError::Refused { chat, source: error }),
        }
        METRICS.retries.inc();
    }
}

/// The delays between tries after transient errors: exponential, with jitter, bounded.
fn backoff() -> impl Iterator<Item = Duration> {
    ExponentialBuilder::default()
        .with_min_delay(FIRST_BACKOFF)
        .with_max_delay(MAX_BACKOFF)
        .with_max_times(MAX_RETRIES)
        .with_jitter()
        .build()
}

async fn send_once<R>(
    bot: &R,
    chat: ChatId,
    message: &Outgoing,
    plain: bool,
    reply_to: Option<MessageId>,
) -> Result<(), RequestError>
where
    R: Requester<Err = RequestError>,
{
    if plain {
        return with_reply(bot.send_message(chat, message.plain.clone()), reply_to).await;
    }
    let mut request = bot.send_message(chat, message.html.clone()).parse_mode(ParseMode::Html);
    if let Some(keyboard) = &message.keyboard {
        request = request.reply_markup(keyboard.clone());
    }
    with_reply(request, reply_to).await
}

async fn with_reply<Q>(request: Q, reply_to: Option<MessageId>) -> Result<(), RequestError>
where
    Q: SendMessageSetters + std::future::IntoFuture<Output = Result<Message, RequestError>>,
{
    let sent = match reply_to {
        Some(id) => request.reply_parameters(ReplyParameters::new(id).allow_sending_without_reply()).await,
        None => request.await,
    };
    sent.map(drop)
}

/// Sends a screen's messages in order; stops at the first that cannot be delivered.
pub async fn deliver_all<R>(
    bot: &R,
    chat: ChatId,
    messages: &[Outgoing],
    reply_to: Option<MessageId>,
) -> Result<(), SendError>
where
    R: Requester<Err = RequestError>,
{
    for message in messages {
        deliver(bot, chat, message, reply_to).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use teloxide::types::Seconds;

    fn invalid_json(raw: &str) -> RequestError {
        let source = serde_json::from_str::<u8>("x").expect_err("not a number");
        RequestError::InvalidJson { source: Arc::new(source), raw: raw.into() }
    }

    #[test]
    fn flood_control_waits_as_told() {
        let class = classify(&RequestError::RetryAfter(Seconds::from_seconds(3)));
        assert_eq!(class, ErrorClass::RetryAfter(Duration::from_secs(3)));
    }

    #[test]
    fn rejected_markup_is_recognised_with_or_without_a_variant() {
        assert_eq!(
            classify(&RequestError::Api(ApiError::CantParseEntities("bad".into()))),
            ErrorClass::Markup
        );
        assert_eq!(classify(&RequestError::Api(ApiError::ButtonDataInvalid)), ErrorClass::Markup);
        let unknown = ApiError::Unknown("Bad Request: can't parse inline keyboard button: x".into());
        assert_eq!(classify(&RequestError::Api(unknown)), ErrorClass::Markup);
    }

    #[test]
    fn a_json_bad_gateway_is_transient_not_markup() {
        assert_eq!(
            classify(&RequestError::Api(ApiError::Unknown("Bad Gateway".into()))),
            ErrorClass::Transient
        );
        let internal = ApiError::Unknown("Internal Server Error: restart".into());
        assert_eq!(classify(&RequestError::Api(internal)), ErrorClass::Transient);
    }

    #[test]
    fn an_unreadable_answer_saying_ok_was_delivered() {
        assert_eq!(classify(&invalid_json(r#"{"ok":true,"result":{"weird":1}}"#)), ErrorClass::Delivered);
        assert_eq!(classify(&invalid_json("<html>502 Bad Gateway</html>")), ErrorClass::Transient);
    }

    #[test]
    fn blocked_users_are_dropped() {
        assert_eq!(classify(&RequestError::Api(ApiError::BotBlocked)), ErrorClass::Refused);
        assert_eq!(classify(&RequestError::Api(ApiError::ChatNotFound)), ErrorClass::Refused);
        assert_eq!(classify(&RequestError::Api(ApiError::BotKicked)), ErrorClass::Refused);
    }

    #[test]
    fn transient_errors_back_off_with_bounded_tries() {
        let delays: Vec<Duration> = backoff().collect();
        assert_eq!(delays.len(), MAX_RETRIES);
        assert!(delays.iter().all(|d| *d >= FIRST_BACKOFF && *d <= MAX_BACKOFF * 2), "{delays:?}");
    }
}
