//! `callbot chat`: the Telegram conversation in the terminal — the same replies, with
//! the buttons as numbered choices — so the bot can be tried with no Telegram account.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use teloxide::utils::command::BotCommands;

use crate::engine::Engine;
use crate::engine::conversation::Context;
use crate::screen::{self, Action, Screen};
use crate::telegram::Command;

/// Runs the conversation on standard input and output until the input ends.
pub fn run(engine: &Engine) -> anyhow::Result<ExitCode> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let commands = crate::telegram::commands_enabled(&engine.config.telegram.disabled_commands);
    let mut last = screen::start(engine);
    let mut context: Option<Context> = None;
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
        if let Some(next) = respond(engine, &commands, &last, &mut context, &text) {
            writeln!(out, "\n{}", next.to_plain())?;
            last = next;
        }
    }
}

/// The screen that answers one line: a button number, a command or a question. The
/// conversation's context is read and updated as the Telegram bot does it.
pub fn respond(
    engine: &Engine,
    commands: &[(String, String)],
    last: &Screen,
    context: &mut Option<Context>,
    text: &str,
) -> Option<Screen> {
    let now = crate::engine::conversation::now();
    if let Ok(number) = text.parse::<usize>()
        && let Some(button) = number.checked_sub(1).and_then(|i| last.buttons.get(i))
    {
        if let Action::Entry(id) = &button.action {
            *context = Context::opened(engine, id, now);
        }
        return button.action.screen(engine);
    }
    if text.starts_with('/') {
        let command = Command::parse(text, "").ok().filter(|c| commands.iter().any(|(n, _)| n == c.name()));
        return Some(match command {
            Some(command) => {
                *context = command.context(engine, context.take(), now);
                command.screen(engine, commands)
            }
            None => screen::help(engine, commands),
        });
    }
    let turn = engine.converse(context.as_ref(), text, now);
    *context = turn.context;
    Some(screen::answer(&turn.reply))
}
