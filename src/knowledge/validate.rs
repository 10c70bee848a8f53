//! Parsing and validation: turns [`Sources`] into a [`KnowledgeBase`] or lists every problem.

use std::collections::HashMap;

use serde::de::DeserializeOwned;

use super::article::{
    Article, ArticleLayout, Occurrence, QUOTE_CLOSE, QUOTE_OPEN, Section, strip_corrections,
};
use super::entry::{Category, Entry, Quote, QuoteKind, Status};
use super::error::{KnowledgeError, Problem, line_of};
use super::examples::{self, Example, ExampleFile};
use super::language::{Language, Replies};
use super::raw::{Alias, AliasFile, EntryFile, RawEntry, RawQuote};
use super::{KnowledgeBase, Sources};

const ARTICLE_FILE: &str = "article.txt";
const LAYOUT_FILE: &str = "article.toml";
const ALIASES_FILE: &str = "aliases.toml";
/// Ids are Telegram button data and deep-link payloads: at most 64 bytes.
const MAX_ID_BYTES: usize = 64;
/// Answers are brief: at most this many sentences.
const MAX_ANSWER_SENTENCES: usize = 3;
/// A whole question has at least this many characters besides its punctuation.
const MIN_QUESTION_CHARS: usize = 4;

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
    let language = Language::parse(&sources.language, &mut problems);
    let entries = check_entries(&article, &files, language.as_ref(), &mut problems);
    let lexicon = super::Lexicon::parse(&sources.lexicon, &sources.article, &mut problems);
    let examples = check_examples(sources, &entries, &mut problems);
    let replies = Replies::parse(&sources.replies, &mut problems);
    if entries.is_empty() && problems.is_empty() {
        problems.push(Problem {
            file: "entries/".to_owned(),
            line: None,
            entry: None,
            message: "there are no entries: add `[[entry]]` tables to a file in entries/".to_owned(),
        });
    }
    let (Some(language), Some(replies)) = (language, replies) else {
        return Err(KnowledgeError::Invalid(problems));
    };
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
        examples,
        language,
        replies,
        by_id,
    })
}

/// Parses and checks every examples file against the entries.
fn check_examples(sources: &Sources, entries: &[Entry], problems: &mut Vec<Problem>) -> Vec<Example> {
    let ids: HashMap<&str, usize> = entries.iter().enumerate().map(|(i, e)| (e.id.as_str(), i)).collect();
    let mut examples = Vec::new();
    for (name, text) in &sources.example_files {
        if let Some(parsed) = parse_toml::<ExampleFile>(text, name, problems) {
            examples.extend(examples::check(name, text, parsed, |id| ids.get(id).copied(), problems));
        }
    }
    examples
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
    language: Option<&Language>,
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
            let mut check = EntryCheck { file, text, id: raw.id.get_ref(), language, problems };
            check.run(raw, article, &first_seen);
            entries.push(to_entry(raw, article));
        }
    }
    let located: Vec<Located> = files
        .iter()
        .flat_map(|(file, text, parsed)| parsed.entry.iter().map(move |raw| Located { file, text, raw }))
        .collect();
    check_same_evidence_same_status(&located, problems);
    check_points(&located, problems);
    entries
}

/// An entry as written, with the file it is in.
struct Located<'a> {
    file: &'a str,
    text: &'a str,
    raw: &'a RawEntry,
}

impl Located<'_> {
    fn problem(&self, offset: usize, message: String) -> Problem {
        Problem {
            file: self.file.to_owned(),
            line: Some(line_of(self.text, offset)),
            entry: Some(self.raw.id.get_ref().clone()),
            message,
        }
    }
}

/// One verdict per piece of evidence: two entries with a status that quote the same
/// words of the article (or one quotes words the other's quote contains) give the same
/// status.
fn check_same_evidence_same_status(entries: &[Located], problems: &mut Vec<Problem>) {
    let with_status: Vec<(&Located, Status)> =
        entries.iter().filter_map(|e| e.raw.status.map(|s| (e, s))).collect();
    for (i, (first, first_status)) in with_status.iter().enumerate() {
        for (second, second_status) in &with_status[i + 1..] {
            if first_status == second_status {
                continue;
            }
            let shared = second.raw.quotes.iter().find_map(|q| {
                let words = strip_corrections(q.text.get_ref());
                first
                    .raw
                    .quotes
                    .iter()
                    .map(|p| strip_corrections(p.text.get_ref()))
                    .find(|other| other.contains(&words) || words.contains(other.as_str()))
            });
            if let Some(evidence) = shared {
                problems.push(second.problem(
                    second.raw.id.span().start,
                    format!(
                        "status `{}` differs from `{}` of entry `{}` ({}:{}), which quotes the same evidence `{evidence}`: the same evidence gives the same verdict",
                        status_name(*second_status),
                        status_name(*first_status),
                        first.raw.id.get_ref(),
                        first.file,
                        line_of(first.text, first.raw.id.span().start),
                    ),
                ));
            }
        }
    }
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Discussed => "discussed",
        Status::NotDiscussed => "not_discussed",
        Status::NotMentioned => "not_mentioned",
        Status::Unclear => "unclear",
        Status::Disputed => "disputed",
    }
}

/// The numbered points (第一点 …) belong to `discussed` entries and run from 1 without
/// a gap, so that /discussed lists exactly the article's points.
fn check_points(entries: &[Located], problems: &mut Vec<Problem>) {
    let mut numbers: Vec<u8> = Vec::new();
    for entry in entries {
        let Some(point) = &entry.raw.point else { continue };
        if entry.raw.category != Category::Discussed {
            problems.push(entry.problem(
                point.span().start,
                "only a `discussed` entry can be one of the article's numbered points".to_owned(),
            ));
        } else if *point.get_ref() == 0 {
            problems.push(entry.problem(point.span().start, "points are numbered from 1".to_owned()));
        } else {
            numbers.push(*point.get_ref());
        }
    }
    numbers.sort_unstable();
    numbers.dedup();
    if let Some(gap) =
        (1..).zip(&numbers).find(|(expected, n)| *expected != **n).map(|(expected, _)| expected)
        && let Some(entry) = entries.iter().find(|e| e.raw.point.as_ref().is_some_and(|p| *p.get_ref() > gap))
        && let Some(point) = &entry.raw.point
    {
        problems.push(entry.problem(
            point.span().start,
            format!("point {} follows a gap: no entry is point {gap}", point.get_ref()),
        ));
    }
}

/// Validates one entry, reporting problems with its file, line and id.
struct EntryCheck<'a> {
    file: &'a str,
    text: &'a str,
    id: &'a str,
    /// The words that tell a whole question and a relative date; `None` when
    /// `language.toml` is itself broken, and those checks wait for it.
    language: Option<&'a Language>,
    problems: &'a mut Vec<Problem>,
}

impl EntryCheck<'_> {
    /// A word in `text` that dates something relative to the day it is read (昨天). The
    /// article's relative dates count from its publication, so the bot never repeats one.
    fn relative_date_in(&self, text: &str) -> Option<&str> {
        self.language?.checks.relative_dates.iter().find(|w| text.contains(*w))
    }

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
        if let Some(n) = raw.questions.iter().position(|q| q.get_ref().trim().is_empty()) {
            self.report(at, format!("question {} is empty", n + 1));
        }
        if let Some(first) = raw.questions.first()
            && !first.get_ref().trim().is_empty()
            && self.language.is_some_and(|language| !is_whole_question(first.get_ref(), language))
        {
            self.report(
                first.span().start,
                format!(
                    "the first question `{}` is shown on buttons: make it a whole question (`鲁比奥承认了什么？`, not `鲁比奥？`)",
                    first.get_ref().trim()
                ),
            );
        }
        self.check_answer(raw, article);
        if raw.category == Category::Unreported && raw.status.is_some() {
            self.report(at, "an unreported entry has no status: the article does not say".to_owned());
        }
        if raw.status.is_some() && raw.quotes.is_empty() {
            self.report(at, "an entry with a status quotes its evidence: add the article's words".to_owned());
        }
        if raw.status == Some(Status::Disputed) && !has_two_readings(&raw.quotes) {
            self.report(
                at,
                "a disputed status gives both readings: quote each side (two speakers)".to_owned(),
            );
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

    fn check_answer(&mut self, raw: &RawEntry, article: &Article) {
        let answer = raw.answer.get_ref();
        let at = raw.answer.span().start;
        if answer.trim().is_empty() {
            self.report(raw.id.span().start, "answer is empty".to_owned());
        }
        let sentences = sentence_count(answer);
        if sentences > MAX_ANSWER_SENTENCES {
            self.report(
                at,
                format!("answer has {sentences} sentences: keep it to {MAX_ANSWER_SENTENCES} at most"),
            );
        }
        if let Some(typo) = article.typo_in_answer(answer) {
            self.report(
                at,
                format!("answer repeats the article's typo `{}`: write `{}`", typo.wrong, typo.right),
            );
        }
        if answer.contains(['〔', '〕']) {
            self.report(at, "answer marks a correction with 〔〕: write the right word alone".to_owned());
        }
        if let Some(word) = self.relative_date_in(answer) {
            self.report(
                at,
                format!(
                    "answer says `{word}`: the article's relative dates count from its publication, not from today; give the date or leave it out"
                ),
            );
        }
        if let Some(problem) = quotation_mark_problem(answer) {
            self.report(at, format!("answer {problem}"));
        }
    }

    fn check_quote(&mut self, quote: &RawQuote, article: &Article) {
        let text = quote.text.get_ref();
        let at = quote.text.span().start;
        let Some(section) = article.section(&quote.section) else {
            let known: Vec<&str> = article.sections.iter().map(|s| s.id.as_str()).collect();
            self.report(
                at,
                format!("quote section `{}` is unknown; use one of {}", quote.section, known.join(", ")),
            );
            return;
        };
        if let Some(problem) = article.misplaced_correction(text) {
            self.report(at, format!("quote `{text}`: {problem}"));
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
        if let Some(word) = self.relative_date_in(text) {
            self.report(
                at,
                format!("quote `{text}` says `{word}`, which counts from the article's publication: end the quote before it or start it after it"),
            );
        }
        let occurrences: Vec<_> = article.occurrences(text).collect();
        let Some(first) = occurrences.first() else {
            self.report(at, format!("quote `{text}` is not found verbatim in the article"));
            return;
        };
        let in_section: Vec<_> = occurrences.iter().filter(|o| o.section.id == section.id).collect();
        if in_section.is_empty() {
            self.report(
                at,
                format!("quote `{text}` stands in section {}, not {}", first.section.id, section.id),
            );
            return;
        }
        self.check_kind(quote, section, &in_section);
    }

    /// Whose words a quote is, checked against where the article has them: narration is
    /// the section's narrator's; reported speech names its speaker in the paragraph; a
    /// direct quote also stands inside quotation marks there.
    fn check_kind(&mut self, quote: &RawQuote, section: &Section, occurrences: &[&Occurrence]) {
        let text = quote.text.get_ref();
        let at = quote.text.span().start;
        let kind = quote.kind.name();
        let speaker = quote.speaker.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let Some(speaker) = speaker else {
            if quote.kind != QuoteKind::Narration {
                self.report(at, format!("{kind} quote `{text}` has no speaker: say whose words these are"));
            }
            return;
        };
        let names_speaker = |o: &&Occurrence| o.paragraph.contains(speaker);
        let message = match quote.kind {
            QuoteKind::Narration if speaker != section.narrator => format!(
                "quote `{text}` is narration, the article's own words, so its speaker is {} (or leave speaker out), not `{speaker}`; for someone's words use kind = \"reported\" or \"direct\"",
                section.narrator
            ),
            QuoteKind::Narration => return,
            _ if speaker == section.narrator => {
                format!(
                    "quote `{text}` is credited to {speaker}, the article itself: make it kind = \"narration\""
                )
            }
            QuoteKind::Direct if text.contains([QUOTE_OPEN, QUOTE_CLOSE]) => {
                format!("direct quote `{text}` contains quotation marks: quote only the words inside them")
            }
            QuoteKind::Direct if !occurrences.iter().any(|o| o.is_inside_quotation_marks()) => format!(
                "direct quote `{text}` is not inside quotation marks in the article: use kind = \"reported\" for an account of what was said, or \"narration\" for the article's own words"
            ),
            QuoteKind::Direct
                if occurrences.iter().any(|o| o.is_inside_quotation_marks() && names_speaker(o)) =>
            {
                return;
            }
            QuoteKind::Reported if occurrences.iter().any(names_speaker) => return,
            QuoteKind::Direct | QuoteKind::Reported => format!(
                "{kind} quote `{text}`: its speaker `{speaker}` is not named in the quote's paragraph; name the speaker as the article does there, or use kind = \"narration\""
            ),
        };
        self.report(at, message);
    }
}

/// Whether a phrasing is a whole question: it asks something (a question word, or the
/// X没X / X不X pattern: 谈没谈) and is more than a name.
fn is_whole_question(question: &str, language: &Language) -> bool {
    let chars: Vec<char> = question.chars().filter(|c| c.is_alphanumeric()).collect();
    let words: String = chars.iter().collect();
    let yes_no = &language.understanding.yes_no;
    let asks = language.understanding.question_words.any_in(&words)
        || chars.windows(3).any(|w| w[0] == w[2] && yes_no.a_not_a.contains(w[1].encode_utf8(&mut [0; 4])));
    chars.len() >= MIN_QUESTION_CHARS && asks
}

/// Whether quotes give two readings: at least two speakers.
fn has_two_readings(quotes: &[RawQuote]) -> bool {
    let mut speakers: Vec<&str> = quotes.iter().filter_map(|q| q.speaker.as_deref()).collect();
    speakers.sort_unstable();
    speakers.dedup();
    speakers.len() >= 2
}

/// What is wrong with a text's quotation marks: one left open or closed twice, or the
/// same marks nested (“…“…”…”), which readers cannot follow.
fn quotation_mark_problem(text: &str) -> Option<String> {
    let mut open = false;
    for c in text.chars() {
        match c {
            QUOTE_OPEN if open => {
                return Some(format!(
                    "nests quotation marks {QUOTE_OPEN}…{QUOTE_OPEN}…{QUOTE_CLOSE}…{QUOTE_CLOSE}: write the inner ones as ‘…’"
                ));
            }
            QUOTE_OPEN => open = true,
            QUOTE_CLOSE if !open => {
                return Some(format!("closes a quotation `{QUOTE_CLOSE}` it never opened"));
            }
            QUOTE_CLOSE => open = false,
            _ => {}
        }
    }
    open.then(|| format!("leaves a quotation `{QUOTE_OPEN}` open"))
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

fn to_entry(raw: &RawEntry, article: &Article) -> Entry {
    Entry {
        id: raw.id.get_ref().clone(),
        topic: raw.topic.trim().to_owned(),
        category: raw.category,
        status: raw.status,
        point: raw.point.as_ref().map(|p| *p.get_ref()),
        questions: raw.questions.iter().map(|q| q.get_ref().trim().to_owned()).collect(),
        keywords: raw.keywords.clone(),
        answer: raw.answer.get_ref().trim().to_owned(),
        quotes: raw
            .quotes
            .iter()
            .map(|q| Quote {
                text: q.text.get_ref().clone(),
                kind: q.kind,
                speaker: match (q.kind, q.speaker.as_deref()) {
                    (QuoteKind::Narration, _) | (_, None) => {
                        article.section(&q.section).map(|s| s.narrator.clone()).unwrap_or_default()
                    }
                    (_, Some(speaker)) => speaker.trim().to_owned(),
                },
                section: q.section.clone(),
            })
            .collect(),
        follow_ups: raw.follow_ups.iter().map(|f| f.get_ref().clone()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::{quotation_mark_problem, sentence_count};
    use crate::knowledge::Language;

    fn is_whole_question(question: &str) -> bool {
        let mut problems = Vec::new();
        let language = Language::parse(include_str!("../../knowledge/language.toml"), &mut problems)
            .expect("the built-in language.toml parses");
        super::is_whole_question(question, &language)
    }

    #[test]
    fn a_whole_question_asks_something_and_is_more_than_a_name() {
        for q in ["美国国务卿鲁比奥承认了什么？", "谈了对乌援助吗", "换俘谈没谈", "普京是否同意停火"]
        {
            assert!(is_whole_question(q), "{q}");
        }
        for q in ["鲁比奥?", "冰球？", "北约", "修昔底德名言"] {
            assert!(!is_whole_question(q), "{q}");
        }
    }

    #[test]
    fn quotation_marks_pair_up_without_nesting() {
        assert_eq!(quotation_mark_problem("他说“好”，又说“行”。"), None);
        assert!(quotation_mark_problem("“欧洲从“后援团”变了”").is_some_and(|p| p.contains("nests")));
        assert!(quotation_mark_problem("他说“好").is_some_and(|p| p.contains("open")));
        assert!(quotation_mark_problem("好”").is_some_and(|p| p.contains("never opened")));
    }

    #[test]
    fn sentences_are_counted_by_their_ends() {
        assert_eq!(sentence_count("一句。"), 1);
        assert_eq!(sentence_count("一句。两句！三句？"), 3);
        assert_eq!(sentence_count("他说“好。”然后走了。"), 2);
        assert_eq!(sentence_count("没有句号"), 1);
        assert_eq!(sentence_count("真的吗？！"), 1);
    }
}
