//! Long polling acknowledges to Telegram only the updates that were answered: a bot killed
//! mid-burst, or stopped before its replies went out, loses nothing at the next start; a
//! stuck reply neither makes the poller spin nor holds up other chats.

use callbot_test_support as common;

use std::collections::HashMap;
use std::process::{Child, ExitStatus};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use callbot::telegram::SHUTDOWN_GRACE;
use callbot::telegram::polling::RECHECK_EVERY;
use common::bot::{self, WAIT};
use common::fake_telegram::{Call, FakeTelegram, TOKEN, TestUser, TextMessage};
use common::process::{self, callbot, drain};
use common::redis::RedisServer;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Questions with one reply each, asked in turn.
const QUESTIONS: &[&str] = &["俄乌交换多少战俘", "普京和特朗普谈了什么", "特朗普怎么说", "他們談了冰球嗎"];

/// `callbot bot` on the fake, throttle off, a short poll; output drained on threads.
struct BotProcess {
    child: Child,
    stderr: Option<JoinHandle<String>>,
}

impl BotProcess {
    /// Starts `callbot bot`, with its state in the Redis at `redis` when given.
    fn start(
        fake: &FakeTelegram,
        redis: Option<&str>,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let mut command = callbot(&["bot"]);
        if let Some(url) = redis {
            command.env("CALLBOT__STORAGE__REDIS_URL", url);
        }
        let mut child = command
            .env("TELOXIDE_TOKEN", TOKEN)
            .env("TELOXIDE_API_URL", fake.url().as_str())
            .env("CALLBOT__TELEGRAM__POLL_TIMEOUT_SECS", "1")
            .env("CALLBOT__TELEGRAM__THROTTLE", "false")
            .env("RUST_LOG", "info")
            .spawn()?;
        drain(child.stdout.take());
        let stderr = Some(drain(child.stderr.take()));
        Ok(Self { child, stderr })
    }

    fn signal(&self, name: &str) -> TestResult {
        Ok(process::signal(&self.child, name)?)
    }

    async fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        process::wait_exit(&mut self.child, within).await
    }

    /// What the process wrote to stderr (once it has exited).
    fn stderr(&mut self) -> String {
        self.stderr.take().and_then(|reader| reader.join().ok()).unwrap_or_default()
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `count` users with ids from `first`.
fn users(first: i64, count: i64) -> Vec<TestUser> {
    (0..count).map(|i| TestUser::new(first + i, &format!("User {i}"))).collect()
}

/// Pushes `per_chat` questions from each user, round by round; returns the update ids.
fn push_burst(fake: &FakeTelegram, users: &[TestUser], per_chat: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for round in 0..per_chat {
        for user in users {
            ids.push(
                fake.push_text(TextMessage::private(user, QUESTIONS[round % QUESTIONS.len()])).update_id,
            );
        }
    }
    ids
}

/// Replies accepted by the fake, per chat.
fn replies_per_chat(fake: &FakeTelegram) -> HashMap<i64, usize> {
    let mut replies = HashMap::new();
    for call in fake.calls_of("sendMessage").iter().filter(|c| c.is_ok()) {
        *replies.entry(call.chat_id().unwrap_or_default()).or_default() += 1;
    }
    replies
}

fn replies(fake: &FakeTelegram) -> usize {
    fake.calls_of("sendMessage").iter().filter(|c| c.is_ok()).count()
}

/// The `offset` a `getUpdates` call carried (0 when none).
fn offset(call: &Call) -> i64 {
    call.param("offset").and_then(serde_json::Value::as_i64).unwrap_or_default()
}

/// Waits until the bot has taken update `id` in hand: a `getUpdates` answer delivered it
/// and the bot has polled again since, which it does only once it has handed the batch on
/// (a stop signal before then drops the answer, and the update stays with Telegram).
async fn wait_fetched(fake: &FakeTelegram, id: i64) -> TestResult {
    fake.wait_for(
        |calls| {
            calls
                .iter()
                .filter(|c| c.method == "getUpdates")
                .skip_while(|c| !c.update_ids().contains(&id))
                .nth(1)
                .is_some()
        },
        WAIT,
    )
    .await?;
    Ok(())
}

/// What a bot killed with SIGKILL halfway through a burst left, once a second one has
/// answered everything.
struct Killed {
    /// Replies sent when it was killed.
    answered: usize,
    /// Updates acknowledged when it was killed.
    acknowledged: usize,
    /// Updates answered twice in all.
    doubled: usize,
}

/// Pushes 4 questions from each of 50 chats to a `callbot bot`, kills it with SIGKILL once
/// half are answered, starts another: checks that no update was acknowledged before it
/// was answered and that every chat got all its replies.
async fn kill_mid_burst(redis: Option<&str>) -> Result<Killed, Box<dyn std::error::Error + Send + Sync>> {
    const PER_CHAT: usize = 4;
    let fake = FakeTelegram::start().await;
    let mut first = BotProcess::start(&fake, redis)?;
    fake.wait_for_calls_of("getUpdates", 1, WAIT).await?;
    let users = users(5_000, 50);
    let total = push_burst(&fake, &users, PER_CHAT).len();
    fake.wait_for_count("sendMessage", true, total / 2, WAIT).await?;
    first.signal("KILL")?;
    first.wait_exit(WAIT).await.ok_or("SIGKILL did not end the bot")?;
    let answered = replies(&fake);
    let acknowledged = total - fake.pending_updates();
    assert!(acknowledged <= answered, "{acknowledged} updates acknowledged, {answered} answered when killed");
    assert!(answered < total, "killed mid-burst, not after it: {answered} of {total} answered");

    let _second = BotProcess::start(&fake, redis)?;
    fake.wait_for_updates_confirmed(WAIT).await?;
    fake.wait_for_count("sendMessage", true, total, WAIT).await?;
    let per_chat = replies_per_chat(&fake);
    for user in &users {
        let got = per_chat.get(&user.id).copied().unwrap_or_default();
        assert!(got >= PER_CHAT, "chat {} got {got} of its {PER_CHAT} replies", user.id);
    }
    let doubled = replies(&fake) - total;
    println!(
        "killed with {answered} of {total} answered, {acknowledged} acknowledged: {doubled} answered twice"
    );
    Ok(Killed { answered, acknowledged, doubled })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_killed_mid_burst_leaves_what_it_had_not_answered_to_the_next_start() -> TestResult {
    let killed = kill_mid_burst(None).await?;
    // Answered and not yet acknowledged when killed: those may be answered again.
    let in_flight = killed.answered - killed.acknowledged;
    assert!(
        killed.doubled <= in_flight,
        "{} answered twice, only {in_flight} were answered and not acknowledged",
        killed.doubled
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_a_bot_killed_mid_burst_answers_again_at_most_the_replies_on_their_way() -> TestResult {
    let redis = RedisServer::start();
    let killed = kill_mid_burst(Some(&redis.url())).await?;
    // Only a reply sent but not yet marked done in Redis is answered twice: at most one
    // per chat, as each chat's questions are answered one at a time.
    assert!(killed.doubled <= 50, "{} answered twice", killed.doubled);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_stopped_mid_burst_acknowledges_what_it_answered_and_leaves_the_rest() -> TestResult {
    // Quick chats' replies take a tenth of the grace period each (two questions each, in
    // order: both sent well within it); stuck chats' replies take far longer than the
    // grace period, and were asked last, so those answered come before those given up.
    let fake = FakeTelegram::start().await;
    let quick = users(6_000, 5);
    let stuck = users(6_100, 5);
    for user in &quick {
        fake.delay_sends(user.id, SHUTDOWN_GRACE / 10);
    }
    for user in &stuck {
        fake.delay_sends(user.id, SHUTDOWN_GRACE * 6);
    }
    let mut first = BotProcess::start(&fake, None)?;
    fake.wait_for_calls_of("getUpdates", 1, WAIT).await?;
    let answerable = push_burst(&fake, &quick, 2);
    let given_up = push_burst(&fake, &stuck, 1);
    wait_fetched(&fake, given_up[given_up.len() - 1]).await?;
    first.signal("TERM")?;
    let status = first.wait_exit(SHUTDOWN_GRACE + Duration::from_secs(3)).await;
    let stderr = first.stderr();
    let status = status.ok_or_else(|| format!("still running after the grace period; stderr:\n{stderr}"))?;
    assert!(status.success(), "exit status {status:?}; stderr:\n{stderr}");

    assert_eq!(
        replies(&fake),
        answerable.len(),
        "the quick chats were answered in the grace period; stderr:\n{stderr}"
    );
    assert_eq!(fake.pending_updates(), given_up.len(), "exactly the updates answered were acknowledged");
    let last_poll = fake.calls_of("getUpdates").pop().ok_or("no getUpdates")?;
    assert_eq!(offset(&last_poll), given_up[0], "the last getUpdates acknowledged up to the first given up");

    for user in &stuck {
        fake.delay_sends(user.id, Duration::ZERO);
    }
    let second = bot::start(&fake, bot::engine()).await;
    fake.wait_for_count("sendMessage", true, answerable.len() + given_up.len(), WAIT).await?;
    bot::finish(&fake, second).await;
    let per_chat = replies_per_chat(&fake);
    for (user, expected) in quick.iter().map(|u| (u, 2)).chain(stuck.iter().map(|u| (u, 1))) {
        assert_eq!(per_chat.get(&user.id), Some(&expected), "chat {}: each question answered once", user.id);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_poll_passes_an_update_not_answered() -> TestResult {
    const CHATS: i64 = 150;
    let fake = FakeTelegram::start().await;
    // A few slow chats hold the offset back while the others are answered.
    for chat in [7_010, 7_050, 7_100] {
        fake.delay_sends(chat, Duration::from_millis(700));
    }
    let running = bot::start(&fake, bot::engine()).await;
    let users = users(7_000, CHATS);
    push_burst(&fake, &users, 1);
    fake.wait_for_count("sendMessage", true, users.len(), WAIT).await?;
    bot::finish(&fake, running).await;

    // One question per chat: the chat's reply answers the update.
    let update_of_chat: HashMap<i64, i64> = fake
        .calls_of("getUpdates")
        .iter()
        .flat_map(|c| c.result().and_then(|r| r.as_array().cloned()).unwrap_or_default())
        .filter_map(|u| Some((u["message"]["chat"]["id"].as_i64()?, u["update_id"].as_i64()?)))
        .collect();
    let answered_at: HashMap<i64, Instant> = fake
        .calls_of("sendMessage")
        .iter()
        .filter(|c| c.is_ok())
        .filter_map(|c| Some((update_of_chat.get(&c.chat_id()?).copied()?, c.answered)))
        .collect();
    assert_eq!(answered_at.len(), users.len(), "every update answered");
    let polls = fake.calls_of("getUpdates");
    let mut held_back = 0;
    for poll in &polls {
        let passed_unanswered = answered_at
            .iter()
            .filter(|&(&id, &at)| id < offset(poll) && at > poll.at)
            .map(|(id, _)| *id)
            .min();
        assert_eq!(
            passed_unanswered,
            None,
            "getUpdates with offset {} passed an update not answered",
            offset(poll)
        );
        held_back += usize::from(answered_at.iter().any(|(&id, &at)| id >= offset(poll) && at < poll.at));
    }
    assert!(held_back > 0, "some polls held the offset back behind a slow reply");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_reply_neither_makes_the_poller_spin_nor_holds_up_other_chats() -> TestResult {
    let stall = Duration::from_secs(3);
    let fake = FakeTelegram::start().await;
    let stuck = TestUser::new(8_000, "Stuck");
    fake.delay_sends(stuck.id, stall);
    let running = bot::start(&fake, bot::engine()).await;
    let pushed = fake.push_text(TextMessage::private(&stuck, QUESTIONS[0]));
    let started = Instant::now();
    wait_fetched(&fake, pushed.update_id).await?;
    // Others ask during the stall, one every 100 ms; each is answered at once.
    let others = users(8_001, 10);
    for user in &others {
        fake.push_text(TextMessage::private(user, QUESTIONS[1]));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for user in &others {
        bot::wait_for_delivered(&fake, user.id, 1, WAIT).await;
    }
    let stuck_reply = bot::wait_for_delivered(&fake, stuck.id, 1, WAIT).await;
    let stuck_answered = stuck_reply[0].answered;
    assert!(stuck_answered.duration_since(started) >= stall, "the reply to the stuck chat was held");
    for user in &others {
        let reply = &bot::delivered_to(&fake, user.id)[0];
        assert!(reply.answered < stuck_answered, "chat {} waited for the stuck one", user.id);
    }
    bot::finish(&fake, running).await;

    let during_stall =
        fake.calls_of("getUpdates").iter().filter(|c| c.at > started && c.at < stuck_answered).count();
    let most = usize::try_from(stall.as_millis() / RECHECK_EVERY.as_millis())? + 2;
    println!("{during_stall} getUpdates calls during a {stall:?} stall");
    assert!(during_stall <= most, "{during_stall} getUpdates calls during the stall (at most {most})");
    Ok(())
}
