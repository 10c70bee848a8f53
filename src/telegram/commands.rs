//! Commands as Telegram writes them: `/name@bot argument`. The commands themselves, and
//! the screen each shows, are every front end's: see [`crate::screen::Command`].

use crate::screen::Command;

/// Reads a command of ours from a message's text: `/help`, `/help@callbot` when the bot
/// is `callbot`, `/start hockey`. `None` for another bot's command, an unknown one, or
/// text that is no command.
pub fn parse(text: &str, username: &str) -> Option<Command> {
    let rest = text.strip_prefix('/')?;
    let (head, argument) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let name = match head.split_once('@') {
        Some((name, addressee)) if addressee.eq_ignore_ascii_case(username) => name,
        Some(_) => return None,
        None => head,
    };
    Command::parse(name, argument)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_deep_links_and_addressed_commands() {
        assert_eq!(parse("/start hockey", "callbot"), Some(Command::Start("hockey".into())));
        assert_eq!(parse("/help@callbot", "callbot"), Some(Command::Help));
        assert_eq!(parse("/help@CallBot", "callbot"), Some(Command::Help));
        assert_eq!(parse("/help@other_bot", "callbot"), None);
        assert_eq!(parse("/not_discussed", "callbot"), Some(Command::NotDiscussed));
        assert_eq!(parse("/unknown", "callbot"), None);
        assert_eq!(parse("help", "callbot"), None);
    }
}
