//! The question–answer entries, as editors write them in `knowledge/entries/*.toml`.

use serde::Deserialize;

/// Which part of the story an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// The call in general: who, when, the statements.
    Overview,
    /// What the two presidents talked about or agreed.
    Discussed,
    /// What was left out of the call or of the statements.
    NotDiscussed,
    /// What happened after the call.
    Aftermath,
    /// What leaders, media and experts said.
    Reaction,
    /// Section D and the commentary.
    Analysis,
    /// Things people ask that the article does not report.
    Unreported,
}

impl Category {
    /// Every category, in the order menus show them.
    pub const ALL: [Self; 7] = [
        Self::Overview,
        Self::Discussed,
        Self::NotDiscussed,
        Self::Aftermath,
        Self::Reaction,
        Self::Analysis,
        Self::Unreported,
    ];

    /// The category's name as users read it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Overview => "通话概况",
            Self::Discussed => "谈了什么",
            Self::NotDiscussed => "没谈什么",
            Self::Aftermath => "通话之后",
            Self::Reaction => "各方反应",
            Self::Analysis => "分析评论",
            Self::Unreported => "文章未报道",
        }
    }
}

/// Whether a topic was discussed, for questions like 谈了X吗.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The article reports that it was discussed or agreed.
    Discussed,
    /// The article reports that it was not discussed or not mentioned.
    NotDiscussed,
    /// The article says it is not known.
    Unclear,
}

/// A quote from the article, with who said it and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The article's words; a known typo is followed by its correction in 〔〕.
    pub text: String,
    /// Who said or wrote it.
    pub speaker: String,
    /// The id of the section it stands in.
    pub section: String,
}

/// One question–answer entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Unique id (`prisoner-swap`): used in follow-ups, buttons and deep links.
    pub id: String,
    /// A short name for buttons and yes/no answers.
    pub topic: String,
    /// Which part of the story it belongs to.
    pub category: Category,
    /// Whether the topic was discussed, for yes/no questions.
    pub status: Option<Status>,
    /// The ways people ask it; the first is the canonical question.
    pub questions: Vec<String>,
    /// Words that point at this entry.
    pub keywords: Vec<String>,
    /// The answer, one to three sentences.
    pub answer: String,
    /// The article's own words supporting the answer.
    pub quotes: Vec<Quote>,
    /// Ids of entries to suggest next.
    pub follow_ups: Vec<String>,
}

impl Entry {
    /// The question shown on buttons and in suggestions.
    pub fn canonical_question(&self) -> &str {
        self.questions.first().map_or(self.topic.as_str(), String::as_str)
    }
}
