//! The environment as the binary reads it: a variable that is not UTF-8 never panics a
//! command; one that callbot reads gets a clear error naming it.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Output, Stdio};

fn callbot(args: &[&str], name: &str, value: &[u8]) -> std::io::Result<Output> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_callbot"));
    for (name, _) in std::env::vars_os() {
        let text = name.to_string_lossy();
        if text.starts_with("CALLBOT") || text.starts_with("TELOXIDE") {
            command.env_remove(name);
        }
    }
    command.args(args).env(name, OsStr::from_bytes(value)).stdin(Stdio::null()).output()
}

const NOT_UTF8: &[u8] = b"caf\xe9";

#[test]
fn an_unrelated_variable_that_is_not_utf8_is_ignored() -> std::io::Result<()> {
    let output = callbot(&["ask", "俄乌交换多少战俘"], "SOME_OTHER_VARIABLE", NOT_UTF8)?;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("175"));
    Ok(())
}

#[test]
fn a_setting_that_is_not_utf8_is_a_clear_error() -> std::io::Result<()> {
    let output = callbot(&["ask", "俄乌交换多少战俘"], "CALLBOT__MATCHER__THRESHOLD", NOT_UTF8)?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("CALLBOT__MATCHER__THRESHOLD is not valid UTF-8"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    Ok(())
}

#[test]
fn a_token_that_is_not_utf8_is_a_clear_error() -> std::io::Result<()> {
    let output = callbot(&["bot"], "TELOXIDE_TOKEN", NOT_UTF8)?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("TELOXIDE_TOKEN is not valid UTF-8"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    Ok(())
}

#[test]
fn webhook_mode_refuses_to_start_without_its_secret() -> std::io::Result<()> {
    let output =
        callbot(&["bot", "--webhook", "https://bot.example.org/hook"], "TELOXIDE_TOKEN", b"123:FAKE")?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("CALLBOT_WEBHOOK_SECRET"), "{stderr}");
    Ok(())
}
