//! Screens as Telegram messages: HTML (every piece of text escaped), inline buttons, and
//! splitting at Telegram's 4096-character limit on paragraph boundaries.

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use teloxide::utils::html;

use crate::screen::{Block, Screen, Span};

/// Telegram's limit on a message's text. It counts UTF-16 code units of the text after
/// markup is parsed; counting the HTML source is stricter, so always safe.
pub const MAX_MESSAGE_LEN: usize = 4096;

/// One message to send: its HTML, the same text plain (sent if Telegram rejects the
/// markup), and its buttons (on the last message of a screen only).
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// The text as HTML.
    pub html: String,
    /// The same text without markup.
    pub plain: String,
    /// The inline keyboard, if any.
    pub keyboard: Option<InlineKeyboardMarkup>,
}

/// Renders a screen as one or more messages of at most `MAX_MESSAGE_LEN`, written in
/// the screen's script (markup and escapes are ASCII, so writing never touches them).
pub fn messages(screen: &Screen) -> Vec<Outgoing> {
    let script = screen.script;
    let pieces: Vec<(String, String)> = screen
        .blocks
        .iter()
        .flat_map(block_pieces)
        .map(|(html, plain)| (script.write(&html).into_owned(), script.write(&plain).into_owned()))
        .collect();
    let mut messages: Vec<Outgoing> = Vec::new();
    let mut html = String::new();
    let mut plain = String::new();
    for (piece_html, piece_plain) in pieces {
        if !html.is_empty() && utf16_len(&html) + 2 + utf16_len(&piece_html) > MAX_MESSAGE_LEN {
            messages.push(Outgoing {
                html: std::mem::take(&mut html),
                plain: std::mem::take(&mut plain),
                keyboard: None,
            });
        }
        if !html.is_empty() {
            html.push_str("\n\n");
            plain.push_str("\n\n");
        }
        html.push_str(&piece_html);
        plain.push_str(&piece_plain);
    }
    if !html.is_empty() || messages.is_empty() {
        messages.push(Outgoing { html, plain, keyboard: None });
    }
    if let Some(last) = messages.last_mut() {
        last.keyboard = keyboard(screen);
    }
    messages
}

/// The screen's buttons as an inline keyboard, one per row.
pub fn keyboard(screen: &Screen) -> Option<InlineKeyboardMarkup> {
    if screen.buttons.is_empty() {
        return None;
    }
    let rows = screen
        .buttons
        .iter()
        .map(|b| vec![InlineKeyboardButton::callback(screen.script.write(&b.label), b.action.to_data())])
        .collect::<Vec<_>>();
    Some(InlineKeyboardMarkup::new(rows))
}

/// A block as (HTML, plain) pieces, each within the limit: a paragraph too long for
/// one message is cut between characters, and each part is escaped on its own, so no
/// tag is ever broken.
fn block_pieces(block: &Block) -> Vec<(String, String)> {
    match block {
        Block::Paragraph(spans) => {
            let html: String = spans.iter().map(span_html).collect();
            if utf16_len(&html) <= MAX_MESSAGE_LEN {
                let plain = spans.iter().map(|s| span_plain(s).to_owned()).collect();
                return vec![(html, plain)];
            }
            let plain: String = spans.iter().map(span_plain).collect();
            cut(&plain).into_iter().map(|part| (html::escape(&part), part)).collect()
        }
        Block::Quote(quote) => {
            let citation = quote.citation();
            let plain = quote.to_plain_text();
            let line_break = if citation.credit_on_own_line { "\n" } else { "" };
            let html = format!(
                "<blockquote>{}{line_break}{}</blockquote>",
                html::escape(&citation.words),
                html::escape(&citation.credit)
            );
            if utf16_len(&html) <= MAX_MESSAGE_LEN {
                vec![(html, plain)]
            } else {
                cut(&plain).into_iter().map(|part| (html::escape(&part), part)).collect()
            }
        }
    }
}

fn span_html(span: &Span) -> String {
    match span {
        Span::Text(t) => html::escape(t),
        Span::Bold(t) => html::bold(&html::escape(t)),
        Span::Italic(t) => html::italic(&html::escape(t)),
    }
}

fn span_plain(span: &Span) -> &str {
    match span {
        Span::Text(t) | Span::Bold(t) | Span::Italic(t) => t,
    }
}

/// Cuts text into parts whose escaped form fits a message (escaping can grow a
/// character to five: `&amp;`).
fn cut(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut len = 0;
    for c in text.chars() {
        let escaped_len = html::escape(c.encode_utf8(&mut [0; 4])).encode_utf16().count();
        if len + escaped_len > MAX_MESSAGE_LEN {
            parts.push(std::mem::take(&mut part));
            len = 0;
        }
        part.push(c);
        len += escaped_len;
    }
    if !part.is_empty() {
        parts.push(part);
    }
    parts
}

/// Length in UTF-16 code units, as Telegram counts.
pub fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::QuoteKind;
    use crate::reply::QuoteView;
    use crate::screen::{Action, Button};
    use crate::understanding::Script;

    fn screen(paragraphs: &[&str]) -> Screen {
        Screen {
            blocks: paragraphs.iter().map(|p| Block::Paragraph(vec![Span::Text((*p).to_owned())])).collect(),
            buttons: vec![Button { label: "下一题".into(), action: Action::Entry("hockey".into()) }],
            ..Screen::default()
        }
    }

    #[test]
    fn a_screen_is_written_in_its_script_markup_and_all() {
        let mut s = screen(&["谈到了<冰球>"]).in_script(Script::Taiwan);
        s.blocks.push(quote(QuoteKind::Reported, "乌方对俄方停火诚意感到怀疑", "泽连斯基").blocks.remove(0));
        let out = messages(&s);
        assert_eq!(
            out[0].html,
            "談到了&lt;冰球&gt;\n\n<blockquote>據澤連斯基稱：烏方對俄方停火誠意感到懷疑（C）</blockquote>"
        );
        assert_eq!(out[0].plain, "談到了<冰球>\n\n據澤連斯基稱：烏方對俄方停火誠意感到懷疑（C）");
        let keyboard = out[0].keyboard.as_ref().expect("a button");
        assert_eq!(keyboard.inline_keyboard[0][0].text, "下一題");
    }

    #[test]
    fn text_is_escaped_and_styles_are_tags() {
        let s = Screen {
            blocks: vec![Block::Paragraph(vec![Span::Bold("<b>".into()), Span::Text("a & b".into())])],
            ..Screen::default()
        };
        let out = messages(&s);
        assert_eq!(out[0].html, "<b>&lt;b&gt;</b>a &amp; b");
        assert_eq!(out[0].plain, "<b>a & b");
        assert!(out[0].keyboard.is_none());
    }

    #[test]
    fn long_screens_split_on_paragraphs_with_buttons_last() {
        let long = "长".repeat(3000);
        let out = messages(&screen(&[&long, &long, "短"]));
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|m| utf16_len(&m.html) <= MAX_MESSAGE_LEN));
        assert_eq!(out[0].html, long);
        assert!(out[0].keyboard.is_none() && out[1].keyboard.is_some());
    }

    #[test]
    fn an_oversized_paragraph_is_cut_without_breaking_entities() {
        let huge = "&".repeat(5000);
        let out = messages(&screen(&[&huge]));
        assert!(out.len() >= 2);
        for m in &out {
            assert!(utf16_len(&m.html) <= MAX_MESSAGE_LEN);
            assert!(m.html.split("&amp;").all(|rest| rest.is_empty()), "only whole entities");
        }
    }

    #[test]
    fn astral_characters_count_twice() {
        assert_eq!(utf16_len("😀"), 2);
        let emoji = "😀".repeat(2100);
        let out = messages(&screen(&[&emoji]));
        assert_eq!(out.len(), 2);
    }

    fn quote(kind: QuoteKind, text: &str, speaker: &str) -> Screen {
        let quote = QuoteView { text: text.into(), kind, speaker: speaker.into(), section: "C".into() };
        Screen { blocks: vec![Block::Quote(quote)], ..Screen::default() }
    }

    #[test]
    fn a_speakers_own_words_are_a_quotation_credited_on_its_own_line() {
        let out = messages(&quote(QuoteKind::Direct, "需要对俄罗斯施压", "泽连斯基"));
        assert_eq!(out[0].html, "<blockquote>“需要对俄罗斯施压”\n——泽连斯基（C）</blockquote>");
        assert_eq!(out[0].plain, "“需要对俄罗斯施压”——泽连斯基（C）");
    }

    #[test]
    fn reported_speech_is_not_a_quotation() {
        let out =
            messages(&quote(QuoteKind::Reported, "俄军使用导弹和无人机对乌克兰发动攻击。", "乌克兰空军"));
        assert_eq!(
            out[0].html,
            "<blockquote>据乌克兰空军称：俄军使用导弹和无人机对乌克兰发动攻击（C）</blockquote>"
        );
    }

    #[test]
    fn narration_is_the_articles_with_inner_marks_single() {
        let out = messages(&quote(QuoteKind::Narration, "每一页都透着“实力博弈”的残酷逻辑。", "新华社热评"));
        assert_eq!(
            out[0].html,
            "<blockquote>“每一页都透着‘实力博弈’的残酷逻辑”\n——新华社热评（C）</blockquote>"
        );
    }

    #[test]
    fn an_empty_screen_is_one_empty_message() {
        assert_eq!(messages(&Screen::default()).len(), 1);
    }
}
