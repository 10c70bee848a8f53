//! `callbot bot` as a process: it serves the fake Bot API server given by
//! `TELOXIDE_API_URL`, stops cleanly on SIGTERM, never prints its token, and without a
//! token says how to get one, and with a Redis that refuses its credentials exits at once.

use callbot_test_support as common;

use std::process::ExitStatus;
use std::time::{Duration, Instant};

use common::bot::WAIT;
use common::fake_telegram::{FakeTelegram, TOKEN, TestUser, TextMessage};
use common::process::{callbot, drain, signal, wait_exit};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Runs `callbot bot` against a fake with `RUST_LOG=log_level`: waits until it polls,
/// has it answer a question, sends SIGTERM; returns (exit status, time to exit, stdout,
/// stderr).
async fn serve_then_terminate(
    log_level: &str,
) -> Result<(ExitStatus, Duration, String, String), Box<dyn std::error::Error + Send + Sync>> {
    let fake = FakeTelegram::start().await;
    let mut child = callbot(&["bot"])
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", fake.url().as_str())
        .env("CALLBOT__TELEGRAM__POLL_TIMEOUT_SECS", "1")
        .env("RUST_LOG", log_level)
        .spawn()?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());

    let served = async {
        fake.wait_for_calls_of("getUpdates", 1, WAIT).await?;
        let alice = TestUser::new(42, "Alice");
        fake.push_text(TextMessage::private(&alice, "俄乌交换多少战俘"));
        let replies = fake.wait_for_calls_of("sendMessage", 1, WAIT).await?;
        assert!(replies[0].is_ok(), "{:?}", replies[0].description());
        assert_eq!(replies[0].chat_id(), Some(alice.id));
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    }
    .await;
    if let Err(error) = served {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("{error}\nstderr:\n{}", stderr.join().unwrap_or_default()).into());
    }

    signal(&child, "TERM")?;
    let signalled = Instant::now();
    let status = wait_exit(&mut child, Duration::from_secs(5)).await;
    let took = signalled.elapsed();
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!(
            "callbot bot still ran 5 s after SIGTERM; stderr:\n{}",
            stderr.join().unwrap_or_default()
        )
        .into());
    };
    let stdout = stdout.join().map_err(|_| "stdout reader panicked")?;
    let stderr = stderr.join().map_err(|_| "stderr reader panicked")?;
    Ok((status, took, stdout, stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_serves_then_exits_0_on_sigterm_without_printing_its_token() -> TestResult {
    let (status, took, stdout, stderr) = serve_then_terminate("info").await?;
    assert!(status.success(), "exit status {status:?}; stderr:\n{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN), "the token was printed:\n{stdout}\n{stderr}");
    assert!(!stderr.contains("FAKE"), "part of the token was printed:\n{stderr}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn even_debug_logs_never_print_the_token() -> TestResult {
    let (status, _, stdout, stderr) = serve_then_terminate("debug").await?;
    assert!(status.success(), "exit status {status:?}; stderr:\n{stderr}");
    assert!(!stderr.is_empty(), "debug logging is on");
    for line in stdout.lines().chain(stderr.lines()) {
        assert!(!line.contains(TOKEN), "the token was printed: {line}");
    }
    Ok(())
}

#[test]
fn without_a_token_and_a_terminal_it_exits_non_zero_and_says_how_to_get_one() -> TestResult {
    let output = callbot(&["bot"]).output()?;
    assert!(!output.status.success(), "exit status {:?}", output.status);
    let stderr = String::from_utf8(output.stderr)?;
    assert!(stderr.contains("@BotFather"), "{stderr}");
    assert!(stderr.contains("TELOXIDE_TOKEN"), "{stderr}");

    let blank = callbot(&["bot"]).env("TELOXIDE_TOKEN", "  ").output()?;
    assert!(!blank.status.success(), "a blank token is no token: {:?}", blank.status);
    assert!(String::from_utf8(blank.stderr)?.contains("@BotFather"));
    Ok(())
}

/// A mistyped or revoked token: Telegram answers 401 to everything. The bot should say
/// the token was rejected and exit non-zero — not panic with a backtrace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_ends_the_bot_with_a_clear_error_not_a_panic() -> TestResult {
    const WRONG: &str = "999:WRONG";
    let fake = FakeTelegram::start().await;
    let mut child = callbot(&["bot"])
        .env("TELOXIDE_TOKEN", WRONG)
        .env("TELOXIDE_API_URL", fake.url().as_str())
        .env("CALLBOT__TELEGRAM__POLL_TIMEOUT_SECS", "1")
        .env("RUST_LOG", "info")
        .spawn()?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait_exit(&mut child, Duration::from_secs(10)).await;
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let (stdout, stderr) = (stdout.join().unwrap_or_default(), stderr.join().unwrap_or_default());
    let status = status.ok_or_else(|| format!("still running after 10 s; stderr:\n{stderr}"))?;
    assert!(!status.success(), "exit status {status:?}");
    assert!(fake.calls().iter().all(|c| c.status == 401), "the fake refused every call");
    assert!(!stdout.contains(WRONG) && !stderr.contains(WRONG), "the token was printed:\n{stderr}");
    assert!(!stderr.contains("panicked"), "callbot panicked instead of explaining:\n{stderr}");
    assert!(stderr.to_lowercase().contains("token"), "the error names the token:\n{stderr}");
    Ok(())
}

/// A Redis that refuses the URL's credentials is a configuration error: the bot says so
/// and exits non-zero at start-up instead of answering 503 or running without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_refusing_its_credentials_ends_the_start_with_a_clear_error() -> TestResult {
    let redis = common::redis::RedisServer::start();
    let mut admin = callbot::storage::connect(&redis.url())?;
    let _: () =
        redis::cmd("CONFIG").arg("SET").arg("requirepass").arg("s3cret").query_async(&mut admin).await?;
    let fake = FakeTelegram::start().await;
    let url = format!("redis://:not-it@127.0.0.1:{}/", redis.port());
    let mut child = callbot(&["bot"])
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", fake.url().as_str())
        .env("CALLBOT__STORAGE__REDIS_URL", &url)
        .spawn()?;
    let stderr = drain(child.stderr.take());
    let status = wait_exit(&mut child, Duration::from_secs(10)).await;
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let stderr = stderr.join().unwrap_or_default();
    let status = status.ok_or_else(|| format!("still running after 10 s; stderr:\n{stderr}"))?;
    assert!(!status.success(), "exit status {status:?}");
    assert!(stderr.contains("storage.redis_url") && stderr.contains("credentials"), "{stderr}");
    assert!(!stderr.contains("not-it"), "the password was printed:\n{stderr}");
    assert!(fake.calls().is_empty(), "Telegram was not contacted");
    Ok(())
}
