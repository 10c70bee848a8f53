//! The bot's language: the words it reads follow-ups and answers with
//! (`knowledge/language.toml`) and every sentence it says (`knowledge/replies.toml`).
//!
//! The code keeps the mechanisms (strip an opener, count a list, fill in a topic); the
//! words and sentences are data, so an editor changes what the bot understands or says
//! without touching Rust. Both files are checked at load as a whole: every key is
//! required (serde names a missing or misspelt one), no list or word is empty, and a
//! sentence uses only the placeholders the code fills in. Each problem names the file and
//! the line.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::{Problem, line_of};

/// The file of the words.
pub const LANGUAGE_FILE: &str = "language.toml";
/// The file of the sentences.
pub const REPLIES_FILE: &str = "replies.toml";

/// A list of words, never empty.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Words(Vec<String>);

impl Words {
    /// The words, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + Clone {
        self.0.iter().map(String::as_str)
    }

    /// Whether `word` is one of the words.
    pub fn contains(&self, word: &str) -> bool {
        self.0.iter().any(|w| w == word)
    }

    /// Whether one of the words occurs in `text`.
    pub fn any_in(&self, text: &str) -> bool {
        self.0.iter().any(|w| text.contains(w.as_str()))
    }

    /// The word at `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&str> {
        self.0.get(index).map(String::as_str)
    }

    /// The position of `word` among the words.
    pub fn position(&self, word: &str) -> Option<usize> {
        self.0.iter().position(|w| w == word)
    }
}

/// A sentence with `{placeholders}` the code fills in; `{{` and `}}` stand for braces.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Template(String);

/// A piece of a template.
enum Piece<'a> {
    Text(&'a str),
    Slot(&'a str),
    /// A brace with no partner.
    Broken,
}

/// The pieces of a template's text.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(['{', '}']) {
        pieces.push(Piece::Text(&rest[..at]));
        let tail = &rest[at..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            pieces.push(Piece::Text(&tail[..1]));
            rest = &tail[2..];
        } else if let Some(end) = tail.strip_prefix('{').and_then(|t| t.find(['{', '}'])) {
            if tail[1 + end..].starts_with('}') {
                pieces.push(Piece::Slot(&tail[1..1 + end]));
            } else {
                pieces.push(Piece::Broken);
            }
            rest = &tail[1 + end + 1..];
        } else {
            pieces.push(Piece::Broken);
            rest = &tail[1..];
        }
    }
    pieces.push(Piece::Text(rest));
    pieces
}

impl Template {
    /// The sentence with each `{name}` replaced by its value; a placeholder without a
    /// value is left as written (validation makes sure there is none).
    pub fn fill(&self, values: &[(&str, &str)]) -> String {
        pieces(&self.0)
            .into_iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.to_owned(),
                Piece::Slot(name) => values
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map_or_else(|| format!("{{{name}}}"), |(_, value)| (*value).to_owned()),
                Piece::Broken => String::new(),
            })
            .collect()
    }

    /// The sentence of a template without placeholders.
    pub fn text(&self) -> String {
        self.fill(&[])
    }
}

/// `language.toml`: the words follow-ups and answers are read with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    /// What in a message says it leans on the previous turn.
    pub follow_up: FollowUpWords,
    /// The facet a whole question asks.
    pub facets: FacetWords,
    /// Questions for a detail the last entry's text gives.
    pub given: GivenWords,
    /// Ordinals and Chinese numerals.
    pub numbers: Numbers,
    /// What conversations know about the call and about answers.
    pub conversation: ConversationWords,
    /// Names a reply never takes as a subject.
    pub reply: ReplyWords,
    /// What the words of an answer give.
    pub answers: AnswerWords,
    /// How one question is read.
    pub understanding: UnderstandingWords,
    /// The words the knowledge's own checks look for.
    pub checks: CheckWords,
    /// How the script of a message is told.
    pub script: ScriptWords,
}

/// `[script]`: what tells the script a message is written in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptWords {
    /// Cantonese words as Hong Kong writes them (佢, 咗): a Traditional message with one
    /// is answered with Hong Kong's character forms.
    pub hong_kong: Words,
}

/// `[checks]`: words the checks of the knowledge look for in answers and quotes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckWords {
    /// Words that date something relative to the day they are read (昨天).
    pub relative_dates: Words,
}

/// `[answers]`: the words that show what an answer gives.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerWords {
    /// A reason (因为).
    pub reason_words: Words,
    /// A time without a date (当晚).
    pub time_words: Words,
    /// A place (城市, 境内).
    pub place_words: Words,
    /// A place more precise than a country: what 在哪里 asks of an event.
    pub precise_place_words: Words,
    /// An attitude or a reaction (表示, 欢迎).
    pub attitude_words: Words,
    /// An amount without a figure (少量).
    pub amount_words: Words,
    /// Verbs of speaking or acting after someone's name.
    pub speaking_words: Words,
}

/// `[understanding]`: the words one question is read with (`crate::understanding`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnderstandingWords {
    /// Words that make a sentence ask something.
    pub question_words: Words,
    /// Words that ask for the call as a whole.
    pub summary_words: Words,
    /// Verbs that say what a question is about, longest first where they overlap.
    pub predicates: Words,
    /// Words that carry no topic of their own.
    pub generic_words: Words,
    /// Words between a country and a title (现任).
    pub role_links: Words,
    /// The question for a place in a list (第几).
    pub ordinal_question: String,
    /// Words a question points back with at a topic named before it (这件事).
    pub back_references: Words,
    /// The question words of each facet.
    pub facets: FacetMarkers,
    /// Yes/no questions.
    pub yes_no: YesNoWords,
    /// Negation.
    pub negation: NegationWords,
    /// Questions for a time or a number, and how an answer gives one.
    pub figures: FigureWords,
    /// The call, its two sides, and the events around it.
    pub call: CallWords,
}

/// `[understanding.facets]`: the question words of each facet, in the order they are
/// looked for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacetMarkers {
    /// What a word means (什么意思).
    pub meaning: Words,
    /// A reason (为什么).
    pub why: Words,
    /// A number (多少).
    pub how_many: Words,
    /// A time (什么时候).
    pub when: Words,
    /// A source (来源).
    pub source: Words,
    /// A place (哪里).
    #[serde(rename = "where")]
    pub place: Words,
    /// A person or a country (谁).
    pub who: Words,
    /// An attitude (怎么看).
    pub attitude: Words,
    /// A list (哪些).
    pub list: Words,
    /// A manner (怎么), after every more specific facet.
    pub how: Words,
    /// After a place word, what makes it ask for a list (些, 方面).
    pub not_a_place_after: Words,
    /// A place question that asks for a source (从哪).
    pub origin: Words,
}

/// `[understanding.yes_no]`: what makes a question ask yes or no.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YesNoWords {
    /// Words anywhere (有没有, 是否).
    pub markers: Words,
    /// Endings (吗, 没有) …
    pub endings: Words,
    /// … unless the question ends in one of these (什么).
    pub open_endings: Words,
    /// The middle of the A-not-A form (谈没谈).
    pub a_not_a: Words,
    /// Verbs that ask whether the call touched a topic.
    pub discussion_verbs: Words,
}

/// `[understanding.negation]`: what negates a question.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NegationWords {
    /// Negations (没, 未).
    pub words: Words,
    /// Yes/no forms that contain a negation and negate nothing (有没有).
    pub yes_no_forms: Words,
}

/// `[understanding.figures]`: questions for a time or a number.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FigureWords {
    /// Question words that ask for a number.
    pub number_questions: Words,
    /// Characters after a numeral that make it a time.
    pub time_units: Words,
    /// The numerals of a time or a figure.
    pub numerals: Words,
    /// The numerals that make a quantity.
    pub quantity_numerals: Words,
    /// The question word of a count before its measure word (几).
    pub count_question: String,
    /// The question word of an amount (多少).
    pub amount_question: String,
    /// Each measure word a count asks in, then the ones an answer may give it in.
    pub counters: Vec<Words>,
    /// The end of a region's name (州).
    pub region_end: String,
    /// What ends a list whose figure is a total (等).
    pub list_end: String,
    /// Words that take a part out of a whole (其中).
    pub part_of: Words,
}

/// `[understanding.call]`: the call, its two sides and the events around it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallWords {
    /// The plainest wording of "what did they talk about".
    pub overview_question: String,
    /// Words of discussing.
    pub discussion_words: Words,
    /// Entities that name the call or its report.
    pub call_entities: Words,
    /// Entities too general to be a topic pointed back at.
    pub general_entities: Words,
    /// The two presidents.
    pub presidents: Words,
    /// The two sides, in pairs.
    pub sides: Vec<Words>,
    /// Verbs of events other than the call.
    pub event_verbs: Words,
    /// Words that name an event, which happens somewhere.
    pub event_words: Words,
    /// Words after which a name stands for a place.
    pub place_slots: Words,
    /// Words that point at an earlier call.
    pub earlier_call: Words,
    /// What a question asks how someone answered with (回应).
    pub responses: Words,
    /// Before a name, what makes it the judged, not the judge (对).
    pub judged: String,
    /// Words after a country's name that make someone else the speaker (舆论).
    pub qualified: Words,
}

/// `[follow_up]`: the cues of a follow-up (`crate::conversation::cues`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpWords {
    /// Openers that only link a message to the previous one (那, 所以).
    pub openers: Words,
    /// What, after an opener, makes it a word of its own (那个, 那些).
    pub not_opener_before: Words,
    /// Particles and fillers at the end of a message.
    pub endings: Words,
    /// The particle of an ellipsis (那欧洲呢).
    pub ellipsis_particle: String,
    /// A particle that may follow a bare cue (还有了).
    pub perfective: String,
    /// "More" cues.
    pub next: Words,
    /// "The last item" cues.
    pub last: Words,
    /// "The item before" cues (上一条).
    pub previous: Words,
    /// "Is that all" cues.
    pub complete: Words,
    /// Bare questions of what the last turn's talks are about.
    pub talks_about: Words,
    /// What is left of a question about who someone is once its pronoun is gone.
    pub identity_asks: Words,
    /// Pronouns for the last person, longest first.
    pub person_pronouns: Words,
    /// A plural containing a person pronoun that stands for no one person (他们).
    pub plural_person: String,
    /// Pronouns for the last topic, longest first.
    pub topic_pronouns: Words,
    /// Endings that ask for someone's attitude.
    pub attitude_endings: Words,
    /// Endings dropped from the new subject of an ellipsis (方面).
    pub subject_endings: Words,
    /// Openings dropped from the new subject of an ellipsis (关于).
    pub subject_openers: Words,
    /// Bare facet questions, by facet.
    pub bare_facets: BareFacets,
}

/// `[follow_up.bare_facets]`: messages that ask nothing but a facet of the last entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BareFacets {
    /// Why.
    pub why: Words,
    /// Who said it.
    pub who: Words,
    /// When.
    pub when: Words,
    /// Where.
    #[serde(rename = "where")]
    pub place: Words,
    /// How many.
    pub how_many: Words,
    /// More detail.
    pub detail: Words,
}

/// `[facets]`: the words that tell which facet a whole question asks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacetWords {
    /// Why.
    pub why: Words,
    /// Who said it.
    pub who: Words,
    /// When.
    pub when: Words,
    /// Where.
    #[serde(rename = "where")]
    pub place: Words,
    /// How many.
    pub how_many: Words,
    /// Someone's attitude (besides the attitude endings).
    pub attitude: Words,
}

/// `[given]`: questions for a detail, and how a text gives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GivenWords {
    /// Questions for where or through whom something was said.
    pub venue_asks: Words,
    /// Words of a text that give where or through whom.
    pub venue_words: Words,
    /// Questions for how long something lasts.
    pub duration_asks: Words,
    /// Units after a number that give a length of time.
    pub duration_units: Words,
    /// Questions for where something starts.
    pub start_asks: Words,
    /// The word a start is given from (从).
    pub start_from: String,
    /// The word a start is given with after it (开始).
    pub start_begins: String,
}

/// `[numbers]`: ordinals and Chinese numerals.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Numbers {
    /// What opens an ordinal (第).
    pub ordinal_prefix: String,
    /// What before an ordinal counts it from the end (倒数第二).
    pub from_end: String,
    /// What an ordinal counts in (点, 条).
    pub ordinal_units: Words,
    /// The measure word before what is counted (个).
    pub counter: String,
    /// The numerals one to nine, in order.
    pub digits: Words,
    /// Ten.
    pub ten: String,
    /// Zero.
    pub zero: String,
}

impl Numbers {
    /// A count from 0 to 10 in Chinese numerals; `None` for a larger one.
    pub fn numeral(&self, n: usize) -> Option<String> {
        match n {
            0 => Some(self.zero.clone()),
            10 => Some(self.ten.clone()),
            n => self.digits.get(n - 1).map(str::to_owned),
        }
    }

    /// Whether a character is a numeral from one to ten.
    pub fn is_numeral(&self, c: char) -> bool {
        let mut buffer = [0; 4];
        let c: &str = c.encode_utf8(&mut buffer);
        self.digits.contains(c) || self.ten == c
    }

    /// A number from 1 to 99 written in digits or Chinese numerals.
    pub fn value(&self, text: &str) -> Option<usize> {
        if let Ok(n) = text.parse::<usize>() {
            return (n > 0).then_some(n);
        }
        let digit = |c: &String| self.digits.position(c).map(|i| i + 1);
        let ten = |c: &String| *c == self.ten;
        let chars: Vec<String> = text.chars().map(String::from).collect();
        match chars.as_slice() {
            [t] if ten(t) => Some(10),
            [c] => digit(c),
            [t, u] if ten(t) => Some(10 + digit(u)?),
            [t, u] if ten(u) => Some(digit(t)? * 10),
            [t, m, u] if ten(m) => Some(digit(t)? * 10 + digit(u)?),
            _ => None,
        }
    }
}

/// `[conversation]`: what conversations know about the call and about answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConversationWords {
    /// Words that name the call itself, never a question's subject.
    pub call_words: Words,
    /// What follows a number in a date or an hour (日, 时).
    pub date_units: Words,
    /// Words a question asks for several things with (哪些).
    pub list_question_words: Words,
    /// What the points of the call are counted in (点).
    pub point: String,
    /// The question word that asks what follows a word (什么).
    pub what: String,
    /// Openings of a question about who said what follows (谁说).
    pub who_said: Words,
    /// Endings dropped from what follows 谁说.
    pub claim_endings: Words,
    /// Particles dropped from the thing a count asks of.
    pub question_particles: Words,
    /// Words that ask how a person reacted.
    pub reaction_words: Words,
    /// Words that ask who a person is.
    pub identity_words: Words,
    /// Words that ask about another time than the article's.
    pub earlier_words: Words,
    /// Words in a speaker's name that make it no person.
    pub not_people: Words,
    /// How a follow-up is rewritten into a whole question.
    pub rewrites: Rewrites,
}

/// `[conversation.rewrites]`: whole questions made of a follow-up's new subject.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rewrites {
    /// After a "did they discuss X?" question: `{subject}`.
    pub did_discuss: Template,
    /// After a question of someone's attitude to the call: `{subject}`.
    pub attitude: Template,
}

/// `[reply]`: names a reply never takes as the subject of a missing fact.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyWords {
    /// Both presidents together (双方).
    pub both_sides: String,
    /// The call, its parties and the article's source.
    pub not_subjects: Words,
}

/// `replies.toml`: every sentence the bot says.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replies {
    /// What the bot can talk about, said when it declines.
    pub scope: String,
    /// The same in English, for an English question not understood.
    pub scope_english: String,
    /// Declines (`{scope}`, `{scope_english}`).
    pub decline: Declines,
    /// Answers that say what the article does not report.
    pub answer: AnswerSentences,
    /// What a question asks that the article does not give, by name.
    pub missing: MissingNames,
    /// The verdicts on "did they discuss X?" (`{topic}`).
    pub verdict: Verdicts,
    /// Replies to follow-ups.
    pub follow_up: FollowUpSentences,
    /// How `--explain` names what a follow-up filled in.
    pub explain: ExplainWords,
    /// The screens' sentences.
    pub screen: ScreenSentences,
    /// The commands' descriptions.
    pub commands: CommandDescriptions,
    /// `callbot chat`'s sentences.
    pub chat: ChatSentences,
    /// `callbot ask`'s sentences.
    pub ask: AskSentences,
}

impl Replies {
    /// A sentence with `{scope}` and `{scope_english}` filled in.
    pub fn with_scope(&self, template: &Template) -> String {
        template.fill(&[("scope", &self.scope), ("scope_english", &self.scope_english)])
    }
}

/// `[decline]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declines {
    /// An empty message.
    pub empty: Template,
    /// A message with nothing to go on.
    pub too_little: Template,
    /// An English question not understood.
    pub english: Template,
    /// A message too long to be one question.
    pub too_long: Template,
    /// A yes/no question the article does not answer.
    pub yes_no: Template,
    /// Any other question the article does not answer.
    pub unknown: Template,
}

/// `[missing]`: the names of what a question asks that the article does not give.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissingNames {
    /// A date or a time.
    pub time: String,
    /// A number.
    pub number: String,
    /// A reason.
    pub reason: String,
    /// A place.
    pub place: String,
    /// Who it was.
    pub person: String,
    /// An attitude.
    pub attitude: String,
    /// Anything else.
    pub other: String,
    /// A count of one region of a list (`{region}`).
    pub region_count: Template,
    /// A part of a total (`{total}`).
    pub part_count: Template,
    /// Someone's response (`{who}`, `{asked}`).
    pub response: Template,
    /// Someone of a country by title (`{country}`, `{title}`).
    pub role: Template,
}

/// `[answer]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerSentences {
    /// A question set in a place the article does not name (`{place}`, `{answer}`).
    pub wrong_place: Template,
    /// A fact the article does not give (`{missing}`, `{said}`).
    pub not_reported: Template,
    /// The missing fact of someone (`{subject}`, `{missing}`).
    pub missing_of: Template,
    /// The missing fact when the question does not name it.
    pub this_point: Template,
}

/// `[verdict]`, by status (`{topic}`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdicts {
    /// Discussed.
    pub discussed: Template,
    /// Not discussed.
    pub not_discussed: Template,
    /// Not mentioned.
    pub not_mentioned: Template,
    /// Unclear.
    pub unclear: Template,
    /// Disputed.
    pub disputed: Template,
}

/// `[follow_up]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpSentences {
    /// A bare follow-up with nothing to follow (`{scope}`).
    pub clarify: Template,
    /// The name of the list of the seven points.
    pub seven_points: Template,
    /// A number past the end of a list (`{list}`, `{count}`, `{n}`).
    pub no_such_item: Template,
    /// "Is that all?" before the end of a list.
    pub not_finished: Template,
    /// "Is that all?" at the end of a list.
    pub finished: Template,
    /// "Is that all?" with no list (`{topic}`).
    pub topic_done: Template,
    /// The topic when the last entry is gone.
    pub this_topic: Template,
    /// Whose words an answer gives (`{speakers}`, `{answer}`).
    pub speakers: Template,
    /// The article does not say who said it (`{topic}`).
    pub no_speaker: Template,
    /// The article gives no time (`{topic}`).
    pub no_time: Template,
    /// The article gives no number (`{topic}`).
    pub no_number: Template,
    /// The article gives no place (`{topic}`).
    pub no_place: Template,
    /// The article gives no reason (`{topic}`).
    pub no_reason: Template,
    /// One of those, then what the article says (`{missing}`, `{answer}`).
    pub only_says: Template,
    /// A detail the article does not give (`{topic}`, `{missing}`, `{answer}`).
    pub unreported_detail: Template,
}

/// `[explain]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplainWords {
    /// An item of a list (`{list}`, `{n}`).
    pub item: Template,
    /// The related entry opened (`{id}`).
    pub related: Template,
    /// "Is that all?" with no list.
    pub topic: Template,
}

/// `[screen]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenSentences {
    /// Under an answer another entry matched almost as well.
    pub did_you_mean: Template,
    /// Under a reply that does not answer, before its suggestions.
    pub try_these: Template,
    /// /start's greeting.
    pub greeting: Template,
    /// /start's introduction (`{source}`, `{title}`).
    pub introduction: Template,
    /// /start's advice in Telegram.
    pub start_telegram: Template,
    /// /start's advice in the terminal.
    pub start_terminal: Template,
    /// Before the example questions.
    pub for_example: Template,
    /// /help in Telegram.
    pub help_telegram: Template,
    /// /help in the terminal.
    pub help_terminal: Template,
    /// /topics.
    pub topics: Template,
    /// /discussed's heading (`{count}`).
    pub discussed: Template,
    /// /discussed's second heading.
    pub discussed_others: Template,
    /// /not_discussed's heading.
    pub not_discussed: Template,
    /// /reactions' heading.
    pub reactions: Template,
    /// /source's source (`{source}`).
    pub source: Template,
    /// /source's sections (`{sections}`).
    pub sections: Template,
    /// A message that is not text (`{scope}`).
    pub not_text: Template,
    /// A question refused by flood control.
    pub too_fast: Template,
    /// A button the bot no longer knows.
    pub stale_button: Template,
}

/// `[commands]`: each command's description.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandDescriptions {
    /// /start.
    pub start: Template,
    /// /help.
    pub help: Template,
    /// /topics.
    pub topics: Template,
    /// /discussed.
    pub discussed: Template,
    /// /not_discussed.
    pub not_discussed: Template,
    /// /reactions.
    pub reactions: Template,
    /// /source.
    pub source: Template,
}

/// `[chat]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatSentences {
    /// Under the first screen.
    pub hint: Template,
    /// A number whose choice is gone.
    pub stale_choice: Template,
    /// A number when there are no choices.
    pub no_choices: Template,
    /// A number out of range (`{number}`, `{count}`).
    pub no_such_choice: Template,
    /// Echoed when a number picks a choice (`{number}`, `{question}`).
    pub picked: Template,
}

/// `[ask]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AskSentences {
    /// A `--dialogue` line that is not JSON (`{error}`).
    pub bad_line: Template,
}

/// The placeholders each sentence of `language.toml` may use, by key.
const LANGUAGE_PLACEHOLDERS: &[(&str, &[&str])] =
    &[("conversation.rewrites.did_discuss", &["subject"]), ("conversation.rewrites.attitude", &["subject"])];

/// The placeholders each sentence of `replies.toml` may use, by key; others use none.
const REPLY_PLACEHOLDERS: &[(&str, &[&str])] = &[
    ("decline.empty", &["scope", "scope_english"]),
    ("decline.too_little", &["scope", "scope_english"]),
    ("decline.english", &["scope", "scope_english"]),
    ("decline.too_long", &["scope", "scope_english"]),
    ("decline.yes_no", &["scope", "scope_english"]),
    ("decline.unknown", &["scope", "scope_english"]),
    ("answer.wrong_place", &["place", "answer"]),
    ("answer.not_reported", &["missing", "said"]),
    ("answer.missing_of", &["subject", "missing"]),
    ("missing.region_count", &["region"]),
    ("missing.part_count", &["total"]),
    ("missing.response", &["who", "asked"]),
    ("missing.role", &["country", "title"]),
    ("verdict.discussed", &["topic"]),
    ("verdict.not_discussed", &["topic"]),
    ("verdict.not_mentioned", &["topic"]),
    ("verdict.unclear", &["topic"]),
    ("verdict.disputed", &["topic"]),
    ("follow_up.clarify", &["scope", "scope_english"]),
    ("follow_up.no_such_item", &["list", "count", "n"]),
    ("follow_up.not_finished", &["list", "count", "topics", "position", "rest"]),
    ("follow_up.finished", &["list", "count", "topics"]),
    ("follow_up.topic_done", &["topic"]),
    ("follow_up.speakers", &["speakers", "answer"]),
    ("follow_up.no_speaker", &["topic"]),
    ("follow_up.no_time", &["topic"]),
    ("follow_up.no_number", &["topic"]),
    ("follow_up.no_place", &["topic"]),
    ("follow_up.no_reason", &["topic"]),
    ("follow_up.only_says", &["missing", "answer"]),
    ("follow_up.unreported_detail", &["topic", "missing", "answer"]),
    ("explain.item", &["list", "n"]),
    ("explain.related", &["id"]),
    ("screen.introduction", &["source", "title"]),
    ("screen.discussed", &["count"]),
    ("screen.source", &["source"]),
    ("screen.sections", &["sections"]),
    ("screen.not_text", &["scope", "scope_english"]),
    ("chat.no_such_choice", &["number", "count"]),
    ("chat.picked", &["number", "question"]),
    ("ask.bad_line", &["error"]),
];

/// Keys whose value is one character.
const ONE_CHARACTER: [&str; 2] = ["numbers.ten", "numbers.zero"];

impl Language {
    /// Parses and checks `language.toml`; `None` (with the problems) if it is broken.
    pub fn parse(text: &str, problems: &mut Vec<Problem>) -> Option<Self> {
        let language: Self = parse(text, LANGUAGE_FILE, LANGUAGE_PLACEHOLDERS, problems)?;
        let digits = &language.numbers.digits;
        if digits.iter().count() != 9 || digits.iter().any(|d| d.chars().count() != 1) {
            problems.push(Problem {
                file: LANGUAGE_FILE.to_owned(),
                line: line_of_key(text, "numbers", "digits"),
                entry: None,
                message: "`numbers.digits` must be the nine numerals from one to nine, one character each"
                    .to_owned(),
            });
            return None;
        }
        Some(language)
    }
}

impl Replies {
    /// Parses and checks `replies.toml`; `None` (with the problems) if it is broken.
    pub fn parse(text: &str, problems: &mut Vec<Problem>) -> Option<Self> {
        parse(text, REPLIES_FILE, REPLY_PLACEHOLDERS, problems)
    }
}

/// Deserialises a file, then checks every value: no empty list or word, and only known
/// placeholders in sentences.
fn parse<T: DeserializeOwned>(
    text: &str,
    file: &str,
    placeholders: &[(&str, &[&str])],
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let parsed: T = match toml::from_str(text) {
        Ok(parsed) => parsed,
        Err(err) => {
            problems.push(Problem {
                file: file.to_owned(),
                line: err.span().map(|span| line_of(text, span.start)),
                entry: None,
                message: format!("malformed TOML: {}", err.message().trim_end_matches('\n')),
            });
            return None;
        }
    };
    let before = problems.len();
    if let Ok(table) = DeTable::parse(text) {
        let mut check = Check { text, file, placeholders, problems };
        check.table("", table.get_ref());
    }
    (problems.len() == before).then_some(parsed)
}

/// The line of `key` in `[table]`, for problems serde does not locate.
fn line_of_key(text: &str, table: &str, key: &str) -> Option<usize> {
    let parsed = DeTable::parse(text).ok()?;
    let DeValue::Table(inner) = parsed.get_ref().get(table)?.get_ref() else { return None };
    inner.get(key).map(|value| line_of(text, value.span().start))
}

/// The check of every value of a parsed file.
struct Check<'a> {
    text: &'a str,
    file: &'a str,
    placeholders: &'a [(&'a str, &'a [&'a str])],
    problems: &'a mut Vec<Problem>,
}

impl Check<'_> {
    fn table(&mut self, prefix: &str, table: &DeTable<'_>) {
        for (key, value) in table {
            let key = if prefix.is_empty() {
                key.get_ref().to_string()
            } else {
                format!("{prefix}.{}", key.get_ref())
            };
            self.value(&key, value);
        }
    }

    fn value(&mut self, key: &str, value: &Spanned<DeValue<'_>>) {
        let at = value.span().start;
        match value.get_ref() {
            DeValue::Table(table) => self.table(key, table),
            DeValue::Array(items) if items.is_empty() => {
                self.problem(at, format!("`{key}` is an empty list: give at least one word"));
            }
            DeValue::Array(items) => {
                for item in items.iter() {
                    self.value(key, item);
                }
            }
            DeValue::String(text) => self.string(key, text, at),
            _ => {}
        }
    }

    fn string(&mut self, key: &str, text: &str, at: usize) {
        if text.trim().is_empty() {
            self.problem(at, format!("`{key}` has an empty word or sentence: write it, or remove it"));
            return;
        }
        if ONE_CHARACTER.contains(&key) && text.chars().count() != 1 {
            self.problem(at, format!("`{key}` must be one character, not `{text}`"));
        }
        let allowed = self.placeholders.iter().find(|(k, _)| *k == key).map_or(&[][..], |(_, p)| *p);
        for piece in pieces(text) {
            let message = match piece {
                Piece::Text(_) => continue,
                Piece::Broken => {
                    format!("`{key}` has a brace with no partner in `{text}`: write {{{{ or }}}} for a brace")
                }
                Piece::Slot(name) if allowed.contains(&name) => continue,
                Piece::Slot(name) if allowed.is_empty() => {
                    format!("`{key}` has the placeholder {{{name}}}, but this sentence takes none")
                }
                Piece::Slot(name) => format!(
                    "`{key}` has an unknown placeholder {{{name}}}: this sentence may use {}",
                    allowed.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(", ")
                ),
            };
            self.problem(at, message);
        }
    }

    fn problem(&mut self, at: usize, message: String) {
        self.problems.push(Problem {
            file: self.file.to_owned(),
            line: Some(line_of(self.text, at)),
            entry: None,
            message,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LANGUAGE: &str = include_str!("../../knowledge/language.toml");
    const REPLIES: &str = include_str!("../../knowledge/replies.toml");

    #[test]
    fn the_project_files_are_valid() {
        let mut problems = Vec::new();
        assert!(Language::parse(LANGUAGE, &mut problems).is_some(), "{problems:?}");
        assert!(Replies::parse(REPLIES, &mut problems).is_some(), "{problems:?}");
    }

    #[test]
    fn a_template_fills_its_placeholders_and_keeps_doubled_braces() {
        let template = Template("文章没有说{topic}的地点。{{\"q\": \"…\"}}".to_owned());
        assert_eq!(template.fill(&[("topic", "冰球")]), "文章没有说冰球的地点。{\"q\": \"…\"}");
    }

    #[test]
    fn an_unknown_placeholder_is_refused_with_its_line() {
        let text = REPLIES.replace("谈到了{topic}。", "谈到了{subject}。");
        let mut problems = Vec::new();
        assert!(Replies::parse(&text, &mut problems).is_none());
        assert_eq!(problems.len(), 1, "{problems:?}");
        let line = text.lines().position(|l| l.contains("{subject}。")).map(|i| i + 1);
        assert_eq!((problems[0].file.as_str(), problems[0].line), (REPLIES_FILE, line));
        assert!(problems[0].message.contains("unknown placeholder {subject}"), "{}", problems[0].message);
    }

    #[test]
    fn an_empty_list_a_missing_key_and_an_unknown_key_are_refused() {
        let empty = LANGUAGE.replace("last = [\"最后一点\"", "last = [] #");
        let mut problems = Vec::new();
        assert!(Language::parse(&empty, &mut problems).is_none());
        assert!(problems[0].message.contains("`follow_up.last` is an empty list"), "{problems:?}");
        let missing = LANGUAGE.replace("ten = \"十\"\n", "");
        let mut problems = Vec::new();
        assert!(Language::parse(&missing, &mut problems).is_none());
        assert!(problems[0].message.contains("missing field `ten`"), "{problems:?}");
        let unknown = REPLIES.replace("[chat]\n", "[chat]\nbye = \"再见\"\n");
        let mut problems = Vec::new();
        assert!(Replies::parse(&unknown, &mut problems).is_none());
        assert!(problems[0].message.contains("unknown field `bye`"), "{problems:?}");
        assert!(problems[0].line.is_some());
    }

    #[test]
    fn chinese_numerals_read_and_write() {
        let mut problems = Vec::new();
        let numbers = Language::parse(LANGUAGE, &mut problems).expect("valid").numbers;
        assert_eq!(numbers.value("十二"), Some(12));
        assert_eq!(numbers.value("三十"), Some(30));
        assert_eq!(numbers.value("4"), Some(4));
        assert_eq!(numbers.numeral(7).as_deref(), Some("七"));
        assert_eq!(numbers.numeral(11), None);
    }
}
