//! The Telegram bot's delivery under faults and load: the real `callbot::telegram::serve`
//! against the fake Bot API server, which injects 429, 502, 403 and rejected markup, and
//! takes bursts of hundreds of chats.

use callbot_test_support as common;

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

/// Two 502s in a row with a Bot-API JSON body (`ApiError::Unknown("Bad Gateway")`, which
/// used to be taken for rejected markup): the reply is sent again as it was, HTML and
/// buttons kept, and arrives once. teloxide waits 10 s before reading each 5xx: ~21 s.
#[tokio::test]
async fn after_two_json_502s_the_reply_arrives_once_with_its_html_and_buttons() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let ivan = user(1010);
    fake.fail_times("sendMessage", Some(ivan.id), Fault::BadGatewayJson, 2);

    fake.push_text(TextMessage::private(&ivan, PRISONERS));
    bot::wait_for_delivered(&fake, ivan.id, 1, Duration::from_secs(40)).await;
    bot::finish(&fake, running).await;

    let sends = bot::sends_to(&fake, ivan.id);
    assert_eq!(sends.len(), 3, "two failures, one success: {sends:#?}");
    assert_eq!(sends.iter().filter(|c| c.is_ok()).count(), 1);
    for send in &sends {
        assert_eq!(send.parse_mode(), Some("HTML"), "every try in HTML");
        assert_eq!(send.text(), sends[0].text(), "the same reply every time");
        assert_eq!(send.callback_data(), sends[0].callback_data(), "the same buttons every time");
    }
    assert!(!sends[2].callback_data().is_empty(), "the answer keeps its buttons");
    Ok(())
}

/// Telegram took the message, but its answer cannot be read (`InvalidJson` with
/// `"ok":true`): sending again would show the reply twice.
#[tokio::test]
async fn an_unreadable_answer_to_a_successful_send_is_not_sent_again() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let judy = user(1011);
    fake.fail_next("sendMessage", Some(judy.id), Fault::UnreadableSuccess);

    fake.push_text(TextMessage::private(&judy, PRISONERS));
    bot::wait_for_delivered(&fake, judy.id, 1, WAIT).await;
    fake.push_text(TextMessage::private(&judy, "他们谈了冰球吗"));
    bot::wait_for_delivered(&fake, judy.id, 2, WAIT).await;
    bot::finish(&fake, running).await;

    let sends = bot::sends_to(&fake, judy.id);
    assert_eq!(sends.len(), 2, "one send per question, no resend: {sends:#?}");
    assert_eq!(sends[0].fault, Some(Fault::UnreadableSuccess));
    assert!(bot::shown(&sends[0]).contains("175"));
    Ok(())
}

/// A 400 that is not about the markup (here, a chat that does not exist) is not fixed by
/// sending again, plain or not: one try, logged and dropped.
#[tokio::test]
async fn a_refused_send_is_tried_once() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let (kim, lee) = (user(1012), user(1013));
    let gone = Fault::Api { status: 400, description: "Bad Request: chat not found".to_owned() };
    fake.fail_next("sendMessage", Some(kim.id), gone);

    fake.push_text(TextMessage::private(&kim, PRISONERS));
    fake.push_text(TextMessage::private(&lee, PRISONERS));
    bot::wait_for_delivered(&fake, lee.id, 1, WAIT).await;
    bot::finish(&fake, running).await;

    assert_eq!(bot::sends_to(&fake, kim.id).len(), 1);
    assert_eq!(bot::sends_to(&fake, lee.id).len(), 1);
    Ok(())
}

/// Rejected buttons (`BUTTON_DATA_INVALID`): the text once more, plain, without buttons.
#[tokio::test]
async fn rejected_buttons_are_dropped_and_the_text_sent_plain() -> TestResult {
    let fake = FakeTelegram::start().await;
    let running = bot::start(&fake, bot::engine()).await;
    let mia = user(1014);
    let rejected = Fault::Api { status: 400, description: "Bad Request: BUTTON_DATA_INVALID".to_owned() };
    fake.fail_next("sendMessage", Some(mia.id), rejected);

    fake.push_text(TextMessage::private(&mia, PRISONERS));
    bot::wait_for_delivered(&fake, mia.id, 1, WAIT).await;
    bot::finish(&fake, running).await;

    let sends = bot::sends_to(&fake, mia.id);
    assert_eq!(sends.len(), 2, "{sends:#?}");
    assert!(!sends[0].callback_data().is_empty());
    assert!(sends[1].callback_data().is_empty(), "sent without buttons");
    assert_eq!(sends[1].parse_mode(), None);
    Ok(())
}

/// A sticker, then an unknown command, from a user over the rate: they wait their turn
/// like questions do, and each still gets one reply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_text_messages_and_unknown_commands_pass_the_flood_gate() -> TestResult {
    let fake = FakeTelegram::start().await;
    // One at once, then one every 0.8 s.
    let engine = bot::engine_with(|c| {
        c.telegram.flood_burst = 1;
        c.telegram.flood_per_second = 1.25;
    });
    let running = bot::start(&fake, engine).await;
    let nia = user(1015);
    let chat = common::fake_telegram::TestChat::private(&nia);

    fake.push_text(TextMessage::private(&nia, PRISONERS));
    fake.push_sticker(&chat, &nia, "👍");
    fake.push_text(TextMessage::private(&nia, "/nosuchcommand"));
    let replies = bot::wait_for_delivered(&fake, nia.id, 3, WAIT).await;
    bot::finish(&fake, running).await;

    assert_eq!(bot::sends_to(&fake, nia.id).len(), 3, "one reply each");
    let gaps: Vec<Duration> = replies.windows(2).map(|w| w[1].at.duration_since(w[0].at)).collect();
    assert!(gaps.iter().all(|g| *g >= Duration::from_millis(700)), "spaced by the flood gate: {gaps:?}");
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

// ───────────────────────────── start-up ─────────────────────────────

/// A 5xx from `getMe` at start-up is retried, not the end of the bot. teloxide waits 10 s
/// before reading the 5xx: ~11 s.
#[tokio::test]
async fn a_server_error_at_start_up_is_retried() -> TestResult {
    let fake = FakeTelegram::start().await;
    fake.fail_next("getMe", None, Fault::BadGatewayJson);
    let running = bot::spawn(fake.bot(), bot::engine());
    fake.wait_for_calls_of("getUpdates", 1, Duration::from_secs(30)).await?;
    let oscar = user(1016);
    fake.push_text(TextMessage::private(&oscar, PRISONERS));
    bot::wait_for_delivered(&fake, oscar.id, 1, WAIT).await;
    bot::finish(&fake, running).await;
    let get_me = fake.calls_of("getMe");
    assert_eq!(get_me[0].fault, Some(Fault::BadGatewayJson));
    assert!(get_me[1].is_ok(), "getMe tried again after the 502: {get_me:#?}");
    Ok(())
}

/// Without a network the bot keeps trying to reach Telegram, and a stop signal ends it
/// at once (the old loop ignored it).
#[tokio::test]
async fn a_stop_signal_ends_the_start_up_retries_at_once() -> TestResult {
    // A port that nothing listens on: every request is a network error.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let bot =
        teloxide::Bot::new(common::fake_telegram::TOKEN).set_api_url(format!("http://{closed}/").parse()?);
    let running = bot::spawn(bot, bot::engine());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!running.is_finished(), "network errors at start-up are retried");
    let took = running.stop().await;
    assert!(took < Duration::from_secs(1), "stopped after {took:?}");
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
