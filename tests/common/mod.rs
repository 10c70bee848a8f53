//! Shared helpers for callbot's integration tests (`mod common;` in a test file).

pub mod fake_telegram;
