//! Shared helpers for callbot's integration tests (`mod common;` in a test file).
//! Each test binary uses only some of them.
#![allow(dead_code)]

pub mod bot;
pub mod fake_telegram;
pub mod knowledge;
pub mod process;
pub mod redis;
