//! The Telegram bot end to end: the real `callbot::telegram::serve` (real teloxide client,
//! real dispatcher and handler tree) against the fake Bot API server in
//! `tests/support/src/fake_telegram.rs`. What the fake records is what Telegram would have seen.
//!
//! Delivery under faults and load is in `tests/telegram_delivery.rs`; the `callbot bot`
//! process in `tests/telegram_process.rs`.

use callbot_test_support as common;

use std::collections::BTreeSet;

use callbot::knowledge::Category;
use callbot::understanding::Script;
use common::bot::{self, WAIT};
use common::fake_telegram::{
    BOT_USERNAME, FakeTelegram, MAX_CALLBACK_DATA_BYTES, TestChat, TestUser, TextMessage, bot_message,
    parse_html,
};
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// The fact the prisoner-swap entry gives.
const PRISONERS: &str = "俄乌交换多少战俘";
const STALE_BUTTON: &str = "这个按钮已失效，请直接提问。";

fn user(id: i64, name: &str) -> TestUser {
    TestUser::new(id, name).language_code("zh-hans")
}

fn entry_ids(category: Category) -> Vec<String> {
    bot::knowledge().in_category(category).map(|e| e.id.clone()).collect()
}

// ───────────────────────────── private questions ─────────────────────────────

#[tokio::test]
async fn a_private_question_gets_one_html_answer_with_entry_buttons() -> TestResult {
    let fake = FakeTelegram::start().await;
    let setup = bot::engine();
    let engine = setup.engine.current();
    let running = bot::start(&fake, setup).await;
    let alice = user(1001, "Alice");

    fake.push_text(TextMessage::private(&alice, PRISONERS));
    bot::wait_for_delivered(&fake, alice.id, 1, WAIT).await;
    bot::finish(&fake, running).await;

    let sends = bot::sends_to(&fake, alice.id);
    assert_eq!(sends.len(), 1, "exactly one sendMessage: {sends:#?}");
    let reply = &sends[0];
    assert!(reply.is_ok(), "the fake rejected the reply: {:?}", reply.description());
    assert_eq!(reply.parse_mode(), Some("HTML"));
    assert!(bot::shown(reply).contains("175"), "{}", bot::shown(reply));
    assert!(reply.text().is_some_and(|t| t.contains("<blockquote>")), "quotes are blockquotes");
    assert_eq!(reply.reply_to_message_id(), None, "a private answer is not a reply");
    let data = reply.callback_data();
    assert!(!data.is_empty(), "follow-up questions are buttons");
    for d in &data {
        assert!(d.len() <= MAX_CALLBACK_DATA_BYTES, "{d:?} is longer than 64 bytes");
        assert!(engine.knowledge().entry(d).is_some(), "{d:?} is not an entry id");
    }
    Ok(())
}

#[tokio::test]
async fn every_command_gets_a_reply_and_the_menu_is_registered() -> TestResult {
    let fake = FakeTelegram::start().await;
    // One user sends eight commands at once: let the flood gate pass them all.
    let setup = bot::engine_with(|c| c.telegram.flood_burst = 100);
    let engine = setup.engine.current();
    let running = bot::start(&fake, setup).await;

    // Registered before the first poll, with every command.
    let set = fake.calls_of("setMyCommands");
    assert_eq!(set.len(), 1);
    assert!(set[0].is_ok(), "{:?}", set[0].description());
    assert!(set[0].seq < fake.calls_of("getUpdates")[0].seq, "the menu is set before polling");
    let menu = fake.commands().ok_or("no commands registered")?;
    let names: Vec<&str> =
        menu.as_array().ok_or("commands")?.iter().filter_map(|c| c["command"].as_str()).collect();
    assert_eq!(names, ["start", "help", "topics", "discussed", "not_discussed", "reactions", "source"]);

    let bob = user(1002, "Bob");
    let commands = [
        "/start",
        "/help",
        "/topics",
        "/discussed",
        "/not_discussed",
        "/reactions",
        "/source",
        "/start prisoner-swap",
    ];
    for command in commands {
        fake.push_text(TextMessage::private(&bob, command));
    }
    let replies = bot::wait_for_delivered(&fake, bob.id, commands.len(), WAIT).await;
    bot::finish(&fake, running).await;
    assert_eq!(bot::sends_to(&fake, bob.id).len(), commands.len(), "one message per command, none rejected");
    for r in &replies {
        assert_eq!(r.parse_mode(), Some("HTML"));
        assert!(!bot::shown(r).is_empty());
    }
    let shown: Vec<String> = replies.iter().map(bot::shown).collect();
    let knowledge = &engine.knowledge();

    // /start: a greeting and example questions as buttons.
    assert!(shown[0].contains("你好"), "{}", shown[0]);
    assert_eq!(replies[0].callback_data(), engine.config().reply.fallback_suggestions);
    // /help: every command.
    for name in names {
        assert!(shown[1].contains(&format!("/{name}")), "/help lacks /{name}: {}", shown[1]);
    }
    // /topics: one button per category the user can browse.
    let topics = replies[2].callback_data();
    assert_eq!(topics.len(), Category::ALL.len() - 1, "{topics:?}");
    assert!(topics.iter().all(|d| d.starts_with("topics:")), "{topics:?}");
    // /discussed, /not_discussed, /reactions: the category's entries as buttons.
    let discussed = replies[3].callback_data();
    assert!(discussed.iter().all(|d| entry_ids(Category::Discussed).contains(d)), "{discussed:?}");
    assert!(shown[3].contains("至少七点"), "{}", shown[3]);
    assert_eq!(replies[4].callback_data(), entry_ids(Category::NotDiscussed));
    assert!(shown[4].contains("没有提及"), "{}", shown[4]);
    assert_eq!(replies[5].callback_data(), entry_ids(Category::Reaction));
    assert!(shown[5].contains("反应"), "{}", shown[5]);
    // /source: the article's title and sections.
    assert!(shown[6].contains(&knowledge.article.title), "{}", shown[6]);
    // /start <entry id>: a deep link opens that answer.
    assert!(shown[7].contains("175"), "{}", shown[7]);
    Ok(())
}

// ───────────────────────────── buttons ─────────────────────────────

#[tokio::test]
async fn a_traditional_question_is_answered_in_traditional_and_its_buttons_keep_it() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let dora = user(1007, "Dora");
    let traditional = |text: &str| fast2s::convert(text) != text && !text.contains("谈");

    fake.push_text(TextMessage::private(&dora, "他們談了冰球嗎"));
    let first = bot::wait_for_delivered(&fake, dora.id, 1, WAIT).await;
    assert!(bot::shown(&first[0]).contains("談到了冰球比賽"), "{}", bot::shown(&first[0]));
    let labels = first[0].button_labels();
    assert!(!labels.is_empty() && labels.iter().all(|l| traditional(l)), "{labels:?}");
    let pressed = first[0].callback_data()[0].clone();
    let under = fake.last_bot_message(dora.id).ok_or("no bot message")?;
    fake.push_callback_query(&dora, under, &pressed);
    let second = bot::wait_for_delivered(&fake, dora.id, 2, WAIT).await;
    fake.push_text(TextMessage::private(&dora, "/discussed"));
    let third = bot::wait_for_delivered(&fake, dora.id, 3, WAIT).await;
    bot::finish(&fake, running).await;

    assert!(traditional(&bot::shown(&second[1])), "a button's answer: {}", bot::shown(&second[1]));
    assert!(traditional(&bot::shown(&third[2])), "a command's list: {}", bot::shown(&third[2]));
    Ok(())
}

#[tokio::test]
async fn a_user_whose_telegram_is_in_traditional_gets_start_in_traditional() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let hant = TestUser::new(1008, "Hsu").language_code("zh-hant");
    let hans = user(1009, "Han");

    fake.push_text(TextMessage::private(&hant, "/start"));
    fake.push_text(TextMessage::private(&hans, "/start"));
    let traditional = bot::wait_for_delivered(&fake, hant.id, 1, WAIT).await;
    let simplified = bot::wait_for_delivered(&fake, hans.id, 1, WAIT).await;
    bot::finish(&fake, running).await;

    let (traditional, simplified) = (bot::shown(&traditional[0]), bot::shown(&simplified[0]));
    assert_ne!(traditional, simplified, "{traditional}");
    assert_eq!(Script::Taiwan.fold(&traditional), simplified, "the same screen, in Taiwan's script");
    Ok(())
}

#[tokio::test]
async fn pressing_an_answers_button_opens_that_entry_and_stops_the_spinner() -> TestResult {
    let fake = FakeTelegram::start().await;
    let setup = bot::engine();
    let engine = setup.engine.current();
    let running = bot::start(&fake, setup).await;
    let carol = user(1003, "Carol");

    fake.push_text(TextMessage::private(&carol, PRISONERS));
    let first = bot::wait_for_delivered(&fake, carol.id, 1, WAIT).await;
    let data = first[0].callback_data();
    let pressed = data.first().ok_or("the answer has no buttons")?.clone();
    let under = fake.last_bot_message(carol.id).ok_or("no bot message")?;
    let press = fake.push_callback_query(&carol, under, &pressed);
    let query_id = press.query_id.ok_or("no query id")?;

    let replies = bot::wait_for_delivered(&fake, carol.id, 2, WAIT).await;
    bot::finish(&fake, running).await;

    let answers = fake.calls_of("answerCallbackQuery");
    assert_eq!(answers.len(), 1, "{answers:#?}");
    assert!(answers[0].is_ok(), "{:?}", answers[0].description());
    assert_eq!(answers[0].param("callback_query_id").and_then(Value::as_str), Some(query_id.as_str()));
    assert!(answers[0].param("text").is_none_or(Value::is_null), "a good button shows no alert");
    assert!(answers[0].seq < replies[1].seq, "the spinner stops before the answer is sent");
    let entry = engine.knowledge().entry(&pressed).ok_or("pressed data is an entry")?;
    assert!(bot::shown(&replies[1]).contains(&entry.answer), "{}", bot::shown(&replies[1]));
    assert_eq!(bot::sends_to(&fake, carol.id).len(), 2);
    Ok(())
}

#[tokio::test]
async fn a_topics_button_lists_the_categorys_entries() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let dave = user(1004, "Dave");

    let under = bot_message(&TestChat::private(&dave), 7, "想了解哪方面？");
    let press = fake.push_callback_query(&dave, under, "topics:discussed");
    let replies = bot::wait_for_delivered(&fake, dave.id, 1, WAIT).await;
    bot::finish(&fake, running).await;

    let answers = fake.calls_of("answerCallbackQuery");
    assert_eq!(answers.len(), 1);
    assert!(answers[0].is_ok());
    assert_eq!(answers[0].param("callback_query_id").and_then(Value::as_str), press.query_id.as_deref());
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].callback_data(), entry_ids(Category::Discussed));
    assert!(bot::shown(&replies[0]).contains(Category::Discussed.label()), "{}", bot::shown(&replies[0]));
    Ok(())
}

#[tokio::test]
async fn a_stale_button_answers_the_callback_with_a_notice_and_sends_nothing() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let erin = user(1005, "Erin");

    let chat = TestChat::private(&erin);
    let presses = [
        fake.push_callback_query(&erin, bot_message(&chat, 3, "旧回答"), "entry-that-was-removed"),
        fake.push_callback_query(&erin, bot_message(&chat, 3, "旧回答"), "topics:no-such-topic"),
    ];
    fake.wait_for_calls_of("answerCallbackQuery", presses.len(), WAIT).await?;
    bot::finish(&fake, running).await;

    let answers = fake.calls_of("answerCallbackQuery");
    assert_eq!(answers.len(), presses.len());
    for (press, answer) in presses.iter().zip(&answers) {
        assert!(answer.is_ok(), "{:?}", answer.description());
        assert_eq!(answer.param("callback_query_id").and_then(Value::as_str), press.query_id.as_deref());
        assert_eq!(answer.param("text").and_then(Value::as_str), Some(STALE_BUTTON));
    }
    assert!(bot::sends_to(&fake, erin.id).is_empty(), "a stale button sends no message");
    Ok(())
}

// ───────────────────────────── groups ─────────────────────────────

#[tokio::test]
async fn in_groups_the_bot_answers_only_when_addressed_and_as_a_reply() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let supergroup = TestChat::supergroup(-1_001_000_000_001, "通话讨论");
    let group = TestChat::group(-4001, "小组");
    let (frank, grace, heidi, ivan, judy, ken) = (
        user(2001, "Frank"),
        user(2002, "Grace"),
        user(2003, "Heidi"),
        user(2004, "Ivan"),
        user(2005, "Judy"),
        user(2006, "Ken"),
    );

    let mention =
        fake.push_text(TextMessage::in_chat(&supergroup, &frank, &format!("@{BOT_USERNAME} {PRISONERS}")));
    let reply_to_bot = fake
        .push_text(TextMessage::in_chat(&supergroup, &grace, "他们谈了冰球吗").reply_to_bot(1, "之前的回答"));
    fake.push_text(TextMessage::in_chat(&supergroup, &heidi, "今天天气不错，谈了冰球吗"));
    let help = fake.push_text(TextMessage::in_chat(&group, &ivan, &format!("/help@{BOT_USERNAME}")));
    fake.push_text(TextMessage::in_chat(&group, &judy, "/help@other_bot"));
    let basic_mention =
        fake.push_text(TextMessage::in_chat(&group, &ken, &format!("{PRISONERS}？@{BOT_USERNAME}")));

    fake.wait_for(|calls| calls.iter().filter(|c| c.method == "sendMessage").count() >= 4, WAIT).await?;
    bot::finish(&fake, running).await;

    let in_supergroup = bot::sends_to(&fake, supergroup.id());
    let in_group = bot::sends_to(&fake, group.id());
    assert!(in_supergroup.iter().chain(&in_group).all(|c| c.is_ok()));
    let replied: BTreeSet<Option<i64>> = in_supergroup.iter().map(|c| c.reply_to_message_id()).collect();
    assert_eq!(in_supergroup.len(), 2, "the mention and the reply, not the chatter: {in_supergroup:#?}");
    assert_eq!(replied, BTreeSet::from([mention.message_id, reply_to_bot.message_id]));
    let to_mention = in_supergroup.iter().find(|c| c.reply_to_message_id() == mention.message_id);
    assert!(to_mention.is_some_and(|c| bot::shown(c).contains("175")));
    let to_reply = in_supergroup.iter().find(|c| c.reply_to_message_id() == reply_to_bot.message_id);
    assert!(to_reply.is_some_and(|c| bot::shown(c).contains("冰球")));

    assert_eq!(in_group.len(), 2, "/help@us and the mention, not /help@other_bot: {in_group:#?}");
    let to_help = in_group.iter().find(|c| c.reply_to_message_id() == help.message_id).ok_or("no /help")?;
    assert!(bot::shown(to_help).contains("/topics"), "{}", bot::shown(to_help));
    let to_basic = in_group.iter().find(|c| c.reply_to_message_id() == basic_mention.message_id);
    assert!(to_basic.is_some_and(|c| bot::shown(c).contains("175")));
    Ok(())
}

/// `@callbot_test_bot_fan` is someone else: the bot's @username is only a prefix of it.
#[tokio::test]
async fn a_mention_of_a_longer_username_is_not_for_the_bot() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let group = TestChat::supergroup(-1_001_000_000_002, "粉丝群");
    let liam = user(2101, "Liam");
    let mia = user(2102, "Mia");

    fake.push_text(TextMessage::in_chat(&group, &liam, &format!("@{BOT_USERNAME}_fan {PRISONERS}")));
    // Mia's mention is answered: the bot is up and reading the group.
    let real = fake.push_text(TextMessage::in_chat(&group, &mia, &format!("@{BOT_USERNAME} {PRISONERS}")));
    bot::wait_for_delivered(&fake, group.id(), 1, WAIT).await;
    bot::finish(&fake, running).await;

    let sends = bot::sends_to(&fake, group.id());
    let answered: Vec<Option<i64>> = sends.iter().map(|c| c.reply_to_message_id()).collect();
    assert_eq!(answered, [real.message_id], "only the mention of the bot itself is answered");
    Ok(())
}

// ───────────────────────────── inline mode ─────────────────────────────

#[tokio::test]
async fn an_inline_query_gets_question_titled_html_articles() -> TestResult {
    let fake = FakeTelegram::start().await;
    let setup = bot::engine();
    let engine = setup.engine.current();
    let running = bot::start(&fake, setup).await;
    let nina = user(3001, "Nina");
    let oscar = user(3002, "Oscar");

    let asked = fake.push_inline_query(&nina, PRISONERS);
    let empty = fake.push_inline_query(&oscar, "");
    fake.wait_for_calls_of("answerInlineQuery", 2, WAIT).await?;
    bot::finish(&fake, running).await;

    let answers = fake.calls_of("answerInlineQuery");
    assert_eq!(answers.len(), 2);
    for (pushed, expect_first) in [(&asked, Some("prisoner-swap")), (&empty, None)] {
        let answer = answers
            .iter()
            .find(|c| c.param("inline_query_id").and_then(Value::as_str) == pushed.query_id.as_deref())
            .ok_or("the query was not answered")?;
        assert!(answer.is_ok(), "{:?}", answer.description());
        let results = answer.param("results").and_then(Value::as_array).ok_or("no results")?;
        assert!((1..=5).contains(&results.len()), "{} results", results.len());
        if let Some(id) = expect_first {
            assert_eq!(results[0]["id"], id);
        }
        for r in results {
            assert_eq!(r["type"], "article");
            let entry =
                engine.knowledge().entry(r["id"].as_str().ok_or("id")?).ok_or("result id is an entry")?;
            assert_eq!(r["title"].as_str(), Some(entry.canonical_question()), "the title is the question");
            let content = &r["input_message_content"];
            assert_eq!(content["parse_mode"], "HTML");
            let html = content["message_text"].as_str().ok_or("message_text")?;
            let parsed = parse_html(html)?;
            assert!(parsed.text.contains(&entry.answer), "{}", parsed.text);
        }
    }
    Ok(())
}

// ───────────────────────────── other messages ─────────────────────────────

#[tokio::test]
async fn a_sticker_is_answered_in_private_and_ignored_in_groups() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let paul = user(4001, "Paul");
    let group = TestChat::supergroup(-1_001_000_000_003, "表情群");

    fake.push_sticker(&group, &paul, "😂");
    fake.push_sticker(&TestChat::private(&paul), &paul, "👍");
    let replies = bot::wait_for_delivered(&fake, paul.id, 1, WAIT).await;
    bot::finish(&fake, running).await;

    assert!(bot::shown(&replies[0]).contains("请用文字发送你的问题"), "{}", bot::shown(&replies[0]));
    assert_eq!(bot::sends_to(&fake, paul.id).len(), 1);
    assert!(bot::sends_to(&fake, group.id()).is_empty(), "a sticker in a group gets no reply");
    Ok(())
}

#[tokio::test]
async fn an_edited_question_is_answered_and_the_next_one_too() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let quinn = user(4002, "Quinn");
    let chat = TestChat::private(&quinn);

    let original = fake.push_text(TextMessage::private(&quinn, "俄乌交换多少"));
    bot::wait_for_delivered(&fake, quinn.id, 1, WAIT).await;
    fake.push_edited_text(&chat, &quinn, original.message_id.ok_or("message id")?, PRISONERS);
    fake.push_text(TextMessage::private(&quinn, "他们谈了冰球吗"));
    let replies = bot::wait_for_delivered(&fake, quinn.id, 3, WAIT).await;
    bot::finish(&fake, running).await;

    assert!(bot::shown(&replies[1]).contains("175"), "the edit is answered: {}", bot::shown(&replies[1]));
    assert!(bot::shown(&replies[2]).contains("冰球"), "{}", bot::shown(&replies[2]));
    assert_eq!(bot::sends_to(&fake, quinn.id).len(), 3);
    Ok(())
}

// ───────────────────────────── hostile input ─────────────────────────────

#[tokio::test]
async fn markup_in_a_question_never_reaches_the_reply_unescaped() -> TestResult {
    let fake = FakeTelegram::start().await; // strict HTML: a bare & or > is rejected too
    let running = bot::start(&fake, bot::engine()).await;
    let group = TestChat::supergroup(-1_001_000_000_004, "<b>群</b> & co");
    let questions = [
        (user(5001, "<i>Rita</i>"), "<b>x</b> & <script>"),
        (user(5002, "Sam & <Co>"), "<b>俄乌交换多少战俘</b> & <script>alert(1)</script>"),
        (user(5003, "Tess"), "&lt;b&gt; &amp; <a href=\"javascript:x\">普京</a> <tg-spoiler>"),
    ];
    for (u, q) in &questions {
        fake.push_text(TextMessage::private(u, q));
    }
    let in_group = fake.push_text(TextMessage::in_chat(
        &group,
        &questions[0].0,
        &format!("@{BOT_USERNAME} <pre>{}</pre> > & <", PRISONERS),
    ));
    fake.wait_for(|calls| calls.iter().filter(|c| c.method == "sendMessage").count() >= 4, WAIT).await?;
    bot::finish(&fake, running).await;

    let mut sends = Vec::new();
    for (u, _) in &questions {
        let to_user = bot::sends_to(&fake, u.id);
        assert_eq!(to_user.len(), 1, "one reply, accepted at the first try: {to_user:#?}");
        sends.extend(to_user);
    }
    let to_group = bot::sends_to(&fake, group.id());
    assert_eq!(to_group.len(), 1, "{to_group:#?}");
    assert_eq!(to_group[0].reply_to_message_id(), in_group.message_id);
    sends.extend(to_group);
    for call in &sends {
        assert!(call.is_ok(), "the fake rejected the HTML: {:?}", call.description());
        assert_eq!(call.parse_mode(), Some("HTML"));
        let html = call.text().unwrap_or_default();
        for raw in ["<script", "<b>x</b>", "<a href", "<tg-spoiler>", "<pre>", "<i>Rita"] {
            assert!(!html.contains(raw), "{raw:?} reached the reply unescaped: {html}");
        }
    }
    Ok(())
}

#[tokio::test]
async fn an_overlong_question_gets_exactly_one_clear_decline() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let at_limit = PRISONERS.repeat(4096 / PRISONERS.chars().count());
    assert_eq!(at_limit.chars().count(), 4096);
    let over_limit = "普京".repeat(2500);
    let group = TestChat::supergroup(-1_001_000_000_005, "长文群");
    let (uma, victor, wendy) = (user(6001, "Uma"), user(6002, "Victor"), user(6003, "Wendy"));

    fake.push_text(TextMessage::private(&uma, &at_limit));
    fake.push_text(TextMessage::private(&victor, &over_limit));
    let long_mention =
        fake.push_text(TextMessage::in_chat(&group, &wendy, &format!("@{BOT_USERNAME} {}", &over_limit)));
    fake.wait_for(|calls| calls.iter().filter(|c| c.method == "sendMessage").count() >= 3, WAIT).await?;
    bot::finish(&fake, running).await;

    for chat in [uma.id, victor.id, group.id()] {
        let sends = bot::sends_to(&fake, chat);
        assert_eq!(sends.len(), 1, "chat {chat}: {sends:#?}");
        assert!(sends[0].is_ok(), "{:?}", sends[0].description());
        assert!(bot::shown(&sends[0]).contains("问题太长了"), "{}", bot::shown(&sends[0]));
    }
    assert_eq!(bot::sends_to(&fake, group.id())[0].reply_to_message_id(), long_mention.message_id);
    Ok(())
}
