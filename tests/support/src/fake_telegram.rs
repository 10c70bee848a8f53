//! A fake Telegram Bot API server for integration tests.
//!
//! The real teloxide client talks to it over HTTP on 127.0.0.1:
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//!
//! use callbot_test_support::fake_telegram::{FakeTelegram, TestUser, TextMessage};
//!
//! let fake = FakeTelegram::start().await;
//! let bot = fake.bot(); // == Bot::new(TOKEN).set_api_url(fake.url())
//! fake.push_text(TextMessage::private(&TestUser::new(42, "Alice"), "/start"));
//! // … run the bot …
//! let calls = fake.wait_for_calls_of("sendMessage", 1, Duration::from_secs(5)).await?;
//! # Ok(())
//! # }
//! ```
//!
//! What it does:
//! * answers `/bot<token>/<method>` with JSON (or multipart) parameters in Bot API form
//!   (`{"ok":true,"result":…}` or `{"ok":false,"error_code":…,"description":…}`), for the
//!   methods the bot calls and only those (others get 404 `Not Found`);
//! * records every call ([`Call`]) and lets a test wait for a condition ([`FakeTelegram::wait_for`]);
//! * serves `getUpdates` by long polling over a queue filled by the update builders
//!   ([`TextMessage`], [`FakeTelegram::push_callback_query`], …);
//! * validates what Telegram validates (text length in UTF-16 code units, HTML markup,
//!   callback data, inline results, the command menu) and answers with Telegram's own
//!   descriptions, so that a bot bug fails a test;
//! * answers the next call of a method with a 429 ([`FakeTelegram::fail_next`]), which holds a
//!   reply in flight (faults of a single call are scripted on wiremock in the tests);
//! * once the bot calls `setWebhook`, POSTs the queued updates to it instead, as Telegram
//!   does: with the secret token in `X-Telegram-Bot-Api-Secret-Token`, at most
//!   `max_connections` (40 by default, as on Telegram) at once, an update acknowledged only
//!   by a 2xx answer and sent again otherwise; [`FakeTelegram::set_webhook_targets`] spreads
//!   the POSTs round-robin over several listeners, as a load balancer in front of several
//!   instances would.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Map, Value, json};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

/// The bot token the fake server accepts (`<bot id>:<secret>`, like a real one).
pub const TOKEN: &str = "123:FAKE";
/// The bot's user id (the part of [`TOKEN`] before the colon, as on Telegram).
const BOT_ID: i64 = 123;
/// The bot's username, as returned by `getMe`.
pub const BOT_USERNAME: &str = "callbot_test_bot";
/// The bot's first name, as returned by `getMe`.
const BOT_FIRST_NAME: &str = "Callbot Test";
/// Longest message text Telegram accepts, in UTF-16 code units after entity parsing.
const MAX_MESSAGE_UTF16: usize = 4096;
/// Longest `callback_data` of an inline keyboard button, in bytes.
pub const MAX_CALLBACK_DATA_BYTES: usize = 64;
/// Longest `answerCallbackQuery` text, in characters.
const MAX_CALLBACK_ANSWER_CHARS: usize = 200;
/// Most results one `answerInlineQuery` may carry.
const MAX_INLINE_RESULTS: usize = 50;
/// Longest inline query result id, in bytes.
const MAX_INLINE_RESULT_ID_BYTES: usize = 64;
/// How many webhook POSTs are in progress at once when `setWebhook` gives no
/// `max_connections` (Telegram's default).
const WEBHOOK_CONNECTIONS: usize = 40;
/// How long an update whose POST failed waits before it is sent again.
const WEBHOOK_RETRY_AFTER: Duration = Duration::from_millis(100);
/// Default cap on how long one `getUpdates` call waits, whatever its `timeout`.
const DEFAULT_MAX_POLL_WAIT: Duration = Duration::from_secs(1);

const DESC_TEXT_EMPTY: &str = "Bad Request: message text is empty";
const DESC_TOO_LONG: &str = "Bad Request: message is too long";
/// Too long, said of an inline result's text or of a callback query's answer.
const DESC_MESSAGE_TOO_LONG: &str = "Bad Request: MESSAGE_TOO_LONG";
const DESC_CANT_PARSE: &str = "Bad Request: can't parse entities: ";
const DESC_BUTTON_DATA: &str = "Bad Request: BUTTON_DATA_INVALID";
const DESC_TEXT_BUTTONS: &str =
    "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard";
const DESC_BAD_MARKUP: &str = "Bad Request: can't parse reply keyboard markup JSON object";
const DESC_QUERY_INVALID: &str =
    "Bad Request: query is too old and response timeout expired or query id is invalid";
const DESC_CONFLICT_POLL: &str =
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";
const DESC_CONFLICT_WEBHOOK: &str = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
const HTML_TAGS: &[&str] = &[
    "a",
    "b",
    "strong",
    "i",
    "em",
    "s",
    "strike",
    "del",
    "u",
    "ins",
    "tg-spoiler",
    "tg-emoji",
    "span",
    "pre",
    "code",
    "blockquote",
];

/// Update kinds Telegram sends when `allowed_updates` was never given (or given as `[]`).
const DEFAULT_EXCLUDED_UPDATES: &[&str] = &["chat_member", "message_reaction", "message_reaction_count"];

// ───────────────────────────── public types ─────────────────────────────

/// A fault to inject into the next matching call, see [`FakeTelegram::fail_next`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 429 `Too Many Requests: retry after N` with `parameters.retry_after` (teloxide:
    /// `RequestError::RetryAfter`).
    TooManyRequests {
        /// Seconds the client is told to wait.
        retry_after: u32,
    },
}

/// One recorded call to the fake server.
#[derive(Clone, Debug)]
pub struct Call {
    /// Position in the record, starting at 0 (never reused, even after [`FakeTelegram::clear_calls`]).
    pub seq: usize,
    /// The method name with its first letter lowered, e.g. `sendMessage` (teloxide sends
    /// `SendMessage`; Telegram ignores case in method names).
    pub method: String,
    /// The parameters, from the JSON or multipart body.
    params: Value,
    /// When the request arrived.
    pub at: Instant,
    /// When the answer was ready to go back (for `getUpdates`, when the poll returned).
    pub answered: Instant,
    /// The HTTP status answered.
    pub status: u16,
    /// The JSON body answered.
    response: Value,
}

impl Call {
    /// Whether the server answered `{"ok":true,…}`.
    pub fn is_ok(&self) -> bool {
        self.response.get("ok").and_then(Value::as_bool) == Some(true)
    }

    /// The `result` answered, for a successful call.
    pub fn result(&self) -> Option<&Value> {
        self.response.get("result").filter(|_| self.is_ok())
    }

    /// The error `description` answered, for a failed call.
    pub fn description(&self) -> Option<&str> {
        self.response.get("description").and_then(Value::as_str)
    }

    /// A parameter, if sent.
    pub fn param(&self, key: &str) -> Option<&Value> {
        self.params.get(key)
    }

    /// The `chat_id` parameter as an integer (numbers and numeric strings).
    pub fn chat_id(&self) -> Option<i64> {
        self.params.get("chat_id").and_then(value_i64)
    }

    /// The `text` parameter as sent (with its markup).
    pub fn text(&self) -> Option<&str> {
        self.params.get("text").and_then(Value::as_str)
    }

    /// The `parse_mode` parameter.
    pub fn parse_mode(&self) -> Option<&str> {
        self.params.get("parse_mode").and_then(Value::as_str)
    }

    /// The `update_id`s a successful `getUpdates` delivered, in order.
    pub fn update_ids(&self) -> Vec<i64> {
        self.result()
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|u| u.get("update_id").and_then(Value::as_i64)).collect())
            .unwrap_or_default()
    }

    /// The `message_id` in `reply_parameters` (or the older `reply_to_message_id`).
    pub fn reply_to_message_id(&self) -> Option<i64> {
        self.params
            .get("reply_parameters")
            .map(markup_value)
            .and_then(|r| r.get("message_id").and_then(value_i64))
            .or_else(|| self.params.get("reply_to_message_id").and_then(value_i64))
    }

    /// Every `callback_data` of the inline keyboard in `reply_markup`, row by row.
    pub fn callback_data(&self) -> Vec<String> {
        self.buttons_field("callback_data")
    }

    /// Every button's text in the inline keyboard of `reply_markup`, row by row.
    pub fn button_labels(&self) -> Vec<String> {
        self.buttons_field("text")
    }

    fn buttons_field(&self, field: &str) -> Vec<String> {
        self.params
            .get("reply_markup")
            .map(markup_value)
            .and_then(|m| m.get("inline_keyboard").cloned())
            .and_then(|k| k.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(|b| b.get(field).and_then(Value::as_str).map(str::to_owned))
            .collect()
    }
}

/// What a push put in the update queue.
#[derive(Clone, Debug)]
pub struct Pushed {
    /// The `update_id` assigned.
    pub update_id: i64,
    /// The message id, for message updates.
    pub message_id: Option<i64>,
    /// The chat id, for message and callback query updates.
    pub chat_id: Option<i64>,
    /// The query id, for callback and inline query updates.
    pub query_id: Option<String>,
}

/// One POST of an update to the webhook.
#[derive(Clone, Debug)]
pub struct WebhookPost {
    /// The update sent.
    pub update_id: i64,
    /// The address it was sent to.
    pub target: String,
    /// The HTTP status answered; `None` when the connection failed.
    pub status: Option<u16>,
    /// When the POST was sent.
    pub sent: Instant,
    /// When its answer came (or the connection failed).
    pub answered: Instant,
}

impl WebhookPost {
    /// Whether the update was acknowledged (a 2xx answer).
    pub fn acknowledged(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// [`FakeTelegram::wait_for`] gave up: the condition did not hold in time.
#[derive(Clone, Debug)]
pub struct WaitTimeout {
    /// How long it waited.
    pub waited: Duration,
    /// The calls recorded when it gave up.
    pub calls: Vec<Call>,
}

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "condition not met within {:?}; {} calls recorded:", self.waited, self.calls.len())?;
        for c in self.calls.iter().filter(|c| !c.method.eq_ignore_ascii_case("getUpdates")) {
            write!(f, "\n  #{} {} {} {}", c.seq, c.method, c.status, c.params)?;
            if let Some(d) = c.description() {
                write!(f, " -> {d}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for WaitTimeout {}

/// A Telegram user to build updates with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestUser {
    /// User id (positive; also the id of the private chat with the bot).
    pub id: i64,
    /// First name.
    pub first_name: String,
    /// IETF language tag, e.g. `zh-hans`.
    pub language_code: Option<String>,
}

impl TestUser {
    /// A user with an id and a first name.
    pub fn new(id: i64, first_name: &str) -> Self {
        Self { id, first_name: first_name.to_owned(), language_code: None }
    }

    /// Sets the language code.
    pub fn language_code(mut self, code: &str) -> Self {
        self.language_code = Some(code.to_owned());
        self
    }

    /// The Bot API `User` object.
    pub fn to_json(&self) -> Value {
        let mut u = json!({"id": self.id, "is_bot": false, "first_name": self.first_name});
        if let Some(v) = &self.language_code {
            u["language_code"] = json!(v);
        }
        u
    }
}

/// A chat to build updates with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestChat {
    /// The private chat with a user (chat id = user id).
    Private(TestUser),
    /// A basic group (negative id).
    Group {
        /// Chat id, e.g. `-4001`.
        id: i64,
        /// Title.
        title: String,
    },
    /// A supergroup (id like `-100…`).
    Supergroup {
        /// Chat id, e.g. `-1001234567890`.
        id: i64,
        /// Title.
        title: String,
    },
}

impl TestChat {
    /// The private chat with `user`.
    pub fn private(user: &TestUser) -> Self {
        Self::Private(user.clone())
    }

    /// A basic group.
    pub fn group(id: i64, title: &str) -> Self {
        Self::Group { id, title: title.to_owned() }
    }

    /// A supergroup.
    pub fn supergroup(id: i64, title: &str) -> Self {
        Self::Supergroup { id, title: title.to_owned() }
    }

    /// The chat id.
    pub fn id(&self) -> i64 {
        match self {
            Self::Private(u) => u.id,
            Self::Group { id, .. } | Self::Supergroup { id, .. } => *id,
        }
    }

    /// The Bot API `Chat` object.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Private(u) => json!({"id": u.id, "type": "private", "first_name": u.first_name}),
            Self::Group { id, title } => json!({"id": id, "type": "group", "title": title}),
            Self::Supergroup { id, title } => json!({"id": id, "type": "supergroup", "title": title}),
        }
    }
}

/// An incoming text message, to push with [`FakeTelegram::push_text`].
///
/// `mention` and `bot_command` entities are computed from the text (UTF-16 offsets).
#[derive(Clone, Debug)]
pub struct TextMessage {
    chat: TestChat,
    from: TestUser,
    text: String,
    reply_to: Option<Value>,
}

impl TextMessage {
    /// A message from `from` in its private chat with the bot.
    pub fn private(from: &TestUser, text: &str) -> Self {
        Self::in_chat(&TestChat::private(from), from, text)
    }

    /// A message from `from` in `chat` (a group or supergroup, or a private chat).
    pub fn in_chat(chat: &TestChat, from: &TestUser, text: &str) -> Self {
        Self { chat: chat.clone(), from: from.clone(), text: text.to_owned(), reply_to: None }
    }

    /// Makes it a reply to `message` (a Bot API `Message`, e.g. from
    /// [`FakeTelegram::last_bot_message`] or [`bot_message`]).
    pub fn reply_to(mut self, message: Value) -> Self {
        self.reply_to = Some(message);
        self
    }

    /// Makes it a reply to a message of the bot with `message_id` and `text` in the same chat.
    pub fn reply_to_bot(self, message_id: i64, text: &str) -> Self {
        let m = bot_message(&self.chat, message_id, text);
        self.reply_to(m)
    }
}

/// The Bot API `User` object of the bot.
fn bot_user_json() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": BOT_FIRST_NAME, "username": BOT_USERNAME})
}

/// The `getMe` result: the bot user plus every field teloxide's `Me` requires.
pub fn bot_me_json() -> Value {
    let mut me = bot_user_json();
    me["can_join_groups"] = json!(true);
    me["can_read_all_group_messages"] = json!(false);
    me["supports_inline_queries"] = json!(true);
    me["can_connect_to_business"] = json!(false);
    me["has_main_web_app"] = json!(false);
    me
}

/// A Bot API `Message` sent by the bot in `chat` (for replies and callback queries).
pub fn bot_message(chat: &TestChat, message_id: i64, text: &str) -> Value {
    json!({
        "message_id": message_id,
        "from": bot_user_json(),
        "chat": chat.to_json(),
        "date": now_unix(),
        "text": text,
    })
}

/// Length of `s` in UTF-16 code units, as Telegram counts.
fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The `mention` and `bot_command` entities Telegram finds in a plain text (UTF-16 offsets).
fn auto_entities(text: &str) -> Vec<Value> {
    let chars: Vec<char> = text.chars().collect();
    let mut offsets = Vec::with_capacity(chars.len() + 1);
    let mut off = 0;
    for c in &chars {
        offsets.push(off);
        off += c.len_utf16();
    }
    offsets.push(off);
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut entities = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        let c = chars[k];
        if c != '/' && c != '@' {
            k += 1;
            continue;
        }
        if k > 0 {
            let p = chars[k - 1];
            if is_word(p) || matches!(p, '/' | '<' | '>' | '@') {
                k += 1;
                continue;
            }
        }
        let mut j = k + 1;
        while j < chars.len() && is_name(chars[j]) {
            j += 1;
        }
        let name_len = j - k - 1;
        if c == '/' {
            if name_len == 0 || name_len > 64 {
                k += 1;
                continue;
            }
            // An optional @botname.
            if j < chars.len() && chars[j] == '@' {
                let mut u = j + 1;
                while u < chars.len() && is_name(chars[u]) {
                    u += 1;
                }
                if (3..=32).contains(&(u - j - 1)) {
                    j = u;
                }
            }
        } else if !(3..=32).contains(&name_len) {
            k += 1;
            continue;
        }
        if j < chars.len() && (is_word(chars[j]) || matches!(chars[j], '/' | '<' | '>')) {
            k = j;
            continue;
        }
        let kind = if c == '/' { "bot_command" } else { "mention" };
        entities.push(json!({"type": kind, "offset": offsets[k], "length": offsets[j] - offsets[k]}));
        k = j;
    }
    entities
}

/// A text parsed from Telegram HTML: the plain text and its entities.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedHtml {
    /// The text without markup (not trimmed).
    pub text: String,
    /// Bot API `MessageEntity` objects, UTF-16 offsets into `text`.
    pub entities: Vec<Value>,
}

/// Parses `input` as Telegram's HTML parse mode does (a port of TDLib's `parse_html`), with
/// two more rules: a bare `&` that starts no entity and a bare `>` are rejected too (Telegram
/// keeps them as text, but they mean the text was not escaped).
///
/// The error is Telegram's message after `can't parse entities: `, e.g.
/// `Unsupported start tag "br" at byte offset 5`.
pub fn parse_html(input: &str) -> Result<ParsedHtml, String> {
    struct Open {
        tag: String,
        arg: String,
        start: usize,
        expandable: bool,
    }
    let b = input.as_bytes();
    let n = b.len();
    let mut out = String::with_capacity(n);
    let mut utf16 = 0usize;
    let mut stack: Vec<Open> = Vec::new();
    let mut entities = Vec::new();
    let mut i = 0;
    while i < n {
        let c = b[i];
        if c == b'&' {
            if let Some((ch, next)) = decode_html_entity(b, i) {
                out.push(ch);
                utf16 += ch.len_utf16();
                i = next;
                continue;
            }
            return Err(format!(
                "Unescaped \"&\" at byte offset {i} (write &amp;; strict mode of the fake server)"
            ));
        }
        if c == b'>' {
            return Err(format!(
                "Unescaped \">\" at byte offset {i} (write &gt;; strict mode of the fake server)"
            ));
        }
        if c != b'<' {
            let ch = input[i..].chars().next().unwrap_or('\u{fffd}');
            out.push(ch);
            utf16 += ch.len_utf16();
            i += ch.len_utf8().max(1);
            continue;
        }
        let begin = i;
        i += 1;
        if i >= n || b[i] != b'/' {
            // A start tag.
            while i < n && !is_space(b[i]) && b[i] != b'>' {
                i += 1;
            }
            if i >= n {
                return Err(format!("Unclosed start tag at byte offset {begin}"));
            }
            let tag = input[begin + 1..i].to_lowercase();
            if !HTML_TAGS.contains(&tag.as_str()) {
                return Err(format!("Unsupported start tag \"{tag}\" at byte offset {begin}"));
            }
            let mut arg = String::new();
            let mut expandable = false;
            while i >= n || b[i] != b'>' {
                while i < n && is_space(b[i]) {
                    i += 1;
                }
                if i < n && b[i] == b'>' {
                    break;
                }
                let name_begin = i;
                while i < n && !is_space(b[i]) && !matches!(b[i], b'=' | b'>' | b'/' | b'"' | b'\'') {
                    i += 1;
                }
                let attr = input[name_begin..i].to_lowercase();
                if attr.is_empty() {
                    return Err(format!("Empty attribute name in the tag \"{tag}\" at byte offset {begin}"));
                }
                while i < n && is_space(b[i]) {
                    i += 1;
                }
                if i >= n || b[i] != b'=' {
                    if tag == "blockquote" && attr == "expandable" {
                        expandable = true;
                        continue;
                    }
                    return Err(format!(
                        "Expected equal sign in declaration of an attribute of the tag \"{tag}\" at byte offset {begin}"
                    ));
                }
                i += 1;
                while i < n && is_space(b[i]) {
                    i += 1;
                }
                if i >= n {
                    return Err(format!("Unclosed start tag \"{tag}\" at byte offset {begin}"));
                }
                let value;
                if b[i] != b'\'' && b[i] != b'"' {
                    let token_begin = i;
                    while i < n && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'-') {
                        i += 1;
                    }
                    value = input[token_begin..i].to_lowercase();
                    if i >= n || (!is_space(b[i]) && b[i] != b'>') {
                        return Err(format!("Unexpected end of name token at byte offset {token_begin}"));
                    }
                } else {
                    let quote = b[i];
                    i += 1;
                    let mut v = String::new();
                    while i < n && b[i] != quote {
                        if b[i] == b'&'
                            && let Some((ch, next)) = decode_html_entity(b, i)
                        {
                            v.push(ch);
                            i = next;
                            continue;
                        }
                        let ch = input[i..].chars().next().unwrap_or('\u{fffd}');
                        v.push(ch);
                        i += ch.len_utf8().max(1);
                    }
                    if i < n {
                        i += 1;
                    }
                    value = v;
                }
                if i >= n {
                    return Err(format!("Unclosed start tag at byte offset {begin}"));
                }
                match (tag.as_str(), attr.as_str()) {
                    ("a", "href") | ("tg-emoji", "emoji-id") => arg = value,
                    ("code", "class") if value.starts_with("language-") => {
                        arg = value["language-".len()..].to_owned()
                    }
                    ("span", "class") if value.starts_with("tg-") => arg = value["tg-".len()..].to_owned(),
                    _ => {}
                }
            }
            if tag == "span" && arg != "spoiler" {
                return Err(format!("Tag \"span\" must have class \"tg-spoiler\" at byte offset {begin}"));
            }
            stack.push(Open { tag, arg, start: utf16, expandable });
            i += 1;
        } else {
            // An end tag.
            let Some(open) = stack.pop() else {
                return Err(format!("Unexpected end tag at byte offset {begin}"));
            };
            i += 1;
            let name_begin = i;
            while i < n && !is_space(b[i]) && b[i] != b'>' {
                i += 1;
            }
            let end_name = &input[name_begin..i];
            while i < n && is_space(b[i]) {
                i += 1;
            }
            if i >= n || b[i] != b'>' {
                return Err(format!("Unclosed end tag at byte offset {begin}"));
            }
            if !end_name.is_empty() && end_name != open.tag {
                return Err(format!(
                    "Unmatched end tag at byte offset {begin}, expected \"</{}>\", found \"</{end_name}>\"",
                    open.tag
                ));
            }
            if open.tag == "tg-emoji" && open.arg.parse::<i64>().map_or(true, |id| id == 0) {
                return Err("Invalid custom emoji identifier specified".to_owned());
            }
            if utf16 > open.start
                && let Some(mut e) = html_entity_json(&open.tag, &open.arg, open.expandable)
            {
                e["offset"] = json!(open.start);
                e["length"] = json!(utf16 - open.start);
                entities.push(e);
            }
            i += 1;
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("Can't find end tag corresponding to start tag \"{}\"", open.tag));
    }
    entities.sort_by_key(|e| (e["offset"].as_u64(), std::cmp::Reverse(e["length"].as_u64())));
    Ok(ParsedHtml { text: out, entities })
}

// ───────────────────────────── the server ─────────────────────────────

/// A running fake Telegram Bot API server; stops when dropped or on [`FakeTelegram::stop`].
pub struct FakeTelegram {
    shared: Arc<Shared>,
    url: reqwest::Url,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

struct Shared {
    token: String,
    inner: Mutex<Inner>,
    /// Bumped on every recorded call.
    calls_tx: watch::Sender<u64>,
    /// Bumped on every queued update, new poll and shutdown.
    updates_tx: watch::Sender<u64>,
    shutting_down: AtomicBool,
}

/// A webhook set by `setWebhook`, and the updates in delivery.
struct Webhook {
    url: reqwest::Url,
    secret: Option<String>,
    max_connections: usize,
    in_delivery: HashSet<i64>,
    retry_at: HashMap<i64, Instant>,
}

struct PendingFault {
    method: String,
    chat_id: Option<i64>,
    fault: Fault,
}

struct Inner {
    calls: Vec<Call>,
    next_seq: usize,
    updates: VecDeque<Value>,
    next_update_id: i64,
    allowed_updates: Option<Vec<String>>,
    /// The `allowed_updates` the queue was last filtered with, and the newest update then.
    checked_for: Option<Vec<String>>,
    checked_upto: i64,
    poll_generation: u64,
    max_poll_wait: Duration,
    webhook_url: Option<String>,
    webhook: Option<Webhook>,
    webhook_targets: Vec<SocketAddr>,
    next_target: usize,
    webhook_posts: Vec<WebhookPost>,
    faults: Vec<PendingFault>,
    chats: HashMap<i64, Value>,
    next_message_id: HashMap<i64, i64>,
    messages: HashMap<(i64, i64), Value>,
    open_callback_queries: HashSet<String>,
    open_inline_queries: HashSet<String>,
    next_query_id: u64,
    commands: Option<Value>,
    send_delays: HashMap<i64, Duration>,
}

enum Outcome {
    Ok(Value),
    Err { status: u16, description: String, retry_after: Option<u32> },
}

impl Outcome {
    fn err(status: u16, description: impl Into<String>) -> Self {
        Self::Err { status, description: description.into(), retry_after: None }
    }

    fn bad(description: impl Into<String>) -> Self {
        Self::err(400, description)
    }

    fn from_fault(fault: &Fault) -> Self {
        match fault {
            Fault::TooManyRequests { retry_after } => Self::Err {
                status: 429,
                description: format!("Too Many Requests: retry after {retry_after}"),
                retry_after: Some(*retry_after),
            },
        }
    }

    fn status(&self) -> u16 {
        match self {
            Self::Ok(_) => 200,
            Self::Err { status, .. } => *status,
        }
    }

    fn body_json(&self) -> Value {
        match self {
            Self::Ok(result) => json!({"ok": true, "result": result}),
            Self::Err { status, description, retry_after } => {
                let mut v = json!({"ok": false, "error_code": status, "description": description});
                if let Some(r) = retry_after {
                    v["parameters"] = json!({"retry_after": r});
                }
                v
            }
        }
    }
}

type Checked<T> = Result<T, Outcome>;

impl FakeTelegram {
    /// Starts a server on 127.0.0.1 on a free port.
    ///
    /// # Panics
    /// If no local port can be bound (test setup).
    pub async fn start() -> Self {
        let listener =
            tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("fake Telegram: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake Telegram: local address");
        let url = reqwest::Url::parse(&format!("http://{addr}/")).expect("fake Telegram: base URL");
        let shared = Arc::new(Shared {
            token: TOKEN.to_owned(),
            inner: Mutex::new(Inner::new()),
            calls_tx: watch::channel(0).0,
            updates_tx: watch::channel(0).0,
            shutting_down: AtomicBool::new(false),
        });
        let app = Router::new()
            .route("/{token}/{method}", any(handle))
            .fallback(not_found)
            .with_state(shared.clone());
        tokio::spawn(push_to_webhook(shared.clone()));
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = server.await {
                eprintln!("fake Telegram server error: {e}");
            }
        });
        Self { shared, url, shutdown: Some(tx), task: Some(task) }
    }

    /// The base URL to give teloxide's `Bot::set_api_url`.
    pub fn url(&self) -> reqwest::Url {
        self.url.clone()
    }

    /// The token the server accepts ([`TOKEN`]); others get 401 `Unauthorized`.
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// A teloxide `Bot` with [`TOKEN`] talking to this server.
    pub fn bot(&self) -> teloxide::Bot {
        teloxide::Bot::new(self.shared.token.clone()).set_api_url(self.url())
    }

    /// Stops the server: pending `getUpdates` return at once, then the listener closes.
    pub async fn stop(mut self) {
        self.signal_shutdown();
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task).await.is_err() {
                abort.abort();
            }
        }
    }

    fn signal_shutdown(&mut self) {
        self.shared.shutting_down.store(true, Ordering::SeqCst);
        self.shared.updates_tx.send_modify(|v| *v += 1);
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    // ── updates ──

    /// Queues an update with the next `update_id` (returned); chats, messages and query ids
    /// in it are remembered (for `sendMessage` results, replies, `answerCallbackQuery` and
    /// `answerInlineQuery`).
    fn enqueue(&self, mut update: Value) -> i64 {
        let queued = {
            let mut inner = self.shared.lock();
            let id = inner.next_update_id;
            inner.next_update_id += 1;
            if let Some(obj) = update.as_object_mut() {
                obj.insert("update_id".to_owned(), json!(id));
            } else {
                update = json!({"update_id": id});
            }
            inner.remember_update(&update);
            inner.updates.push_back(update);
            id
        };
        self.shared.updates_tx.send_modify(|v| *v += 1);
        queued
    }

    /// Queues a `message` update with a text message (see [`TextMessage`]).
    pub fn push_text(&self, msg: TextMessage) -> Pushed {
        let chat_id = msg.chat.id();
        if let Some(replied) = msg.reply_to.as_ref().and_then(|r| r.get("message_id")).and_then(Value::as_i64)
        {
            // The replied-to message is older than this one.
            let mut inner = self.shared.lock();
            let next = inner.next_message_id.entry(chat_id).or_insert(1);
            *next = (*next).max(replied + 1);
        }
        let message_id = self.take_message_id(chat_id);
        let mut m = json!({
            "message_id": message_id,
            "from": msg.from.to_json(),
            "chat": msg.chat.to_json(),
            "date": now_unix(),
            "text": msg.text,
        });
        let entities = auto_entities(&msg.text);
        if !entities.is_empty() {
            m["entities"] = Value::Array(entities);
        }
        if let Some(r) = msg.reply_to {
            m["reply_to_message"] = strip_reply(r);
        }
        self.push_message_update("message", m, chat_id, message_id)
    }

    /// Queues a `message` update with a (regular, static) sticker.
    pub fn push_sticker(&self, chat: &TestChat, from: &TestUser, emoji: &str) -> Pushed {
        let message_id = self.take_message_id(chat.id());
        let m = json!({
            "message_id": message_id,
            "from": from.to_json(),
            "chat": chat.to_json(),
            "date": now_unix(),
            "sticker": {
                "file_id": format!("CAACAgIAAxkBAAIB{message_id}"),
                "file_unique_id": format!("AgADsticker{message_id}"),
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": false,
                "is_video": false,
                "emoji": emoji,
                "set_name": "FakeTestStickers",
                "file_size": 20480,
            },
        });
        self.push_message_update("message", m, chat.id(), message_id)
    }

    /// Queues an `edited_message` update: message `message_id` of `from` in `chat` now reads
    /// `new_text` (entities computed as for [`TextMessage`]).
    pub fn push_edited_text(
        &self,
        chat: &TestChat,
        from: &TestUser,
        message_id: i64,
        new_text: &str,
    ) -> Pushed {
        let now = now_unix();
        let original_date = self
            .shared
            .lock()
            .messages
            .get(&(chat.id(), message_id))
            .and_then(|m| m.get("date").and_then(Value::as_i64))
            .unwrap_or(now - 1);
        let mut m = json!({
            "message_id": message_id,
            "from": from.to_json(),
            "chat": chat.to_json(),
            "date": original_date,
            "edit_date": now,
            "text": new_text,
        });
        let entities = auto_entities(new_text);
        if !entities.is_empty() {
            m["entities"] = Value::Array(entities);
        }
        self.push_message_update("edited_message", m, chat.id(), message_id)
    }

    /// Queues a `callback_query` update: `from` pressed a button with `data` under `message`
    /// (usually the bot's, e.g. [`FakeTelegram::last_bot_message`]).
    pub fn push_callback_query(&self, from: &TestUser, message: Value, data: &str) -> Pushed {
        let chat_id = message.get("chat").and_then(|c| c.get("id")).and_then(Value::as_i64);
        let query_id = self.next_query_id("cbq");
        let update = json!({
            "callback_query": {
                "id": query_id,
                "from": from.to_json(),
                "message": strip_reply(message),
                "chat_instance": format!("{}", -7_000_000_000_i64 - chat_id.unwrap_or(0).abs()),
                "data": data,
            }
        });
        let update_id = self.enqueue(update);
        Pushed { update_id, message_id: None, chat_id, query_id: Some(query_id) }
    }

    /// Queues an `inline_query` update from `from` with `query` (chat type `sender`).
    pub fn push_inline_query(&self, from: &TestUser, query: &str) -> Pushed {
        let query_id = self.next_query_id("iq");
        let q = json!({"id": query_id, "from": from.to_json(), "query": query, "offset": "", "chat_type": "sender"});
        let update_id = self.enqueue(json!({ "inline_query": q }));
        Pushed { update_id, message_id: None, chat_id: None, query_id: Some(query_id) }
    }

    /// How many updates are queued and not yet confirmed by a `getUpdates` offset.
    pub fn pending_updates(&self) -> usize {
        self.shared.lock().updates.len()
    }

    fn push_message_update(&self, kind: &str, message: Value, chat_id: i64, message_id: i64) -> Pushed {
        let update_id = self.enqueue(json!({ kind: message }));
        Pushed { update_id, message_id: Some(message_id), chat_id: Some(chat_id), query_id: None }
    }

    fn take_message_id(&self, chat_id: i64) -> i64 {
        self.shared.lock().take_message_id(chat_id)
    }

    fn next_query_id(&self, prefix: &str) -> String {
        let mut inner = self.shared.lock();
        inner.next_query_id += 1;
        format!("{prefix}{}", 4_382_000_000_000_000_000_u64 + inner.next_query_id)
    }

    // ── calls ──

    /// Every call recorded so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// The calls of one method (case-insensitive, as Telegram's method names are).
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        self.shared.lock().calls.iter().filter(|c| c.method.eq_ignore_ascii_case(method)).cloned().collect()
    }

    /// How many calls of `method` are recorded (and, with `ok_only`, answered `ok`), without
    /// copying the record (for loads of thousands of calls).
    pub fn count_calls(&self, method: &str, ok_only: bool) -> usize {
        self.shared
            .lock()
            .calls
            .iter()
            .filter(|c| c.method.eq_ignore_ascii_case(method) && (!ok_only || c.is_ok()))
            .count()
    }

    /// Waits until [`FakeTelegram::count_calls`] reaches `count`; returns the count. Cheap
    /// even with thousands of calls recorded.
    pub async fn wait_for_count(
        &self,
        method: &str,
        ok_only: bool,
        count: usize,
        timeout: Duration,
    ) -> Result<usize, WaitTimeout> {
        self.wait_until(
            || {
                let n = self.count_calls(method, ok_only);
                (n >= count).then_some(n)
            },
            timeout,
        )
        .await
    }

    /// Forgets the recorded calls (sequence numbers go on).
    pub fn clear_calls(&self) {
        self.shared.lock().calls.clear();
    }

    /// The bot's messages in `chat_id` as they stand now (after edits), by message id.
    pub fn bot_messages(&self, chat_id: i64) -> Vec<Value> {
        let inner = self.shared.lock();
        let mut v: Vec<(i64, Value)> = inner
            .messages
            .iter()
            .filter(|((c, _), m)| *c == chat_id && is_from_bot(m))
            .map(|((_, id), m)| (*id, m.clone()))
            .collect();
        v.sort_by_key(|(id, _)| *id);
        v.into_iter().map(|(_, m)| m).collect()
    }

    /// The bot's latest message in `chat_id`, as it stands now.
    pub fn last_bot_message(&self, chat_id: i64) -> Option<Value> {
        self.bot_messages(chat_id).pop()
    }

    /// The command menu stored by `setMyCommands` (the bot sets only the default one, for
    /// every language).
    pub fn commands(&self) -> Option<Value> {
        self.shared.lock().commands.clone()
    }

    /// Waits until `pred` holds for the recorded calls, or `timeout` passes.
    ///
    /// Returns the calls for which it held.
    pub async fn wait_for<F>(&self, mut pred: F, timeout: Duration) -> Result<Vec<Call>, WaitTimeout>
    where
        F: FnMut(&[Call]) -> bool,
    {
        self.wait_until(
            || {
                let calls = self.calls();
                pred(&calls).then_some(calls)
            },
            timeout,
        )
        .await
    }

    /// Waits until `check` gives a value, checking again on every recorded call, or until
    /// `timeout` passes.
    async fn wait_until<T>(
        &self,
        mut check: impl FnMut() -> Option<T>,
        timeout: Duration,
    ) -> Result<T, WaitTimeout> {
        let start = Instant::now();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Subscribed before the check, so that no call between the two is missed.
            let mut rx = self.shared.calls_tx.subscribe();
            if let Some(value) = check() {
                return Ok(value);
            }
            let gave_up = tokio::select! {
                changed = rx.changed() => changed.is_err(),
                () = tokio::time::sleep_until(deadline) => true,
            };
            if gave_up {
                return check().ok_or_else(|| WaitTimeout { waited: start.elapsed(), calls: self.calls() });
            }
        }
    }

    /// Waits until at least `count` calls of `method` are recorded; returns all calls of it.
    pub async fn wait_for_calls_of(
        &self,
        method: &str,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Call>, WaitTimeout> {
        let calls = self
            .wait_for(
                |calls| calls.iter().filter(|c| c.method.eq_ignore_ascii_case(method)).count() >= count,
                timeout,
            )
            .await?;
        Ok(calls.into_iter().filter(|c| c.method.eq_ignore_ascii_case(method)).collect())
    }

    /// Waits until every queued update was confirmed by a later `getUpdates` offset.
    pub async fn wait_for_updates_confirmed(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        let shared = self.shared.clone();
        self.wait_for(move |_| shared.lock().updates.is_empty(), timeout).await.map(|_| ())
    }

    // ── faults and settings ──

    /// The next call of `method` (to `chat_id`, or to any chat if `None`) gets `fault`.
    pub fn fail_next(&self, method: &str, chat_id: Option<i64>, fault: Fault) {
        self.shared.lock().faults.push(PendingFault { method: method.to_ascii_lowercase(), chat_id, fault });
    }

    /// Holds every `send*` call to `chat_id` this long before answering it (`Duration::ZERO`:
    /// not at all); a call whose client hangs up meanwhile is neither answered nor recorded.
    pub fn delay_sends(&self, chat_id: i64, delay: Duration) {
        self.shared.lock().send_delays.insert(chat_id, delay);
    }

    /// Caps how long a `getUpdates` waits (1 s by default).
    pub fn set_max_poll_wait(&self, wait: Duration) {
        self.shared.lock().max_poll_wait = wait;
    }

    /// Sends webhook POSTs round-robin to these listeners (on the path of the URL given
    /// to `setWebhook`) instead of the URL's own host.
    pub fn set_webhook_targets(&self, targets: &[SocketAddr]) {
        self.shared.lock().webhook_targets = targets.to_vec();
    }

    /// Every webhook POST so far, in the order they were answered.
    pub fn webhook_posts(&self) -> Vec<WebhookPost> {
        self.shared.lock().webhook_posts.clone()
    }
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.signal_shutdown();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, method: &str, params: Value, at: Instant, outcome: &Outcome) {
        {
            let mut inner = self.lock();
            let seq = inner.next_seq;
            inner.next_seq += 1;
            inner.calls.push(Call {
                seq,
                method: method.to_owned(),
                params,
                at,
                answered: Instant::now(),
                status: outcome.status(),
                response: outcome.body_json(),
            });
        }
        self.calls_tx.send_modify(|v| *v += 1);
    }
}

impl Inner {
    fn new() -> Self {
        Self {
            calls: Vec::new(),
            next_seq: 0,
            updates: VecDeque::new(),
            next_update_id: 100_000_001,
            allowed_updates: None,
            checked_for: None,
            checked_upto: i64::MIN,
            poll_generation: 0,
            max_poll_wait: DEFAULT_MAX_POLL_WAIT,
            webhook_url: None,
            webhook: None,
            webhook_targets: Vec::new(),
            next_target: 0,
            webhook_posts: Vec::new(),
            faults: Vec::new(),
            chats: HashMap::new(),
            next_message_id: HashMap::new(),
            messages: HashMap::new(),
            open_callback_queries: HashSet::new(),
            open_inline_queries: HashSet::new(),
            next_query_id: 0,
            commands: None,
            send_delays: HashMap::new(),
        }
    }

    fn take_message_id(&mut self, chat_id: i64) -> i64 {
        let next = self.next_message_id.entry(chat_id).or_insert(1);
        let id = *next;
        *next += 1;
        id
    }

    fn remember_message(&mut self, m: &Value) {
        let Some(chat) = m.get("chat") else { return };
        let Some(chat_id) = chat.get("id").and_then(Value::as_i64) else { return };
        self.chats.insert(chat_id, chat.clone());
        if let Some(id) = m.get("message_id").and_then(Value::as_i64) {
            let next = self.next_message_id.entry(chat_id).or_insert(1);
            *next = (*next).max(id + 1);
            self.messages.insert((chat_id, id), m.clone());
        }
        if let Some(r) = m.get("reply_to_message") {
            let r = r.clone();
            if !self
                .messages
                .contains_key(&(chat_id, r.get("message_id").and_then(Value::as_i64).unwrap_or(0)))
            {
                self.remember_message(&r);
            }
        }
    }

    fn remember_update(&mut self, u: &Value) {
        for kind in ["message", "edited_message", "channel_post", "edited_channel_post"] {
            if let Some(m) = u.get(kind) {
                self.remember_message(m);
            }
        }
        if let Some(q) = u.get("callback_query") {
            if let Some(id) = q.get("id").and_then(Value::as_str) {
                self.open_callback_queries.insert(id.to_owned());
            }
            if let Some(m) = q.get("message")
                && let Some(chat) = m.get("chat")
                && let Some(chat_id) = chat.get("id").and_then(Value::as_i64)
            {
                self.chats.entry(chat_id).or_insert_with(|| chat.clone());
                if let Some(id) = m.get("message_id").and_then(Value::as_i64) {
                    self.messages.entry((chat_id, id)).or_insert_with(|| m.clone());
                    let next = self.next_message_id.entry(chat_id).or_insert(1);
                    *next = (*next).max(id + 1);
                }
            }
        }
        if let Some(id) = u.get("inline_query").and_then(|q| q.get("id")).and_then(Value::as_str) {
            self.open_inline_queries.insert(id.to_owned());
        }
    }

    fn chat_json(&self, chat_id: i64) -> Value {
        if let Some(c) = self.chats.get(&chat_id) {
            return c.clone();
        }
        if chat_id > 0 {
            json!({"id": chat_id, "type": "private", "first_name": format!("User {chat_id}")})
        } else if chat_id < -1_000_000_000_000 {
            json!({"id": chat_id, "type": "supergroup", "title": format!("Supergroup {chat_id}")})
        } else {
            json!({"id": chat_id, "type": "group", "title": format!("Group {chat_id}")})
        }
    }

    fn take_fault(&mut self, method_lc: &str, chat_id: Option<i64>) -> Option<Fault> {
        let idx = self
            .faults
            .iter()
            .position(|f| f.method == method_lc && (f.chat_id.is_none() || f.chat_id == chat_id))?;
        Some(self.faults.remove(idx).fault)
    }

    /// Forgets updates confirmed by `offset`, as Telegram does.
    fn confirm(&mut self, offset: Option<i64>) {
        let Some(offset) = offset else { return };
        while self.updates.front().is_some_and(|u| update_id(u) < offset) {
            self.updates.pop_front();
        }
    }

    fn drop_disallowed(&mut self) {
        let allowed = self.allowed_updates.clone();
        let is_allowed = |u: &Value| {
            let Some(kind) = update_kind(u) else { return true };
            match &allowed {
                Some(list) if !list.is_empty() => list.iter().any(|a| a == kind),
                _ => !DEFAULT_EXCLUDED_UPDATES.contains(&kind),
            }
        };
        // Updates already checked against the same list need no second look: only the
        // newest are, so that a long queue costs nothing on every wake.
        let checked_upto = if self.checked_for == allowed { self.checked_upto } else { i64::MIN };
        let unchecked = self.updates.iter().rev().take_while(|u| update_id(u) > checked_upto).count();
        let start = self.updates.len() - unchecked;
        if self.updates.range(start..).all(is_allowed) {
            self.checked_for = allowed.clone();
            self.checked_upto = self.updates.back().map_or(checked_upto, update_id);
            return;
        }
        self.updates.retain(is_allowed);
        self.checked_for = allowed;
        self.checked_upto = self.updates.back().map_or(i64::MIN, update_id);
    }

    /// The updates to POST now, each with the URL to send it to and the secret token; marks
    /// them in delivery.
    fn due_webhook_posts(&mut self) -> Vec<(Value, reqwest::Url, Option<String>)> {
        if self.webhook.is_none() {
            return Vec::new();
        }
        self.drop_disallowed();
        let now = Instant::now();
        let mut due = Vec::new();
        for update in &self.updates {
            let Some(webhook) = self.webhook.as_ref() else { break };
            if webhook.in_delivery.len() + due.len() >= webhook.max_connections {
                break;
            }
            let id = update.get("update_id").and_then(Value::as_i64).unwrap_or_default();
            let waiting = webhook.retry_at.get(&id).is_some_and(|at| *at > now);
            if !webhook.in_delivery.contains(&id) && !waiting {
                due.push(update.clone());
            }
        }
        let mut posts = Vec::new();
        for update in due {
            let Some(base) = self.webhook.as_ref().map(|w| w.url.clone()) else { break };
            let url = self.next_target(base);
            let Some(webhook) = self.webhook.as_mut() else { break };
            let id = update.get("update_id").and_then(Value::as_i64).unwrap_or_default();
            webhook.in_delivery.insert(id);
            webhook.retry_at.remove(&id);
            posts.push((update, url, webhook.secret.clone()));
        }
        posts
    }

    /// The webhook's URL, or, when listeners are set, the next listener's in turn with
    /// the URL's path.
    fn next_target(&mut self, mut url: reqwest::Url) -> reqwest::Url {
        if !self.webhook_targets.is_empty() {
            let target = self.webhook_targets[self.next_target % self.webhook_targets.len()];
            self.next_target += 1;
            let _ = url.set_scheme("http");
            let _ = url.set_ip_host(target.ip());
            let _ = url.set_port(Some(target.port()));
        }
        url
    }

    // ── methods ──

    fn dispatch(&mut self, method_lc: &str, p: &Map<String, Value>) -> Outcome {
        let result = match method_lc {
            "getme" => Ok(bot_me_json()),
            "getwebhookinfo" => Ok(json!({
                "url": self.webhook_url.clone().unwrap_or_default(),
                "has_custom_certificate": false,
                "pending_update_count": self.updates.len(),
            })),
            "setwebhook" => {
                let url = param_str(p, "url").unwrap_or_default();
                self.webhook_url = (!url.is_empty()).then(|| url.to_owned());
                if let Some(list) =
                    p.get("allowed_updates").map(markup_value).and_then(|v| v.as_array().cloned())
                {
                    self.allowed_updates =
                        Some(list.iter().filter_map(Value::as_str).map(str::to_owned).collect());
                }
                self.webhook = reqwest::Url::parse(url).ok().map(|url| Webhook {
                    url,
                    secret: param_str(p, "secret_token").map(str::to_owned),
                    max_connections: param_i64(p, "max_connections")
                        .and_then(|n| usize::try_from(n.clamp(1, 100)).ok())
                        .unwrap_or(WEBHOOK_CONNECTIONS),
                    in_delivery: HashSet::new(),
                    retry_at: HashMap::new(),
                });
                Ok(json!(true))
            }
            "deletewebhook" => {
                self.webhook_url = None;
                self.webhook = None;
                Ok(json!(true))
            }
            "setmycommands" => self.set_my_commands(p),
            "sendmessage" => self.send_message(p),
            "answercallbackquery" => self.answer_callback_query(p),
            "answerinlinequery" => self.answer_inline_query(p),
            "setmydescription" | "setmyshortdescription" => Ok(json!(true)),
            _ => Err(Outcome::err(404, "Not Found")),
        };
        result.map_or_else(|e| e, Outcome::Ok)
    }

    fn resolve_chat(p: &Map<String, Value>) -> Checked<i64> {
        match p.get("chat_id") {
            None | Some(Value::Null) => Err(Outcome::bad("Bad Request: chat_id is empty")),
            Some(v) => value_i64(v).ok_or_else(|| Outcome::bad("Bad Request: chat not found")),
        }
    }

    fn send_message(&mut self, p: &Map<String, Value>) -> Checked<Value> {
        let chat_id = Self::resolve_chat(p)?;
        let (text, mut entities) = check_text(p.get("text"), param_str(p, "parse_mode"), DESC_TOO_LONG)?;
        if entities.is_empty()
            && let Some(Value::Array(given)) = p.get("entities").map(markup_value)
        {
            entities = given;
        }
        let markup = check_reply_markup(p.get("reply_markup"))?;
        let message_id = self.take_message_id(chat_id);
        let mut m = json!({
            "message_id": message_id,
            "from": bot_user_json(),
            "chat": self.chat_json(chat_id),
            "date": now_unix(),
            "text": text,
        });
        if let Some(t) = p.get("message_thread_id").and_then(value_i64) {
            m["message_thread_id"] = json!(t);
        }
        if !entities.is_empty() {
            m["entities"] = Value::Array(entities);
        }
        if let Some(k) = markup.filter(|k| k.get("inline_keyboard").is_some()) {
            m["reply_markup"] = k;
        }
        let reply_to = p
            .get("reply_parameters")
            .map(markup_value)
            .and_then(|r| r.get("message_id").and_then(value_i64))
            .or_else(|| param_i64(p, "reply_to_message_id"));
        if let Some(r) = reply_to.and_then(|id| self.messages.get(&(chat_id, id))) {
            m["reply_to_message"] = strip_reply(r.clone());
        }
        self.messages.insert((chat_id, message_id), m.clone());
        Ok(m)
    }

    fn answer_callback_query(&mut self, p: &Map<String, Value>) -> Checked<Value> {
        let id = param_str(p, "callback_query_id").unwrap_or_default().to_owned();
        if !self.open_callback_queries.contains(&id) {
            return Err(Outcome::bad(DESC_QUERY_INVALID));
        }
        if param_str(p, "text").is_some_and(|t| t.chars().count() > MAX_CALLBACK_ANSWER_CHARS) {
            return Err(Outcome::bad(DESC_MESSAGE_TOO_LONG));
        }
        self.open_callback_queries.remove(&id);
        Ok(json!(true))
    }

    fn answer_inline_query(&mut self, p: &Map<String, Value>) -> Checked<Value> {
        let id = param_str(p, "inline_query_id").unwrap_or_default().to_owned();
        if !self.open_inline_queries.contains(&id) {
            return Err(Outcome::bad(DESC_QUERY_INVALID));
        }
        let results = match p.get("results").map(markup_value) {
            None => Vec::new(),
            Some(Value::Array(a)) => a,
            Some(_) => return Err(Outcome::bad("Bad Request: can't parse inline query results JSON object")),
        };
        if results.len() > MAX_INLINE_RESULTS {
            return Err(Outcome::bad("Bad Request: RESULTS_TOO_MUCH"));
        }
        let mut ids = HashSet::new();
        for r in &results {
            let field = |name: &str| {
                Outcome::bad(format!(
                    "Bad Request: can't parse inline query result: Can't find field \"{name}\""
                ))
            };
            let rid = r.get("id").and_then(Value::as_str).ok_or_else(|| field("id"))?;
            if rid.is_empty() || rid.len() > MAX_INLINE_RESULT_ID_BYTES {
                return Err(Outcome::bad("Bad Request: RESULT_ID_INVALID"));
            }
            if !ids.insert(rid.to_owned()) {
                return Err(Outcome::bad("Bad Request: RESULT_ID_DUPLICATE"));
            }
            let kind = r.get("type").and_then(Value::as_str).ok_or_else(|| field("type"))?;
            if kind == "article" {
                r.get("title").and_then(Value::as_str).ok_or_else(|| field("title"))?;
                if r.get("input_message_content").is_none() {
                    return Err(field("input_message_content"));
                }
            }
            if let Some(content) = r.get("input_message_content") {
                let is_text = content.get("message_text").is_some()
                    || !["latitude", "phone_number", "payload", "description"]
                        .iter()
                        .any(|k| content.get(k).is_some());
                if is_text {
                    if content.get("message_text").is_none() {
                        return Err(field("message_text"));
                    }
                    check_text(
                        content.get("message_text"),
                        content.get("parse_mode").and_then(Value::as_str),
                        DESC_MESSAGE_TOO_LONG,
                    )?;
                }
            }
            check_reply_markup(r.get("reply_markup"))?;
        }
        self.open_inline_queries.remove(&id);
        Ok(json!(true))
    }

    fn set_my_commands(&mut self, p: &Map<String, Value>) -> Checked<Value> {
        let commands = match p.get("commands").map(markup_value) {
            None => Vec::new(),
            Some(Value::Array(a)) => a,
            Some(_) => return Err(Outcome::bad("Bad Request: can't parse commands JSON object")),
        };
        if commands.len() > 100 {
            return Err(Outcome::bad("Bad Request: BOT_COMMANDS_TOO_MUCH"));
        }
        let mut stored = Vec::new();
        for c in &commands {
            let field = |name: &str| {
                Outcome::bad(format!("Bad Request: can't parse BotCommand: Can't find field \"{name}\""))
            };
            let command = c.get("command").and_then(Value::as_str).ok_or_else(|| field("command"))?;
            let description =
                c.get("description").and_then(Value::as_str).ok_or_else(|| field("description"))?;
            let valid = (1..=32).contains(&command.len())
                && command.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid {
                return Err(Outcome::bad("Bad Request: BOT_COMMAND_INVALID"));
            }
            if !(1..=256).contains(&description.chars().count()) {
                return Err(Outcome::bad("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"));
            }
            stored.push(json!({"command": command, "description": description}));
        }
        self.commands = (!stored.is_empty()).then_some(Value::Array(stored));
        Ok(json!(true))
    }
}

// ───────────────────────────── HTTP handling ─────────────────────────────

async fn not_found() -> Response {
    json_response(&Outcome::err(404, "Not Found"))
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    Path((token_segment, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    // teloxide sends `SendMessage`; Telegram's names are case-insensitive, its docs say `sendMessage`.
    let method = lower_first(&method);
    let params = match parse_params(&headers, &body) {
        Ok(p) => p,
        Err(desc) => {
            let outcome = Outcome::bad(desc);
            shared.record(&method, Value::Null, at, &outcome);
            return json_response(&outcome);
        }
    };
    if token_segment.strip_prefix("bot") != Some(shared.token.as_str()) {
        let outcome = Outcome::err(401, "Unauthorized");
        shared.record(&method, Value::Object(params), at, &outcome);
        return json_response(&outcome);
    }
    let method_lc = method.to_ascii_lowercase();
    let chat_id = params.get("chat_id").and_then(value_i64);
    let delay = chat_id
        .filter(|_| method_lc.starts_with("send"))
        .and_then(|c| shared.lock().send_delays.get(&c).copied());
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }

    let answered = {
        let mut inner = shared.lock();
        if let Some(fault) = inner.take_fault(&method_lc, chat_id) {
            Some(Outcome::from_fault(&fault))
        } else if method_lc == "getupdates" {
            None
        } else {
            Some(inner.dispatch(&method_lc, &params))
        }
    };
    let outcome = match answered {
        Some(outcome) => outcome,
        None => get_updates(&shared, &params).await,
    };
    shared.record(&method, Value::Object(params), at, &outcome);
    json_response(&outcome)
}

async fn get_updates(shared: &Arc<Shared>, p: &Map<String, Value>) -> Outcome {
    let offset = param_i64(p, "offset");
    let limit = param_i64(p, "limit").filter(|l| (1..=100).contains(l)).unwrap_or(100);
    let limit = usize::try_from(limit).unwrap_or(100);
    let timeout = Duration::from_secs(param_i64(p, "timeout").unwrap_or(0).max(0).unsigned_abs());
    let (generation, deadline) = {
        let mut inner = shared.lock();
        if inner.webhook_url.is_some() {
            return Outcome::err(409, DESC_CONFLICT_WEBHOOK);
        }
        if let Some(list) = p.get("allowed_updates").map(markup_value).and_then(|v| v.as_array().cloned()) {
            inner.allowed_updates = Some(list.iter().filter_map(Value::as_str).map(str::to_owned).collect());
        }
        inner.poll_generation += 1;
        (inner.poll_generation, tokio::time::Instant::now() + timeout.min(inner.max_poll_wait))
    };
    // Wakes an older poll, which then ends with 409 as on Telegram.
    shared.updates_tx.send_modify(|v| *v += 1);
    loop {
        let mut rx = shared.updates_tx.subscribe();
        {
            let mut inner = shared.lock();
            if inner.poll_generation != generation {
                return Outcome::err(409, DESC_CONFLICT_POLL);
            }
            inner.confirm(offset);
            inner.drop_disallowed();
            let batch: Vec<Value> = inner.updates.iter().take(limit).cloned().collect();
            if !batch.is_empty()
                || tokio::time::Instant::now() >= deadline
                || shared.shutting_down.load(Ordering::SeqCst)
            {
                return Outcome::Ok(Value::Array(batch));
            }
        }
        tokio::select! {
            _ = rx.changed() => {}
            () = tokio::time::sleep_until(deadline) => {}
        }
    }
}

fn json_response(outcome: &Outcome) -> Response {
    let status = StatusCode::from_u16(outcome.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, "application/json")], outcome.body_json().to_string()).into_response()
}

/// The parameters of a call: teloxide sends them as JSON, or as multipart/form-data.
fn parse_params(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, String> {
    let mut map = Map::new();
    if body.is_empty() {
        return Ok(map);
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let ct = content_type.to_ascii_lowercase();
    if ct.starts_with("multipart/form-data") {
        multipart_fields(content_type, body, &mut map)?;
        return Ok(map);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => {
            map.extend(obj);
            Ok(map)
        }
        _ => Err("Bad Request: can't parse JSON object".to_owned()),
    }
}

/// The text fields of a `multipart/form-data` body (teloxide sends `setWebhook` so); a
/// field holding JSON (an array, an object) is kept as JSON.
fn multipart_fields(content_type: &str, body: &[u8], map: &mut Map<String, Value>) -> Result<(), String> {
    let bad = || "Bad Request: can't parse multipart/form-data".to_owned();
    let boundary = content_type.split("boundary=").nth(1).map(|b| b.trim_matches('"')).ok_or_else(bad)?;
    let body = std::str::from_utf8(body).map_err(|_| bad())?;
    for part in body.split(&format!("--{boundary}")) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else { continue };
        let Some(name) = head.split("name=\"").nth(1).and_then(|rest| rest.split('"').next()) else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let parsed = match serde_json::from_str::<Value>(value) {
            Ok(json @ (Value::Array(_) | Value::Object(_))) => json,
            _ => Value::String(value.to_owned()),
        };
        map.insert(name.to_owned(), parsed);
    }
    Ok(())
}

// ───────────────────────────── webhook ─────────────────────────────

/// Delivers queued updates to the webhook while one is set, until the server stops.
async fn push_to_webhook(shared: Arc<Shared>) {
    let client = reqwest::Client::new();
    let mut changed = shared.updates_tx.subscribe();
    while !shared.shutting_down.load(Ordering::SeqCst) {
        for (update, url, secret) in shared.lock().due_webhook_posts() {
            tokio::spawn(post_update(shared.clone(), client.clone(), update, url, secret));
        }
        tokio::select! {
            _ = changed.changed() => {}
            () = tokio::time::sleep(WEBHOOK_RETRY_AFTER / 2) => {}
        }
    }
}

/// POSTs one update; a 2xx answer acknowledges it, anything else leaves it queued.
async fn post_update(
    shared: Arc<Shared>,
    client: reqwest::Client,
    update: Value,
    url: reqwest::Url,
    secret: Option<String>,
) {
    let id = update.get("update_id").and_then(Value::as_i64).unwrap_or_default();
    let mut request =
        client.post(url.clone()).header(header::CONTENT_TYPE, "application/json").body(update.to_string());
    if let Some(secret) = secret {
        request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
    }
    let sent = Instant::now();
    let status = request.send().await.ok().map(|answer| answer.status().as_u16());
    {
        let mut inner = shared.lock();
        let post =
            WebhookPost { update_id: id, target: url.to_string(), status, sent, answered: Instant::now() };
        let acknowledged = post.acknowledged();
        inner.webhook_posts.push(post);
        if let Some(webhook) = inner.webhook.as_mut() {
            webhook.in_delivery.remove(&id);
            if !acknowledged {
                webhook.retry_at.insert(id, Instant::now() + WEBHOOK_RETRY_AFTER);
            }
        }
        if acknowledged {
            // The queue is in update_id order.
            if let Ok(position) = inner.updates.binary_search_by_key(&id, update_id) {
                inner.updates.remove(position);
            }
        }
    }
    shared.updates_tx.send_modify(|v| *v += 1);
}

// ───────────────────────────── validation ─────────────────────────────

/// Checks a message text as Telegram does; returns the trimmed plain text and its entities.
fn check_text(
    text: Option<&Value>,
    parse_mode: Option<&str>,
    too_long: &str,
) -> Checked<(String, Vec<Value>)> {
    let raw = match text {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    if raw.is_empty() {
        return Err(Outcome::bad(DESC_TEXT_EMPTY));
    }
    let (plain, entities) = match parse_mode.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => (raw, Vec::new()),
        Some("html") => {
            let parsed = parse_html(&raw).map_err(|e| Outcome::bad(format!("{DESC_CANT_PARSE}{e}")))?;
            (parsed.text, parsed.entities)
        }
        Some(_) => return Err(Outcome::bad("Bad Request: unsupported parse_mode")),
    };
    let (text, entities) = trim_text(&plain, entities);
    if text.is_empty() {
        return Err(Outcome::bad(DESC_TEXT_EMPTY));
    }
    if utf16_len(&text) > MAX_MESSAGE_UTF16 {
        return Err(Outcome::bad(too_long));
    }
    Ok((text, entities))
}

/// Trims white space as Telegram does, moving and clipping entities.
fn trim_text(plain: &str, entities: Vec<Value>) -> (String, Vec<Value>) {
    let start = plain.trim_start();
    let lead = utf16_len(plain) - utf16_len(start);
    let text = start.trim_end().to_owned();
    let len = utf16_len(&text);
    let entities = entities
        .into_iter()
        .filter_map(|mut e| {
            let off = usize::try_from(e.get("offset")?.as_u64()?).ok()?;
            let l = usize::try_from(e.get("length")?.as_u64()?).ok()?;
            let begin = off.max(lead) - lead;
            let end = (off + l).saturating_sub(lead).min(len);
            (end > begin).then(|| {
                e["offset"] = json!(begin);
                e["length"] = json!(end - begin);
                e
            })
        })
        .collect();
    (text, entities)
}

/// Checks `reply_markup`; returns it parsed.
fn check_reply_markup(markup: Option<&Value>) -> Checked<Option<Value>> {
    let Some(markup) = markup.map(markup_value) else { return Ok(None) };
    if !markup.is_object() {
        return Err(Outcome::bad(DESC_BAD_MARKUP));
    }
    let Some(keyboard) = markup.get("inline_keyboard") else { return Ok(Some(markup)) };
    let Some(rows) = keyboard.as_array() else { return Err(Outcome::bad(DESC_BAD_MARKUP)) };
    const KINDS: &[&str] = &[
        "url",
        "login_url",
        "callback_data",
        "web_app",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    ];
    for row in rows {
        let Some(buttons) = row.as_array() else { return Err(Outcome::bad(DESC_BAD_MARKUP)) };
        for b in buttons {
            if b.get("text").and_then(Value::as_str).is_none() {
                return Err(Outcome::bad(
                    "Bad Request: can't parse inline keyboard button: Can't find field \"text\"",
                ));
            }
            if !KINDS.iter().any(|k| b.get(k).is_some()) {
                return Err(Outcome::bad(DESC_TEXT_BUTTONS));
            }
            if let Some(data) = b.get("callback_data") {
                let len = data.as_str().map_or(0, str::len);
                if len == 0 || len > MAX_CALLBACK_DATA_BYTES {
                    return Err(Outcome::bad(DESC_BUTTON_DATA));
                }
            }
        }
    }
    Ok(Some(markup))
}

// ───────────────────────────── small helpers ─────────────────────────────

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c)
}

/// Decodes an HTML entity at `b[pos] == '&'` as TDLib does: `&lt;` `&gt;` `&amp;` `&quot;` and
/// numeric ones, the `;` being optional. Returns the character and the index after it.
fn decode_html_entity(b: &[u8], pos: usize) -> Option<(char, usize)> {
    let n = b.len();
    let mut end = pos + 1;
    let code: u32;
    if end < n && b[end] == b'#' {
        end += 1;
        let mut res: u32 = 0;
        if end < n && b[end] == b'x' {
            end += 1;
            while end < n && b[end].is_ascii_hexdigit() {
                res = res * 16 + char::from(b[end]).to_digit(16)?;
                end += 1;
                if res >= 0x10_ffff {
                    return None;
                }
            }
        } else {
            while end < n && b[end].is_ascii_digit() {
                res = res * 10 + u32::from(b[end] - b'0');
                end += 1;
                if res >= 0x10_ffff {
                    return None;
                }
            }
        }
        if res == 0 || (0xd800..=0xdfff).contains(&res) {
            return None;
        }
        code = res;
    } else {
        while end < n && b[end].is_ascii_alphabetic() {
            end += 1;
        }
        code = match &b[pos + 1..end] {
            b"lt" => '<' as u32,
            b"gt" => '>' as u32,
            b"amp" => '&' as u32,
            b"quot" => '"' as u32,
            _ => return None,
        };
    }
    if end < n && b[end] == b';' {
        end += 1;
    }
    char::from_u32(code).map(|c| (c, end))
}

fn html_entity_json(tag: &str, arg: &str, expandable: bool) -> Option<Value> {
    let e = match tag {
        "b" | "strong" => json!({"type": "bold"}),
        "i" | "em" => json!({"type": "italic"}),
        "u" | "ins" => json!({"type": "underline"}),
        "s" | "strike" | "del" => json!({"type": "strikethrough"}),
        "tg-spoiler" | "span" => json!({"type": "spoiler"}),
        "code" => json!({"type": "code"}),
        "pre" => json!({"type": "pre"}),
        "blockquote" if expandable => json!({"type": "expandable_blockquote"}),
        "blockquote" => json!({"type": "blockquote"}),
        "tg-emoji" => json!({"type": "custom_emoji", "custom_emoji_id": arg}),
        "a" => {
            // Telegram drops links it cannot make a URL of, and adds http:// when missing.
            if arg.is_empty() || arg.starts_with("tg://user") {
                return None;
            }
            let url = reqwest::Url::parse(arg)
                .ok()
                .filter(|u| u.has_host())
                .or_else(|| reqwest::Url::parse(&format!("http://{arg}")).ok())?;
            json!({"type": "text_link", "url": url.as_str()})
        }
        _ => return None,
    };
    Some(e)
}

fn update_id(u: &Value) -> i64 {
    u.get("update_id").and_then(Value::as_i64).unwrap_or_default()
}

fn update_kind(u: &Value) -> Option<&str> {
    u.as_object()?.keys().find(|k| *k != "update_id").map(String::as_str)
}

fn is_from_bot(m: &Value) -> bool {
    m.get("from").and_then(|f| f.get("id")).and_then(Value::as_i64) == Some(BOT_ID)
}

/// Telegram never nests `reply_to_message` more than one level deep.
fn strip_reply(mut m: Value) -> Value {
    if let Some(obj) = m.as_object_mut() {
        obj.remove("reply_to_message");
    }
    m
}

/// A parameter that may be JSON-encoded in a string (form and query parameters).
fn markup_value(v: &Value) -> Value {
    match v {
        Value::String(s) if s.starts_with('{') || s.starts_with('[') => {
            serde_json::from_str(s).unwrap_or_else(|_| v.clone())
        }
        _ => v.clone(),
    }
}

fn value_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn param_i64(p: &Map<String, Value>, key: &str) -> Option<i64> {
    p.get(key).and_then(value_i64)
}

fn param_str<'a>(p: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    p.get(key).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_entities_skip_words_and_urls() {
        assert!(auto_entities("a/b http://x.com/start user@example.com").is_empty());
        assert_eq!(auto_entities("/start"), [json!({"type": "bot_command", "offset": 0, "length": 6})]);
        assert_eq!(auto_entities("hi @ab"), Vec::<Value>::new());
        assert_eq!(auto_entities("中文/help"), Vec::<Value>::new());
        assert_eq!(auto_entities("问 /help。"), [json!({"type": "bot_command", "offset": 2, "length": 5})]);
    }
}
