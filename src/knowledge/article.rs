//! The source article: its sections, its running text, and verbatim look-up of quotes.

use std::collections::HashSet;

use serde::Deserialize;

use super::error::KnowledgeError;

/// How to read `article.txt`: deserialised from `article.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleLayout {
    /// The headline.
    pub title: String,
    /// Who published the article.
    pub source: String,
    /// The closing source line, which belongs to no section.
    pub byline: String,
    /// Photo labels and captions: lines that are not running text.
    #[serde(default)]
    pub captions: Vec<String>,
    /// Known typos and their corrections.
    #[serde(default)]
    pub corrections: Vec<Correction>,
    /// The sections in the order they appear.
    pub sections: Vec<SectionLayout>,
}

/// A typo in the article and the word it stands for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// The word as the article prints it.
    pub wrong: String,
    /// The word it should be.
    pub right: String,
}

/// One section as declared in `article.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionLayout {
    /// Short id used by quotes (`A`, `热评`, …).
    pub id: String,
    /// The name replies show.
    pub name: String,
    /// The article's heading line; `None` for the lead.
    pub heading: Option<String>,
    /// A second heading line right after the first, if any.
    pub subheading: Option<String>,
    /// Who the section's own words are credited to, when not the article's source
    /// (the commentary: 新华社热评).
    pub narrator: Option<String>,
}

/// A section of the article with its running text.
#[derive(Debug, Clone)]
pub struct Section {
    /// Short id used by quotes.
    pub id: String,
    /// The name replies show.
    pub name: String,
    /// Who the section's own words (narration) are credited to.
    pub narrator: String,
    /// The section's paragraphs, joined where a line break or caption cut one.
    pub paragraphs: Vec<String>,
}

/// Where a quote stands in the article: its section, its paragraph and its byte range
/// in that paragraph.
#[derive(Debug, Clone, Copy)]
pub struct Occurrence<'a> {
    /// The section.
    pub section: &'a Section,
    /// The whole paragraph.
    pub paragraph: &'a str,
    /// Byte offset of the quote in the paragraph.
    pub start: usize,
    /// Byte offset just past the quote.
    pub end: usize,
}

impl Occurrence<'_> {
    /// Whether the quote lies inside quotation marks (“…”) in its paragraph.
    pub fn is_inside_quotation_marks(&self) -> bool {
        let mut depth = 0usize;
        for (at, c) in self.paragraph.char_indices() {
            if at >= self.start {
                break;
            }
            match c {
                QUOTE_OPEN => depth += 1,
                QUOTE_CLOSE => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        // The marks must stay open over the whole quote.
        let mut inner = depth;
        for c in self.paragraph[self.start..self.end].chars() {
            match c {
                QUOTE_OPEN => inner += 1,
                QUOTE_CLOSE if inner <= depth => return false,
                QUOTE_CLOSE => inner -= 1,
                _ => {}
            }
        }
        depth > 0
    }
}

/// The article, split into sections.
#[derive(Debug, Clone)]
pub struct Article {
    /// The headline.
    pub title: String,
    /// Who published it.
    pub source: String,
    /// The sections in order.
    pub sections: Vec<Section>,
    /// Known typos.
    pub corrections: Vec<Correction>,
}

/// Opening and closing marks of a correction written into a quote: 日军〔俄军〕.
const CORRECTION_OPEN: char = '〔';
const CORRECTION_CLOSE: char = '〕';
/// The article's quotation marks.
pub const QUOTE_OPEN: char = '“';
/// The article's closing quotation mark.
pub const QUOTE_CLOSE: char = '”';

impl Article {
    /// Splits the article text into sections following `layout`.
    ///
    /// `origin` names the article file in errors.
    pub fn parse(text: &str, layout: ArticleLayout, origin: &str) -> Result<Self, KnowledgeError> {
        let skipped: HashSet<&str> = layout
            .captions
            .iter()
            .map(String::as_str)
            .chain([layout.title.as_str(), layout.byline.as_str()])
            .chain(layout.sections.iter().filter_map(|s| s.subheading.as_deref()))
            .collect();
        let mut sections: Vec<Section> = Vec::new();
        let mut open_paragraph = String::new();
        let mut layouts = layout.sections.iter().peekable();
        let Some(lead) = layouts.next() else {
            return Err(KnowledgeError::article(origin, "article.toml declares no sections"));
        };
        let narrator = |s: &SectionLayout| s.narrator.clone().unwrap_or_else(|| layout.source.clone());
        sections.push(Section {
            id: lead.id.clone(),
            name: lead.name.clone(),
            narrator: narrator(lead),
            paragraphs: vec![],
        });
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(next) = layouts.peek()
                && next.heading.as_deref() == Some(line)
            {
                flush_paragraph(&mut open_paragraph, &mut sections);
                sections.push(Section {
                    id: next.id.clone(),
                    name: next.name.clone(),
                    narrator: narrator(next),
                    paragraphs: vec![],
                });
                layouts.next();
                continue;
            }
            if skipped.contains(line) {
                continue;
            }
            open_paragraph.push_str(line);
            if ends_sentence(line) {
                flush_paragraph(&mut open_paragraph, &mut sections);
            }
        }
        flush_paragraph(&mut open_paragraph, &mut sections);
        if let Some(missing) = layouts.next() {
            return Err(KnowledgeError::article(
                origin,
                format!(
                    "heading `{}` of section {} is not a line of the article",
                    missing.heading.as_deref().unwrap_or(""),
                    missing.id
                ),
            ));
        }
        Ok(Self { title: layout.title, source: layout.source, sections, corrections: layout.corrections })
    }

    /// The section a quote comes from, if the quote is verbatim in the running text.
    ///
    /// Corrections written as `日军〔俄军〕` are dropped before the look-up.
    pub fn find_quote(&self, quote: &str) -> Option<&Section> {
        self.occurrences(quote).next().map(|o| o.section)
    }

    /// Every place where a quote stands verbatim in the running text, in article order.
    /// Corrections written as `日军〔俄军〕` are dropped before the look-up.
    pub fn occurrences(&self, quote: &str) -> impl Iterator<Item = Occurrence<'_>> {
        let plain = strip_corrections(quote);
        let mut found = Vec::new();
        if !plain.is_empty() {
            for section in &self.sections {
                for paragraph in &section.paragraphs {
                    for (start, _) in paragraph.match_indices(plain.as_str()) {
                        found.push(Occurrence { section, paragraph, start, end: start + plain.len() });
                    }
                }
            }
        }
        found.into_iter()
    }

    /// The first `〔…〕` in `text` that is not a declared correction written right after
    /// its typo (日军〔俄军〕), described for an error message.
    pub fn misplaced_correction(&self, text: &str) -> Option<String> {
        let mut rest = text;
        let mut before = String::new();
        while let Some(open) = rest.find(CORRECTION_OPEN) {
            before.push_str(&rest[..open]);
            let after = &rest[open + CORRECTION_OPEN.len_utf8()..];
            let Some(close) = after.find(CORRECTION_CLOSE) else {
                return Some(format!("`{CORRECTION_OPEN}` is never closed"));
            };
            let inserted = &after[..close];
            let declared = self.corrections.iter().any(|c| c.right == inserted && before.ends_with(&c.wrong));
            if !declared {
                let typos: Vec<String> =
                    self.corrections.iter().map(|c| format!("{}〔{}〕", c.wrong, c.right)).collect();
                return Some(format!(
                    "`{CORRECTION_OPEN}{inserted}{CORRECTION_CLOSE}` is not a declared correction: 〔〕 may only follow a known typo ({})",
                    typos.join(", ")
                ));
            }
            rest = &after[close + CORRECTION_CLOSE.len_utf8()..];
        }
        rest.contains(CORRECTION_CLOSE)
            .then(|| format!("`{CORRECTION_CLOSE}` has no opening `{CORRECTION_OPEN}`"))
    }

    /// The first known typo that `text` repeats without marking its correction.
    pub fn uncorrected_typo(&self, text: &str) -> Option<&Correction> {
        let marked_text = text.replace([CORRECTION_OPEN, CORRECTION_CLOSE], "");
        self.corrections.iter().find(|c| {
            let marked = format!("{}{}", c.wrong, c.right);
            marked_text.matches(c.wrong.as_str()).count() > marked_text.matches(marked.as_str()).count()
        })
    }

    /// A typo that an answer (the bot's own words) repeats.
    pub fn typo_in_answer(&self, text: &str) -> Option<&Correction> {
        self.corrections.iter().find(|c| text.contains(c.wrong.as_str()))
    }

    /// The section with this id.
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }
}

fn flush_paragraph(paragraph: &mut String, sections: &mut [Section]) {
    if paragraph.is_empty() {
        return;
    }
    if let Some(section) = sections.last_mut() {
        section.paragraphs.push(std::mem::take(paragraph));
    }
}

/// Whether a line closes its paragraph; a line that stops mid-sentence runs on.
fn ends_sentence(line: &str) -> bool {
    line.ends_with(['。', '！', '？', '”', '」', '：'])
}

/// Removes corrections written as `〔…〕` from a quote.
pub fn strip_corrections(quote: &str) -> String {
    let mut plain = String::with_capacity(quote.len());
    let mut depth = 0usize;
    for c in quote.chars() {
        match c {
            CORRECTION_OPEN => depth += 1,
            CORRECTION_CLOSE => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> ArticleLayout {
        toml::from_str(
            r#"
            title = "标题"
            source = "新华社"
            byline = "据新华社"
            captions = ["图片说明。"]
            [[corrections]]
            wrong = "日军"
            right = "俄军"
            [[sections]]
            id = "导语"
            name = "导语"
            [[sections]]
            id = "A"
            name = "A 第一部分"
            heading = "A 第一部分"
            "#,
        )
        .expect("valid layout")
    }

    const TEXT: &str = "标题\n\n导语一句。\n\nA 第一部分\n\n他说，“没\n\n图片说明。\n\n有结果”。\n\n向日军下达指令。\n\n据新华社\n";

    #[test]
    fn splits_sections_and_joins_a_paragraph_cut_by_a_caption() {
        let article = Article::parse(TEXT, layout(), "article.txt").expect("parses");
        assert_eq!(article.sections.len(), 2);
        assert_eq!(article.sections[0].paragraphs, ["导语一句。"]);
        assert_eq!(article.sections[1].paragraphs, ["他说，“没有结果”。", "向日军下达指令。"]);
    }

    #[test]
    fn finds_quotes_with_corrections_marked() {
        let article = Article::parse(TEXT, layout(), "article.txt").expect("parses");
        assert_eq!(article.find_quote("“没有结果”").map(|s| s.id.as_str()), Some("A"));
        assert_eq!(article.find_quote("向日军〔俄军〕下达指令").map(|s| s.id.as_str()), Some("A"));
        assert!(article.find_quote("向俄军下达指令").is_none());
        assert!(article.find_quote("〔俄军〕").is_none());
    }

    #[test]
    fn flags_a_typo_repeated_without_its_correction() {
        let article = Article::parse(TEXT, layout(), "article.txt").expect("parses");
        assert!(article.uncorrected_typo("向日军下达指令").is_some());
        assert!(article.uncorrected_typo("向日军〔俄军〕下达指令").is_none());
    }

    #[test]
    fn a_correction_is_allowed_only_right_after_a_declared_typo() {
        let article = Article::parse(TEXT, layout(), "article.txt").expect("parses");
        assert_eq!(article.misplaced_correction("向日军〔俄军〕下达指令"), None);
        let inserted = article.misplaced_correction("他〔不〕说").expect("refused");
        assert!(inserted.contains("`〔不〕` is not a declared correction"), "{inserted}");
        assert!(article.misplaced_correction("向俄军〔俄军〕下达").is_some(), "not after the typo");
        assert!(article.misplaced_correction("向日军〔我军〕下达").is_some(), "not the declared word");
        assert!(article.misplaced_correction("向日军〔俄军下达").is_some(), "never closed");
        assert!(article.misplaced_correction("向日军俄军〕下达").is_some(), "never opened");
    }

    #[test]
    fn tells_words_inside_quotation_marks_from_the_rest() {
        let article = Article::parse(TEXT, layout(), "article.txt").expect("parses");
        let inside = |quote: &str| article.occurrences(quote).any(|o| o.is_inside_quotation_marks());
        assert!(inside("没有结果"));
        assert!(inside("没有"));
        assert!(!inside("他说"));
        assert!(!inside("有结果”。"), "runs past the closing mark");
        assert!(!inside("向日军〔俄军〕下达指令"));
    }

    #[test]
    fn a_missing_heading_is_an_error() {
        let text = TEXT.replace("A 第一部分", "B 别的");
        let err = Article::parse(&text, layout(), "article.txt").expect_err("heading missing");
        assert!(err.to_string().contains("A 第一部分"), "{err}");
    }
}
