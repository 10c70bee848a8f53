//! Running the `callbot` binary as a process: an environment of its own, pipes read to
//! the end.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread::JoinHandle;

/// `callbot` with these arguments and no `CALLBOT_*`, `TELOXIDE_*` or `RUST_LOG` from
/// outside; standard input empty, output piped.
pub fn callbot(args: &[&str]) -> Command {
    let mut command = Command::new(binary());
    command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (name, _) in std::env::vars() {
        if name.starts_with("CALLBOT") || name.starts_with("TELOXIDE") || name == "RUST_LOG" {
            command.env_remove(name);
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
