//! Parsing and validation: turns [`Sources`] into a [`KnowledgeBase`] or lists every problem.

use std::collections::HashMap;

use serde::de::DeserializeOwned;

use super::article::{Article, ArticleLayout};
use super::entry::{Category, Entry, Quote};
use super::error::{KnowledgeError, Problem, line_of};
use super::raw::{Alias, AliasFile, EntryFile, RawEntry};
use super::{KnowledgeBase, Sources};

const ARTICLE_FILE: &str = "article.txt";
const LAYOUT_FILE: &str = "article.toml";
const ALIASES_FILE: &str = "aliases.toml";
/// Ids are Telegram button data and deep-link payloads: at most 64 bytes.
const MAX_ID_BYTES: usize = 64;
/// Answers are brief: at most this many sentences.
const MAX_ANSWER_SENTENCES: usize = 3;

/// Parses every file, validates the whole, and returns the knowledge base or all problems.
pub fn build(sources: &Sources) -> Result<KnowledgeBase, KnowledgeError> {
    let mut problems = Vec::new();
    let layout: Option<ArticleLayout> = parse_toml(&sources.layout, LAYOUT_FILE, &mut problems);
    let aliases: Option<AliasFile> = parse_toml(&sources.aliases, ALIASES_FILE, &mut problems);
    let files: Vec<(&str, &str, EntryFile)> = sources
        .entry_files
        .iter()
        .filter_map(|(name, text)| {
            parse_toml(text, name, &mut problems).map(|file| (name.as_str(), text.as_str(), file))
        })
        .collect();
    let Some(layout) = layout else {
        return Err(KnowledgeError::Invalid(problems));
    };
    let article = match Article::parse(&sources.article, layout, ARTICLE_FILE) {
        Ok(article) => article,
        Err(err) => {
            problems.extend(err.problems().iter().cloned());
            return Err(KnowledgeError::Invalid(problems));
        }
    };
    let aliases = aliases.map(|a| a.alias).unwrap_or_default();
    check_aliases(&aliases, &mut problems);
    let entries = check_entries(&article, &files, &mut problems);
    let lexicon = super::Lexicon::parse(&sources.lexicon, &sources.article, &mut problems);
    if entries.is_empty() && problems.is_empty() {
        problems.push(Problem {
            file: "entries/".to_owned(),
            line: None,
            entry: None,
            message: "there are no entries: add `[[entry]]` tables to a file in entries/".to_owned(),
        });
    }
    if !problems.is_empty() {
        return Err(KnowledgeError::Invalid(problems));
    }
    let by_id = entries.iter().enumerate().map(|(i, e)| (e.id.clone(), i)).collect();
    Ok(KnowledgeBase {
        article,
        entries,
        aliases,
        stopwords: parse_stopwords(&sources.stopwords),
        lexicon,
        by_id,
    })
}

fn parse_toml<T: DeserializeOwned>(text: &str, file: &str, problems: &mut Vec<Problem>) -> Option<T> {
    toml::from_str(text)
        .map_err(|err| {
            problems.push(Problem {
                file: file.to_owned(),
                line: err.span().map(|span| line_of(text, span.start)),
                entry: None,
                message: format!("malformed TOML: {}", err.message().trim_end_matches('\n')),
            });
        })
        .ok()
}

fn parse_stopwords(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect()
}

fn check_aliases(aliases: &[Alias], problems: &mut Vec<Problem>) {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for alias in aliases {
        for variant in &alias.variants {
            let message = if variant.trim().is_empty() {
                Some(format!("alias of `{}` has an empty variant", alias.word))
            } else if let Some(other) = seen.insert(variant, &alias.word)
                && other != alias.word
            {
                Some(format!("variant `{variant}` is given for both `{other}` and `{}`", alias.word))
            } else {
                None
            };
            if let Some(message) = message {
                problems.push(Problem { file: ALIASES_FILE.to_owned(), line: None, entry: None, message });
            }
        }
    }
}

fn check_entries(
    article: &Article,
    files: &[(&str, &str, EntryFile)],
    problems: &mut Vec<Problem>,
) -> Vec<Entry> {
    let mut first_seen: HashMap<&str, (&str, usize)> = HashMap::new();
    for (file, text, parsed) in files {
        for raw in &parsed.entry {
            let line = line_of(text, raw.id.span().start);
            if let Some((other_file, other_line)) = first_seen.insert(raw.id.get_ref(), (file, line)) {
                problems.push(Problem {
                    file: (*file).to_owned(),
                    line: Some(line),
                    entry: Some(raw.id.get_ref().clone()),
                    message: format!(
                        "duplicate id: it is already used at {other_file}:{other_line}; ids must be unique"
                    ),
                });
            }
        }
    }
    let mut entries = Vec::new();
    for (file, text, parsed) in files {
        for raw in &parsed.entry {
            let mut check = EntryCheck { file, text, id: raw.id.get_ref(), problems };
            check.run(raw, article, &first_seen);
            entries.push(to_entry(raw));
        }
    }
    entries
}

/// Validates one entry, reporting problems with its file, line and id.
struct EntryCheck<'a> {
    file: &'a str,
    text: &'a str,
    id: &'a str,
    problems: &'a mut Vec<Problem>,
}

impl EntryCheck<'_> {
    fn report(&mut self, offset: usize, message: String) {
        self.problems.push(Problem {
            file: self.file.to_owned(),
            line: Some(line_of(self.text, offset)),
            entry: Some(self.id.to_owned()),
            message,
        });
    }

    fn run(&mut self, raw: &RawEntry, article: &Article, ids: &HashMap<&str, (&str, usize)>) {
        let at = raw.id.span().start;
        if self.id.is_empty()
            || !self.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            self.report(at, "id must be lowercase latin letters, digits and '-'".to_owned());
        }
        if self.id.len() > MAX_ID_BYTES {
            self.report(
                at,
                format!("id is longer than {MAX_ID_BYTES} characters (Telegram's limit for button data)"),
            );
        }
        if raw.topic.trim().is_empty() {
            self.report(at, "topic is empty".to_owned());
        }
        if raw.questions.is_empty() {
            self.report(at, "questions is empty: give at least one way people ask this".to_owned());
        }
        if let Some(n) = raw.questions.iter().position(|q| q.trim().is_empty()) {
            self.report(at, format!("question {} is empty", n + 1));
        }
        if raw.answer.trim().is_empty() {
            self.report(at, "answer is empty".to_owned());
        }
        let sentences = sentence_count(&raw.answer);
        if sentences > MAX_ANSWER_SENTENCES {
            self.report(
                at,
                format!("answer has {sentences} sentences: keep it to {MAX_ANSWER_SENTENCES} at most"),
            );
        }
        if let Some(typo) = article.typo_in_answer(&raw.answer) {
            self.report(
                at,
                format!("answer repeats the article's typo `{}`: write `{}`", typo.wrong, typo.right),
            );
        }
        if raw.category == Category::Unreported && raw.status.is_some() {
            self.report(at, "an unreported entry has no status: the article does not say".to_owned());
        }
        for quote in &raw.quotes {
            self.check_quote(quote, article);
        }
        for follow_up in &raw.follow_ups {
            let target = follow_up.get_ref();
            if target == self.id {
                self.report(follow_up.span().start, "follows up to itself".to_owned());
            } else if !ids.contains_key(target.as_str()) {
                self.report(
                    follow_up.span().start,
                    format!("follow-up `{target}` is not the id of any entry"),
                );
            }
        }
    }

    fn check_quote(&mut self, quote: &super::raw::RawQuote, article: &Article) {
        let text = quote.text.get_ref();
        let at = quote.text.span().start;
        if quote.speaker.trim().is_empty() {
            self.report(at, format!("quote `{text}` has no speaker"));
        }
        if article.section(&quote.section).is_none() {
            let known: Vec<&str> = article.sections.iter().map(|s| s.id.as_str()).collect();
            self.report(
                at,
                format!("quote section `{}` is unknown; use one of {}", quote.section, known.join(", ")),
            );
        }
        if let Some(typo) = article.uncorrected_typo(text) {
            self.report(
                at,
                format!(
                    "quote `{text}` repeats the typo `{}` unmarked: write `{}〔{}〕`",
                    typo.wrong, typo.wrong, typo.right
                ),
            );
        }
        match article.find_quote(text) {
            None => self.report(at, format!("quote `{text}` is not found verbatim in the article")),
            Some(section) if article.section(&quote.section).is_some() && section.id != quote.section => {
                self.report(
                    at,
                    format!("quote `{text}` stands in section {}, not {}", section.id, quote.section),
                );
            }
            Some(_) => {}
        }
    }
}

/// The number of sentences: sentence-ending marks, a run of them (or one followed by a
/// closing quote) counting once; a last sentence without a mark counts too.
fn sentence_count(text: &str) -> usize {
    const ENDS: [char; 5] = ['。', '！', '？', '!', '?'];
    const CLOSERS: [char; 2] = ['”', '」'];
    let chars: Vec<char> = text.trim().chars().collect();
    let mut count = 0;
    for (i, c) in chars.iter().enumerate() {
        let next = chars.get(i + 1);
        let last_end = ENDS.contains(c) && !next.is_some_and(|n| ENDS.contains(n) || CLOSERS.contains(n));
        let quoted_end = CLOSERS.contains(c) && i > 0 && ENDS.contains(&chars[i - 1]);
        count += usize::from(last_end || quoted_end);
    }
    let unterminated = chars.last().is_some_and(|c| !ENDS.contains(c) && !CLOSERS.contains(c));
    count + usize::from(unterminated)
}

fn to_entry(raw: &RawEntry) -> Entry {
    Entry {
        id: raw.id.get_ref().clone(),
        topic: raw.topic.trim().to_owned(),
        category: raw.category,
        status: raw.status,
        questions: raw.questions.iter().map(|q| q.trim().to_owned()).collect(),
        keywords: raw.keywords.clone(),
        answer: raw.answer.trim().to_owned(),
        quotes: raw
            .quotes
            .iter()
            .map(|q| Quote {
                text: q.text.get_ref().clone(),
                speaker: q.speaker.clone(),
                section: q.section.clone(),
            })
            .collect(),
        follow_ups: raw.follow_ups.iter().map(|f| f.get_ref().clone()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::sentence_count;

    #[test]
    fn sentences_are_counted_by_their_ends() {
        assert_eq!(sentence_count("一句。"), 1);
        assert_eq!(sentence_count("一句。两句！三句？"), 3);
        assert_eq!(sentence_count("他说“好。”然后走了。"), 2);
        assert_eq!(sentence_count("没有句号"), 1);
        assert_eq!(sentence_count("真的吗？！"), 1);
    }
}
