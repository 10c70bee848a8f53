//! Screens: what a front end shows, as structured text plus buttons, built by pure
//! functions. Telegram renders a screen as HTML with inline buttons; `callbot chat`
//! renders it as plain text with numbered choices. Data never becomes markup by
//! accident: renderers escape every piece of text. What the screens say is the
//! knowledge's (`knowledge/replies.toml`); this module lays it out.

use crate::conversation::Context;
use crate::engine::Engine;
use crate::knowledge::{Category, Entry, QuoteKind, Replies, Template};
use crate::reply::{QuoteView, Reply, ReplyKind, Suggestion};
use crate::understanding::Script;

/// The commands every front end understands, by name; their descriptions (the command
/// menu's and /help's text) are `[commands]` in `knowledge/replies.toml`.
pub const COMMANDS: [&str; 7] =
    ["start", "help", "topics", "discussed", "not_discussed", "reactions", "source"];

/// A command, read from `/name argument`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/start`, or `/start <entry-id>` (a deep link).
    Start(String),
    /// `/help`.
    Help,
    /// `/topics`.
    Topics,
    /// `/discussed`.
    Discussed,
    /// `/not_discussed`.
    NotDiscussed,
    /// `/reactions`.
    Reactions,
    /// `/source`.
    Source,
}

impl Command {
    /// Reads a command's name (without the slash) and its argument; `None` if unknown.
    pub fn parse(name: &str, argument: &str) -> Option<Self> {
        Some(match name {
            "start" => Self::Start(argument.trim().to_owned()),
            "help" => Self::Help,
            "topics" => Self::Topics,
            "discussed" => Self::Discussed,
            "not_discussed" => Self::NotDiscussed,
            "reactions" => Self::Reactions,
            "source" => Self::Source,
            _ => return None,
        })
    }

    /// What the command does, as the command menu and /help say it.
    pub fn description<'r>(&self, replies: &'r Replies) -> &'r Template {
        let commands = &replies.commands;
        match self {
            Self::Start(_) => &commands.start,
            Self::Help => &commands.help,
            Self::Topics => &commands.topics,
            Self::Discussed => &commands.discussed,
            Self::NotDiscussed => &commands.not_discussed,
            Self::Reactions => &commands.reactions,
            Self::Source => &commands.source,
        }
    }

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

    /// The screen that answers the command; `commands` are the enabled ones, for /help.
    /// `/start <entry-id>` opens that entry's answer.
    pub fn screen(&self, engine: &Engine, medium: Medium, commands: &[(String, String)]) -> Screen {
        match self {
            Self::Start(payload) => {
                engine.open(payload).map_or_else(|| start(engine, medium), |reply| answer(&reply, engine))
            }
            Self::Help => help(engine, medium, commands),
            Self::Topics => topics(engine),
            Self::Discussed => discussed(engine),
            Self::NotDiscussed => not_discussed(engine),
            Self::Reactions => reactions(engine),
            Self::Source => source(engine),
        }
    }
}

impl Command {
    /// The conversation's context after the command: `/start` clears it (a deep link
    /// sets it to the entry it opens, as if its question had been typed); the lists set
    /// the list that "第N点" and "还有呢" then walk through; others leave it as it was.
    pub fn context(&self, engine: &Engine, previous: Option<Context>, now: u64) -> Option<Context> {
        let listed = |category: Category| {
            let items = engine.knowledge().in_category(category).map(|e| e.id.clone()).collect();
            Some(Context::listed(previous.clone(), category.label(), items, now))
        };
        match self {
            Self::Start(payload) => engine.opened(payload.trim(), None, now),
            Self::Discussed => listed(Category::Discussed),
            Self::NotDiscussed => listed(Category::NotDiscussed),
            Self::Reactions => listed(Category::Reaction),
            Self::Help | Self::Topics | Self::Source => previous,
        }
    }
}

/// The commands as (name, description), leaving out those switched off (named with or
/// without the slash).
pub fn commands_enabled(replies: &Replies, disabled: &[String]) -> Vec<(String, String)> {
    COMMANDS
        .into_iter()
        .filter(|name| !disabled.iter().any(|d| d.trim_start_matches('/') == *name))
        .filter_map(|name| Command::parse(name, ""))
        .map(|command| (command.name().to_owned(), command.description(replies).text()))
        .collect()
}

/// A run of text with one style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    /// Plain text.
    Text(String),
    /// Bold text.
    Bold(String),
    /// Italic text.
    Italic(String),
}

/// A block of a screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph.
    Paragraph(Vec<Span>),
    /// A quote from the article, with whose words they are and where they stand.
    Quote(QuoteView),
}

/// What a button does when pressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Open an entry's answer.
    Entry(String),
    /// List the entries of a category.
    Category(Category),
}

/// Prefix of a category button's data; entry ids never contain ':'.
const CATEGORY_PREFIX: &str = "topics:";

impl Action {
    /// The action as button data (at most 64 bytes, as Telegram requires).
    pub fn to_data(&self) -> String {
        match self {
            Self::Entry(id) => id.clone(),
            Self::Category(category) => format!("{CATEGORY_PREFIX}{}", category_key(*category)),
        }
    }

    /// Reads button data back; unknown data (an old button) gives `None`.
    pub fn from_data(data: &str, engine: &Engine) -> Option<Self> {
        if let Some(key) = data.strip_prefix(CATEGORY_PREFIX) {
            return Category::ALL.into_iter().find(|c| category_key(*c) == key).map(Self::Category);
        }
        engine.knowledge().entry(data).map(|e| Self::Entry(e.id.clone()))
    }
}

impl Action {
    /// The screen a press of the button shows; `None` if its entry is gone.
    pub fn screen(&self, engine: &Engine) -> Option<Screen> {
        match self {
            Self::Entry(id) => engine.open(id).map(|reply| answer(&reply, engine)),
            Self::Category(category) => Some(self::category(engine, *category)),
        }
    }
}

fn category_key(category: Category) -> &'static str {
    match category {
        Category::Overview => "overview",
        Category::Discussed => "discussed",
        Category::NotDiscussed => "not_discussed",
        Category::Aftermath => "aftermath",
        Category::Reaction => "reaction",
        Category::Analysis => "analysis",
        Category::Unreported => "unreported",
    }
}

/// A button: a label and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    /// What the button says.
    pub label: String,
    /// What pressing it does.
    pub action: Action,
}

/// Everything one reply shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Screen {
    /// The blocks, in order.
    pub blocks: Vec<Block>,
    /// The buttons, one per row.
    pub buttons: Vec<Button>,
    /// The script the renderers write it in; its texts are in Simplified, as the
    /// knowledge is.
    pub script: Script,
}

impl Screen {
    /// The screen, to be written in `script`.
    pub fn in_script(self, script: Script) -> Self {
        Self { script, ..self }
    }

    fn paragraph(mut self, spans: Vec<Span>) -> Self {
        self.blocks.push(Block::Paragraph(spans));
        self
    }

    fn text(self, text: impl Into<String>) -> Self {
        self.paragraph(vec![Span::Text(text.into())])
    }

    fn entry_buttons<'a>(
        mut self,
        entries: impl IntoIterator<Item = &'a Entry>,
        label: fn(&Entry) -> String,
    ) -> Self {
        self.buttons.extend(
            entries.into_iter().map(|e| Button { label: label(e), action: Action::Entry(e.id.clone()) }),
        );
        self
    }

    /// The screen as plain text, buttons as numbered choices.
    pub fn to_plain(&self) -> String {
        let mut parts: Vec<String> = self
            .blocks
            .iter()
            .map(|block| match block {
                Block::Paragraph(spans) => spans.iter().map(span_text).collect(),
                Block::Quote(quote) => quote.to_plain_text(),
            })
            .collect();
        let choices: Vec<String> =
            self.buttons.iter().enumerate().map(|(i, b)| format!("[{}] {}", i + 1, b.label)).collect();
        if !choices.is_empty() {
            parts.push(choices.join("\n"));
        }
        self.script.write(&parts.join("\n\n")).into_owned()
    }
}

impl Reply {
    /// The reply as plain text, as the terminal and `--json` show it: its [`answer`]
    /// screen rendered by [`Screen::to_plain`], the one plain-text renderer.
    pub fn to_plain_text(&self, engine: &Engine) -> String {
        answer(self, engine).to_plain()
    }
}

fn span_text(span: &Span) -> &str {
    match span {
        Span::Text(t) | Span::Bold(t) | Span::Italic(t) => t,
    }
}

fn question_label(entry: &Entry) -> String {
    entry.canonical_question().to_owned()
}

fn topic_label(entry: &Entry) -> String {
    entry.topic.clone()
}

fn suggestion_buttons(suggestions: &[Suggestion]) -> Vec<Button> {
    suggestions
        .iter()
        .map(|s| Button { label: s.question.clone(), action: Action::Entry(s.entry.clone()) })
        .collect()
}

/// The screen for a reply to a question or a button.
pub fn answer(reply: &Reply, engine: &Engine) -> Screen {
    let sentences = &engine.knowledge().replies.screen;
    let mut spans = Vec::new();
    if let Some(verdict) = &reply.verdict {
        spans.push(Span::Bold(verdict.clone()));
    }
    spans.push(Span::Text(reply.text.clone()));
    // A quote whose words the answer already says is not said twice: the article's
    // narration keeps its credit after the answer; a speaker's words need none where the
    // answer names the speaker.
    let (repeated, quoted): (Vec<&QuoteView>, Vec<&QuoteView>) =
        reply.quotes.iter().partition(|quote| said_by_answer(quote, &reply.text));
    let mut credits: Vec<String> = Vec::new();
    for quote in repeated.iter().filter(|q| q.kind == QuoteKind::Narration) {
        let credit = quote.citation().credit;
        if !credits.contains(&credit) {
            credits.push(credit);
        }
    }
    spans.extend(credits.into_iter().map(Span::Text));
    let mut screen = Screen::default().paragraph(spans);
    screen.blocks.extend(quoted.into_iter().cloned().map(Block::Quote));
    if !reply.did_you_mean.is_empty() {
        screen = screen.paragraph(vec![Span::Italic(sentences.did_you_mean.text())]);
        screen.buttons.extend(suggestion_buttons(&reply.did_you_mean));
    } else if reply.kind != ReplyKind::Answer && !reply.suggestions.is_empty() {
        screen = screen.paragraph(vec![Span::Italic(sentences.try_these.text())]);
    }
    screen.buttons.extend(suggestion_buttons(&reply.suggestions));
    screen.in_script(reply.script)
}

/// Whether `answer` says the whole of `quote`'s words, and so whose they are: the
/// article's narration, or words of a speaker the answer names.
fn said_by_answer(quote: &QuoteView, answer: &str) -> bool {
    let words = quote.text.trim_end_matches('。');
    answer.contains(words) && (quote.kind == QuoteKind::Narration || answer.contains(&quote.speaker))
}

/// Where a screen is shown: the advice on how to ask differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    /// A Telegram chat: buttons, groups, inline mode.
    Telegram,
    /// `callbot chat` in a terminal: buttons are numbers.
    Terminal,
}

/// `/start`: a greeting, what the bot knows, example questions.
pub fn start(engine: &Engine, medium: Medium) -> Screen {
    let article = &engine.knowledge().article;
    let sentences = &engine.knowledge().replies.screen;
    let how = match medium {
        Medium::Telegram => &sentences.start_telegram,
        Medium::Terminal => &sentences.start_terminal,
    };
    Screen::default()
        .paragraph(vec![Span::Bold(sentences.greeting.text())])
        .text(sentences.introduction.fill(&[("source", &article.source), ("title", &article.title)]))
        .text(how.text())
        .paragraph(vec![Span::Italic(sentences.for_example.text())])
        .entry_buttons(examples(engine), question_label)
}

/// `/help`: how to ask, and the commands.
pub fn help(engine: &Engine, medium: Medium, commands: &[(String, String)]) -> Screen {
    let sentences = &engine.knowledge().replies.screen;
    let how = match medium {
        Medium::Telegram => sentences.help_telegram.text(),
        Medium::Terminal => sentences.help_terminal.text(),
    };
    let list: Vec<String> = commands.iter().map(|(name, about)| format!("/{name} — {about}")).collect();
    Screen::default().text(how).text(list.join("\n")).entry_buttons(examples(engine), question_label)
}

fn examples(engine: &Engine) -> Vec<&Entry> {
    engine.config().reply.fallback_suggestions.iter().filter_map(|id| engine.knowledge().entry(id)).collect()
}

/// `/topics`: the categories as buttons.
pub fn topics(engine: &Engine) -> Screen {
    let mut screen = Screen::default().text(engine.knowledge().replies.screen.topics.text());
    screen.buttons = Category::ALL
        .into_iter()
        .filter(|c| *c != Category::Unreported)
        .map(|c| Button { label: c.label().to_owned(), action: Action::Category(c) })
        .collect();
    screen
}

/// The entries of one category as buttons.
pub fn category(engine: &Engine, category: Category) -> Screen {
    Screen::default()
        .paragraph(vec![Span::Bold(format!("{}：", category.label()))])
        .entry_buttons(engine.knowledge().in_category(category), question_label)
}

/// `/discussed`: the points the article lists, numbered as it numbers them (one line and
/// one button per point, whatever number of entries a point has), then under their own
/// heading the other things it reports the two sides raised or agreed.
pub fn discussed(engine: &Engine) -> Screen {
    let entries: Vec<&Entry> = engine.knowledge().in_category(Category::Discussed).collect();
    let mut points: Vec<(u8, Vec<&Entry>)> = Vec::new();
    for entry in &entries {
        let Some(point) = entry.point else { continue };
        match points.iter_mut().find(|(n, _)| *n == point) {
            Some((_, same)) => same.push(entry),
            None => points.push((point, vec![entry])),
        }
    }
    points.sort_by_key(|(n, _)| *n);
    let lines: Vec<String> = points
        .iter()
        .map(|(n, same)| {
            let topics: Vec<&str> = same.iter().map(|e| e.topic.as_str()).collect();
            format!("{n}. {}", topics.join("、"))
        })
        .collect();
    let sentences = &engine.knowledge().replies.screen;
    let numbers = &engine.knowledge().language.numbers;
    let count = numbers.numeral(points.len()).unwrap_or_else(|| points.len().to_string());
    let mut screen = Screen::default()
        .paragraph(vec![Span::Bold(sentences.discussed.fill(&[("count", &count)]))])
        .text(lines.join("\n"))
        .entry_buttons(points.iter().filter_map(|(_, same)| same.first().copied()), topic_label);
    let others: Vec<&Entry> = entries.into_iter().filter(|e| e.point.is_none()).collect();
    if !others.is_empty() {
        let lines: Vec<String> = others.iter().map(|e| format!("· {}", e.topic)).collect();
        screen = screen
            .paragraph(vec![Span::Bold(sentences.discussed_others.text())])
            .text(lines.join("\n"))
            .entry_buttons(others, topic_label);
    }
    screen
}

/// `/not_discussed`: what was left out, or not known to have been discussed.
pub fn not_discussed(engine: &Engine) -> Screen {
    topic_list(engine, Category::NotDiscussed, &engine.knowledge().replies.screen.not_discussed)
}

/// `/reactions`: who reacted; each button gives the quote.
pub fn reactions(engine: &Engine) -> Screen {
    topic_list(engine, Category::Reaction, &engine.knowledge().replies.screen.reactions)
}

/// A heading and the category's topics, each a button (listed once: the buttons are the list).
fn topic_list(engine: &Engine, category: Category, heading: &Template) -> Screen {
    Screen::default()
        .paragraph(vec![Span::Bold(heading.text())])
        .entry_buttons(engine.knowledge().in_category(category), topic_label)
}

/// `/source`: the article's title, source and sections.
pub fn source(engine: &Engine) -> Screen {
    let article = &engine.knowledge().article;
    let sentences = &engine.knowledge().replies.screen;
    let sections: Vec<String> = article.sections.iter().map(|s| s.name.clone()).collect();
    Screen::default()
        .paragraph(vec![Span::Bold(format!("《{}》", article.title))])
        .text(sentences.source.fill(&[("source", &article.source)]))
        .text(sentences.sections.fill(&[("sections", &sections.join("\n"))]))
}

/// The reply to a message that is not text (a sticker, a photo, a voice message).
pub fn not_text(engine: &Engine) -> Screen {
    let replies = &engine.knowledge().replies;
    Screen::default().text(replies.with_scope(&replies.screen.not_text))
}

/// The reply to a question refused by flood control.
pub fn too_fast(engine: &Engine) -> Screen {
    Screen::default().text(engine.knowledge().replies.screen.too_fast.text())
}

/// The reply to a button whose data the bot no longer knows.
pub fn stale_button(engine: &Engine) -> String {
    engine.knowledge().replies.screen.stale_button.text()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::QuoteKind;

    fn quote(kind: QuoteKind, text: &str, speaker: &str) -> QuoteView {
        QuoteView { text: text.into(), kind, speaker: speaker.into(), section: "A".into() }
    }

    #[test]
    fn a_quote_the_answer_says_whole_is_not_said_again_where_its_speaker_is_plain() {
        let answer = "某人说，双方同意停火。新华社报道，会谈将在周日举行。";
        assert!(said_by_answer(&quote(QuoteKind::Narration, "会谈将在周日举行。", "新华社"), answer));
        assert!(said_by_answer(&quote(QuoteKind::Reported, "双方同意停火", "某人"), answer));
        // Words the answer gives without naming whose they are keep their quote.
        assert!(!said_by_answer(&quote(QuoteKind::Direct, "双方同意停火", "另一人"), answer));
        // Words the answer gives only in part keep their quote.
        assert!(!said_by_answer(
            &quote(QuoteKind::Narration, "会谈将在周日举行，地点未定。", "新华社"),
            answer
        ));
    }

    #[test]
    fn plain_rendering_numbers_the_buttons() {
        let mut screen = Screen::default().text("答案");
        screen.blocks.push(Block::Quote(QuoteView {
            text: "原话。".into(),
            kind: QuoteKind::Direct,
            speaker: "某人".into(),
            section: "A".into(),
        }));
        screen.buttons.push(Button { label: "下一个问题".into(), action: Action::Entry("x".into()) });
        assert_eq!(screen.to_plain(), "答案\n\n“原话”——某人（A）\n\n[1] 下一个问题");
    }

    #[test]
    fn commands_round_trip_and_can_be_switched_off() {
        for name in COMMANDS {
            assert_eq!(Command::parse(name, "").map(|c| c.name()), Some(name));
        }
        assert_eq!(Command::parse("start", " hockey "), Some(Command::Start("hockey".into())));
        assert_eq!(Command::parse("quit", ""), None);
        let replies =
            Replies::parse(include_str!("../knowledge/replies.toml"), &mut Vec::new()).expect("valid");
        let names: Vec<String> =
            commands_enabled(&replies, &["/source".into()]).into_iter().map(|(n, _)| n).collect();
        assert!(names.contains(&"help".to_owned()) && !names.contains(&"source".to_owned()));
    }

    #[test]
    fn category_data_fits_telegram() {
        for category in Category::ALL {
            assert!(Action::Category(category).to_data().len() <= 64);
        }
    }
}
