//! Every command's `--help`, as a snapshot: a change to what a command says of itself
//! shows in review. After a deliberate change, `UPDATE_EXPECT=1 cargo test --test help`
//! rewrites the snapshots in `tests/snapshots/`.

use callbot_test_support as common;

use expect_test::{ExpectFile, expect_file};

fn help(args: &[&str]) -> String {
    let output =
        common::process::callbot(args).arg("--help").env_remove("COLUMNS").output().expect("callbot runs");
    assert!(output.status.success(), "{args:?} --help failed");
    String::from_utf8(output.stdout).expect("UTF-8")
}

fn check(args: &[&str], snapshot: ExpectFile) {
    snapshot.assert_eq(&help(args));
}

#[test]
fn the_top_level_help() {
    check(&[], expect_file!["snapshots/help.txt"]);
}

#[test]
fn ask_help() {
    check(&["ask"], expect_file!["snapshots/help_ask.txt"]);
}

#[test]
fn chat_help() {
    check(&["chat"], expect_file!["snapshots/help_chat.txt"]);
}

#[test]
fn check_help() {
    check(&["check"], expect_file!["snapshots/help_check.txt"]);
}

#[test]
fn eval_help() {
    check(&["eval"], expect_file!["snapshots/help_eval.txt"]);
}

#[test]
fn bot_help() {
    check(&["bot"], expect_file!["snapshots/help_bot.txt"]);
}

#[test]
fn review_help() {
    check(&["review"], expect_file!["snapshots/help_review.txt"]);
}

#[test]
fn webhook_help() {
    check(&["webhook"], expect_file!["snapshots/help_webhook.txt"]);
    check(&["webhook", "set"], expect_file!["snapshots/help_webhook_set.txt"]);
    check(&["webhook", "info"], expect_file!["snapshots/help_webhook_info.txt"]);
    check(&["webhook", "delete"], expect_file!["snapshots/help_webhook_delete.txt"]);
}
