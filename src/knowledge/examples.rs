//! Labelled examples (`examples/*.toml`): questions people ask, each with the entry that
//! answers it or marked out of scope. The matcher's model learns from them, beside the
//! entries' own phrasings; editors improve understanding by adding examples, not code.

use serde::Deserialize;
use toml::Spanned;

use super::error::{Lines, Problem};

/// The label of a question no entry answers: the bot declines it.
pub const OUT_OF_SCOPE: &str = "out_of_scope";
/// The longest example, in characters: as long as a question the bot reads.
const MAX_EXAMPLE_CHARS: usize = 500;

/// One labelled question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The question as a user would type it.
    pub question: String,
    /// The position of the entry that answers it, or `None` when it is out of scope.
    pub entry: Option<usize>,
    /// What kind of question it is (a style such as `chat`, or why it is out of scope,
    /// such as `injection`): evaluation reports each kind apart.
    pub kind: String,
    /// Where it is written, for messages: `examples/chat.toml:12`.
    pub place: String,
}

/// One `examples/*.toml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleFile {
    /// The `[[example]]` tables.
    #[serde(default)]
    example: Vec<RawExample>,
}

/// An `[[example]]` table as written: some questions of one kind, with their label.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExample {
    entry: Spanned<String>,
    kind: String,
    questions: Vec<Spanned<String>>,
}

/// Checks the examples of one file against the entries' ids (`id_of` gives an id's
/// position) and returns them; every problem found is added to `problems`.
pub fn check(
    file: &str,
    text: &str,
    parsed: ExampleFile,
    id_of: impl Fn(&str) -> Option<usize>,
    problems: &mut Vec<Problem>,
) -> Vec<Example> {
    let mut examples = Vec::new();
    let lines = Lines::new(text);
    for table in parsed.example {
        let label = table.entry.get_ref();
        let line = lines.of(table.entry.span().start);
        let entry = if label == OUT_OF_SCOPE { None } else { id_of(label) };
        if label != OUT_OF_SCOPE && entry.is_none() {
            problems.push(Problem {
                file: file.to_owned(),
                line: Some(line),
                entry: None,
                message: format!(
                    "example label `{label}` is not the id of any entry: use an entry's id, or `{OUT_OF_SCOPE}` for questions the bot must decline"
                ),
            });
            continue;
        }
        if table.kind.trim().is_empty() {
            problems.push(Problem {
                file: file.to_owned(),
                line: Some(line),
                entry: None,
                message:
                    "an example's `kind` is empty: say what kind of question they are (chat, typo, english …)"
                        .to_owned(),
            });
        }
        for question in table.questions {
            let line = lines.of(question.span().start);
            let text = question.into_inner();
            let length = text.chars().count();
            let message = if text.trim().is_empty() {
                Some("an example question is empty".to_owned())
            } else if length > MAX_EXAMPLE_CHARS {
                Some(format!("an example question has {length} characters, more than {MAX_EXAMPLE_CHARS}"))
            } else if text.contains('\n') {
                Some("an example question spans several lines: write it on one".to_owned())
            } else {
                None
            };
            if let Some(message) = message {
                problems.push(Problem { file: file.to_owned(), line: Some(line), entry: None, message });
                continue;
            }
            examples.push(Example {
                question: text,
                entry,
                kind: table.kind.clone(),
                place: format!("{file}:{line}"),
            });
        }
    }
    examples
}
