//! The knowledge base: the article, the question–answer entries derived from it, and
//! the bot's language (the words it reads follow-ups with, the sentences it says).
//!
//! Everything is data in the `knowledge/` folder. [`KnowledgeBase::load`] reads it and
//! validates it as a whole, so that a broken edit is refused at start-up with a message
//! that names the file, the line, the entry and what is wrong.

mod article;
mod entry;
mod error;
mod examples;
pub mod language;
mod lexicon;
mod raw;
mod validate;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use article::{Article, ArticleLayout, Correction, Occurrence, Section, strip_corrections};
pub use entry::{Category, Entry, Quote, QuoteKind, Status};
pub use error::{KnowledgeError, Problem};
pub use examples::{Example, OUT_OF_SCOPE};
pub use language::{Language, Numbers, Replies, Template, Words};
pub use lexicon::{Detail, EntityKind, Field, Lexicon, LexiconEntity, LexiconWord};
pub use raw::Alias;

/// The article plus everything the bot knows about it, validated.
#[derive(Debug, Clone)]
pub struct KnowledgeBase {
    /// The article, split into sections.
    pub article: Article,
    /// The entries, in file order.
    pub entries: Vec<Entry>,
    /// Other ways people write names and words.
    pub aliases: Vec<Alias>,
    /// Words that carry no meaning for matching.
    pub stopwords: Vec<String>,
    /// What the words of a question refer to.
    pub lexicon: Lexicon,
    /// Questions labelled with the entry that answers them, or as out of scope: what the
    /// matcher's model learns from, beside the entries' own phrasings.
    pub examples: Vec<Example>,
    /// The words follow-ups and answers are read with.
    pub language: Language,
    /// Every sentence the bot says.
    pub replies: Replies,
    by_id: HashMap<String, usize>,
}

/// The knowledge files' contents, before parsing: lets tests build a knowledge base from
/// inline text, and [`KnowledgeBase::load`] from a folder.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// `article.txt`.
    pub article: String,
    /// `article.toml`.
    pub layout: String,
    /// `aliases.toml`.
    pub aliases: String,
    /// `stopwords.txt`.
    pub stopwords: String,
    /// `lexicon.toml`.
    pub lexicon: String,
    /// `language.toml`.
    pub language: String,
    /// `replies.toml`.
    pub replies: String,
    /// Each `entries/*.toml` file: its name and its text.
    pub entry_files: Vec<(String, String)>,
    /// Each `examples/*.toml` file: its name and its text.
    pub example_files: Vec<(String, String)>,
}

impl Sources {
    /// Reads the knowledge folder.
    pub fn read(dir: &Path) -> Result<Self, KnowledgeError> {
        let read = |name: &str| read_file(&dir.join(name));
        Ok(Self {
            article: read("article.txt")?,
            layout: read("article.toml")?,
            aliases: read("aliases.toml")?,
            stopwords: read("stopwords.txt")?,
            lexicon: read("lexicon.toml")?,
            language: read("language.toml")?,
            replies: read("replies.toml")?,
            entry_files: read_folder(dir, "entries")?,
            example_files: if dir.join("examples").is_dir() {
                read_folder(dir, "examples")?
            } else {
                Vec::new()
            },
        })
    }
}

/// The `.toml` files of a subfolder, by name (`entries/discussed.toml`), sorted.
fn read_folder(dir: &Path, folder: &str) -> Result<Vec<(String, String)>, KnowledgeError> {
    let path = dir.join(folder);
    let listing =
        std::fs::read_dir(&path).map_err(|source| KnowledgeError::Read { path: path.clone(), source })?;
    let mut paths = Vec::new();
    for item in listing {
        let item = item.map_err(|source| KnowledgeError::Read { path: path.clone(), source })?;
        let path = item.path();
        if path.extension().is_some_and(|e| e == "toml") {
            paths.push(path);
        }
    }
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let name = format!("{folder}/{}", path.file_name().unwrap_or_default().to_string_lossy());
        files.push((name, read_file(&path)?));
    }
    Ok(files)
}

fn read_file(path: &PathBuf) -> Result<String, KnowledgeError> {
    std::fs::read_to_string(path).map_err(|source| KnowledgeError::Read { path: path.clone(), source })
}

impl KnowledgeBase {
    /// Loads and validates the knowledge folder.
    pub fn load(dir: &Path) -> Result<Self, KnowledgeError> {
        Self::from_sources(&Sources::read(dir)?)
    }

    /// Parses and validates knowledge given as text.
    pub fn from_sources(sources: &Sources) -> Result<Self, KnowledgeError> {
        validate::build(sources)
    }

    /// The entry with this id.
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    /// The entries of one category, in file order.
    pub fn in_category(&self, category: Category) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.category == category)
    }

    /// The number of quotes, all verified verbatim.
    pub fn quote_count(&self) -> usize {
        self.entries.iter().map(|e| e.quotes.len()).sum()
    }
}
