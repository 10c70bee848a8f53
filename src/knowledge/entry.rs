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
            Self::NotDiscussed => "未提及的问题",
            Self::Aftermath => "通话之后",
            Self::Reaction => "各方反应",
            Self::Analysis => "分析评论",
            Self::Unreported => "文章未报道",
        }
    }
}

/// Whether a topic was discussed, for questions like 谈了X吗: what the article's
/// evidence says, and no more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The article says it was discussed or agreed.
    Discussed,
    /// The article says it was not discussed.
    NotDiscussed,
    /// The article says only that the statements after the call did not mention it:
    /// whether it was discussed is not known.
    NotMentioned,
    /// The article says it is not known whether it was discussed.
    Unclear,
    /// The article gives two readings (one side says it was not discussed, the other
    /// raised it); the answer gives both.
    Disputed,
}

/// Whose words a quote is, which decides how it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteKind {
    /// Words the article puts inside quotation marks and attributes to the speaker in
    /// the same paragraph: shown as “…”——speaker.
    Direct,
    /// The article's account of what the speaker said or announced: shown as
    /// 据…称：… without quotation marks.
    Reported,
    /// The article's own words, credited to its publisher (新华社, or 新华社热评 in the
    /// commentary).
    Narration,
}

impl QuoteKind {
    /// The kind's name as the data and the JSON output write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Reported => "reported",
            Self::Narration => "narration",
        }
    }
}

/// A quote from the article, with whose words it is and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The article's words; a known typo is followed by its correction in 〔〕.
    pub text: String,
    /// Whose words they are.
    pub kind: QuoteKind,
    /// Who said them; for narration, the section's narrator (新华社).
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
    /// The number of the point, for the points the article lists as discussed
    /// (第一点 … 第七点); several entries may share one point.
    pub point: Option<u8>,
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
