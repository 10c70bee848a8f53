//! What callbot's integration tests and benches share: the fake Telegram Bot API server,
//! a `redis-server` per test, the bot run in-process against the fake, the `callbot`
//! binary run as a process, and the project's own knowledge loaded once.
//!
//! A library of its own rather than a `mod common;` in every test binary, so that each
//! item here is compiled once and is used by some test (nothing is kept "for later").
#![deny(missing_docs)]

pub mod bot;
pub mod fake_telegram;
pub mod knowledge;
pub mod process;
pub mod redis;
