//! `callbot ask`: answers from the terminal, as text or JSON lines.

use std::borrow::Cow;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use crate::conversation::{self, Context, Usage};
use crate::engine::Engine;
use crate::matcher::Match;
use crate::reply::Reply;
use crate::review::ReviewLog;

/// Arguments of `callbot ask`.
#[derive(Debug, Args)]
pub struct AskArgs {
    /// Print one JSON object per question (other output goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Show the normalised question, its words and the candidates' scores.
    #[arg(long)]
    pub explain: bool,
    /// Append the questions to review to FILE, as `callbot bot` does, for `callbot review`.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Read standard input as JSON lines `{"chat": "<id>", "q": "<question>"}` and answer
    /// each within its chat's conversation (needs `--json`; chats may be interleaved).
    #[arg(long, requires = "json")]
    pub dialogue: bool,
    /// The questions; with none, read standard input, one question per line.
    pub questions: Vec<String>,
}

/// The kind of chat the review log gives for `ask`'s questions (the bot gives
/// `private` or `group`).
const LOGGED_CHAT: &str = "terminal";

/// One line of `--json` output.
#[derive(Debug, Serialize)]
pub struct JsonReply<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    chat: Option<&'a str>,
    question: &'a str,
    answered: bool,
    entry: Option<&'a str>,
    score: f64,
    answer: String,
    /// The script the reply is written in (`zh-Hans`, `zh-Hant-TW`, `zh-Hant-HK`).
    script: &'static str,
    quotes: Vec<JsonQuote<'a>>,
    follow_ups: Vec<Cow<'a, str>>,
    alternatives: Vec<JsonAlternative<'a>>,
}

/// A quote as the reply shows it: the article's words, in the reply's script.
#[derive(Debug, Serialize)]
struct JsonQuote<'a> {
    text: Cow<'a, str>,
    /// `direct`, `reported` or `narration`.
    kind: &'static str,
    speaker: Cow<'a, str>,
    section: &'a str,
}

#[derive(Debug, Serialize)]
struct JsonAlternative<'a> {
    entry: &'a str,
    score: f64,
}

impl<'a> JsonReply<'a> {
    /// The JSON form of a question's match and reply.
    pub fn new(engine: &'a Engine, question: &'a str, found: &Match, reply: &'a Reply) -> Self {
        Self {
            chat: None,
            question,
            answered: reply.is_answered(),
            entry: reply.entry.as_deref(),
            score: found.best().map_or(0.0, |c| round(c.score)),
            answer: reply.to_plain_text(engine),
            script: reply.script.tag(),
            quotes: json_quotes(reply),
            follow_ups: follow_ups(reply),
            alternatives: found
                .candidates
                .iter()
                .skip(1)
                .map(|c| JsonAlternative {
                    entry: &engine.knowledge().entries[c.entry].id,
                    score: round(c.score),
                })
                .collect(),
        }
    }
}

fn json_quotes(reply: &Reply) -> Vec<JsonQuote<'_>> {
    let script = reply.script;
    reply
        .quotes
        .iter()
        .map(|q| JsonQuote {
            text: script.write(&q.text),
            kind: q.kind.name(),
            speaker: script.write(&q.speaker),
            section: &q.section,
        })
        .collect()
}

fn follow_ups(reply: &Reply) -> Vec<Cow<'_, str>> {
    reply.suggestions.iter().map(|s| reply.script.write(&s.question)).collect()
}

fn round(score: f64) -> f64 {
    (score * 1000.0).round() / 1000.0
}

/// The most of one input line that is kept: far more than the longest question read
/// (`matcher.max_question_chars`), far less than a line that would fill the memory.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// Reads the next line into `line` (cleared first), keeping at most [`MAX_LINE_BYTES`]
/// of it: the rest is read and dropped, never held, so a 100 MB line costs no more than
/// a long one (its kept part is declined as too long). `false` at the end of input.
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<bool> {
    line.clear();
    let mut cut = false;
    let mut any = false;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (taken, ends) = match chunk.iter().position(|&b| b == b'\n') {
            Some(at) => (at + 1, true),
            None => (chunk.len(), false),
        };
        let room = MAX_LINE_BYTES.saturating_sub(line.len());
        cut |= taken > room;
        line.extend_from_slice(&chunk[..taken.min(room)]);
        input.consume(taken);
        if ends {
            break;
        }
    }
    if cut {
        // The cut must not split a character: what is kept ends where one ends.
        if let Err(error) = std::str::from_utf8(line)
            && error.error_len().is_none()
        {
            line.truncate(error.valid_up_to());
        }
        log::warn!("a line longer than {MAX_LINE_BYTES} bytes was cut to its first {MAX_LINE_BYTES}");
    }
    Ok(any)
}

/// Answers the arguments, or each line of standard input until its end.
/// Answers the questions; the ones to review go to `review`, if given.
pub fn run(engine: &Engine, args: &AskArgs, review: Option<&ReviewLog>) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if !args.questions.is_empty() {
        for question in &args.questions {
            answer_one(engine, args, review, question, &mut out)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    if args.dialogue {
        return dialogue(engine, args, review, &mut input, &mut out);
    }
    let mut line = Vec::new();
    while read_line(&mut input, &mut line)? {
        let bytes = line.strip_suffix(b"\n").unwrap_or(&line);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(question) => answer_one(engine, args, review, question, &mut out)?,
            Err(_) => {
                // The line is answered all the same (so replies stay in step with
                // questions), from its readable part, with a warning.
                log::warn!("line is not valid UTF-8; its invalid bytes were replaced");
                let question = String::from_utf8_lossy(bytes).replace('\u{FFFD}', "");
                answer_one(engine, args, review, &question, &mut out)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn answer_one(
    engine: &Engine,
    args: &AskArgs,
    review: Option<&ReviewLog>,
    question: &str,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let (found, reply) = engine.ask(question);
    if let Some(review) = review {
        review.note(engine, LOGGED_CHAT, question, &found, &reply);
    }
    if args.explain {
        let explanation = explain(engine, &found);
        if args.json {
            eprintln!("{explanation}");
        } else {
            writeln!(out, "{explanation}")?;
        }
    }
    if args.json {
        serde_json::to_writer(&mut *out, &JsonReply::new(engine, question, &found, &reply))?;
        writeln!(out)?;
    } else {
        writeln!(out, "{}\n", reply.to_plain_text(engine))?;
    }
    out.flush()?;
    Ok(())
}

/// The matcher's view of a question, for `--explain`.
pub fn explain(engine: &Engine, found: &Match) -> String {
    let analysis = &found.analysis;
    let entities: Vec<String> =
        analysis.entities.iter().map(|e| format!("{} ({:?})", e.name, e.kind)).collect();
    let mut text = format!(
        "normalised: {}\nwords: {}\nanalysis: facet {:?}; entities [{}]; predicate {}; negated {}; content words [{}]; detail asked {}; english {}\nthe best entry gives: {:?}; missing from it: {}\nyes/no: {} (asks whether the call touched it: {})\noutcome: {:?}\nmodel: out of scope {:.3} (declined at {:.2}); features that raised the best entry: {}\ncandidates (score = {:.2} probability + {:.2} words; words = 0.5 coverage + 0.3 similarity + 0.2 relevance [+ 0.05 status bonus] - 0.2 per named entity the entry lacks, - 0.25 per unknown name):",
        found.normalized,
        found.words.join(" | "),
        analysis.facet,
        entities.join(", "),
        analysis.predicate.as_deref().unwrap_or("-"),
        analysis.negated,
        analysis.content_words.join(", "),
        analysis.detail.map_or("-".to_owned(), |d| engine.knowledge().lexicon.detail[d].name.clone()),
        analysis.english,
        found.best_gives,
        found.missing.as_deref().unwrap_or("-"),
        found.yes_no,
        found.about_the_call,
        found.outcome,
        found.out_of_scope,
        engine.config().matcher.out_of_scope,
        found
            .reasons
            .iter()
            .map(|(feature, weight)| format!("{feature} {weight:+.2}"))
            .collect::<Vec<_>>()
            .join(", "),
        engine.config().matcher.learned_weight,
        1.0 - engine.config().matcher.learned_weight
    );
    for c in &found.candidates {
        text.push_str(&format!(
            "\n  {:<24} score {:.3}  probability {:.3}  coverage {:.3}  similarity {:.3}  bm25 {:.2}",
            engine.knowledge().entries[c.entry].id,
            c.score,
            c.probability,
            c.coverage,
            c.similarity,
            c.bm25
        ));
    }
    text
}

/// One line of `--dialogue` input.
#[derive(Debug, serde::Deserialize)]
struct DialogueLine {
    chat: String,
    q: String,
    /// When the message is sent, in seconds since the Unix epoch (default: now), so
    /// that expiry can be tried.
    at: Option<u64>,
}

/// `--dialogue`: JSON lines of chats and questions, one context per chat, one reply per line.
fn dialogue(
    engine: &Engine,
    args: &AskArgs,
    review: Option<&ReviewLog>,
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let mut contexts: std::collections::HashMap<String, Context> = std::collections::HashMap::new();
    let mut line = Vec::new();
    loop {
        if !read_line(input, &mut line)? {
            return Ok(ExitCode::SUCCESS);
        }
        let text = String::from_utf8_lossy(&line);
        if text.trim().is_empty() {
            continue;
        }
        let parsed: DialogueLine = match serde_json::from_str(text.trim()) {
            Ok(parsed) => parsed,
            Err(error) => {
                let reply = serde_json::json!({
                    "chat": null,
                    "question": text.trim(),
                    "answered": false,
                    "answer": engine.knowledge().replies.ask.bad_line.fill(&[("error", &error.to_string())]),
                    "error": true,
                });
                writeln!(out, "{reply}")?;
                out.flush()?;
                continue;
            }
        };
        let now = parsed.at.unwrap_or_else(conversation::now);
        let turn = engine.converse(contexts.get(&parsed.chat), &parsed.q, now);
        if let (Some(review), Some(found)) = (review, &turn.found) {
            review.note(engine, LOGGED_CHAT, &parsed.q, found, &turn.reply);
        }
        match &turn.context {
            Some(context) => contexts.insert(parsed.chat.clone(), context.clone()),
            None => contexts.remove(&parsed.chat),
        };
        if args.explain {
            eprintln!("[{}] {}", parsed.chat, explain_usage(turn.usage.as_ref()));
            if let Some(found) = &turn.found {
                eprintln!("{}", explain(engine, found));
            }
        }
        let mut json = match &turn.found {
            Some(found) => JsonReply::new(engine, &parsed.q, found, &turn.reply),
            None => JsonReply::opened(engine, &parsed.q, &turn.reply),
        };
        json.chat = Some(&parsed.chat);
        serde_json::to_writer(&mut *out, &json)?;
        writeln!(out)?;
        out.flush()?;
    }
}

impl<'a> JsonReply<'a> {
    /// The JSON form of a reply given without matching (from the conversation's context).
    fn opened(engine: &Engine, question: &'a str, reply: &'a Reply) -> Self {
        Self {
            chat: None,
            question,
            answered: reply.is_answered(),
            entry: reply.entry.as_deref(),
            score: if reply.entry.is_some() { 1.0 } else { 0.0 },
            answer: reply.to_plain_text(engine),
            script: reply.script.tag(),
            quotes: json_quotes(reply),
            follow_ups: follow_ups(reply),
            alternatives: Vec::new(),
        }
    }
}

/// How a turn used its conversation, for `--explain`.
fn explain_usage(usage: Option<&Usage>) -> String {
    match usage {
        None => "context: not used (answered on its own)".to_owned(),
        Some(usage) => format!(
            "context: {} follow-up of the turn that answered {}; filled: {}{}",
            usage.cue,
            usage.earlier.as_deref().unwrap_or("-"),
            usage.filled,
            usage.rewritten.as_deref().map(|q| format!("; asked as: {q}")).unwrap_or_default()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_line_is_kept_to_its_first_bytes_and_the_next_line_is_whole() {
        let mut input = Vec::new();
        input.extend(std::iter::repeat_n(b'x', 10 * MAX_LINE_BYTES));
        input.extend_from_slice(b"\nnext\nlast");
        let mut reader = std::io::BufReader::with_capacity(1024, &input[..]);
        let mut line = Vec::new();
        assert!(read_line(&mut reader, &mut line).expect("reads"));
        assert_eq!(line.len(), MAX_LINE_BYTES);
        assert!(read_line(&mut reader, &mut line).expect("reads"));
        assert_eq!(line, b"next\n");
        assert!(read_line(&mut reader, &mut line).expect("reads"));
        assert_eq!(line, b"last");
        assert!(!read_line(&mut reader, &mut line).expect("reads"));
    }
}
