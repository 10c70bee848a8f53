//! `callbot chat`: the bot's conversation in the terminal — the same replies, with the
//! buttons as numbered choices — so the bot can be tried with no Telegram account.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::conversation::{self, Context};
use crate::engine::Engine;
use crate::review::ReviewLog;
use crate::screen::{self, Action, Command, Medium, Screen};
use crate::understanding::Script;

/// Arguments of `callbot chat`.
#[derive(Debug, clap::Args)]
pub struct ChatArgs {
    /// Append the questions to review to FILE, as `callbot bot` does, for `callbot review`.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
}

/// The kind of chat the review log gives for the terminal's questions.
const LOGGED_CHAT: &str = "terminal";

/// Words that end the conversation.
const QUIT: [&str; 4] = ["quit", "exit", "/quit", "/exit"];

/// What one line of input leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turn {
    /// Show this screen; its buttons are the next numbers.
    Show(Screen),
    /// Echo what the number typed picked, then show its screen.
    Picked(String, Screen),
    /// Say this, and keep the last screen's numbers.
    Say(String),
    /// End the conversation.
    Quit,
}

/// Runs the conversation on standard input and output until `quit` or the input's end;
/// the questions to review go to `review`, if given.
pub fn run(engine: &Engine, review: Option<&ReviewLog>) -> anyhow::Result<ExitCode> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let replies = &engine.knowledge().replies;
    let commands = screen::commands_enabled(replies, &[]);
    let mut last = screen::start(engine, Medium::Terminal);
    let mut context: Option<Context> = None;
    writeln!(out, "{}\n\n{}", last.to_plain(), replies.chat.hint.text())?;
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
        match respond(engine, review, &commands, &last, &mut context, &text) {
            Turn::Show(next) => {
                writeln!(out, "\n{}", next.to_plain())?;
                last = next;
            }
            Turn::Picked(echo, next) => {
                writeln!(out, "{echo}\n\n{}", next.to_plain())?;
                last = next;
            }
            Turn::Say(words) => writeln!(out, "\n{words}")?,
            Turn::Quit => return Ok(ExitCode::SUCCESS),
        }
    }
}

/// What answers one line: quit, a choice's number, a command or a question. The
/// conversation's context is read and updated as the Telegram bot does it.
pub fn respond(
    engine: &Engine,
    review: Option<&ReviewLog>,
    commands: &[(String, String)],
    last: &Screen,
    context: &mut Option<Context>,
    text: &str,
) -> Turn {
    if QUIT.iter().any(|q| q.eq_ignore_ascii_case(text)) {
        return Turn::Quit;
    }
    let now = conversation::now();
    let sentences = &engine.knowledge().replies.chat;
    if let Ok(number) = text.parse::<usize>() {
        return match number.checked_sub(1).and_then(|i| last.buttons.get(i)) {
            Some(button) => match button.action.screen(engine) {
                Some(screen) => {
                    // A button sets the context as if its question had been typed, and
                    // its screen is written in the conversation's script.
                    let screen = screen.in_script(script_of(context.as_ref()));
                    if let Action::Entry(id) = &button.action {
                        *context = engine.opened(id, context.as_ref(), now);
                    }
                    let echo = sentences
                        .picked
                        .fill(&[("number", &number.to_string()), ("question", &button.label)]);
                    Turn::Picked(screen.script.write(&echo).into_owned(), screen)
                }
                None => Turn::Say(sentences.stale_choice.text()),
            },
            None if last.buttons.is_empty() => Turn::Say(sentences.no_choices.text()),
            None => Turn::Say(
                sentences
                    .no_such_choice
                    .fill(&[("number", &number.to_string()), ("count", &last.buttons.len().to_string())]),
            ),
        };
    }
    if let Some(rest) = text.strip_prefix('/') {
        let (name, argument) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let command = Command::parse(name, argument).filter(|c| commands.iter().any(|(n, _)| n == c.name()));
        return Turn::Show(match command {
            Some(command) => {
                let script = script_of(context.as_ref());
                *context = command.context(engine, context.take(), now);
                command.screen(engine, Medium::Terminal, commands).in_script(script)
            }
            None => screen::help(engine, Medium::Terminal, commands).in_script(script_of(context.as_ref())),
        });
    }
    let turn = engine.converse(context.as_ref(), text, now);
    if let (Some(review), Some(found)) = (review, &turn.found) {
        review.note(engine, LOGGED_CHAT, text, found, &turn.reply);
    }
    *context = turn.context;
    Turn::Show(screen::answer(&turn.reply, engine))
}

/// The script the conversation writes in (Simplified until a message tells).
fn script_of(context: Option<&Context>) -> Script {
    context.and_then(|c| c.script).unwrap_or_default()
}
