//! callbot answers Chinese questions about one news article: the Xinhua report on the
//! phone call between Putin and Trump on 18 March 2025.
//!
//! The [`knowledge`] module loads and validates the question–answer entries, the
//! [`matcher`] finds the entry closest to a question, [`reply`] builds what the user
//! reads, [`screen`] lays it out, and the front ends (`callbot ask`, `callbot chat`, the Telegram bot) only
//! carry questions in and replies out.
//!
//! ```
//! use callbot::engine::Engine;
//!
//! let engine = Engine::embedded().expect("the built-in knowledge loads");
//! let (found, reply) = engine.ask("他们谈了冰球吗？");
//! assert!(found.yes_no && reply.is_answered());
//! assert!(reply.to_plain_text(&engine).starts_with("谈到了冰球比赛。"));
//! ```

#![deny(missing_docs)]

pub mod cli;
pub mod config;
pub mod conversation;
pub mod coverage;
pub mod engine;
pub mod knowledge;
pub mod matcher;
pub mod reload;
pub mod reply;
pub mod review;
pub mod screen;
pub mod storage;
pub mod telegram;
pub mod understanding;
