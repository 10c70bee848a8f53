//! The Telegram bot under load: the real `callbot::telegram::serve` (teloxide client,
//! dispatcher, handlers, matcher) against the fake Bot API server on loopback.
//!
//! Run with `cargo bench --bench telegram`. Prints:
//! 1. throttle off, N = 3000 private questions from 300 chats pushed at once:
//!    (a) replies per second, wall time from the first push to the last `sendMessage`;
//!    (b) p50/p99 handling time per update, from the `getUpdates` answer that delivered
//!    it to the `sendMessage` for it (both instants taken by the fake server);
//!    (c) the process's peak RSS (VmHWM) with the 300 chats in flight;
//! 2. throttle on (`Throttle`, Telegram's default limits), a smaller burst: replies lost
//!    or doubled, the busiest second, the closest two replies to one chat;
//! 3. the real `callbot bot` binary in its own process (throttle off), so that the bot's
//!    figures are its own: peak RSS (its VmHWM) after the same burst with 300 chats in
//!    flight, and the handling time per update at a steady 200 questions a second, when
//!    updates do not queue behind each other.
//! 4. webhook mode, throttle off, the same burst: (a) in process, one instance, replies per
//!    second beside long polling's; (b) three `callbot bot --webhook` processes sharing a
//!    real `redis-server` (dedupe), the fake spreading its POSTs round-robin: replies per
//!    second in all, handling time per update (the POST's round trip, which ends after the
//!    reply was sent), and each instance's peak RSS; (c) the same three processes at a
//!    steady 200 questions a second: the POST's round trip when updates do not queue.
//!
//! `cargo bench --bench telegram -- webhook` runs only 1 and 4.
//!
//! Flood control is set out of the way (burst 10 000) so that the figures measure the
//! bot, not the per-user rate limit; the fake server and the bot share the process, so
//! the figures include the fake's share of CPU and memory.

use callbot_test_support::fake_telegram;
use callbot_test_support::redis as redis_server;

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use callbot::config::{Config, Settings};
use callbot::engine::Engine;
use callbot::knowledge::KnowledgeBase;
use callbot::telegram::{Setup, TelegramConfig};
use fake_telegram::{FakeTelegram, TestUser, TextMessage};
use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::Limits;
use tokio::sync::oneshot;

const CHATS: i64 = 300;
const PER_CHAT: usize = 10;
const THROTTLED_CHATS: i64 = 60;
const THROTTLED_PER_CHAT: usize = 2;
const FIRST_CHAT: i64 = 1_000_000;
/// Questions pushed at a steady 200 a second, to measure handling without queueing.
const STEADY: usize = 1000;

const QUESTIONS: &[&str] = &[
    "俄乌交换多少战俘",
    "他们谈了冰球吗",
    "泽连斯基怎么看",
    "普京和特朗普谈了什么",
    "特朗普怎么说",
    "美国和俄罗斯谈了能源设施吗",
    "有哪些关键问题没有谈到",
    "梅德韦杰夫怎么评价这次通话",
    "通话之后俄军还袭击能源设施了吗",
    "今天天气怎么样",
];

type BenchResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn engine() -> BenchResult<Setup> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("config/callbot.toml"))?;
    let settings = Settings::from_toml_str(&text, "config/callbot.toml", Vec::new())?;
    let mut telegram = TelegramConfig::from_settings(&settings)?;
    telegram.throttle = false;
    telegram.poll_timeout_secs = 1;
    telegram.flood_burst = 10_000;
    let knowledge = KnowledgeBase::load(&root.join("knowledge"))?;
    Ok(Setup::new(Arc::new(Engine::new(knowledge, Config::from_settings(&settings)?)), telegram))
}

/// A `VmHWM`/`VmRSS`-style line of /proc/self/status, in MiB.
fn status_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

struct Running {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

fn spawn<R: callbot::telegram::Client>(client: R, setup: Setup) -> Running {
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let stop = async move {
            let _ = rx.await;
        };
        callbot::telegram::serve(client, setup, None, stop)
            .await
            .expect("the bot starts against the fake server");
    });
    Running { stop, task }
}

impl Running {
    async fn stop(self) -> BenchResult {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(30), self.task).await??;
        Ok(())
    }
}

/// Pushes `n` questions at a steady 200 a second, one every 5 ms, from chats numbered from
/// `first_chat`; returns the update ids pushed for each chat, in order.
async fn push_steadily(fake: &FakeTelegram, first_chat: i64, n: usize) -> HashMap<i64, Vec<i64>> {
    let users: Vec<TestUser> = (0..CHATS).map(|i| TestUser::new(first_chat + i, "Steady")).collect();
    let mut pushed: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_millis(5));
    for i in 0..n {
        tick.tick().await;
        let user = &users[i % users.len()];
        let p = fake.push_text(TextMessage::private(user, QUESTIONS[i % QUESTIONS.len()]));
        pushed.entry(user.id).or_default().push(p.update_id);
    }
    pushed
}

/// Waits until the fake has answered `n` `sendMessage` calls. It looks every 20 ms rather
/// than at every call: counting scans every call recorded, and doing so thousands of times
/// would take CPU from the bot being measured. The figures come from the fake's own
/// timestamps, not from when this returns.
async fn wait_for_replies(fake: &FakeTelegram, n: usize, timeout: Duration) -> BenchResult {
    let deadline = Instant::now() + timeout;
    while fake.count_calls("sendMessage", true) < n {
        if Instant::now() > deadline {
            return Err(format!("fewer than {n} replies after {timeout:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// Pushes `per_chat` questions from each of `chats` chats, round by round; returns the
/// update ids pushed for each chat, in order.
fn push_burst(fake: &FakeTelegram, first_chat: i64, chats: i64, per_chat: usize) -> HashMap<i64, Vec<i64>> {
    let users: Vec<TestUser> =
        (0..chats).map(|i| TestUser::new(first_chat + i, &format!("User {i}"))).collect();
    let mut pushed: HashMap<i64, Vec<i64>> = HashMap::new();
    for round in 0..per_chat {
        for (i, user) in users.iter().enumerate() {
            let question = QUESTIONS[(round + i) % QUESTIONS.len()];
            let p = fake.push_text(TextMessage::private(user, question));
            pushed.entry(user.id).or_default().push(p.update_id);
        }
    }
    pushed
}

/// Per chat: (replies accepted, sendMessage calls).
fn per_chat_counts(fake: &FakeTelegram) -> HashMap<i64, (usize, usize)> {
    let mut counts: HashMap<i64, (usize, usize)> = HashMap::new();
    for call in fake.calls_of("sendMessage") {
        let c = counts.entry(call.chat_id().unwrap_or_default()).or_default();
        c.0 += usize::from(call.is_ok());
        c.1 += 1;
    }
    counts
}

/// Lost and doubled replies against `expected` per chat.
fn lost_and_doubled(fake: &FakeTelegram, pushed: &HashMap<i64, Vec<i64>>) -> (usize, usize, usize) {
    let counts = per_chat_counts(fake);
    let (mut lost, mut doubled, mut stray) = (0, 0, 0);
    for (chat, ids) in pushed {
        let (ok, _) = counts.get(chat).copied().unwrap_or_default();
        lost += ids.len().saturating_sub(ok);
        doubled += ok.saturating_sub(ids.len());
    }
    for chat in counts.keys() {
        if !pushed.contains_key(chat) {
            stray += 1;
        }
    }
    (lost, doubled, stray)
}

async fn throughput() -> BenchResult<bool> {
    let n = usize::try_from(CHATS)? * PER_CHAT;
    println!("== throttle off: {n} private questions from {CHATS} chats, pushed at once ==");
    let fake = FakeTelegram::start().await;
    let running = spawn(fake.bot(), engine()?);
    fake.wait_for_calls_of("getUpdates", 1, Duration::from_secs(10)).await?;
    let rss_before = status_mib("VmRSS:").unwrap_or(f64::NAN);
    let hwm_before = status_mib("VmHWM:").unwrap_or(f64::NAN);

    let started = Instant::now();
    let pushed = push_burst(&fake, FIRST_CHAT, CHATS, PER_CHAT);
    let push_time = started.elapsed();
    wait_for_replies(&fake, n, Duration::from_secs(600)).await?;
    let hwm_after = status_mib("VmHWM:").unwrap_or(f64::NAN);
    fake.wait_for_updates_confirmed(Duration::from_secs(10)).await?;
    running.stop().await?;

    let calls = fake.calls();
    let polls =
        calls.iter().filter(|c| c.method == "getUpdates" && c.is_ok() && !c.update_ids().is_empty()).count();
    let sends: Vec<_> = calls.iter().filter(|c| c.method == "sendMessage" && c.is_ok()).collect();
    let last_send = sends.iter().map(|c| c.at).max().ok_or("no replies")?;
    let wall = last_send.duration_since(started);
    let handling = handling_times(&fake, &pushed);
    let (lost, doubled, stray) = lost_and_doubled(&fake, &pushed);

    println!("pushed {n} updates in {}; delivered in {polls} getUpdates answers", ms(push_time));
    println!(
        "(a) {} replies in {:.2} s wall (first push to last sendMessage): {:.0} replies/s",
        sends.len(),
        wall.as_secs_f64(),
        sends.len() as f64 / wall.as_secs_f64()
    );
    println!(
        "(b) handling time per update (getUpdates answer -> sendMessage), {} updates: p50 {}, p90 {}, p99 {}, max {}",
        handling.len(),
        ms(percentile(&handling, 50.0)),
        ms(percentile(&handling, 90.0)),
        ms(percentile(&handling, 99.0)),
        ms(handling.last().copied().unwrap_or_default()),
    );
    println!(
        "(c) peak RSS (VmHWM) {hwm_after:.1} MiB with {CHATS} chats in flight (VmRSS {rss_before:.1} MiB, VmHWM {hwm_before:.1} MiB before the burst)"
    );
    println!("replies lost {lost}, doubled {doubled}, to chats that asked nothing {stray}");
    Ok(lost == 0 && doubled == 0 && stray == 0)
}

async fn throttled() -> BenchResult<bool> {
    let n = usize::try_from(THROTTLED_CHATS)? * THROTTLED_PER_CHAT;
    println!(
        "== throttle on (Throttle, default limits): {n} questions from {THROTTLED_CHATS} chats, pushed at once =="
    );
    let fake = FakeTelegram::start().await;
    let running = spawn(Throttle::new_spawn(fake.bot(), Limits::default()), engine()?);
    fake.wait_for_calls_of("getUpdates", 1, Duration::from_secs(10)).await?;

    let started = Instant::now();
    let pushed = push_burst(&fake, FIRST_CHAT + 10_000, THROTTLED_CHATS, THROTTLED_PER_CHAT);
    let waited = fake.wait_for_count("sendMessage", true, n, Duration::from_secs(120)).await;
    let wall = started.elapsed();
    fake.wait_for_updates_confirmed(Duration::from_secs(10)).await?;
    running.stop().await?;
    let sends = fake.count_calls("sendMessage", false);
    let accepted = fake.count_calls("sendMessage", true);
    let (lost, doubled, stray) = lost_and_doubled(&fake, &pushed);
    let calls: Vec<_> = fake.calls_of("sendMessage").into_iter().filter(|c| c.is_ok()).collect();
    let mut times: Vec<Instant> = calls.iter().map(|c| c.at).collect();
    times.sort();
    let mut busiest_second = 0;
    let mut from = 0;
    for (to, at) in times.iter().enumerate() {
        while at.duration_since(times[from]) >= Duration::from_secs(1) {
            from += 1;
        }
        busiest_second = busiest_second.max(to - from + 1);
    }
    let mut last_in_chat: HashMap<i64, Instant> = HashMap::new();
    let mut closest_in_chat = Duration::MAX;
    for call in &calls {
        let chat = call.chat_id().unwrap_or_default();
        if let Some(before) = last_in_chat.insert(chat, call.at) {
            closest_in_chat = closest_in_chat.min(call.at.saturating_duration_since(before));
        }
    }
    println!(
        "{accepted} replies accepted of {sends} sendMessage calls in {:.2} s; at most {busiest_second} in any 1 s (Telegram allows 30/s); closest two replies to one chat {}",
        wall.as_secs_f64(),
        ms(closest_in_chat)
    );
    println!("replies lost {lost}, doubled {doubled}, to chats that asked nothing {stray}");
    if let Err(timeout) = waited {
        println!("not all replies came: {}", timeout.waited.as_secs_f64());
    }
    Ok(lost == 0 && doubled == 0 && stray == 0)
}

/// `VmHWM` of another process, in MiB.
fn peak_rss_of(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// For each reply, the time from the `getUpdates` answer that delivered its question,
/// sorted. The k-th reply to a chat answers its k-th question: one user's updates are
/// handled in order.
fn handling_times(fake: &FakeTelegram, pushed: &HashMap<i64, Vec<i64>>) -> Vec<Duration> {
    let calls = fake.calls();
    let mut delivered_at: HashMap<i64, Instant> = HashMap::new();
    for call in calls.iter().filter(|c| c.method == "getUpdates" && c.is_ok()) {
        for id in call.update_ids() {
            delivered_at.entry(id).or_insert(call.answered);
        }
    }
    let mut next_in_chat: HashMap<i64, usize> = HashMap::new();
    let mut handling = Vec::new();
    for send in calls.iter().filter(|c| c.method == "sendMessage" && c.is_ok()) {
        let chat = send.chat_id().unwrap_or_default();
        let k = next_in_chat.entry(chat).or_default();
        if let Some(at) = pushed.get(&chat).and_then(|ids| ids.get(*k)).and_then(|u| delivered_at.get(u)) {
            handling.push(send.at.saturating_duration_since(*at));
        }
        *k += 1;
    }
    handling.sort();
    handling
}

async fn separate_process() -> BenchResult<bool> {
    println!("== the callbot binary in its own process, throttle off ==");
    let fake = FakeTelegram::start().await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_callbot"))
        .arg("bot")
        .env("TELOXIDE_TOKEN", fake.token())
        .env("TELOXIDE_API_URL", fake.url().as_str())
        .env("CALLBOT__TELEGRAM__THROTTLE", "false")
        .env("CALLBOT__TELEGRAM__FLOOD_BURST", "10000")
        .env("CALLBOT__TELEGRAM__POLL_TIMEOUT_SECS", "1")
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .spawn()?;
    let pid = child.id();
    fake.wait_for_calls_of("getUpdates", 1, Duration::from_secs(10)).await?;
    let idle = peak_rss_of(pid).unwrap_or(f64::NAN);

    let n = usize::try_from(CHATS)? * PER_CHAT;
    let started = Instant::now();
    let burst = push_burst(&fake, FIRST_CHAT + 20_000, CHATS, PER_CHAT);
    wait_for_replies(&fake, n, Duration::from_secs(600)).await?;
    let wall = started.elapsed();
    let peak = peak_rss_of(pid).unwrap_or(f64::NAN);
    let (lost, doubled, stray) = lost_and_doubled(&fake, &burst);
    println!(
        "burst: {n} questions from {CHATS} chats answered in {:.2} s ({:.0} replies/s); peak RSS {peak:.1} MiB (idle {idle:.1} MiB)",
        wall.as_secs_f64(),
        n as f64 / wall.as_secs_f64()
    );
    println!("replies lost {lost}, doubled {doubled}, to chats that asked nothing {stray}");
    fake.clear_calls();

    let pushed = push_steadily(&fake, FIRST_CHAT + 30_000, STEADY).await;
    wait_for_replies(&fake, STEADY, Duration::from_secs(120)).await?;
    let handling = handling_times(&fake, &pushed);
    println!(
        "steady 200 questions/s, {} updates: handling time (getUpdates answer -> sendMessage) p50 {}, p90 {}, p99 {}, max {}",
        handling.len(),
        ms(percentile(&handling, 50.0)),
        ms(percentile(&handling, 90.0)),
        ms(percentile(&handling, 99.0)),
        ms(handling.last().copied().unwrap_or_default()),
    );
    let (steady_lost, steady_doubled, _) = lost_and_doubled(&fake, &pushed);
    println!("replies lost {steady_lost}, doubled {steady_doubled}");

    std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status()?;
    let status = tokio::task::spawn_blocking(move || child.wait()).await??;
    println!("SIGTERM: exit status {status}");
    Ok(lost == 0 && doubled == 0 && stray == 0 && steady_lost == 0 && steady_doubled == 0 && status.success())
}

/// Replies per second and the POST round trips (sorted) of a webhook burst.
fn webhook_figures(fake: &FakeTelegram, started: Instant) -> (f64, Vec<Duration>) {
    let sends: Vec<_> = fake.calls_of("sendMessage").into_iter().filter(|c| c.is_ok()).collect();
    let last = sends.iter().map(|c| c.at).max().unwrap_or(started);
    let rate = sends.len() as f64 / last.duration_since(started).as_secs_f64();
    let mut round_trips: Vec<Duration> = fake
        .webhook_posts()
        .iter()
        .filter(|p| p.acknowledged())
        .map(|p| p.answered.duration_since(p.sent))
        .collect();
    round_trips.sort();
    (rate, round_trips)
}

async fn webhook_in_process() -> BenchResult<bool> {
    let n = usize::try_from(CHATS)? * PER_CHAT;
    println!("== webhook, one instance in process, throttle off: {n} questions from {CHATS} chats ==");
    let fake = FakeTelegram::start().await;
    let options = callbot::telegram::webhook::WebhookOptions {
        url: "http://127.0.0.1:1/telegram/hook".parse()?,
        listen: std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?,
        secret: "bench-secret".to_owned(),
    };
    fake.set_webhook_targets(&[options.listen]);
    let (stop, rx) = oneshot::channel::<()>();
    let setup = engine()?;
    let client = fake.bot();
    let task = tokio::spawn(async move {
        let stop = async move {
            let _ = rx.await;
        };
        callbot::telegram::webhook::serve(client, setup, options, None, stop).await.expect("the bot starts");
    });
    fake.wait_for_calls_of("setWebhook", 1, Duration::from_secs(10)).await?;

    let started = Instant::now();
    let pushed = push_burst(&fake, FIRST_CHAT + 40_000, CHATS, PER_CHAT);
    wait_for_replies(&fake, n, Duration::from_secs(600)).await?;
    fake.wait_for_updates_confirmed(Duration::from_secs(10)).await?;
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(30), task).await??;
    let (rate, round_trips) = webhook_figures(&fake, started);
    let (lost, doubled, stray) = lost_and_doubled(&fake, &pushed);
    println!(
        "(a) {rate:.0} replies/s; handling (POST round trip) p50 {}, p99 {}",
        ms(percentile(&round_trips, 50.0)),
        ms(percentile(&round_trips, 99.0))
    );
    println!("replies lost {lost}, doubled {doubled}, to chats that asked nothing {stray}");
    Ok(lost == 0 && doubled == 0 && stray == 0)
}

async fn webhook_three_processes() -> BenchResult<bool> {
    let n = usize::try_from(CHATS)? * PER_CHAT;
    println!(
        "== webhook, three processes sharing redis-server, throttle off: {n} questions from {CHATS} chats =="
    );
    let redis = redis_server::RedisServer::start();
    println!("redis-server on port {}", redis.port());
    let fake = FakeTelegram::start().await;
    let mut children = Instances(Vec::new());
    let mut targets = Vec::new();
    for _ in 0..3 {
        let (child, listen) = start_instance(&fake, &redis.url()).await?;
        children.0.push(child);
        targets.push(listen);
    }
    fake.set_webhook_targets(&targets);

    let started = Instant::now();
    let pushed = push_burst(&fake, FIRST_CHAT + 50_000, CHATS, PER_CHAT);
    wait_for_replies(&fake, n, Duration::from_secs(600)).await?;
    fake.wait_for_updates_confirmed(Duration::from_secs(10)).await?;
    let peaks: Vec<String> =
        children.0.iter().map(|c| format!("{:.1} MiB", peak_rss_of(c.id()).unwrap_or(f64::NAN))).collect();
    let (rate, round_trips) = webhook_figures(&fake, started);
    let (lost, doubled, stray) = lost_and_doubled(&fake, &pushed);
    println!(
        "(b) {rate:.0} replies/s in all; handling (POST round trip, Redis claim and done mark included) p50 {}, p99 {}, max {}",
        ms(percentile(&round_trips, 50.0)),
        ms(percentile(&round_trips, 99.0)),
        ms(round_trips.last().copied().unwrap_or_default())
    );
    println!("peak RSS per instance: {}", peaks.join(", "));
    println!("replies lost {lost}, doubled {doubled}, to chats that asked nothing {stray}");

    let steady = push_steadily(&fake, FIRST_CHAT + 60_000, STEADY).await;
    wait_for_replies(&fake, n + STEADY, Duration::from_secs(120)).await?;
    let steady_ids: std::collections::HashSet<i64> = steady.values().flatten().copied().collect();
    let mut steady_round_trips: Vec<Duration> = fake
        .webhook_posts()
        .iter()
        .filter(|p| p.acknowledged() && steady_ids.contains(&p.update_id))
        .map(|p| p.answered.duration_since(p.sent))
        .collect();
    steady_round_trips.sort();
    let (steady_lost, steady_doubled, _) = lost_and_doubled(&fake, &steady);
    println!(
        "(c) steady 200 questions/s, {} updates: handling (POST round trip) p50 {}, p90 {}, p99 {}, max {}",
        steady_round_trips.len(),
        ms(percentile(&steady_round_trips, 50.0)),
        ms(percentile(&steady_round_trips, 90.0)),
        ms(percentile(&steady_round_trips, 99.0)),
        ms(steady_round_trips.last().copied().unwrap_or_default())
    );
    println!("replies lost {steady_lost}, doubled {steady_doubled}");
    let mut all_exited = true;
    for mut child in std::mem::take(&mut children.0) {
        std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status()?;
        let status = tokio::task::spawn_blocking(move || child.wait()).await??;
        all_exited &= status.success();
    }
    Ok(lost == 0 && doubled == 0 && stray == 0 && steady_lost == 0 && steady_doubled == 0 && all_exited)
}

/// The `callbot bot --webhook` children of a run: those still here when it ends, on any
/// path (an error included), are killed and reaped.
struct Instances(Vec<std::process::Child>);

impl Drop for Instances {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts one webhook instance on a free port and waits until `/healthz` answers. The
/// port is picked free, then released for the child to bind, so another process may take
/// it in between: a child that exits before it answers is started again on another port.
async fn start_instance(
    fake: &FakeTelegram,
    redis_url: &str,
) -> BenchResult<(std::process::Child, std::net::SocketAddr)> {
    const ATTEMPTS: usize = 5;
    for attempt in 1..=ATTEMPTS {
        let listen = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_callbot"))
            .args([
                "bot",
                "--webhook",
                "https://bot.example.org/telegram/hook",
                "--listen",
                &listen.to_string(),
            ])
            .env("TELOXIDE_TOKEN", fake.token())
            .env("TELOXIDE_API_URL", fake.url().as_str())
            .env("CALLBOT_WEBHOOK_SECRET", "bench-secret")
            .env("CALLBOT__STORAGE__REDIS_URL", redis_url)
            .env("CALLBOT__TELEGRAM__THROTTLE", "false")
            .env("CALLBOT__TELEGRAM__FLOOD_BURST", "10000")
            .env("RUST_LOG", "warn")
            // Three instances on two cores: one runtime thread each, as a deployment of
            // several instances on one machine would set it (GUIDE.md, "Several instances").
            .env("TOKIO_WORKER_THREADS", "1")
            .stdin(std::process::Stdio::null())
            .spawn()?;
        let mut child = Instances(vec![child]);
        let url = format!("http://{listen}/healthz");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.0[0].try_wait()? {
                println!(
                    "an instance exited before it served ({status}, attempt {attempt}): starting another"
                );
                break;
            }
            if reqwest::get(&url).await.is_ok_and(|r| r.status().is_success()) {
                return Ok((child.0.remove(0), listen));
            }
            if Instant::now() > deadline {
                return Err(format!("an instance on {listen} did not serve within 30 s").into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    Err(format!("no instance started in {ATTEMPTS} attempts").into())
}

fn main() -> ExitCode {
    let only_webhook = std::env::args().any(|a| a == "webhook");
    // `cargo bench` passes `--bench`; any other argument is a filter we do not support.
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let a = throughput().await?;
        println!();
        let (b, c) = if only_webhook {
            (true, true)
        } else {
            let b = throttled().await?;
            println!();
            (b, separate_process().await?)
        };
        println!();
        let d = webhook_in_process().await?;
        println!();
        let e = webhook_three_processes().await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(a && b && c && d && e)
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("replies were lost or doubled");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("benchmark failed: {e}");
            ExitCode::FAILURE
        }
    }
}
