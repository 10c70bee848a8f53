//! Sending with care: every reply is delivered, retried, or its loss logged.
//!
//! - 429 (flood control): wait `retry_after`, send again.
//! - A network error, a 5xx or an unreadable answer: retry with backoff, a bounded
//!   number of times.
//! - A group that became a supergroup: send to the new chat.
//! - The markup or the buttons rejected: send the same text plain, without buttons.
//! - A permanent error (the user blocked the bot, the chat is gone): log and drop.

use std::time::Duration;

use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::*;
use teloxide::types::{ChatId, MessageId, ParseMode, ReplyParameters};
use teloxide::{ApiError, RequestError};

use super::render::Outgoing;

/// How many times a request is tried in all.
const MAX_ATTEMPTS: u32 = 5;
/// The first backoff after a transient error; it doubles each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(300);
/// The longest `retry_after` honoured; a longer one is capped (it is a request, not an order).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Why a message was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Telegram refuses to deliver to this chat for good (blocked, kicked, not found).
    #[error("permanent error for chat {chat}: {source}")]
    Permanent {
        /// The chat.
        chat: ChatId,
        /// Telegram's answer.
        #[source]
        source: RequestError,
    },
    /// Every attempt failed.
    #[error("gave up on chat {chat} after {MAX_ATTEMPTS} attempts: {source}")]
    GaveUp {
        /// The chat.
        chat: ChatId,
        /// The last error.
        #[source]
        source: RequestError,
    },
}

/// What to do after an error.
#[derive(Debug, PartialEq)]
enum Next {
    Wait(Duration),
    SendPlain,
    SendWithoutReply,
    MoveTo(ChatId),
    Drop,
}

fn next_step(error: &RequestError, attempt: u32, plain: bool) -> Next {
    match error {
        RequestError::RetryAfter(seconds) => Next::Wait(seconds.duration().min(MAX_RETRY_AFTER)),
        RequestError::MigrateToChatId(chat) => Next::MoveTo(*chat),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            Next::Wait(FIRST_BACKOFF * 2u32.pow(attempt.min(6)))
        }
        RequestError::Api(api) => match api {
            ApiError::BotBlocked
            | ApiError::ChatNotFound
            | ApiError::UserDeactivated
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel
            | ApiError::CantInitiateConversation
            | ApiError::CantTalkWithBots
            | ApiError::NotEnoughRightsToPostMessages
            | ApiError::GroupDeactivated => Next::Drop,
            ApiError::MessageToReplyNotFound => Next::SendWithoutReply,
            _ if !plain => Next::SendPlain,
            _ => Next::Drop,
        },
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
    let mut last_error = None;
    for attempt in 0..MAX_ATTEMPTS {
        let result = if plain {
            with_reply(bot.send_message(chat, message.plain.clone()), reply_to).await
        } else {
            let mut request = bot.send_message(chat, message.html.clone()).parse_mode(ParseMode::Html);
            if let Some(keyboard) = &message.keyboard {
                request = request.reply_markup(keyboard.clone());
            }
            with_reply(request, reply_to).await
        };
        let error = match result {
            Ok(_) => return Ok(()),
            Err(error) => error,
        };
        match next_step(&error, attempt, plain) {
            Next::Wait(delay) => {
                log::warn!("sending to chat {chat} failed ({error}); retrying in {delay:?}");
                tokio::time::sleep(delay).await;
            }
            Next::SendPlain => {
                log::warn!("Telegram rejected the reply's markup in chat {chat} ({error}); sending it plain");
                plain = true;
            }
            Next::SendWithoutReply => reply_to = None,
            Next::MoveTo(new_chat) => {
                log::info!("chat {chat} became supergroup {new_chat}");
                chat = new_chat;
            }
            Next::Drop => return Err(SendError::Permanent { chat, source: error }),
        }
        last_error = Some(error);
    }
    Err(SendError::GaveUp {
        chat,
        source: last_error.unwrap_or(RequestError::Api(ApiError::Unknown(String::new()))),
    })
}

async fn with_reply<Q>(request: Q, reply_to: Option<MessageId>) -> Result<Message, RequestError>
where
    Q: SendMessageSetters + std::future::IntoFuture<Output = Result<Message, RequestError>>,
{
    match reply_to {
        Some(id) => request.reply_parameters(ReplyParameters::new(id).allow_sending_without_reply()).await,
        None => request.await,
    }
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
    use super::*;
    use teloxide::types::Seconds;

    #[test]
    fn flood_control_waits_as_told() {
        let next = next_step(&RequestError::RetryAfter(Seconds::from_seconds(3)), 0, false);
        assert_eq!(next, Next::Wait(Duration::from_secs(3)));
    }

    #[test]
    fn rejected_markup_is_sent_plain_once() {
        let error = RequestError::Api(ApiError::CantParseEntities("bad".into()));
        assert_eq!(next_step(&error, 0, false), Next::SendPlain);
        assert_eq!(next_step(&error, 1, true), Next::Drop);
    }

    #[test]
    fn blocked_users_are_dropped() {
        assert_eq!(next_step(&RequestError::Api(ApiError::BotBlocked), 0, false), Next::Drop);
        assert_eq!(next_step(&RequestError::Api(ApiError::ChatNotFound), 0, false), Next::Drop);
    }

    #[test]
    fn transient_errors_back_off_exponentially() {
        let error = || RequestError::Io(std::io::Error::other("reset").into());
        assert_eq!(next_step(&error(), 0, false), Next::Wait(FIRST_BACKOFF));
        assert_eq!(next_step(&error(), 2, false), Next::Wait(FIRST_BACKOFF * 4));
    }
}
