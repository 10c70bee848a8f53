//! The review log: the questions the bot did not answer well, kept for the editors.
//!
//! Every question that is declined, answered with a "did you mean" (clarified), or
//! answered with a score barely above the threshold (low margin) is appended to a JSON
//! Lines file: the time, the kind of chat, the question, its words, the best entries with
//! their scores, and why it was not answered. No user or chat id is written, a question
//! is kept to `matcher.max_question_chars` characters, and the file is bounded: past
//! [`MAX_LOG_BYTES`] it is renamed to `<name>.1` (replacing the one before) and a new
//! one is started.
//!
//! [`group`] reads such a log back for `callbot review`: questions whose nearest entry
//! came close are grouped by that entry (a phrasing to add to it); the others by the word
//! they share with most of the rest (a topic no entry covers: a new entry is needed).
//! Largest groups first, so an editor starts where most people were left without answer.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::matcher::{Decline, Match, Outcome};
use crate::reply::Reply;

/// The review log's settings (`[review]` in `config/callbot.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewConfig {
    /// The log file (JSON Lines), relative to the working directory; empty: no log.
    pub log: PathBuf,
    /// An answer whose score is less than this above the threshold is logged.
    pub low_margin: f64,
    /// In `callbot review`, a question whose nearest entry scored at least this is grouped
    /// under that entry; the others are grouped by shared words.
    pub near: f64,
}

impl Default for ReviewConfig {
    fn default() -> Self {
        Self { log: PathBuf::from("review.jsonl"), low_margin: 0.05, near: 0.25 }
    }
}

impl ReviewConfig {
    /// The section these settings are read from.
    pub const SECTION: &str = "review";

    /// Checks the values that serde cannot.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.low_margin) || !(0.0..=1.0).contains(&self.near) {
            return Err("review.low_margin and review.near must be between 0 and 1".to_owned());
        }
        Ok(())
    }
}

/// Why a logged question was not simply answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// No entry scored above the threshold.
    NoMatch,
    /// The nearest entry does not give the kind of fact asked for (a date, a number).
    MissingFact,
    /// The question was too long.
    TooLong,
    /// Too little to go on (为什么, 谁): the bot asked what was meant.
    TooLittle,
    /// Answered, with another entry offered as "did you mean".
    Clarified,
    /// Answered with a score barely above the threshold.
    LowMargin,
}

impl Why {
    /// The name the review log writes (`no_match`, `missing_fact`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::NoMatch => "no_match",
            Self::MissingFact => "missing_fact",
            Self::TooLong => "too_long",
            Self::TooLittle => "too_little",
            Self::Clarified => "clarified",
            Self::LowMargin => "low_margin",
        }
    }
}

/// An entry and its score for a question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    /// The entry's id.
    pub entry: String,
    /// Its score, 0–1.
    pub score: f64,
}

/// One line of the review log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// When, in RFC 3339 (UTC).
    pub time: String,
    /// The kind of chat (`private`, `group`, `supergroup`).
    pub chat: String,
    /// The question as asked.
    pub question: String,
    /// Its words, as the matcher weighed them.
    pub words: Vec<String>,
    /// The best entries, best first.
    pub best: Vec<Scored>,
    /// Why it is logged.
    pub why: Why,
}

impl Record {
    /// The record for a question, if it is one to review: declined (not for being
    /// empty), clarified, or answered with a low margin.
    pub fn of(
        engine: &Engine,
        chat: &str,
        question: &str,
        found: &Match,
        reply: &Reply,
        low_margin: f64,
    ) -> Option<Self> {
        let best_score = found.best().map_or(0.0, |c| c.score);
        let why = match found.outcome {
            Outcome::Decline(Decline::Empty) | Outcome::Unreported => return None,
            Outcome::Decline(Decline::NoMatch) => Why::NoMatch,
            Outcome::Decline(Decline::MissingFact) => Why::MissingFact,
            Outcome::Decline(Decline::TooLong) => Why::TooLong,
            Outcome::Decline(Decline::TooLittle) => Why::TooLittle,
            Outcome::Answer if !reply.did_you_mean.is_empty() => Why::Clarified,
            Outcome::Answer if best_score < engine.config().matcher.threshold + low_margin => Why::LowMargin,
            Outcome::Answer => return None,
        };
        let best = found
            .candidates
            .iter()
            .map(|c| Scored {
                entry: engine.knowledge().entries[c.entry].id.clone(),
                score: (c.score * 1000.0).round() / 1000.0,
            })
            .collect();
        let now = jiff::Timestamp::now();
        let time = jiff::Timestamp::from_second(now.as_second()).unwrap_or(now).to_string();
        Some(Self {
            time,
            chat: chat.to_owned(),
            question: question.chars().take(engine.config().matcher.max_question_chars).collect(),
            words: found.words.clone(),
            best,
            why,
        })
    }
}

/// The size past which the review log is rotated.
pub const MAX_LOG_BYTES: u64 = 64 << 20;

/// The review log, open for appending; shared by every handler.
#[derive(Debug)]
pub struct ReviewLog {
    path: PathBuf,
    low_margin: f64,
    max_bytes: u64,
    file: Mutex<Appending>,
}

/// The file being appended to and its size.
#[derive(Debug)]
struct Appending {
    file: File,
    size: u64,
}

fn open_appending(path: &Path) -> Result<Appending, ReviewError> {
    let io = |source| ReviewError::Io { path: path.to_owned(), source };
    let file = OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    Ok(Appending { file, size })
}

/// Why the review log could not be written or read; names the file (and the line).
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The file could not be opened, read or written.
    #[error("review log {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A line is not a review record.
    #[error("review log {}:{line}: {source}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong.
        #[source]
        source: serde_json::Error,
    },
}

impl ReviewLog {
    /// Opens (or creates) the log for appending; answers scoring less than `low_margin`
    /// above the threshold are logged too.
    pub fn open(path: &Path, low_margin: f64) -> Result<Self, ReviewError> {
        let file = open_appending(path)?;
        Ok(Self { path: path.to_owned(), low_margin, max_bytes: MAX_LOG_BYTES, file: Mutex::new(file) })
    }

    /// The log rotated past `max_bytes` instead of [`MAX_LOG_BYTES`].
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Where the log is moved when it is rotated.
    pub fn rotated_path(&self) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(".1");
        PathBuf::from(name)
    }

    /// The file written to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record as one line.
    pub fn append(&self, record: &Record) -> Result<(), ReviewError> {
        let mut line = serde_json::to_vec(record)
            .map_err(|e| ReviewError::Io { path: self.path.clone(), source: std::io::Error::other(e) })?;
        line.push(b'\n');
        // One write per line, under the lock: lines from concurrent handlers never interleave.
        let mut open = self.file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if open.size > 0 && open.size + line.len() as u64 > self.max_bytes {
            std::fs::rename(&self.path, self.rotated_path())
                .map_err(|source| ReviewError::Io { path: self.path.clone(), source })?;
            *open = open_appending(&self.path)?;
        }
        open.file.write_all(&line).map_err(|source| ReviewError::Io { path: self.path.clone(), source })?;
        open.size += line.len() as u64;
        Ok(())
    }

    /// Logs the question if it is one to review; a failure to write is logged, not raised.
    pub fn note(&self, engine: &Engine, chat: &str, question: &str, found: &Match, reply: &Reply) {
        if let Some(record) = Record::of(engine, chat, question, found, reply, self.low_margin)
            && let Err(error) = self.append(&record)
        {
            log::warn!("{error}");
        }
    }
}

/// Reads a review log; blank lines are skipped, a malformed line is an error naming it.
pub fn read(path: &Path) -> Result<Vec<Record>, ReviewError> {
    let io = |source| ReviewError::Io { path: path.to_owned(), source };
    let reader = BufReader::new(File::open(path).map_err(io)?);
    let mut records = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line = line.map_err(io)?;
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&line).map_err(|source| ReviewError::Malformed {
            path: path.to_owned(),
            line: index + 1,
            source,
        })?;
        records.push(record);
    }
    Ok(records)
}

/// What an editor could do for a group of questions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Advice {
    /// Add the group's phrasings to this entry (or make its answer give what is asked).
    AddTo {
        /// The nearest entry's id.
        entry: String,
    },
    /// No entry comes close: a new entry is needed, about this word.
    NewEntry {
        /// The word the group's questions share (empty if they have none).
        about: String,
    },
}

/// A question of a group and how often it was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Asked {
    /// The question.
    pub question: String,
    /// How many times.
    pub count: usize,
}

/// Questions that call for the same edit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// What to do.
    pub advice: Advice,
    /// How many logged questions.
    pub count: usize,
    /// The distinct questions, most asked first.
    pub questions: Vec<Asked>,
    /// The words most of them share, most shared first (at most five).
    pub words: Vec<String>,
    /// How many were logged for each reason.
    pub why: Vec<(Why, usize)>,
}

/// Groups the records, largest group first (ties by advice). A record goes to its
/// nearest entry when that scored at least `near`, else to the word it shares with the
/// most other such records.
pub fn group(records: &[Record], near: f64) -> Vec<Group> {
    let key_words: Vec<Vec<&str>> = records.iter().map(|r| distinct_words(&r.words)).collect();
    let mut word_counts: HashMap<&str, usize> = HashMap::new();
    for (record, words) in records.iter().zip(&key_words) {
        if !is_near(record, near) {
            for word in words {
                *word_counts.entry(word).or_default() += 1;
            }
        }
    }
    let mut members: HashMap<Advice, Vec<usize>> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        let advice = match record.best.first() {
            Some(best) if is_near(record, near) => Advice::AddTo { entry: best.entry.clone() },
            _ => {
                let about = key_words[index]
                    .iter()
                    .max_by_key(|w| {
                        (word_counts.get(*w).copied().unwrap_or(0), w.chars().count(), std::cmp::Reverse(**w))
                    })
                    .map_or_else(String::new, |w| (*w).to_owned());
                Advice::NewEntry { about }
            }
        };
        members.entry(advice).or_default().push(index);
    }
    let mut groups: Vec<Group> = members
        .into_iter()
        .map(|(advice, indices)| summarise(advice, &indices, records, &key_words))
        .collect();
    groups.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.advice.cmp(&b.advice)));
    groups
}

fn is_near(record: &Record, near: f64) -> bool {
    record.best.first().is_some_and(|b| b.score >= near)
}

/// A record's words that can tie questions together: each once, single characters
/// (particles, 吗, 的) left out unless nothing else is there.
fn distinct_words(words: &[String]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let long = words.iter().filter(|w| w.chars().count() > 1);
    for word in long {
        if !out.contains(&word.as_str()) {
            out.push(word);
        }
    }
    if out.is_empty() {
        out.extend(words.iter().map(String::as_str).filter(|w| !w.trim().is_empty()).take(1));
    }
    out
}

fn summarise(advice: Advice, indices: &[usize], records: &[Record], key_words: &[Vec<&str>]) -> Group {
    let mut questions: HashMap<&str, usize> = HashMap::new();
    let mut words: HashMap<&str, usize> = HashMap::new();
    let mut why: HashMap<Why, usize> = HashMap::new();
    for &index in indices {
        *questions.entry(records[index].question.as_str()).or_default() += 1;
        *why.entry(records[index].why).or_default() += 1;
        for word in &key_words[index] {
            *words.entry(word).or_default() += 1;
        }
    }
    let mut questions: Vec<Asked> = questions
        .into_iter()
        .map(|(question, count)| Asked { question: question.to_owned(), count })
        .collect();
    questions.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.question.cmp(&b.question)));
    let shared = indices.len().div_ceil(2).max(2.min(indices.len()));
    let mut words: Vec<(&str, usize)> = words.into_iter().filter(|(_, n)| *n >= shared).collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut why: Vec<(Why, usize)> = why.into_iter().collect();
    why.sort();
    Group {
        advice,
        count: indices.len(),
        questions,
        words: words.into_iter().take(5).map(|(w, _)| w.to_owned()).collect(),
        why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reason_is_named_as_the_log_writes_it() {
        use Why::*;
        for why in [NoMatch, MissingFact, TooLong, TooLittle, Clarified, LowMargin] {
            let logged = serde_json::to_string(&why).expect("serialises");
            assert_eq!(logged, format!("\"{}\"", why.name()));
        }
    }
}
