//! Running the `callbot` binary as a process: an environment of its own, pipes read to
//! the end.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// `callbot` with these arguments and no `CALLBOT_*`, `TELOXIDE_*` or `RUST_LOG` from
/// outside; standard input empty, output piped.
pub fn callbot(args: &[&str]) -> Command {
    let mut command = Command::new(binary());
    command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (name, _) in std::env::vars_os() {
        let text = name.to_string_lossy();
        if text.starts_with("CALLBOT") || text.starts_with("TELOXIDE") || text == "RUST_LOG" {
            command.env_remove(&name);
        }
    }
    command
}

/// The `callbot` binary `cargo test` built for this run. Cargo names it in
/// `CARGO_BIN_EXE_callbot` to integration tests, at run time too (Cargo 1.94 and later), so
/// that a library such as this one can find it.
///
/// # Panics
/// When the variable is not set: the test was not started by `cargo test`.
pub fn binary() -> PathBuf {
    std::env::var_os("CARGO_BIN_EXE_callbot")
        .map(PathBuf::from)
        .expect("CARGO_BIN_EXE_callbot is not set: run the tests with `cargo test`")
}

/// Reads a pipe to the end on a thread, so the child never blocks on a full pipe.
pub fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// Sends a signal to the child with kill(1): `name` is `TERM`, `KILL`, `HUP`, ….
///
/// # Errors
/// When kill cannot be run or fails (the process is gone).
pub fn signal(child: &Child, name: &str) -> std::io::Result<()> {
    let status = Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("kill -{name} {} failed: {status}", child.id())))
    }
}

/// Waits up to `within` for the child to exit, without blocking the async runtime the fake
/// server runs on; `None` if it is still running.
pub async fn wait_exit(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}
