//! Reloading the knowledge without a restart: SIGHUP and `--watch` put a valid edit in
//! service and keep the running knowledge (logging each problem with its file and line)
//! when the edit is invalid; questions asked during reloads each get exactly one reply.

use callbot_test_support as common;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use callbot::engine::{Location, Reloader};
use common::bot::{self, WAIT};
use common::fake_telegram::{FakeTelegram, TOKEN, TestUser, TextMessage};
use common::process::{callbot, drain, signal};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const QUESTION: &str = "俄乌交换了多少被俘人员？";
const ENTRY_FILE: &str = "entries/discussed.toml";
const EDITED: &str = "已更新：俄乌双方19日互换175名被俘人员。";

/// A copy of the project's knowledge in a temporary folder.
fn knowledge_copy(root: &Path) -> std::io::Result<PathBuf> {
    let from = common::knowledge::paths().knowledge;
    let to = root.join("knowledge");
    std::fs::create_dir_all(to.join("entries"))?;
    common::knowledge::copy_top_files(&to)?;
    for item in std::fs::read_dir(from.join("entries"))? {
        let path = item?.path();
        std::fs::copy(&path, to.join("entries").join(path.file_name().unwrap_or_default()))?;
    }
    Ok(to)
}

/// Rewrites the answer of `prisoner-swap` (written on one line); returns that line's number.
fn set_answer(knowledge: &Path, answer_line: &str) -> std::io::Result<usize> {
    let path = knowledge.join(ENTRY_FILE);
    let text = std::fs::read_to_string(&path)?;
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let id = lines.iter().position(|l| l == r#"id = "prisoner-swap""#).expect("the entry is there");
    let offset = lines[id..].iter().position(|l| l.starts_with("answer = ")).expect("its answer is there");
    lines[id + offset] = answer_line.to_owned();
    // Written whole into a new file, then renamed: a reload never reads half a file.
    let staged = path.with_extension("toml.new");
    std::fs::write(&staged, lines.join("\n") + "\n")?;
    std::fs::rename(&staged, &path)?;
    Ok(id + offset + 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_asked_during_reloads_each_get_exactly_one_reply() -> TestResult {
    let dir = tempfile::tempdir()?;
    let knowledge = knowledge_copy(dir.path())?;
    let fake = FakeTelegram::start().await;
    let setup = bot::engine_with(|c| c.telegram.flood_burst = 1000);
    let reloader = Reloader::new(setup.engine.clone(), Location::Flag(knowledge.clone()));
    let running = bot::start(&fake, setup).await;

    set_answer(&knowledge, &format!("answer = \"{EDITED}\""))?;
    let reloads = {
        let reloader = reloader.clone();
        std::thread::spawn(move || (0..10).map(|_| reloader.reload().is_ok()).collect::<Vec<bool>>())
    };
    const CHATS: i64 = 100;
    for i in 0..CHATS {
        fake.push_text(TextMessage::private(&TestUser::new(500_000 + i, "Reader"), QUESTION));
    }
    fake.wait_for_count("sendMessage", true, 100, Duration::from_secs(30)).await?;
    let reloaded = reloads.join().map_err(|_| "the reloading thread panicked")?;
    bot::finish(&fake, running).await;

    assert!(reloaded.iter().all(|ok| *ok), "every reload of the valid edit succeeded");
    for i in 0..CHATS {
        let replies = bot::delivered_to(&fake, 500_000 + i);
        assert_eq!(replies.len(), 1, "chat {} got {} replies", 500_000 + i, replies.len());
        assert!(bot::shown(&replies[0]).contains("175"), "{}", bot::shown(&replies[0]));
    }
    Ok(())
}

/// `callbot bot` on a copy of the knowledge, against the fake, in `dir`.
fn spawn_bot(fake: &FakeTelegram, dir: &Path, knowledge: &Path, extra: &[&str]) -> std::io::Result<Child> {
    let knowledge = knowledge.to_str().ok_or_else(|| std::io::Error::other("the path is not UTF-8"))?;
    let mut command = callbot(&["--knowledge", knowledge, "bot"]);
    command
        .args(extra)
        .current_dir(dir)
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", fake.url().as_str())
        .env("CALLBOT__TELEGRAM__POLL_TIMEOUT_SECS", "1")
        .env("CALLBOT__TELEGRAM__FLOOD_BURST", "1000")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .spawn()
}

/// Asks as a new user each time (so no flood control applies); returns what they read.
struct Asker<'a> {
    fake: &'a FakeTelegram,
    next_user: i64,
}

impl Asker<'_> {
    async fn ask(&mut self) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        self.next_user += 1;
        let user = TestUser::new(self.next_user, "Editor");
        self.fake.push_text(TextMessage::private(&user, QUESTION));
        let replies = bot::wait_for_delivered(self.fake, user.id, 1, WAIT).await;
        Ok(bot::shown(&replies[0]))
    }

    /// Asks until the reply contains `wanted`, for at most `within`.
    async fn ask_until(
        &mut self,
        wanted: &str,
        within: Duration,
    ) -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.ask().await?.contains(wanted) {
                return Ok(true);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(false)
    }
}

async fn stop(
    mut child: Child,
    stderr: JoinHandle<String>,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    signal(&child, "TERM")?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait()?.is_none() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if child.try_wait()?.is_none() {
        let _ = child.kill();
    }
    Ok(stderr.join().map_err(|_| "stderr reader panicked")?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_serves_a_valid_edit_and_keeps_the_old_knowledge_on_a_broken_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    let knowledge = knowledge_copy(dir.path())?;
    let fake = FakeTelegram::start().await;
    let mut child = spawn_bot(&fake, dir.path(), &knowledge, &[])?;
    let stderr = drain(child.stderr.take());
    fake.wait_for_calls_of("getUpdates", 1, WAIT).await?;
    let mut asker = Asker { fake: &fake, next_user: 600_000 };
    assert!(!asker.ask().await?.contains("已更新"));

    set_answer(&knowledge, &format!("answer = \"{EDITED}\""))?;
    signal(&child, "HUP")?;
    let served = asker.ask_until("已更新", Duration::from_secs(10)).await?;

    let broken_line = set_answer(&knowledge, r#"answer = "an unclosed string"#)?;
    signal(&child, "HUP")?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after_broken = asker.ask().await?;
    let log = stop(child, stderr).await?;

    assert!(served, "the edited answer was never served; log:\n{log}");
    assert!(after_broken.contains("已更新"), "the running knowledge was not kept: {after_broken}");
    assert!(log.contains("reload refused, the running knowledge is kept"), "{log}");
    assert!(
        log.contains(&format!("{ENTRY_FILE}:{broken_line}")),
        "the problem's file:line is logged:\n{log}"
    );
    assert_eq!(fake.count_calls("sendMessage", true), usize::try_from(asker.next_user - 600_000)?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_reloads_when_a_knowledge_file_changes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let knowledge = knowledge_copy(dir.path())?;
    let fake = FakeTelegram::start().await;
    let mut child = spawn_bot(&fake, dir.path(), &knowledge, &["--watch"])?;
    let stderr = drain(child.stderr.take());
    fake.wait_for_calls_of("getUpdates", 1, WAIT).await?;
    let mut asker = Asker { fake: &fake, next_user: 700_000 };
    assert!(!asker.ask().await?.contains("已更新"));

    set_answer(&knowledge, &format!("answer = \"{EDITED}\""))?;
    let served = asker.ask_until("已更新", Duration::from_secs(10)).await?;
    let log = stop(child, stderr).await?;
    assert!(served, "the edited answer was never served; log:\n{log}");
    assert!(log.contains("knowledge reloaded from"), "{log}");
    Ok(())
}
