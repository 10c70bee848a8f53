//! The endpoints of the handler tree: each extracts what it needs from the update, asks
//! the engine, renders a screen and sends it. No logic worth testing lives here.

use std::sync::Arc;
use std::time::Instant;

use teloxide::prelude::*;
use teloxide::types::{
    InlineQueryResult, InlineQueryResultArticle, InputMessageContent, InputMessageContentText, Me,
    MessageEntityKind, ParseMode, User,
};

use super::flood::FloodGate;
use super::metrics::METRICS;
use super::send::deliver_all;
use super::shared::Shared;
use super::{Arrived, Client, HandlerResult, Setup, TelegramConfig, commands, render};
use crate::conversation::{self, Context};
use crate::engine::{Engine, SharedEngine};
use crate::reply::{Reply, ReplyKind};
use crate::review::ReviewLog;
use crate::screen::{self, Action, Medium, Screen};
use crate::storage::ContextStore;
use crate::understanding::Script;

/// What every handler shares: built once at start-up, injected into the handler tree.
#[derive(Debug)]
pub struct BotState {
    /// The engine that answers; each update takes the current one and keeps it.
    pub engine: SharedEngine,
    /// The bot's settings.
    pub telegram: TelegramConfig,
    /// Where questions not answered well are logged.
    pub review: Option<Arc<ReviewLog>>,
    /// Per-user flood control.
    pub flood: FloodGate,
    /// The enabled commands with their descriptions (for /help).
    pub commands: Vec<(String, String)>,
    /// Where each chat's conversation context is kept.
    pub contexts: ContextStore,
}

impl BotState {
    /// The state for a setup, with its flood settings; the flood limit is kept in Redis
    /// when `shared` is given.
    pub fn new(setup: Setup, shared: Option<Shared>) -> Self {
        let Setup { engine, telegram, review, contexts } = setup;
        let flood = FloodGate::new(telegram.flood_burst, telegram.flood_per_second, shared);
        let commands =
            screen::commands_enabled(&engine.current().knowledge().replies, &telegram.disabled_commands);
        Self { engine, telegram, review, flood, commands, contexts }
    }

    /// Reads a user's context in a chat, lets `change` turn it into the next one, and
    /// saves it; returns what `change` returned. Each (chat, user) context is its own
    /// record, so users of one group answered at once do not overwrite each other.
    async fn converse<T>(
        &self,
        chat: i64,
        user: u64,
        change: impl FnOnce(Option<Context>) -> (Option<Context>, T),
    ) -> T {
        let context = self.contexts.load(chat, user).await;
        let (next, result) = change(context);
        self.contexts.save(chat, user, next).await;
        result
    }
}

/// Whether a message is a new one or an edit of an earlier one (for the log).
#[derive(Debug, Clone, Copy)]
pub enum MessageKind {
    /// A new message.
    New,
    /// An edited message.
    Edited,
}

/// A new or edited message.
pub async fn on_message<R: Client>(
    bot: R,
    msg: Message,
    me: Me,
    state: Arc<BotState>,
    arrived: Arrived,
    kind: MessageKind,
) -> HandlerResult {
    let started = Instant::now();
    let telegram = &state.telegram;
    let chat_type = chat_kind(&msg.chat);
    if !telegram.allows(msg.chat.id.0) {
        log::debug!("update=message chat={chat_type}: chat {} is not allowed", msg.chat.id);
        return Ok(());
    }
    let private = msg.chat.is_private();
    if !private && !telegram.groups {
        return Ok(());
    }
    let Some(text) = msg.text() else {
        if private && admitted(&bot, &msg, &state, arrived).await {
            let screen =
                screen::not_text(&state.engine.current()).in_script(screen_script(None, msg.from.as_ref()));
            send_screen(&bot, &msg, &screen, false).await;
            log::info!("update={kind:?} chat={chat_type} non-text ms={}", started.elapsed().as_millis());
        }
        return Ok(());
    };
    let username = me.user.username.as_deref().unwrap_or_default();
    if text.starts_with('/') {
        return on_command(&bot, &msg, text, username, &state, arrived, started).await;
    }
    let addressed = private || mentions(&msg, username) || replies_to_bot(&msg, &me);
    if !addressed {
        return Ok(());
    }
    if !admitted(&bot, &msg, &state, arrived).await {
        return Ok(());
    }
    let question = strip_mention(text, username);
    let engine = state.engine.current();
    let now = conversation::now();
    // A reply to one of the bot's messages continues the topic of that message.
    let replied = msg
        .reply_to_message()
        .filter(|_| replies_to_bot(&msg, &me))
        .and_then(|m| engine.answered_entry(m.text()?));
    let turn = state
        .converse(msg.chat.id.0, sender(&msg), |context| {
            let replied = replied.and_then(|id| engine.opened(id, context.as_ref(), now));
            let turn = engine.converse(replied.as_ref().or(context.as_ref()), &question, now);
            (turn.context.clone(), turn)
        })
        .await;
    send_screen(&bot, &msg, &screen::answer(&turn.reply, &engine), !private).await;
    if let (Some(review), Some(found)) = (&state.review, &turn.found) {
        review.note(&engine, chat_type, &question, found, &turn.reply);
    }
    log_answer(
        &format!("{kind:?}"),
        chat_type,
        &question,
        &turn.reply,
        turn.found.as_ref().and_then(|f| f.best()).map_or(1.0, |c| c.score),
        started,
    );
    Ok(())
}

async fn on_command<R: Client>(
    bot: &R,
    msg: &Message,
    text: &str,
    username: &str,
    state: &BotState,
    arrived: Arrived,
    started: Instant,
) -> HandlerResult {
    let private = msg.chat.is_private();
    let engine = state.engine.current();
    let command =
        commands::parse(text, username).filter(|c| state.commands.iter().any(|(n, _)| n == c.name()));
    let Some(command) = command else {
        // Another bot's command, or an unknown one: in a group it is not ours.
        let addressed_to_us =
            text.split_whitespace().next().is_some_and(|c| c.ends_with(&format!("@{username}")));
        if (private || addressed_to_us) && admitted(bot, msg, state, arrived).await {
            send_screen(bot, msg, &screen::help(&engine, Medium::Telegram, &state.commands), !private).await;
        }
        return Ok(());
    };
    if !admitted(bot, msg, state, arrived).await {
        return Ok(());
    }
    let script = state
        .converse(msg.chat.id.0, sender(msg), |context| {
            let script = screen_script(context.as_ref(), msg.from.as_ref());
            (command.context(&engine, context, conversation::now()), script)
        })
        .await;
    let screen = command.screen(&engine, Medium::Telegram, &state.commands).in_script(script);
    send_screen(bot, msg, &screen, !private).await;
    log::info!(
        "update=command chat={} command={} ms={}",
        chat_kind(&msg.chat),
        command.name(),
        started.elapsed().as_millis()
    );
    Ok(())
}

/// A button press: answer the callback (so no spinner is left), then send the answer.
pub async fn on_callback<R: Client>(
    bot: R,
    query: CallbackQuery,
    state: Arc<BotState>,
    arrived: Arrived,
) -> HandlerResult {
    let started = Instant::now();
    let engine = state.engine.current();
    let action = query.data.as_deref().and_then(|data| Action::from_data(data, &engine));
    let mut answer = bot.answer_callback_query(query.id.clone());
    if action.is_none() {
        answer = answer.text(screen::stale_button(&engine));
    }
    if let Err(error) = answer.await {
        log::warn!("answering a button press failed: {error}");
    }
    let (Some(action), Some(message)) = (action, query.message.as_ref()) else { return Ok(()) };
    let chat = message.chat();
    if !state.telegram.allows(chat.id.0) {
        return Ok(());
    }
    let entry = match &action {
        Action::Entry(id) => id.as_str(),
        Action::Category(category) => category.label(),
    };
    let user = query.from.id.0;
    let delivered = if state.flood.admit(user, arrived.at.elapsed(), arrived.ahead).await {
        let Some(screen) = action.screen(&engine) else { return Ok(()) };
        // A button sets the context as if its question had been typed, and its screen
        // is written in the chat's script.
        let script = state
            .converse(chat.id.0, user, |context| {
                let script = screen_script(context.as_ref(), Some(&query.from));
                let next = match &action {
                    Action::Entry(id) => engine.opened(id, context.as_ref(), conversation::now()),
                    Action::Category(_) => context,
                };
                (next, script)
            })
            .await;
        deliver_all(&bot, chat.id, &render::messages(&screen.in_script(script)), None).await
    } else if state.flood.notice_due(chat.id.0, user).await {
        deliver_all(&bot, chat.id, &render::messages(&screen::too_fast(&engine)), None).await
    } else {
        Ok(())
    };
    if let Err(error) = delivered {
        log::warn!("update=callback: reply not delivered: {error}");
    }
    log::info!("update=callback chat={} entry={entry} ms={}", chat_kind(chat), started.elapsed().as_millis());
    Ok(())
}

/// `@bot question` in any chat: up to `inline_results` answers as articles.
pub async fn on_inline<R: Client>(bot: R, query: InlineQuery, state: Arc<BotState>) -> HandlerResult {
    let started = Instant::now();
    let engine = state.engine.current();
    let telegram = &state.telegram;
    let replies = if telegram.inline { engine.choices(&query.query) } else { Vec::new() };
    let results: Vec<InlineQueryResult> = replies
        .iter()
        .take(telegram.inline_results)
        .filter_map(|reply| inline_article(&engine, reply))
        .collect();
    let count = results.len();
    if let Err(error) = bot.answer_inline_query(query.id.clone(), results).cache_time(300).await {
        log::warn!("update=inline: answer not delivered: {error}");
    }
    log::info!("update=inline results={count} ms={}", started.elapsed().as_millis());
    log::debug!("inline query: {}", query.query);
    Ok(())
}

fn inline_article(engine: &Engine, reply: &Reply) -> Option<InlineQueryResult> {
    let entry = engine.knowledge().entry(reply.entry.as_deref()?)?;
    let mut screen = screen::answer(reply, engine);
    screen.buttons.clear();
    let message = render::messages(&screen).into_iter().next()?;
    let content =
        InputMessageContent::Text(InputMessageContentText::new(message.html).parse_mode(ParseMode::Html));
    let description: String = reply.text.chars().take(80).collect();
    let title = reply.script.write(entry.canonical_question());
    Some(InlineQueryResult::Article(
        InlineQueryResultArticle::new(entry.id.clone(), title, content)
            .description(reply.script.write(&description)),
    ))
}

/// Waits for the sender's turn under flood control; if the question is refused, tells the
/// sender to slow down (once a window: see [`FloodGate::notice_due`]) and returns false.
async fn admitted<R: Client>(bot: &R, msg: &Message, state: &BotState, arrived: Arrived) -> bool {
    let Some(user) = &msg.from else { return true };
    if state.flood.admit(user.id.0, arrived.at.elapsed(), arrived.ahead).await {
        return true;
    }
    if state.flood.notice_due(msg.chat.id.0, user.id.0).await {
        let notice = screen::too_fast(&state.engine.current()).in_script(screen_script(None, Some(user)));
        send_screen(bot, msg, &notice, !msg.chat.is_private()).await;
    } else {
        log::debug!("flood control: the user was told already in this window");
    }
    false
}

async fn send_screen<R>(bot: &R, msg: &Message, screen: &Screen, as_reply: bool)
where
    R: Requester<Err = teloxide::RequestError>,
{
    let reply_to = as_reply.then_some(msg.id);
    if let Err(error) = deliver_all(bot, msg.chat.id, &render::messages(screen), reply_to).await {
        log::warn!("reply not delivered: {error}");
    }
}

fn log_answer(kind: &str, chat_type: &str, question: &str, reply: &Reply, score: f64, started: Instant) {
    let entry = reply.entry.as_deref().unwrap_or("-");
    let ms = started.elapsed().as_millis();
    METRICS.outcomes.with_label_values(&[outcome(reply.kind)]).inc();
    log::info!(
        "update={kind} chat={chat_type} entry={entry} answered={} score={score:.3} ms={ms}",
        reply.is_answered()
    );
    // The question itself only at debug (it may hold personal data), on one line and cut;
    // nothing is built for it when debug is off.
    if log::log_enabled!(log::Level::Debug) {
        let shown: String =
            question.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(LOGGED_CHARS).collect();
        let status = if reply.is_answered() { "answered" } else { "declined" };
        log::debug!("{status} question: {shown}");
    }
}

/// How much of a question the debug log shows.
const LOGGED_CHARS: usize = 200;

/// The outcome of a question, as counted in the metrics.
fn outcome(kind: ReplyKind) -> &'static str {
    match kind {
        ReplyKind::Answer => "answered",
        ReplyKind::Unreported => "unreported",
        ReplyKind::Declined => "declined",
    }
}

/// The script a screen no message has told is written in: the chat's, else the one the
/// user's Telegram language asks for, else Simplified.
fn screen_script(context: Option<&Context>, user: Option<&User>) -> Script {
    context
        .and_then(|c| c.script)
        .or_else(|| user.and_then(|u| u.language_code.as_deref()).and_then(Script::of_language_code))
        .unwrap_or_default()
}

/// Whose conversation a message belongs to: its sender (the chat, for a message with none).
fn sender(msg: &Message) -> u64 {
    msg.from.as_ref().map_or(msg.chat.id.0.unsigned_abs(), |user| user.id.0)
}

/// Whether the message mentions the bot by @username.
fn mentions(msg: &Message, username: &str) -> bool {
    let by_entity = msg.parse_entities().unwrap_or_default().iter().any(|e| {
        matches!(e.kind(), MessageEntityKind::Mention)
            && e.text().trim_start_matches('@').eq_ignore_ascii_case(username)
    });
    by_entity || (!username.is_empty() && msg.text().is_some_and(|t| contains_mention(t, username)))
}

fn contains_mention(text: &str, username: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let needle = format!("@{}", username.to_ascii_lowercase());
    lower.match_indices(&needle).any(|(start, _)| {
        let after = lower[start + needle.len()..].chars().next();
        !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Whether the message replies to one of the bot's own messages.
fn replies_to_bot(msg: &Message, me: &Me) -> bool {
    msg.reply_to_message().and_then(|m| m.from.as_ref()).is_some_and(|u| u.id == me.user.id)
}

/// The question without the @mention of the bot.
fn strip_mention(text: &str, username: &str) -> String {
    if username.is_empty() {
        return text.to_owned();
    }
    let mention = format!("@{username}");
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    let needle = mention.to_ascii_lowercase();
    for (start, _) in lower.match_indices(&needle) {
        if start >= rest {
            out.push_str(&text[rest..start]);
            rest = start + needle.len();
        }
    }
    out.push_str(&text[rest..]);
    out.trim().to_owned()
}

fn chat_kind(chat: &teloxide::types::Chat) -> &'static str {
    if chat.is_private() {
        "private"
    } else if chat.is_supergroup() {
        "supergroup"
    } else if chat.is_group() {
        "group"
    } else {
        "channel"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_stripped_whatever_their_case() {
        assert_eq!(strip_mention("@CallBot 谈了冰球吗", "callbot"), "谈了冰球吗");
        assert_eq!(strip_mention("谈了冰球吗 @callbot", "callbot"), "谈了冰球吗");
        assert_eq!(strip_mention("谈了冰球吗", "callbot"), "谈了冰球吗");
    }

    #[test]
    fn mention_detection_ignores_case() {
        assert!(contains_mention("hi @CALLBOT", "callbot"));
        assert!(!contains_mention("hi @other", "callbot"));
    }
}
