//! Tests of the fake Telegram Bot API server (`src/fake_telegram.rs`), driven through the
//! real teloxide client: it answers as Telegram does, and rejects what Telegram rejects.

use std::time::{Duration, Instant};

use callbot_test_support::fake_telegram::{
    BOT_USERNAME, FakeTelegram, Fault, TOKEN, TestChat, TestUser, TextMessage, bot_message, parse_html,
};
use serde_json::{Value, json};
use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResult, InlineQueryResultArticle,
    InputMessageContent, InputMessageContentText, MessageEntityKind, MessageId, ParseMode, UpdateKind,
};

const WAIT: Duration = Duration::from_secs(5);
const CHAT: ChatId = ChatId(4242);
/// The bot's user id: the part of [`TOKEN`] before the colon.
const BOT_ID: u64 = 123;
/// Longest message text Telegram accepts, in UTF-16 code units after entity parsing.
const MAX_MESSAGE_UTF16: usize = 4096;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

fn api_error(result: Result<impl std::fmt::Debug, RequestError>) -> ApiError {
    match result {
        Err(RequestError::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

async fn send_html(bot: &Bot, text: &str) -> Result<Message, RequestError> {
    bot.send_message(CHAT, text).parse_mode(ParseMode::Html).await
}

/// POSTs `params` to `method` as JSON, as teloxide cannot send some (a text-only button, an
/// unknown method); returns the status and the body answered.
async fn post(fake: &FakeTelegram, method: &str, params: Value) -> Result<(u16, Value), reqwest::Error> {
    let response = reqwest::Client::new()
        .post(format!("{}bot{TOKEN}/{method}", fake.url()))
        .header("content-type", "application/json")
        .body(params.to_string())
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, serde_json::from_str(&response.text().await?).unwrap_or(Value::Null)))
}

fn alice() -> TestUser {
    TestUser::new(42, "Alice").language_code("zh-hans")
}

// ───────────────────────────── basics ─────────────────────────────

#[tokio::test]
async fn get_me_deserialises_into_teloxide_me() -> TestResult {
    let fake = FakeTelegram::start().await;
    let me = fake.bot().get_me().await?;
    assert_eq!(me.username(), BOT_USERNAME);
    assert_eq!(me.id, UserId(BOT_ID));
    assert!(me.is_bot);
    assert!(me.can_join_groups);
    assert!(!me.can_read_all_group_messages);
    assert!(me.supports_inline_queries);
    assert!(!me.has_main_web_app);
    let calls = fake.calls_of("getMe");
    assert_eq!(calls.len(), 1);
    assert!(calls[0].is_ok());
    Ok(())
}

#[tokio::test]
async fn url_and_token_match_what_teloxide_uses() -> TestResult {
    let fake = FakeTelegram::start().await;
    assert_eq!(fake.token(), TOKEN);
    assert_eq!(fake.url().host_str(), Some("127.0.0.1"));
    let bot = Bot::new(TOKEN).set_api_url(fake.url());
    bot.get_me().await?;
    let wrong = Bot::new("999:WRONG").set_api_url(fake.url());
    assert_eq!(api_error(wrong.get_me().await), ApiError::InvalidToken);
    Ok(())
}

#[tokio::test]
async fn unknown_methods_get_404_not_found() -> TestResult {
    let fake = FakeTelegram::start().await;
    let (status, body) = post(&fake, "sendTelepathy", json!({"chat_id": 1})).await?;
    assert_eq!(status, 404);
    assert_eq!(body, json!({"ok": false, "error_code": 404, "description": "Not Found"}));
    assert_eq!(fake.calls_of("sendTelepathy").len(), 1);
    Ok(())
}

#[tokio::test]
async fn set_and_get_my_commands_round_trip_and_validate() -> TestResult {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    bot.set_my_commands([BotCommand::new("start", "开始"), BotCommand::new("help_2", "帮助")]).await?;
    let commands = fake.commands().ok_or("no commands stored")?;
    assert_eq!(commands[0]["command"], "start");
    assert_eq!(commands[1]["description"], "帮助");

    let err = api_error(bot.set_my_commands([BotCommand::new("Start", "x")]).await);
    assert_eq!(err, ApiError::Unknown("Bad Request: BOT_COMMAND_INVALID".to_owned()));
    let err = api_error(bot.set_my_commands([BotCommand::new("/start", "x")]).await);
    assert_eq!(err, ApiError::Unknown("Bad Request: BOT_COMMAND_INVALID".to_owned()));
    Ok(())
}

// ───────────────────────────── sendMessage ─────────────────────────────

#[tokio::test]
async fn valid_html_message_is_accepted_and_returned_as_a_message() -> TestResult {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let html = "<b>普京</b>与<i>特朗普</i> &amp; <a href=\"https://example.com/?a=1&amp;b=2\">链接</a> \
                <tg-spoiler>秘</tg-spoiler> <span class=\"tg-spoiler\">密</span> <u>u</u><s>s</s>\
                <code>x &lt; y</code> <pre><code class=\"language-rust\">fn main() {}</code></pre>\
                <blockquote expandable>引</blockquote> &#x1F600;&#128512; &quot;q&quot;";
    let first = send_html(&bot, html).await?;
    let text = first.text().unwrap_or_default();
    assert!(text.starts_with("普京与特朗普 & 链接 秘 密 us"), "{text}");
    assert!(text.contains("x < y"));
    assert!(text.ends_with("引 😀😀 \"q\""), "{text}");
    assert_eq!(first.chat.id, CHAT);
    assert_eq!(first.from.as_ref().map(|u| u.id), Some(UserId(BOT_ID)));
    let entities = first.entities().unwrap_or_default();
    assert_eq!(entities[0].kind, MessageEntityKind::Bold);
    assert_eq!((entities[0].offset, entities[0].length), (0, 2));
    assert!(entities.iter().any(|e| matches!(&e.kind, MessageEntityKind::TextLink { url } if url.as_str() == "https://example.com/?a=1&b=2")));
    assert!(entities.iter().any(|e| e.kind == MessageEntityKind::Spoiler));
    assert!(entities.iter().any(|e| e.kind == MessageEntityKind::ExpandableBlockquote));

    let second = bot.send_message(CHAT, "plain").await?;
    assert_eq!(second.id, MessageId(first.id.0 + 1));
    let other_chat = bot.send_message(ChatId(-1001234567890), "群").await?;
    assert_eq!(other_chat.id, MessageId(1));
    assert!(other_chat.chat.is_supergroup());

    let sent: Vec<_> = fake
        .calls_of("sendMessage")
        .iter()
        .filter(|c| c.chat_id() == Some(CHAT.0))
        .filter_map(|c| c.text().map(str::to_owned))
        .collect();
    assert_eq!(sent, [html, "plain"]);
    assert_eq!(
        fake.last_bot_message(CHAT.0).and_then(|m| m["text"].as_str().map(str::to_owned)),
        Some("plain".to_owned())
    );
    let call = &fake.calls_of("sendMessage")[0];
    assert_eq!(call.parse_mode(), Some("HTML"));
    assert_eq!(call.text(), Some(html));
    Ok(())
}

#[tokio::test]
async fn bad_html_is_rejected_with_telegrams_descriptions() -> TestResult {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let cases = [
        ("<b>bold", "Can't find end tag corresponding to start tag \"b\""),
        ("<b>bold</i>", "Unmatched end tag at byte offset 7, expected \"</b>\", found \"</i>\""),
        ("<b><i>x</b></i>", "Unmatched end tag at byte offset 7, expected \"</i>\", found \"</b>\""),
        ("text</b>", "Unexpected end tag at byte offset 4"),
        ("<div>x</div>", "Unsupported start tag \"div\" at byte offset 0"),
        ("line<br/>break", "Unsupported start tag \"br/\" at byte offset 4"),
        ("1 < 2", "Unsupported start tag \"\" at byte offset 2"),
        ("中文<3 x", "Unsupported start tag \"3\" at byte offset 6"),
        ("x <", "Unclosed start tag at byte offset 2"),
        ("<span>x</span>", "Tag \"span\" must have class \"tg-spoiler\" at byte offset 0"),
        ("<a href=\"x\"", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<tg-emoji emoji-id=\"abc\">👍</tg-emoji>", "Invalid custom emoji identifier specified"),
        ("AT&T", "Unescaped \"&\" at byte offset 2 (write &amp;; strict mode of the fake server)"),
        ("a > b", "Unescaped \">\" at byte offset 2 (write &gt;; strict mode of the fake server)"),
    ];
    for (text, why) in cases {
        let err = api_error(send_html(&bot, text).await);
        let expected = format!("Bad Request: can't parse entities: {why}");
        assert_eq!(err, ApiError::CantParseEntities(expected), "for {text:?}");
    }
    let rejected = fake.calls_of("sendMessage");
    assert_eq!(rejected.len(), cases.len());
    assert!(rejected.iter().all(|c| c.status == 400 && !c.is_ok()));
    assert!(fake.bot_messages(CHAT.0).is_empty());

    // Without parse_mode nothing is parsed.
    bot.send_message(CHAT, "1 < 2 & <b>").await?;
    Ok(())
}

#[tokio::test]
async fn empty_texts_are_rejected() -> TestResult {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    assert_eq!(api_error(bot.send_message(CHAT, "").await), ApiError::MessageTextIsEmpty);
    assert_eq!(api_error(bot.send_message(CHAT, " \n\t ").await), ApiError::MessageTextIsEmpty);
    assert_eq!(api_error(send_html(&bot, "<b></b>").await), ApiError::MessageTextIsEmpty);
    assert_eq!(api_error(send_html(&bot, "<b> </b>\n").await), ApiError::MessageTextIsEmpty);
    Ok(())
}

#[tokio::test]
async fn length_is_counted_in_utf16_after_entity_parsing() -> TestResult {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let ascii = "a".repeat(MAX_MESSAGE_UTF16);
    bot.send_message(CHAT, ascii.clone()).await?;
    let too_long = "a".repeat(MAX_MESSAGE_UTF16 + 1);
    assert_eq!(api_error(bot.send_message(CHAT, too_long).await), ApiError::MessageIsTooLong);

    // 😀 is two UTF-16 code units: 2048 fit, 2049 (only 2049 chars) do not.
    let emoji = "😀".repeat(MAX_MESSAGE_UTF16 / 2);
    assert_eq!(emoji.encode_utf16().count(), MAX_MESSAGE_UTF16);
    let m = bot.send_message(CHAT, emoji.clone()).await?;
    assert_eq!(m.text(), Some(emoji.as_str()));
    let emoji_long = "😀".repeat(MAX_MESSAGE_UTF16 / 2 + 1);
    assert_eq!(api_error(bot.send_message(CHAT, emoji_long).await), ApiError::MessageIsTooLong);

    // CJK characters are one code unit each (but three UTF-8 bytes).
    let cjk = "中".repeat(MAX_MESSAGE_UTF16);
    bot.send_message(CHAT, cjk).await?;
    let cjk_long = "中".repeat(MAX_MESSAGE_UTF16 + 1);
    assert_eq!(api_error(bot.send_message(CHAT, cjk_long).await), ApiError::MessageIsTooLong);

    // Markup does not count, entities count as the character they stand for.
    send_html(&bot, &format!("<b>{}</b>", "文".repeat(MAX_MESSAGE_UTF16))).await?;
    send_html(&bot, &format!("{}&lt;", "文".repeat(MAX_MESSAGE_UTF16 - 1))).await?;
    let over = format!("{}&lt;", "文".repeat(MAX_MESSAGE_UTF16));
    assert_eq!(api_error(send_html(&bot, &over).await), ApiError::MessageIsTooLong);
    // Leading and trailing white space is trimmed before counting.
    bot.send_message(CHAT, format!("  {ascii}\n\n")).await?;
    Ok(())
}

#[tokio::test]
async fn callback_data_must_be_1_to_64_bytes() -> TestResult {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let keyboard = |data: String| InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("按钮", data)]]);
    let ok = bot.send_message(CHAT, "选").reply_markup(keyboard("d".repeat(64))).await?;
    assert!(ok.reply_markup().is_some());
    let err = api_error(bot.send_message(CHAT, "选").reply_markup(keyboard("d".repeat(65))).await);
    assert_eq!(err, ApiError::ButtonDataInvalid);
    // 22 CJK characters are 66 bytes.
    let err = api_error(bot.send_message(CHAT, "选").reply_markup(keyboard("问".repeat(22))).await);
    assert_eq!(err, ApiError::ButtonDataInvalid);
    let err = api_error(bot.send_message(CHAT, "选").reply_markup(keyboard(String::new())).await);
    assert_eq!(err, ApiError::ButtonDataInvalid);
    assert_eq!(fake.calls_of("sendMessage")[0].callback_data(), ["d".repeat(64)]);
    Ok(())
}

#[tokio::test]
async fn text_only_inline_buttons_are_rejected() -> TestResult {
    let fake = FakeTelegram::start().await;
    let text_button =
        json!({"chat_id": 1, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "t"}]]}});
    let (status, body) = post(&fake, "sendMessage", text_button).await?;
    assert_eq!(status, 400);
    assert_eq!(
        body["description"],
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    );
    Ok(())
}

// ───────────────────────────── queries ─────────────────────────────

#[tokio::test]
async fn callback_queries_are_answered_once_with_short_text() -> TestResult {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let sent = bot.send_message(CHAT, "选").await?;
    let message = fake.last_bot_message(CHAT.0).ok_or("no bot message")?;
    let pushed = fake.push_callback_query(&alice(), message, "q:1");
    let id = pushed.query_id.clone().ok_or("no query id")?;
    let updates = bot.get_updates().await?;
    let UpdateKind::CallbackQuery(q) = &updates[0].kind else { panic!("{:?}", updates[0].kind) };
    assert_eq!(q.data.as_deref(), Some("q:1"));
    assert_eq!(q.regular_message().map(|m| m.id), Some(sent.id));
    assert_eq!(q.id.0, id);

    let long = bot.answer_callback_query(q.id.clone()).text("长".repeat(201)).await;
    assert_eq!(api_error(long), ApiError::EditedMessageIsTooLong); // "Bad Request: MESSAGE_TOO_LONG"
    bot.answer_callback_query(q.id.clone()).text("长".repeat(200)).await?;
    assert_eq!(api_error(bot.answer_callback_query(q.id.clone()).await), ApiError::InvalidQueryId);
    assert_eq!(api_error(bot.answer_callback_query("nope".into()).await), ApiError::InvalidQueryId);
    Ok(())
}

fn article(id: &str, text: &str) -> InlineQueryResult {
    let content = InputMessageContent::Text(InputMessageContentText::new(text).parse_mode(ParseMode::Html));
    InlineQueryResult::Article(InlineQueryResultArticle::new(id, "标题", content))
}

#[tokio::test]
async fn inline_query_answers_are_validated() -> TestResult {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let q = fake.push_inline_query(&alice(), "普京");
    let id: teloxide::types::InlineQueryId = q.query_id.ok_or("no query id")?.into();
    let updates = bot.get_updates().await?;
    let UpdateKind::InlineQuery(iq) = &updates[0].kind else { panic!("{:?}", updates[0].kind) };
    assert_eq!(iq.query, "普京");
    assert_eq!(iq.id, id);

    let too_many: Vec<_> = (0..51).map(|i| article(&i.to_string(), "x")).collect();
    assert_eq!(
        api_error(bot.answer_inline_query(id.clone(), too_many).await),
        ApiError::TooMuchInlineQueryResults
    );
    let long_id = bot.answer_inline_query(id.clone(), [article(&"i".repeat(65), "x")]).await;
    assert_eq!(api_error(long_id), ApiError::Unknown("Bad Request: RESULT_ID_INVALID".to_owned()));
    let dup = bot.answer_inline_query(id.clone(), [article("1", "x"), article("1", "y")]).await;
    assert_eq!(api_error(dup), ApiError::Unknown("Bad Request: RESULT_ID_DUPLICATE".to_owned()));
    let bad_html = bot.answer_inline_query(id.clone(), [article("1", "<b>x")]).await;
    assert!(matches!(api_error(bad_html), ApiError::CantParseEntities(_)));
    let empty = bot.answer_inline_query(id.clone(), [article("1", "")]).await;
    assert_eq!(api_error(empty), ApiError::MessageTextIsEmpty);

    let fifty: Vec<_> = (0..50).map(|i| article(&format!("{i:064}"), "<b>好</b>")).collect();
    bot.answer_inline_query(id.clone(), fifty).await?;
    assert_eq!(api_error(bot.answer_inline_query(id, [article("1", "x")]).await), ApiError::InvalidQueryId);
    Ok(())
}

// ───────────────────────────── faults ─────────────────────────────

#[tokio::test]
async fn too_many_requests_surfaces_as_retry_after() -> TestResult {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    fake.fail_next("sendMessage", None, Fault::TooManyRequests { retry_after: 7 });
    match bot.send_message(CHAT, "hi").await {
        Err(RequestError::RetryAfter(secs)) => assert_eq!(secs.seconds(), 7),
        other => panic!("expected RetryAfter, got {other:?}"),
    }
    bot.send_message(CHAT, "hi").await?;
    let calls = fake.calls_of("sendMessage");
    assert_eq!(calls[0].status, 429);
    assert_eq!(calls[0].description(), Some("Too Many Requests: retry after 7"));
    assert!(calls[1].is_ok());
    Ok(())
}

#[tokio::test]
async fn a_fault_can_target_a_chat() -> TestResult {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    fake.fail_next("sendMessage", Some(1), Fault::TooManyRequests { retry_after: 1 });
    bot.send_message(ChatId(2), "other chat").await?;
    assert!(matches!(bot.send_message(ChatId(1), "a").await, Err(RequestError::RetryAfter(_))));
    bot.send_message(ChatId(1), "a").await?;
    Ok(())
}

// ───────────────────────────── updates ─────────────────────────────

#[tokio::test]
async fn long_polling_returns_pushed_updates_and_respects_offsets() -> TestResult {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let first = fake.push_text(TextMessage::private(&alice(), "你好"));

    let started = Instant::now();
    let updates = bot.get_updates().timeout(5).await?;
    assert!(started.elapsed() < Duration::from_millis(900), "queued updates come at once");
    assert_eq!(updates.len(), 1);
    assert_eq!(i64::from(updates[0].id.0), first.update_id);
    let UpdateKind::Message(m) = &updates[0].kind else { panic!("{:?}", updates[0].kind) };
    assert_eq!(m.text(), Some("你好"));
    assert_eq!(m.chat.id, ChatId(42));
    assert_eq!(m.from.as_ref().map(|u| u.first_name.as_str()), Some("Alice"));

    // Without a higher offset the update is delivered again.
    assert_eq!(bot.get_updates().await?.len(), 1);
    // Confirming it empties the queue; an empty poll waits for its timeout.
    let next = updates[0].id.0 as i32 + 1;
    let started = Instant::now();
    let empty = bot.get_updates().offset(next).timeout(1).await?;
    assert!(empty.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(900), "waited {:?}", started.elapsed());
    assert_eq!(fake.pending_updates(), 0);

    // An update pushed while a poll waits ends the wait at once.
    fake.set_max_poll_wait(Duration::from_secs(10));
    let poll = tokio::spawn({
        let bot = bot.clone();
        async move {
            let started = Instant::now();
            let result = bot.get_updates().offset(next).timeout(8).await;
            (result, started.elapsed())
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = fake.push_text(TextMessage::private(&alice(), "later"));
    let (result, elapsed) = poll.await?;
    let updates = result?;
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    assert_eq!(updates.len(), 1);
    assert_eq!(i64::from(updates[0].id.0), second.update_id);
    assert!(second.update_id > first.update_id);

    // At most `limit` updates at once.
    for i in 0..3 {
        fake.push_text(TextMessage::private(&alice(), &format!("m{i}")));
    }
    let next = updates[0].id.0 as i32 + 1;
    assert_eq!(bot.get_updates().offset(next).limit(2).await?.len(), 2);
    assert_eq!(fake.pending_updates(), 3);
    Ok(())
}

#[tokio::test]
async fn a_second_poll_terminates_the_first_with_409() -> TestResult {
    let fake = FakeTelegram::start().await;
    fake.set_max_poll_wait(Duration::from_secs(5));
    let bot = fake.bot();
    let first = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(5).await }
    });
    // Let the first poll start waiting.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = tokio::spawn({
        let bot = bot.clone();
        async move { bot.get_updates().timeout(1).await }
    });
    assert_eq!(api_error(first.await?), ApiError::TerminatedByOtherGetUpdates);
    tokio::time::sleep(Duration::from_millis(100)).await;
    fake.push_text(TextMessage::private(&alice(), "x"));
    assert_eq!(second.await??.len(), 1);
    Ok(())
}

#[tokio::test]
async fn allowed_updates_filters_like_telegram() -> TestResult {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    fake.push_inline_query(&alice(), "q");
    fake.push_text(TextMessage::private(&alice(), "m"));
    let updates = bot.get_updates().allowed_updates([teloxide::types::AllowedUpdate::Message]).await?;
    assert_eq!(updates.len(), 1);
    assert!(matches!(updates[0].kind, UpdateKind::Message(_)));
    assert_eq!(fake.pending_updates(), 1, "the inline query was dropped");
    Ok(())
}

#[tokio::test]
async fn update_builders_deserialise_in_teloxide() -> TestResult {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let bob = TestUser::new(77, "Bob");
    let group = TestChat::supergroup(-1001000000001, "测试群");
    let basic = TestChat::group(-4001, "小组");

    let bot_said = bot.send_message(ChatId(group.id()), "之前的回答").await?;
    let reply_to = fake.last_bot_message(group.id()).ok_or("no bot message")?;
    let text = format!("😀 @{BOT_USERNAME} 普京说了什么？ /ask@{BOT_USERNAME} /start");
    let in_group = fake.push_text(TextMessage::in_chat(&group, &bob, &text).reply_to(reply_to));
    assert!(in_group.message_id > Some(i64::from(bot_said.id.0)), "message ids are shared per chat");
    fake.push_text(TextMessage::in_chat(&basic, &bob, "/help").reply_to_bot(3, "旧消息"));
    let sticker = fake.push_sticker(&TestChat::private(&bob), &bob, "👍");
    fake.push_edited_text(&TestChat::private(&bob), &bob, 1, "改过的 /start");
    fake.push_callback_query(&bob, bot_message(&TestChat::private(&bob), 5, "按钮消息"), "page:2");
    fake.push_inline_query(&bob, "");

    let updates = bot.get_updates().await?;
    assert_eq!(updates.len(), 6);
    for u in &updates {
        assert!(!matches!(u.kind, UpdateKind::Error(_)), "{:?}", u.kind);
    }
    let UpdateKind::Message(m) = &updates[0].kind else { panic!("{:?}", updates[0].kind) };
    assert_eq!(m.text(), Some(text.as_str()));
    assert!(m.chat.is_supergroup());
    assert_eq!(m.reply_to_message().map(|r| r.id), Some(bot_said.id));
    assert_eq!(m.reply_to_message().and_then(|r| r.from.as_ref()).map(|u| u.is_bot), Some(true));
    let kinds: Vec<_> =
        m.entities().unwrap_or_default().iter().map(|e| (e.kind.clone(), e.offset, e.length)).collect();
    // 😀 is two UTF-16 units, so the mention starts at 3.
    let ask_at = format!("😀 @{BOT_USERNAME} 普京说了什么？ ").encode_utf16().count();
    assert_eq!(
        kinds,
        [
            (MessageEntityKind::Mention, 3, 1 + BOT_USERNAME.len()),
            (MessageEntityKind::BotCommand, ask_at, 5 + BOT_USERNAME.len()),
            (MessageEntityKind::BotCommand, ask_at + 6 + BOT_USERNAME.len(), 6),
        ]
    );
    let parsed = m.parse_entities().unwrap_or_default();
    assert_eq!(parsed[0].text(), format!("@{BOT_USERNAME}"));
    assert_eq!(parsed[1].text(), format!("/ask@{BOT_USERNAME}"));

    let UpdateKind::Message(m) = &updates[1].kind else { panic!("{:?}", updates[1].kind) };
    assert!(m.chat.is_group());
    assert_eq!(m.reply_to_message().and_then(|r| r.text()), Some("旧消息"));
    let UpdateKind::Message(m) = &updates[2].kind else { panic!("{:?}", updates[2].kind) };
    assert_eq!(m.sticker().and_then(|s| s.emoji.clone()).as_deref(), Some("👍"));
    assert_eq!(sticker.chat_id, Some(77));
    let UpdateKind::EditedMessage(m) = &updates[3].kind else { panic!("{:?}", updates[3].kind) };
    assert_eq!(m.text(), Some("改过的 /start"));
    assert!(m.edit_date().is_some());
    let UpdateKind::CallbackQuery(q) = &updates[4].kind else { panic!("{:?}", updates[4].kind) };
    assert_eq!(q.data.as_deref(), Some("page:2"));
    assert_eq!(q.regular_message().and_then(|m| m.text()), Some("按钮消息"));
    let UpdateKind::InlineQuery(q) = &updates[5].kind else { panic!("{:?}", updates[5].kind) };
    assert_eq!(q.query, "");
    Ok(())
}

#[tokio::test]
async fn wait_for_sees_calls_made_later_and_times_out_with_a_report() -> TestResult {
    let fake = FakeTelegram::start().await;
    let bot = fake.bot();
    let sender = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        bot.send_message(CHAT, "迟到").await
    });
    let calls = fake.wait_for_calls_of("sendMessage", 1, WAIT).await?;
    assert_eq!(calls[0].text(), Some("迟到"));
    sender.await??;

    let started = Instant::now();
    let timeout = fake
        .wait_for(|calls| calls.iter().any(|c| c.text() == Some("never")), Duration::from_millis(200))
        .await
        .err()
        .ok_or("expected a timeout")?;
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(timeout.calls.len(), 1);
    assert!(timeout.to_string().contains("sendMessage"), "{timeout}");
    Ok(())
}

#[tokio::test]
async fn a_teloxide_dispatcher_runs_against_the_fake() -> TestResult {
    let fake = FakeTelegram::start().await;
    let handler = Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
        let text = msg.text().unwrap_or_default();
        bot.send_message(
            msg.chat.id,
            format!("<b>回声</b>: {}", text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")),
        )
        .parse_mode(ParseMode::Html)
        .await?;
        Ok::<(), RequestError>(())
    });
    let mut dispatcher = Dispatcher::builder(fake.bot(), handler).build();
    let token = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    fake.push_text(TextMessage::private(&alice(), "1 < 2 & 3 > 2"));
    let calls = fake.wait_for_calls_of("sendMessage", 1, WAIT).await?;
    assert!(calls[0].is_ok(), "{:?}", calls[0].description());
    assert_eq!(fake.last_bot_message(42).map(|m| m["text"].clone()), Some(json!("回声: 1 < 2 & 3 > 2")));
    fake.wait_for_updates_confirmed(WAIT).await?;

    token.shutdown().map_err(|e| format!("{e:?}"))?.await;
    running.await?;
    assert!(fake.calls_of("getMe").len() == 1, "the dispatcher asks getMe once");
    Ok(())
}

#[tokio::test]
async fn stop_ends_waiting_polls() -> TestResult {
    let fake = FakeTelegram::start().await;
    fake.set_max_poll_wait(Duration::from_secs(10));
    let bot = fake.bot();
    let poll = tokio::spawn(async move { bot.get_updates().timeout(10).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    fake.stop().await;
    let result = poll.await?;
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(result.map(|u| u.is_empty()).unwrap_or(true));
    Ok(())
}

// ───────────────────────────── pure helpers ─────────────────────────────

#[test]
fn html_parser_reports_entities_in_utf16() {
    let parsed = parse_html("😀<b>粗</b> <i>x&amp;y</i>");
    let parsed = parsed.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.text, "😀粗 x&y");
    assert_eq!(parsed.entities[0], json!({"type": "bold", "offset": 2, "length": 1}));
    assert_eq!(parsed.entities[1], json!({"type": "italic", "offset": 4, "length": 3}));
    assert_eq!(parse_html("<B>x</>").map(|p| p.text), Ok("x".to_owned()));
    assert!(parse_html("<a href=x.com>y</a>").is_ok());
    assert_eq!(
        parse_html("<a href=x.com/>y</a>"),
        Err("Unexpected end of name token at byte offset 8".to_owned())
    );
}
