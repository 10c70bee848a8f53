//! Webhook mode in process: the real `callbot::telegram::webhook::serve` (real teloxide
//! client, hyper listener with axum routes, handler tree) against the fake Bot API
//! server, which POSTs updates to it as Telegram does and sends again what was not
//! acknowledged; and raw TCP clients that behave as an attacker would.

use callbot_test_support as common;

use std::time::Duration;

use callbot::telegram::Shared;
use callbot::telegram::webhook::{SECRET_HEADER, WebhookOptions};
use common::bot::{self, WAIT, WEBHOOK_SECRET};
use common::fake_telegram::{FakeTelegram, Fault, TestUser, TextMessage};
use common::redis::RedisServer;
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const PRISONERS: &str = "俄乌交换多少战俘";

fn user(id: i64) -> TestUser {
    TestUser::new(id, &format!("User {id}"))
}

fn local(options: &WebhookOptions, path: &str) -> String {
    format!("http://{}{path}", options.listen)
}

/// A message update as Telegram POSTs it.
fn update_json(update_id: i64, user: &TestUser, text: &str) -> Value {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "from": user.to_json(),
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "date": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            "text": text,
        }
    })
}

async fn post(options: &WebhookOptions, body: &Value, secret: Option<&str>) -> Result<u16, reqwest::Error> {
    let mut request = reqwest::Client::new()
        .post(options.url.as_str())
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(secret) = secret {
        request = request.header(SECRET_HEADER, secret);
    }
    Ok(request.send().await?.status().as_u16())
}

/// Sends `head` on a fresh connection to the listener and returns what comes back
/// within `within`, and whether the listener closed the connection by then.
async fn raw(options: &WebhookOptions, head: &str, within: Duration) -> (String, bool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(options.listen).await.expect("the listener accepts");
    stream.write_all(head.as_bytes()).await.expect("the head is sent");
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    let closed = loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => break true,
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => break false,
        }
    };
    (String::from_utf8_lossy(&received).into_owned(), closed)
}

#[tokio::test]
async fn a_post_without_the_secret_is_refused_before_its_body_is_read() -> TestResult {
    let fake = FakeTelegram::start().await;
    let (running, options) = bot::start_webhook(&fake, bot::engine(), None).await;
    let path = options.url.path().to_owned();
    // A body of 1.9 MB is announced and never sent: the 401 does not wait for it.
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1900000\r\n\r\n{{\"update_id\":"
    );
    let (wrong, _) = raw(&options, &head, Duration::from_secs(3)).await;
    let with_a_wrong_secret = head.replace("host: x", &format!("host: x\r\n{SECRET_HEADER}: not-the-secret"));
    let (also_wrong, _) = raw(&options, &with_a_wrong_secret, Duration::from_secs(3)).await;
    // The bot goes on answering.
    let alice = user(2101);
    fake.push_text(TextMessage::private(&alice, PRISONERS));
    let delivered = bot::wait_for_delivered(&fake, alice.id, 1, WAIT).await;
    running.stop().await;

    assert!(wrong.starts_with("HTTP/1.1 401"), "no secret: {wrong:?}");
    assert!(also_wrong.starts_with("HTTP/1.1 401"), "a wrong secret: {also_wrong:?}");
    assert!(bot::shown(&delivered[0]).contains("175"));
    Ok(())
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_is_disconnected() -> TestResult {
    let fake = FakeTelegram::start().await;
    let (running, options) = bot::start_webhook(&fake, bot::engine(), None).await;
    let limit = callbot::telegram::listener::ListenerLimits::default().header_read;
    let (received, closed) =
        raw(&options, "POST / HTTP/1.1\r\nhost: x\r\n", limit + Duration::from_secs(5)).await;
    running.stop().await;
    assert!(closed, "the connection is closed once the header timeout passes: {received:?}");
    Ok(())
}

#[tokio::test]
async fn the_webhook_is_registered_with_its_secret_and_update_kinds() -> TestResult {
    let fake = FakeTelegram::start().await;
    let (running, options) = bot::start_webhook(&fake, bot::engine(), None).await;
    running.stop().await;

    let set = &fake.calls_of("setWebhook")[0];
    assert_eq!(set.param("url").and_then(Value::as_str), Some(options.url.as_str()));
    assert_eq!(set.param("secret_token").and_then(Value::as_str), Some(WEBHOOK_SECRET));
    let allowed = set.param("allowed_updates").map(ToString::to_string).unwrap_or_default();
    assert!(allowed.contains("message") && allowed.contains("callback_query"), "{allowed}");
    assert!(fake.calls_of("deleteWebhook").is_empty(), "the webhook is never deleted on stop");
    assert!(fake.calls_of("getUpdates").is_empty(), "no polling in webhook mode");
    Ok(())
}

#[tokio::test]
async fn an_update_is_acknowledged_only_after_its_reply_was_sent() -> TestResult {
    let fake = FakeTelegram::start().await;
    let (running, _) = bot::start_webhook(&fake, bot::engine(), None).await;
    let alice = user(2001);
    fake.fail_next("sendMessage", Some(alice.id), Fault::TooManyRequests { retry_after: 1 });

    fake.push_text(TextMessage::private(&alice, PRISONERS));
    fake.wait_for(|calls| calls.iter().any(|c| c.status == 429), WAIT).await?;
    assert_eq!(fake.pending_updates(), 1, "not acknowledged while its reply waits");
    assert!(fake.webhook_posts().is_empty(), "the POST is still open");
    let delivered = bot::wait_for_delivered(&fake, alice.id, 1, WAIT).await;
    fake.wait_for_updates_confirmed(WAIT).await?;
    running.stop().await;

    assert!(bot::shown(&delivered[0]).contains("175"));
    let posts = fake.webhook_posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0].status, Some(200));
    assert_eq!(bot::sends_to(&fake, alice.id).len(), 2, "the 429, then the reply");
    Ok(())
}

#[tokio::test]
async fn a_post_without_the_right_secret_gets_401_and_is_ignored() -> TestResult {
    let fake = FakeTelegram::start().await;
    let (running, options) = bot::start_webhook(&fake, bot::engine(), None).await;
    let mallory = user(2002);
    let update = update_json(1, &mallory, PRISONERS);

    assert_eq!(post(&options, &update, None).await?, 401);
    assert_eq!(post(&options, &update, Some("wrong-secret")).await?, 401);
    assert_eq!(post(&options, &update, Some(WEBHOOK_SECRET)).await?, 200);
    running.stop().await;

    assert_eq!(bot::sends_to(&fake, mallory.id).len(), 1, "only the POST with the secret is answered");
    Ok(())
}

#[tokio::test]
async fn healthz_and_metrics_are_served_on_the_same_listener() -> TestResult {
    let fake = FakeTelegram::start().await;
    let (running, options) = bot::start_webhook(&fake, bot::engine(), None).await;
    let bob = user(2003);
    fake.push_text(TextMessage::private(&bob, PRISONERS));
    bot::wait_for_delivered(&fake, bob.id, 1, WAIT).await;
    fake.wait_for_updates_confirmed(WAIT).await?;

    let health = reqwest::get(local(&options, "/healthz")).await?;
    assert_eq!(health.status().as_u16(), 200);
    let metrics = reqwest::get(local(&options, "/metrics")).await?.text().await?;
    running.stop().await;

    for expected in [
        "callbot_updates_total{kind=\"message\"}",
        "callbot_questions_total{outcome=\"answered\"}",
        "callbot_reply_seconds_bucket{kind=\"message\"",
        "callbot_send_retries_total",
    ] {
        assert!(metrics.contains(expected), "{expected} missing from:\n{metrics}");
    }
    Ok(())
}

#[tokio::test]
async fn healthz_is_503_when_the_configured_redis_does_not_answer() -> TestResult {
    let fake = FakeTelegram::start().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let shared = Shared::connect(&format!("redis://{closed}/"))?;
    let (running, options) = bot::start_webhook(&fake, bot::engine(), Some(shared)).await;
    let health = reqwest::get(local(&options, "/healthz")).await?;
    running.stop().await;
    assert_eq!(health.status().as_u16(), 503);
    Ok(())
}

#[tokio::test]
async fn stopping_answers_503_finishes_the_reply_in_flight_and_keeps_the_webhook() -> TestResult {
    let fake = FakeTelegram::start().await;
    let (running, options) = bot::start_webhook(&fake, bot::engine(), None).await;
    let carol = user(2004);
    fake.fail_next("sendMessage", Some(carol.id), Fault::TooManyRequests { retry_after: 2 });
    fake.push_text(TextMessage::private(&carol, PRISONERS));
    fake.wait_for(|calls| calls.iter().any(|c| c.status == 429), WAIT).await?;

    let stopping = tokio::spawn(running.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let late = post(&options, &update_json(7, &user(2005), PRISONERS), Some(WEBHOOK_SECRET)).await?;
    let took = stopping.await?;

    assert_eq!(late, 503, "a new update while stopping goes back to Telegram");
    assert_eq!(bot::delivered_to(&fake, carol.id).len(), 1, "the reply in flight was finished");
    assert!(took >= Duration::from_secs(1), "stopped in {took:?}, without waiting for the reply");
    fake.wait_for_updates_confirmed(WAIT).await?;
    assert_eq!(fake.webhook_posts().iter().filter(|p| p.acknowledged()).count(), 1, "the update in flight");
    assert!(fake.calls_of("deleteWebhook").is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_posted_to_two_instances_is_answered_once() -> TestResult {
    let redis = RedisServer::start();
    let fake = FakeTelegram::start().await;
    let (first, a) = bot::start_webhook(&fake, bot::engine(), Some(Shared::connect(&redis.url())?)).await;
    let (second, b) = bot::start_webhook(&fake, bot::engine(), Some(Shared::connect(&redis.url())?)).await;
    let (dave, erin) = (user(2006), user(2007));

    // At the same time to both, as when Telegram redelivers while the first still works.
    let at_once = update_json(500, &dave, PRISONERS);
    let (to_a, to_b) =
        tokio::join!(post(&a, &at_once, Some(WEBHOOK_SECRET)), post(&b, &at_once, Some(WEBHOOK_SECRET)));
    // One after the other, as a redelivery after a lost acknowledgement.
    let later = update_json(501, &erin, "他们谈了冰球吗");
    let first_time = post(&a, &later, Some(WEBHOOK_SECRET)).await?;
    let again = post(&b, &later, Some(WEBHOOK_SECRET)).await?;
    first.stop().await;
    second.stop().await;

    assert_eq!((to_a?, to_b?, first_time, again), (200, 200, 200, 200));
    assert_eq!(bot::sends_to(&fake, dave.id).len(), 1, "answered once");
    assert_eq!(bot::sends_to(&fake, erin.id).len(), 1, "answered once");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_flood_limit_is_shared_by_the_instances() -> TestResult {
    let redis = RedisServer::start();
    let fake = FakeTelegram::start().await;
    // One question at once, then one every 2 s, counted across both instances.
    let engine = bot::engine_with(|c| {
        c.telegram.flood_burst = 1;
        c.telegram.flood_per_second = 0.5;
    });
    let (first, a) = bot::start_webhook(&fake, engine.clone(), Some(Shared::connect(&redis.url())?)).await;
    let (second, b) = bot::start_webhook(&fake, engine, Some(Shared::connect(&redis.url())?)).await;
    let flo = user(2008);

    assert_eq!(post(&a, &update_json(600, &flo, PRISONERS), Some(WEBHOOK_SECRET)).await?, 200);
    assert_eq!(post(&b, &update_json(601, &flo, "他们谈了冰球吗"), Some(WEBHOOK_SECRET)).await?, 200);
    first.stop().await;
    second.stop().await;

    let sends = bot::delivered_to(&fake, flo.id);
    assert_eq!(sends.len(), 2);
    assert!(bot::shown(&sends[1]).contains("冰球"), "answered, not refused: {}", bot::shown(&sends[1]));
    let gap = sends[1].at.duration_since(sends[0].at);
    assert!(gap >= Duration::from_millis(1800), "the second instance waited the user's turn: {gap:?}");
    Ok(())
}

/// Telegram (or the proxy) gives up on a POST while its reply is on the way, then sends
/// the update again: once after the reply went out, once while it is still in hand.
async fn a_dropped_post_is_answered_once(shared: Option<Shared>) -> TestResult {
    let fake = FakeTelegram::start().await;
    let (running, options) = bot::start_webhook(&fake, bot::engine(), shared).await;
    let (ada, bob) = (user(2301), user(2302));
    for chat in [ada.id, bob.id] {
        fake.delay_sends(chat, Duration::from_millis(800));
    }
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(200)).build()?;
    let give_up = |update: &Value| {
        impatient
            .post(options.url.as_str())
            .header("content-type", "application/json")
            .header(SECRET_HEADER, WEBHOOK_SECRET)
            .body(update.to_string())
            .send()
    };

    let later = update_json(900, &ada, PRISONERS);
    assert!(give_up(&later).await.is_err(), "the POST was given up before its reply went out");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sent_before_redelivery = bot::sends_to(&fake, ada.id).len();
    let redelivered = post(&options, &later, Some(WEBHOOK_SECRET)).await?;

    let meanwhile = update_json(901, &bob, PRISONERS);
    assert!(give_up(&meanwhile).await.is_err());
    let redelivered_meanwhile = post(&options, &meanwhile, Some(WEBHOOK_SECRET)).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    running.stop().await;

    assert_eq!(sent_before_redelivery, 1, "the handling went on after the connection dropped");
    assert_eq!((redelivered, redelivered_meanwhile), (200, 200));
    assert_eq!(bot::sends_to(&fake, ada.id).len(), 1, "the redelivery is not answered again");
    assert_eq!(bot::sends_to(&fake, bob.id).len(), 1, "the redelivery meanwhile waited, then was done");
    Ok(())
}

#[tokio::test]
async fn a_dropped_post_is_answered_once_without_redis() -> TestResult {
    a_dropped_post_is_answered_once(None).await
}

#[tokio::test]
async fn a_dropped_post_is_answered_once_with_redis() -> TestResult {
    let redis = RedisServer::start();
    a_dropped_post_is_answered_once(Some(Shared::connect(&redis.url())?)).await
}

#[tokio::test]
async fn while_redis_is_down_updates_are_answered_unclaimed_after_the_grace_period_then_claimed_again()
-> TestResult {
    const GRACE: Duration = Duration::from_secs(2);
    let mut redis = RedisServer::start();
    let fake = FakeTelegram::start().await;
    let shared = Shared::connect(&redis.url())?.with_grace(GRACE);
    let (running, options) = bot::start_webhook(&fake, bot::engine(), Some(shared)).await;
    let (ann, ben) = (user(2401), user(2402));

    redis.kill();
    let during_grace = post(&options, &update_json(950, &ann, PRISONERS), Some(WEBHOOK_SECRET)).await?;
    tokio::time::sleep(GRACE + Duration::from_millis(300)).await;
    let past_grace = post(&options, &update_json(950, &ann, PRISONERS), Some(WEBHOOK_SECRET)).await?;
    let metrics = reqwest::get(local(&options, "/metrics")).await?.text().await?;

    redis.restart();
    let deadline = std::time::Instant::now() + WAIT;
    while !reqwest::get(local(&options, "/healthz")).await?.status().is_success() {
        assert!(std::time::Instant::now() < deadline, "Redis is back, but /healthz does not say so");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let claimed = post(&options, &update_json(951, &ben, PRISONERS), Some(WEBHOOK_SECRET)).await?;
    let redelivered = post(&options, &update_json(951, &ben, PRISONERS), Some(WEBHOOK_SECRET)).await?;
    running.stop().await;

    assert_eq!(during_grace, 503, "within the grace period Telegram is asked to send it again");
    assert_eq!(past_grace, 200, "past it the update is answered");
    assert_eq!(bot::sends_to(&fake, ann.id).len(), 1);
    assert!(metrics.contains("callbot_unclaimed_updates_total 1"), "counted: {metrics}");
    assert_eq!((claimed, redelivered), (200, 200));
    assert_eq!(bot::sends_to(&fake, ben.id).len(), 1, "with Redis back, a redelivery is not answered twice");
    Ok(())
}
