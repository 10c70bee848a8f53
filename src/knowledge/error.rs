//! Errors found while loading the knowledge: each names the file, the line and the entry.

use std::fmt;
use std::path::PathBuf;

/// Why the knowledge could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The data is malformed or inconsistent; every problem found is listed.
    #[error("{}", ProblemList(.0))]
    Invalid(Vec<Problem>),
}

impl KnowledgeError {
    /// A problem with the article or its layout, not tied to a line.
    pub fn article(file: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![Problem {
            file: file.to_owned(),
            line: None,
            entry: None,
            message: message.into(),
        }])
    }

    /// The problems found, if the data was read but is invalid.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Invalid(problems) => problems,
            Self::Read { .. } => &[],
        }
    }
}

/// One thing wrong in the knowledge files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, relative to the knowledge folder.
    pub file: String,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// The entry id, when the problem is inside an entry.
    pub entry: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(entry) = &self.entry {
            write!(f, ": entry `{entry}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        write!(f, "{count} problem{} in the knowledge", if count == 1 { "" } else { "s" })?;
        for problem in self.0 {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

/// The line numbers of many byte offsets of one text: its line starts found once, then
/// searched ([`line_of`] counts from the start each time, which is quadratic over a file
/// of thousands of examples).
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    /// The line starts of `text`.
    pub fn new(text: &str) -> Self {
        let newlines = text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(at, _)| at + 1);
        Self { starts: std::iter::once(0).chain(newlines).collect() }
    }

    /// The line (from 1) that holds the byte at `offset`, as [`line_of`] gives it.
    pub fn of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }
}

/// The 1-based line of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_offsets_are_the_lines_counted_from_the_start() {
        for text in ["", "a", "a\nb", "一\n\n二三\n", "\n"] {
            let lines = Lines::new(text);
            for offset in 0..=text.len() + 2 {
                assert_eq!(lines.of(offset), line_of(text, offset), "{text:?} at {offset}");
            }
        }
    }
}
