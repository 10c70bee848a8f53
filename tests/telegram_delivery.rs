//! The Telegram bot's delivery under faults and load: the real `callbot::telegram::serve`
//! against the fake Bot API server, which injects 429, 502, 403 and rejected markup, and
//! takes bursts of hundreds of chats.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::bot::{self, WAIT};
use common::fake_telegram::{FakeTelegram, Fault, TestUser, TextMessage};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const PRISONERS: &str = "俄乌交换多少战俘";

/// Questions the bot answers, to vary a burst.
const QUESTIONS: &[&str] = &[
    PRISONERS,
    "他们谈了冰球吗",
    "泽连斯基怎么看",
    "普京和特朗普谈了什么",
    "特朗普怎么说",
    "美国和俄罗斯谈了能源设施吗",
];

fn user(id: i64) -> TestUser {
    TestUser::new(id, &format!("User {id}"))
}

/// Each chat's `sendMessage` calls: (accepted, all).
fn sends_per_chat(fake: &FakeTelegram) -> HashMap<i64, (usize, usize)> {
    let mut per_chat: HashMap<i64, (usize, usize)> = HashMap::new();
    for call in fake.calls_of("sendMessage") {
        let entry = per_chat.entry(call.chat_id().unwrap_or_default()).or_default();
        entry.0 += usize::from(call.is_ok());
        entry.1 += 1;
    }
    per_chat
}

// ───────────────────────────── faults ─────────────────────────────

#[tokio::test]
async fn after_429_the_reply_is_sent_again_once_retry_after_has_passed() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let alice = user(1001);
    fake.fail_next("sendMessage", Some(alice.id), Fault::TooManyRequests { retry_after: 1 });

    fake.push_text(TextMessage::private(&alice, PRISONERS));
    bot::wait_for_delivered(&fake, alice.id, 1, WAIT).await;
    bot::finish(&fake, running).await;

    let sends = bot::sends_to(&fake, alice.id);
    assert_eq!(sends.len(), 2, "{sends:#?}");
    assert_eq!((sends[0].status, sends[1].status), (429, 200));
    let waited = sends[1].at.duration_since(sends[0].at);
    assert!(waited >= Duration::from_millis(950), "retried after {waited:?}, before retry_after");
    assert_eq!(sends[0].text(), sends[1].text(), "the same reply");
    assert!(bot::shown(&sends[1]).contains("175"));
    Ok(())
}

#[tokio::test]
async fn after_429_a_throttled_bot_delivers_once() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start_throttled(&fake, bot::engine()).await;
    let bob = user(1002);
    fake.fail_next("sendMessage", Some(bob.id), Fault::TooManyRequests { retry_after: 1 });

    fake.push_text(TextMessage::private(&bob, PRISONERS));
    bot::wait_for_delivered(&fake, bob.id, 1, WAIT).await;
    bot::finish(&fake, running).await;

    let sends = bot::sends_to(&fake, bob.id);
    assert_eq!(sends.iter().filter(|c| c.is_ok()).count(), 1, "{sends:#?}");
    assert_eq!(sends[0].status, 429);
    Ok(())
}

/// teloxide waits 10 s before reading a 5xx answer, so this test takes about 11 s.
#[tokio::test]
async fn after_502_the_reply_is_sent_again_and_delivered_once() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let carol = user(1003);
    fake.fail_next("sendMessage", Some(carol.id), Fault::BadGateway);

    fake.push_text(TextMessage::private(&carol, PRISONERS));
    bot::wait_for_delivered(&fake, carol.id, 1, Duration::from_secs(25)).await;
    bot::finish(&fake, running).await;

    let sends = bot::sends_to(&fake, carol.id);
    assert_eq!(sends.len(), 2, "{sends:#?}");
    assert_eq!(sends[0].fault, Some(Fault::BadGateway));
    assert!(sends[1].is_ok());
    assert_eq!(sends[0].text(), sends[1].text());
    Ok(())
}

#[tokio::test]
async fn a_chat_that_blocked_the_bot_is_dropped_and_others_are_served() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let (blocker, dave, erin) = (user(1004), user(1005), user(1006));
    fake.block_chat(blocker.id);

    fake.push_text(TextMessage::private(&blocker, PRISONERS));
    fake.wait_for(|calls| calls.iter().any(|c| c.status == 403), WAIT).await?;
    fake.push_text(TextMessage::private(&dave, PRISONERS));
    fake.push_text(TextMessage::private(&erin, "他们谈了冰球吗"));
    fake.push_text(TextMessage::private(&blocker, "泽连斯基怎么看"));
    bot::wait_for_delivered(&fake, dave.id, 1, WAIT).await;
    bot::wait_for_delivered(&fake, erin.id, 1, WAIT).await;
    bot::finish(&fake, running).await;

    let to_blocker = bot::sends_to(&fake, blocker.id);
    assert_eq!(to_blocker.len(), 2, "one attempt per question, no retry of a 403: {to_blocker:#?}");
    assert!(to_blocker.iter().all(|c| c.status == 403));
    assert_eq!(bot::sends_to(&fake, dave.id).len(), 1);
    assert_eq!(bot::sends_to(&fake, erin.id).len(), 1);
    assert!(bot::delivered_to(&fake, erin.id).iter().all(|c| bot::shown(c).contains("冰球")));
    Ok(())
}

#[tokio::test]
async fn rejected_markup_is_sent_again_as_plain_text() -> TestResult {
    let fake = FakeTelegram::start().await;
    let setup = bot::engine();
    let engine = setup.engine.current();
    let running = bot::start(&fake, setup).await;
    let frank = user(1007);
    let description =
        "Bad Request: can't parse entities: Unsupported start tag \"blockquote\" at byte offset 0";
    fake.fail_next(
        "sendMessage",
        Some(frank.id),
        Fault::Api { status: 400, description: description.to_owned() },
    );

    fake.push_text(TextMessage::private(&frank, PRISONERS));
    bot::wait_for_delivered(&fake, frank.id, 1, WAIT).await;
    bot::finish(&fake, running).await;

    let sends = bot::sends_to(&fake, frank.id);
    assert_eq!(sends.len(), 2, "{sends:#?}");
    assert_eq!(sends[0].description(), Some(description));
    assert_eq!(sends[0].parse_mode(), Some("HTML"));
    let plain = &sends[1];
    assert!(plain.is_ok(), "{:?}", plain.description());
    assert_eq!(plain.parse_mode(), None, "sent without markup");
    let text = plain.text().unwrap_or_default();
    assert!(!text.contains('<') && !text.contains("&lt;"), "no tags, no entities: {text}");
    let entry = engine.knowledge.entry("prisoner-swap").ok_or("entry")?;
    assert!(text.contains(&entry.answer), "the same answer: {text}");
    assert!(text.contains(entry.quotes[0].text.trim_end_matches('。')), "with its quote: {text}");
    Ok(())
}

#[tokio::test]
async fn stopping_finishes_the_replies_in_flight() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let gina = user(1008);
    fake.fail_next("sendMessage", Some(gina.id), Fault::TooManyRequests { retry_after: 1 });

    fake.push_text(TextMessage::private(&gina, PRISONERS));
    fake.wait_for(|calls| calls.iter().any(|c| c.status == 429), WAIT).await?;
    // The reply now waits out retry_after; stop while it does.
    let took = running.stop().await;

    let delivered = bot::delivered_to(&fake, gina.id);
    assert_eq!(delivered.len(), 1, "serve returned before the reply in flight was sent");
    assert!(took >= Duration::from_millis(500), "stopped in {took:?}, without waiting for the reply");
    Ok(())
}

#[tokio::test]
async fn a_reply_waiting_longer_than_the_grace_period_does_not_hold_up_shutdown() -> TestResult {
    let fake = FakeTelegram::start().await;
    // One question at once, then one every 100 s: the second waits in flood control.
    let engine = bot::engine_with(|c| {
        c.telegram.flood_burst = 1;
        c.telegram.flood_per_second = 0.01;
    });
    let running = bot::start(&fake, engine).await;
    let hana = user(1009);
    fake.push_text(TextMessage::private(&hana, PRISONERS));
    fake.push_text(TextMessage::private(&hana, PRISONERS));
    fake.wait_for_calls_of("sendMessage", 1, WAIT).await?;
    let took = running.stop().await;
    assert!(took < callbot::telegram::SHUTDOWN_GRACE + Duration::from_secs(2), "stopping took {took:?}");
    assert!(took >= callbot::telegram::SHUTDOWN_GRACE, "the reply in flight got its grace period: {took:?}");
    Ok(())
}

// ───────────────────────────── load ─────────────────────────────

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_300_chats_gets_exactly_one_reply_each() -> TestResult {
    const CHATS: i64 = 300;
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;

    let started = Instant::now();
    for i in 0..CHATS {
        let question = QUESTIONS[usize::try_from(i)? % QUESTIONS.len()];
        fake.push_text(TextMessage::private(&user(100_000 + i), question));
    }
    fake.wait_for_count("sendMessage", true, usize::try_from(CHATS)?, Duration::from_secs(60)).await?;
    let elapsed = started.elapsed();
    bot::finish(&fake, running).await;

    let per_chat = sends_per_chat(&fake);
    assert_eq!(per_chat.len(), usize::try_from(CHATS)?, "every chat, and only them, got a reply");
    for i in 0..CHATS {
        assert_eq!(per_chat.get(&(100_000 + i)), Some(&(1, 1)), "chat {}", 100_000 + i);
    }
    eprintln!("300 chats answered in {elapsed:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_through_throttle_loses_and_doubles_nothing() -> TestResult {
    const CHATS: i64 = 30;
    let fake = FakeTelegram::start().await;
    let running = bot::start_throttled(&fake, bot::engine()).await;

    for i in 0..CHATS {
        let question = QUESTIONS[usize::try_from(i)? % QUESTIONS.len()];
        fake.push_text(TextMessage::private(&user(200_000 + i), question));
    }
    fake.wait_for_count("sendMessage", true, usize::try_from(CHATS)?, Duration::from_secs(30)).await?;
    bot::finish(&fake, running).await;

    let per_chat = sends_per_chat(&fake);
    assert_eq!(per_chat.len(), usize::try_from(CHATS)?);
    for i in 0..CHATS {
        assert_eq!(per_chat.get(&(200_000 + i)), Some(&(1, 1)), "chat {}", 200_000 + i);
    }
    Ok(())
}

/// One user sends `flood` questions at once, then another user one: returns how long the
/// other user waited for the answer and how long the flooder waited for the last one.
async fn flood(flood: usize, burst: u32, per_second: f64) -> Result<(Duration, Duration), WaitError> {
    let fake = FakeTelegram::start().await;
    let engine = bot::engine_with(|c| {
        c.telegram.flood_burst = burst;
        c.telegram.flood_per_second = per_second;
    });
    let running = bot::start(&fake, engine).await;
    let (flooder, other) = (user(3001), user(3002));

    let started = Instant::now();
    for i in 0..flood {
        fake.push_text(TextMessage::private(&flooder, QUESTIONS[i % QUESTIONS.len()]));
    }
    fake.push_text(TextMessage::private(&other, PRISONERS));
    let expected = (flood as f64 - f64::from(burst)) / per_second;
    let deadline = Duration::from_secs_f64(expected + 20.0);
    let other_reply = bot::wait_for_delivered(&fake, other.id, 1, deadline).await;
    let flooder_replies = bot::wait_for_delivered(&fake, flooder.id, flood, deadline).await;
    bot::finish(&fake, running).await;

    assert_eq!(bot::sends_to(&fake, flooder.id).len(), flood, "every question answered once");
    assert_eq!(bot::sends_to(&fake, other.id).len(), 1);
    let other_waited = other_reply[0].at.duration_since(started);
    let flooder_waited = flooder_replies[flood - 1].at.duration_since(started);
    Ok((other_waited, flooder_waited))
}

type WaitError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flooding_user_waits_and_others_do_not() -> TestResult {
    // 20 questions, 2 at once, then 20 a second: the flooder's last answer after ~0.9 s.
    let (other, flooder) = flood(20, 2, 20.0).await?;
    assert!(flooder >= Duration::from_millis(800), "the flood gate slowed the flooder: {flooder:?}");
    assert!(other < Duration::from_millis(500), "the other user waited {other:?}");
    assert!(other < flooder / 2, "the other user ({other:?}) waited behind the flooder ({flooder:?})");
    Ok(())
}

/// More questions at once than teloxide's per-user queue holds (64): while the flooder's
/// worker sleeps in the flood gate, the dispatcher blocks on the full queue and stops
/// reading everyone's updates. (With the default settings, 5 at once then 1 a second,
/// 100 questions from one user stall every other user for about 30 s.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_user_flooding_past_the_dispatchers_queue_does_not_stall_others() -> TestResult {
    // 110 questions, 2 at once, then 40 a second: the flooder's last answer after ~2.7 s.
    let (other, flooder) = flood(110, 2, 40.0).await?;
    assert!(flooder >= Duration::from_millis(2400), "the flood gate slowed the flooder: {flooder:?}");
    assert!(other < Duration::from_millis(500), "the other user waited {other:?} behind the flooder");
    Ok(())
}
