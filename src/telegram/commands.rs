//! The bot's commands. The doc comment of each variant is its description in Telegram's
//! command menu and in /help.

use teloxide::utils::command::BotCommands;

use crate::engine::Engine;
use crate::engine::conversation::Context;
use crate::knowledge::Category;
use crate::screen::{self, Screen};

/// The commands the bot understands.
#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "snake_case")]
pub enum Command {
    /// 开始：我能回答什么
    Start(String),
    /// 怎么提问
    Help,
    /// 按话题浏览
    Topics,
    /// 两人谈了哪几点
    Discussed,
    /// 哪些问题没谈到
    NotDiscussed,
    /// 各方反应
    Reactions,
    /// 报道出处和各部分
    Source,
}

impl Command {
    /// The command's name without the slash.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Start(_) => "start",
            Self::Help => "help",
            Self::Topics => "topics",
            Self::Discussed => "discussed",
            Self::NotDiscussed => "not_discussed",
            Self::Reactions => "reactions",
            Self::Source => "source",
        }
    }
}

impl Command {
    /// The screen that answers the command; `commands` are the enabled ones, for /help.
    /// `/start <entry-id>` (a deep link) opens that entry's answer.
    pub fn screen(&self, engine: &Engine, commands: &[(String, String)]) -> Screen {
        match self {
            Self::Start(payload) => engine
                .open(payload.trim())
                .map_or_else(|| screen::start(engine), |reply| screen::answer(&reply)),
            Self::Help => screen::help(engine, commands),
            Self::Topics => screen::topics(),
            Self::Discussed => screen::discussed(engine),
            Self::NotDiscussed => screen::not_discussed(engine),
            Self::Reactions => screen::reactions(engine),
            Self::Source => screen::source(engine),
        }
    }
}

impl Command {
    /// The conversation's context after the command: `/start` clears it (a deep link
    /// sets it to the entry it opens, as if its question had been typed); the lists set
    /// the list that "第N点" and "还有呢" then walk through; others leave it as it was.
    pub fn context(&self, engine: &Engine, previous: Option<Context>, now: u64) -> Option<Context> {
        let listed = |category: Category| {
            let items = engine.knowledge.in_category(category).map(|e| e.id.clone()).collect();
            Some(Context::listed(previous.clone(), category.label(), items, now))
        };
        match self {
            Self::Start(payload) => Context::opened(engine, payload.trim(), now),
            Self::Discussed => listed(Category::Discussed),
            Self::NotDiscussed => listed(Category::NotDiscussed),
            Self::Reactions => listed(Category::Reaction),
            Self::Help | Self::Topics | Self::Source => previous,
        }
    }
}

/// The commands as (name, description) pairs, leaving out those switched off.
pub fn enabled(disabled: &[String]) -> Vec<(String, String)> {
    Command::bot_commands()
        .into_iter()
        .map(|c| (c.command.trim_start_matches('/').to_owned(), c.description))
        .filter(|(name, _)| !disabled.iter().any(|d| d.trim_start_matches('/') == name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_deep_links_and_addressed_commands() {
        assert_eq!(Command::parse("/start hockey", "callbot").ok(), Some(Command::Start("hockey".into())));
        assert_eq!(Command::parse("/help@callbot", "callbot").ok(), Some(Command::Help));
        assert!(Command::parse("/help@other_bot", "callbot").is_err());
        assert_eq!(Command::parse("/not_discussed", "callbot").ok(), Some(Command::NotDiscussed));
    }

    #[test]
    fn disabled_commands_are_left_out() {
        let names: Vec<String> = enabled(&["source".into()]).into_iter().map(|(n, _)| n).collect();
        assert!(names.contains(&"help".to_owned()) && !names.contains(&"source".to_owned()));
    }
}
