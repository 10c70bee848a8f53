//! Conversation speed: a follow-up resolved and answered in memory.
fn main() {}
