//! Screens: what a front end shows, as structured text plus buttons, built by pure
//! functions. Telegram renders a screen as HTML with inline buttons; `callbot chat`
//! renders it as plain text with numbered choices. Data never becomes markup by
//! accident: renderers escape every piece of text.

use crate::engine::Engine;
use crate::engine::conversation::Context;
use crate::knowledge::{Category, Entry};
use crate::reply::{QuoteView, Reply, ReplyKind, SCOPE, Suggestion};

/// The commands every front end understands, as (name, description): the description
/// is the command menu's and /help's text.
pub const COMMANDS: [(&str, &str); 7] = [
    ("start", "开始：我能回答什么"),
    ("help", "怎么提问"),
    ("topics", "按话题浏览"),
    ("discussed", "两人谈了哪几点"),
    ("not_discussed", "哪些问题没谈到"),
    ("reactions", "各方反应"),
    ("source", "报道出处和各部分"),
];

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
                engine.open(payload).map_or_else(|| start(engine, medium), |reply| answer(&reply))
            }
            Self::Help => help(engine, medium, commands),
            Self::Topics => topics(),
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

/// The commands as (name, description), leaving out those switched off (named with or
/// without the slash).
pub fn commands_enabled(disabled: &[String]) -> Vec<(String, String)> {
    COMMANDS
        .iter()
        .filter(|(name, _)| !disabled.iter().any(|d| d.trim_start_matches('/') == *name))
        .map(|(name, about)| ((*name).to_owned(), (*about).to_owned()))
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
        engine.knowledge.entry(data).map(|e| Self::Entry(e.id.clone()))
    }
}

impl Action {
    /// The screen a press of the button shows; `None` if its entry is gone.
    pub fn screen(&self, engine: &Engine) -> Option<Screen> {
        match self {
            Self::Entry(id) => engine.open(id).map(|reply| answer(&reply)),
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
}

impl Screen {
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
        parts.join("\n\n")
    }
}

impl Reply {
    /// The reply as plain text, as the terminal and `--json` show it: its [`answer`]
    /// screen rendered by [`Screen::to_plain`], the one plain-text renderer.
    pub fn to_plain_text(&self) -> String {
        answer(self).to_plain()
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
pub fn answer(reply: &Reply) -> Screen {
    let mut spans = Vec::new();
    if let Some(verdict) = &reply.verdict {
        spans.push(Span::Bold(verdict.clone()));
    }
    spans.push(Span::Text(reply.text.clone()));
    let mut screen = Screen::default().paragraph(spans);
    screen.blocks.extend(reply.quotes.iter().cloned().map(Block::Quote));
    if !reply.did_you_mean.is_empty() {
        screen = screen.paragraph(vec![Span::Italic("也可能你想问下面第一个按钮的问题。".to_owned())]);
        screen.buttons.extend(suggestion_buttons(&reply.did_you_mean));
    } else if reply.kind != ReplyKind::Answer && !reply.suggestions.is_empty() {
        screen = screen.paragraph(vec![Span::Italic("可以试试这些问题：".to_owned())]);
    }
    screen.buttons.extend(suggestion_buttons(&reply.suggestions));
    screen
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
    let article = &engine.knowledge.article;
    let how = match medium {
        Medium::Telegram => "直接用中文提问就行，简体繁体都可以。在群里请@我，或回复我的消息。",
        Medium::Terminal => {
            "直接用中文提问就行，简体繁体都可以。输入编号打开对应的问题；输入 quit 或 exit 退出。"
        }
    };
    Screen::default()
        .paragraph(vec![Span::Bold("你好！我是 callbot。".to_owned())])
        .text(format!(
            "我回答关于{}报道《{}》的问题：普京和特朗普18日通电话谈了什么、没谈什么、通话之后发生了什么、各方如何反应。回答引用原文，注明是谁说的。",
            article.source, article.title
        ))
        .text(how)
        .paragraph(vec![Span::Italic("比如：".to_owned())])
        .entry_buttons(examples(engine), question_label)
}

/// `/help`: how to ask, and the commands.
pub fn help(engine: &Engine, medium: Medium, commands: &[(String, String)]) -> Screen {
    let how = match medium {
        Medium::Telegram => {
            "直接发问题就行，比如“他们谈了冰球吗？”“泽连斯基怎么看？”。在群里请@我、回复我的消息，或用 /命令@我的名字。在任何聊天里输入 @我的名字 加问题，也能直接引用回答。"
        }
        Medium::Terminal => {
            "直接输入问题就行，比如“他们谈了冰球吗？”“泽连斯基怎么看？”。输入编号打开对应的问题；输入 quit 或 exit 退出。"
        }
    };
    let list: Vec<String> = commands.iter().map(|(name, about)| format!("/{name} — {about}")).collect();
    Screen::default().text(how).text(list.join("\n")).entry_buttons(examples(engine), question_label)
}

fn examples(engine: &Engine) -> Vec<&Entry> {
    engine.config.reply.fallback_suggestions.iter().filter_map(|id| engine.knowledge.entry(id)).collect()
}

/// `/topics`: the categories as buttons.
pub fn topics() -> Screen {
    let mut screen = Screen::default().text("想了解哪方面？");
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
        .entry_buttons(engine.knowledge.in_category(category), question_label)
}

/// `/discussed`: the points the article lists, numbered as it numbers them (one line and
/// one button per point, whatever number of entries a point has), then under their own
/// heading the other things it reports the two sides raised or agreed.
pub fn discussed(engine: &Engine) -> Screen {
    let entries: Vec<&Entry> = engine.knowledge.in_category(Category::Discussed).collect();
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
    let mut screen = Screen::default()
        .paragraph(vec![Span::Bold(format!(
            "据白宫和俄罗斯总统网站的声明，两国总统谈到以下至少{}点：",
            chinese_number(points.len())
        ))])
        .text(lines.join("\n"))
        .entry_buttons(points.iter().filter_map(|(_, same)| same.first().copied()), topic_label);
    let others: Vec<&Entry> = entries.into_iter().filter(|e| e.point.is_none()).collect();
    if !others.is_empty() {
        let lines: Vec<String> = others.iter().map(|e| format!("· {}", e.topic)).collect();
        screen = screen
            .paragraph(vec![Span::Bold("文章还报道：".to_owned())])
            .text(lines.join("\n"))
            .entry_buttons(others, topic_label);
    }
    screen
}

/// A small count in Chinese numerals (七), as the article writes its points.
fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 11] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    DIGITS.get(n).map_or_else(|| n.to_string(), |d| (*d).to_owned())
}

/// `/not_discussed`: what was left out, or not known to have been discussed.
pub fn not_discussed(engine: &Engine) -> Screen {
    topic_list(
        engine,
        Category::NotDiscussed,
        "这些关键问题不在通话的“成果清单上”，或声明没有提及、是否谈到不清楚（点按钮看文章怎么说）：",
    )
}

/// `/reactions`: who reacted; each button gives the quote.
pub fn reactions(engine: &Engine) -> Screen {
    topic_list(engine, Category::Reaction, "各方反应（点按钮看原话）：")
}

/// A heading and the category's topics, each a button (listed once: the buttons are the list).
fn topic_list(engine: &Engine, category: Category, heading: &str) -> Screen {
    Screen::default()
        .paragraph(vec![Span::Bold(heading.to_owned())])
        .entry_buttons(engine.knowledge.in_category(category), topic_label)
}

/// `/source`: the article's title, source and sections.
pub fn source(engine: &Engine) -> Screen {
    let article = &engine.knowledge.article;
    let sections: Vec<String> = article.sections.iter().map(|s| s.name.clone()).collect();
    Screen::default()
        .paragraph(vec![Span::Bold(format!("《{}》", article.title))])
        .text(format!("来源：{}", article.source))
        .text(format!("各部分：\n{}", sections.join("\n")))
}

/// The reply to a message that is not text (a sticker, a photo, a voice message).
pub fn not_text() -> Screen {
    Screen::default().text(format!("请用文字发送你的问题。{SCOPE}"))
}

/// The reply to a question refused by flood control.
pub fn too_fast() -> Screen {
    Screen::default().text("你发得太快了，请稍等一会儿再问。")
}

/// The reply to a button whose data the bot no longer knows.
pub fn stale_button() -> &'static str {
    "这个按钮已失效，请直接提问。"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::QuoteKind;

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
        for (name, _) in COMMANDS {
            assert_eq!(Command::parse(name, "").map(|c| c.name()), Some(name));
        }
        assert_eq!(Command::parse("start", " hockey "), Some(Command::Start("hockey".into())));
        assert_eq!(Command::parse("quit", ""), None);
        let names: Vec<String> = commands_enabled(&["/source".into()]).into_iter().map(|(n, _)| n).collect();
        assert!(names.contains(&"help".to_owned()) && !names.contains(&"source".to_owned()));
    }

    #[test]
    fn category_data_fits_telegram() {
        for category in Category::ALL {
            assert!(Action::Category(category).to_data().len() <= 64);
        }
    }
}
