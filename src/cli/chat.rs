//! `callbot chat`: the Telegram conversation in the terminal — the same replies, with
//! the buttons as numbered choices — so the bot can be tried with no Telegram account.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use teloxide::utils::command::BotCommands;

use crate::engine::Engine;
use crate::screen::{self, Screen};
use crate::telegram::Command;

/// Runs the conversation on standard input and output until the input ends.
pub fn run(engine: &Engine) -> anyhow::Result<ExitCode> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let commands = crate::telegram::commands_enabled(&engine.config.telegram.disabled_commands);
    let mut last = screen::start(engine);
    writeln!(out, "{}\n\n（输入问题，或输入按钮编号；/help 看命令；Ctrl-D 退出）", last.to_plain())?;
    let mut line = Vec::new();
    let mut input = stdin.lock();
    loop {
        write!(out, "\n> ")?;
        out.flush()?;
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            writeln!(out)?;
            return Ok(ExitCode::SUCCESS);
        }
        let text = String::from_utf8_lossy(&line).trim().to_owned();
        if text.is_empty() {
            continue;
        }
        if let Some(next) = respond(engine, &commands, &last, &text) {
            writeln!(out, "\n{}", next.to_plain())?;
            last = next;
        }
    }
}

/// The screen that answers one line: a button number, a command or a question.
pub fn respond(engine: &Engine, commands: &[(String, String)], last: &Screen, text: &str) -> Option<Screen> {
    if let Ok(number) = text.parse::<usize>()
        && let Some(button) = number.checked_sub(1).and_then(|i| last.buttons.get(i))
    {
        return button.action.screen(engine);
    }
    if text.starts_with('/') {
        let command = Command::parse(text, "").ok().filter(|c| commands.iter().any(|(n, _)| n == c.name()));
        return Some(match command {
            Some(command) => command.screen(engine, commands),
            None => screen::help(engine, commands),
        });
    }
    let (_, reply) = engine.ask(text);
    Some(screen::answer(&reply))
}
