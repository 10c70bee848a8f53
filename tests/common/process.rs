//! Running the `callbot` binary as a process: an environment of its own, pipes read to
//! the end.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread::JoinHandle;

/// `callbot` with these arguments and no `CALLBOT_*`, `TELOXIDE_*` or `RUST_LOG` from
/// outside; standard input empty, output piped.
pub fn callbot(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callbot"));
    command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (name, _) in std::env::vars() {
        if name.starts_with("CALLBOT") || name.starts_with("TELOXIDE") || name == "RUST_LOG" {
            command.env_remove(name);
        }
    }
    command
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
