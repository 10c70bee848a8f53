//! The shapes of the TOML files, before validation.

use serde::Deserialize;
use toml::Spanned;

use super::entry::{Category, QuoteKind, Status};

/// One `entries/*.toml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryFile {
    /// The `[[entry]]` tables.
    #[serde(default)]
    pub entry: Vec<RawEntry>,
}

/// An `[[entry]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEntry {
    pub id: Spanned<String>,
    pub topic: String,
    pub category: Category,
    pub status: Option<Status>,
    pub point: Option<Spanned<u8>>,
    pub questions: Vec<Spanned<String>>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub answer: Spanned<String>,
    #[serde(default)]
    pub quotes: Vec<RawQuote>,
    #[serde(default)]
    pub follow_ups: Vec<Spanned<String>>,
}

/// An `[[entry.quotes]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuote {
    pub text: Spanned<String>,
    pub kind: QuoteKind,
    /// Required for direct and reported quotes; narration may leave it out.
    pub speaker: Option<String>,
    pub section: String,
}

/// `aliases.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliasFile {
    /// The `[[alias]]` tables.
    #[serde(default)]
    pub alias: Vec<Alias>,
}

/// A word and the other ways people write it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alias {
    /// The word as the knowledge writes it (普京).
    pub word: String,
    /// Other spellings, nicknames, typos and English names (普金, 川普, putin).
    pub variants: Vec<String>,
    /// Whether the word is a name whose homophone misspellings should be recognised.
    #[serde(default)]
    pub name: bool,
}
