//! The Telegram bot.

mod config;

pub use config::TelegramConfig;
