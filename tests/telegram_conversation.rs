//! Conversations over Telegram: the real bot against the fake Bot API server keeps a
//! context per private chat and per (group, user), continues the topic of the bot message
//! a user replies to, lets a button set the context, keeps each of 40 group members'
//! threads when they all ask at the same moment, and — with Redis — keeps contexts
//! across a restart (a real `redis-server` started by the test).

use callbot_test_support as common;

use common::bot::{self, WAIT};
use common::fake_telegram::{BOT_USERNAME, FakeTelegram, TestChat, TestUser, TextMessage};
use common::redis::RedisServer;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

fn user(id: i64, name: &str) -> TestUser {
    TestUser::new(id, name).language_code("zh-hans")
}

/// Sends a private question and waits for the `count`-th message of the chat; returns
/// what it shows.
async fn ask(fake: &FakeTelegram, from: &TestUser, question: &str, count: usize) -> String {
    fake.push_text(TextMessage::private(from, question));
    let delivered = bot::wait_for_delivered(fake, from.id, count, WAIT).await;
    bot::shown(&delivered[count - 1])
}

#[tokio::test]
async fn a_private_follow_up_leans_on_the_previous_question() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let alice = user(2001, "Alice");

    let first = ask(&fake, &alice, "泽连斯基对这次通话怎么看？", 1).await;
    let second = ask(&fake, &alice, "那波兰呢？", 2).await;
    let third = ask(&fake, &alice, "谁说的？", 3).await;
    bot::finish(&fake, running).await;

    assert!(first.contains("怀疑"), "{first}");
    assert!(second.contains("科西尼亚克"), "the previous facet about Poland: {second}");
    assert!(third.contains("科西尼亚克"), "who said it, of the last answer: {third}");
    Ok(())
}

#[tokio::test]
async fn two_users_in_one_group_keep_separate_contexts() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let group = TestChat::supergroup(-1_001_000_000_777, "讨论组");
    let (alice, bob) = (user(2101, "Alice"), user(2102, "Bob"));
    let say = |from: &TestUser, text: &str| {
        fake.push_text(TextMessage::in_chat(&group, from, &format!("@{BOT_USERNAME} {text}")))
    };

    say(&alice, "梅德韦杰夫说了什么？");
    bot::wait_for_delivered(&fake, group.id(), 1, WAIT).await;
    say(&bob, "美俄接下来在哪里谈停火细节？");
    bot::wait_for_delivered(&fake, group.id(), 2, WAIT).await;
    let to_alice = say(&alice, "他说的主菜是什么？");
    bot::wait_for_delivered(&fake, group.id(), 3, WAIT).await;
    let to_bob = say(&bob, "什么时候？");
    let delivered = bot::wait_for_delivered(&fake, group.id(), 4, WAIT).await;
    bot::finish(&fake, running).await;

    let reply_to = |pushed: &common::fake_telegram::Pushed| {
        delivered
            .iter()
            .find(|c| c.reply_to_message_id() == pushed.message_id)
            .map(bot::shown)
            .unwrap_or_default()
    };
    let alice_reply = reply_to(&to_alice);
    let bob_reply = reply_to(&to_bob);
    assert!(alice_reply.contains("基辅炸肉排"), "Alice's 他 is Medvedev: {alice_reply}");
    assert!(bob_reply.contains("23"), "Bob's 什么时候 is about the Jeddah talks: {bob_reply}");
    Ok(())
}

/// Forty members of one group ask at the same moment, then all follow up at the same
/// moment: half of them about Medvedev (他说的主菜 is his "Kyiv cutlet"), half about the
/// Jeddah talks (什么时候 is the 23rd). Returns how many follow-ups continued the asker's
/// own thread.
async fn forty_members_follow_up_at_once(setup: callbot::telegram::Setup, group: &TestChat) -> usize {
    const MEMBERS: i64 = 40;
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, setup).await;
    let members: Vec<TestUser> = (0..MEMBERS).map(|i| user(3000 + i, &format!("M{i}"))).collect();
    let say = |from: &TestUser, text: &str| {
        fake.push_text(TextMessage::in_chat(group, from, &format!("@{BOT_USERNAME} {text}")))
    };
    let medvedev = |i: usize| i.is_multiple_of(2);

    for (i, member) in members.iter().enumerate() {
        say(
            member,
            if medvedev(i) {
                "梅德韦杰夫说了什么？"
            } else {
                "美俄接下来在哪里谈停火细节？"
            },
        );
    }
    bot::wait_for_delivered(&fake, group.id(), members.len(), WAIT).await;
    let follow_ups: Vec<_> = members
        .iter()
        .enumerate()
        .map(|(i, member)| say(member, if medvedev(i) { "他说的主菜是什么？" } else { "什么时候？" }))
        .collect();
    let delivered = bot::wait_for_delivered(&fake, group.id(), 2 * members.len(), WAIT).await;
    bot::finish(&fake, running).await;

    follow_ups
        .iter()
        .enumerate()
        .filter(|(i, pushed)| {
            let shown = delivered
                .iter()
                .find(|c| c.reply_to_message_id() == pushed.message_id)
                .map(bot::shown)
                .unwrap_or_default();
            shown.contains(if medvedev(*i) { "基辅炸肉排" } else { "23" })
        })
        .count()
}

#[tokio::test]
async fn forty_members_of_a_group_asking_at_once_each_keep_their_thread_in_memory() -> TestResult {
    let group = TestChat::supergroup(-1_001_000_000_888, "大群");
    let kept = forty_members_follow_up_at_once(bot::engine(), &group).await;
    assert_eq!(kept, 40, "every member's follow-up continues their own thread");
    Ok(())
}

#[tokio::test]
async fn forty_members_of_a_group_asking_at_once_each_keep_their_thread_in_redis() -> TestResult {
    use redis::AsyncCommands;
    let redis = RedisServer::start();
    let setup = bot::with_redis_contexts(bot::engine(), &redis.url());
    let group = TestChat::supergroup(-1_001_000_000_999, "大群");
    let kept = forty_members_follow_up_at_once(setup, &group).await;
    assert_eq!(kept, 40, "every member's follow-up continues their own thread");

    // One record per member, each holding that member's context alone: what a message
    // writes does not grow with the group.
    let mut raw = callbot::storage::connect(&redis.url())?;
    let keys: Vec<String> = raw.keys(format!("callbot:ctx:v2:{}:*", group.id())).await?;
    assert_eq!(keys.len(), 40, "{keys:?}");
    let mut largest = 0;
    for key in &keys {
        let value: String = raw.get(key).await?;
        serde_json::from_str::<callbot::conversation::Context>(&value)?;
        largest = largest.max(value.len());
    }
    assert!(largest < 2_000, "one context is small: {largest} bytes");
    Ok(())
}

#[tokio::test]
async fn a_reply_to_an_older_bot_message_continues_that_messages_topic() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let carol = user(2201, "Carol");

    ask(&fake, &carol, "美俄接下来在哪里谈停火细节？", 1).await;
    let older = fake.bot_messages(carol.id).into_iter().next().ok_or("no bot message")?;
    ask(&fake, &carol, "他们谈到冰球了吗？", 2).await;
    fake.push_text(TextMessage::private(&carol, "什么时候？").reply_to(older));
    let delivered = bot::wait_for_delivered(&fake, carol.id, 3, WAIT).await;
    bot::finish(&fake, running).await;

    let shown = bot::shown(&delivered[2]);
    assert!(shown.contains("23日"), "the date of the Jeddah talks, not of the hockey: {shown}");
    Ok(())
}

#[tokio::test]
async fn a_button_press_sets_the_context() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let dave = user(2301, "Dave");
    let chat = TestChat::private(&dave);

    let under = common::fake_telegram::bot_message(&chat, 1, "想了解哪方面？");
    fake.push_callback_query(&dave, under, "witkoff-jeddah");
    bot::wait_for_delivered(&fake, dave.id, 1, WAIT).await;
    let after = ask(&fake, &dave, "什么时候？", 2).await;
    bot::finish(&fake, running).await;

    assert!(after.contains("23"), "the button's entry is the context: {after}");
    Ok(())
}

#[tokio::test]
async fn start_clears_the_context() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let erin = user(2401, "Erin");

    ask(&fake, &erin, "美俄接下来在哪里谈停火细节？", 1).await;
    ask(&fake, &erin, "/start", 2).await;
    let after = ask(&fake, &erin, "什么时候？", 3).await;
    bot::finish(&fake, running).await;

    assert!(after.contains("你想问哪方面"), "no context after /start: {after}");
    Ok(())
}

#[tokio::test]
async fn with_redis_a_restart_keeps_the_context() -> TestResult {
    let redis = RedisServer::start();
    let url = redis.url();
    let engine = bot::with_redis_contexts(bot::engine(), &url);
    let frank = user(2501, "Frank");

    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, engine.clone()).await;
    ask(&fake, &frank, "美俄接下来在哪里谈停火细节？", 1).await;
    bot::finish(&fake, running).await;

    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, engine).await;
    let after = ask(&fake, &frank, "什么时候？", 1).await;
    bot::finish(&fake, running).await;

    assert!(after.contains("23"), "the context survived the restart: {after}");
    Ok(())
}

#[tokio::test]
async fn with_redis_down_the_bot_answers_without_context() -> TestResult {
    let redis = RedisServer::start();
    let url = redis.url();
    drop(redis);
    let engine = bot::with_redis_contexts(bot::engine(), &url);
    let grace = user(2601, "Grace");

    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, engine).await;
    let first = ask(&fake, &grace, "美俄接下来在哪里谈停火细节？", 1).await;
    let second = ask(&fake, &grace, "他们谈到冰球了吗？", 2).await;
    bot::finish(&fake, running).await;

    assert!(first.contains("吉达"), "{first}");
    assert!(second.contains("冰球"), "{second}");
    Ok(())
}
