//! Coverage: which of the article's sentences the knowledge answers or quotes, so that an
//! editor sees what no entry covers yet.
//!
//! A sentence is *quoted* when an entry's quote overlaps it (the quote lies in the
//! sentence, or the sentence in a quote that spans several). It is *answered* when one
//! entry's answer shares at least [`ANSWER_OVERLAP`] of the sentence's character pairs:
//! answers retell the article in other words, but they keep its names, numbers and
//! key terms, and pairs of characters catch those whatever the word order.

use std::collections::HashSet;

use crate::knowledge::{KnowledgeBase, strip_corrections};

/// The share of a sentence's character pairs an answer must contain to answer it.
pub const ANSWER_OVERLAP: f64 = 0.5;

/// How one sentence is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Covered {
    /// An entry quotes it.
    Quoted,
    /// An entry's answer retells it.
    Answered,
    /// No entry covers it.
    Not,
}

/// A sentence of the article and how it is covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// The sentence.
    pub text: String,
    /// How it is covered.
    pub covered: Covered,
}

/// One section's sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionCoverage {
    /// The section's id.
    pub id: String,
    /// The section's name.
    pub name: String,
    /// Its sentences, in order.
    pub sentences: Vec<Sentence>,
}

impl SectionCoverage {
    /// The sentences no entry covers.
    pub fn uncovered(&self) -> impl Iterator<Item = &Sentence> {
        self.sentences.iter().filter(|s| s.covered == Covered::Not)
    }
}

/// The coverage of every section, in the article's order.
pub fn coverage(knowledge: &KnowledgeBase) -> Vec<SectionCoverage> {
    let quotes: Vec<String> = knowledge
        .entries
        .iter()
        .flat_map(|e| &e.quotes)
        .map(|q| trim_end(&strip_corrections(&q.text)).to_owned())
        .collect();
    let answers: Vec<HashSet<(char, char)>> = knowledge.entries.iter().map(|e| pairs(&e.answer)).collect();
    knowledge
        .article
        .sections
        .iter()
        .map(|section| SectionCoverage {
            id: section.id.clone(),
            name: section.name.clone(),
            sentences: section
                .paragraphs
                .iter()
                .flat_map(|p| sentences(p))
                .map(|text| {
                    let covered = how_covered(text, &quotes, &answers);
                    Sentence { text: text.to_owned(), covered }
                })
                .collect(),
        })
        .collect()
}

/// The share of all sentences covered, 0–1, with the counts (covered, all).
pub fn share(sections: &[SectionCoverage]) -> (usize, usize, f64) {
    let all: usize = sections.iter().map(|s| s.sentences.len()).sum();
    let uncovered: usize = sections.iter().map(|s| s.uncovered().count()).sum();
    let covered = all - uncovered;
    (covered, all, if all == 0 { 1.0 } else { covered as f64 / all as f64 })
}

fn how_covered(sentence: &str, quotes: &[String], answers: &[HashSet<(char, char)>]) -> Covered {
    let core = trim_end(sentence);
    if quotes.iter().any(|q| !q.is_empty() && (core.contains(q.as_str()) || q.contains(core))) {
        return Covered::Quoted;
    }
    let own = pairs(core);
    if own.is_empty() {
        return Covered::Answered;
    }
    let best = answers.iter().map(|a| own.intersection(a).count()).max().unwrap_or(0);
    if best as f64 / own.len() as f64 >= ANSWER_OVERLAP { Covered::Answered } else { Covered::Not }
}

/// A paragraph's sentences: each ends with 。！？ (with a closing quote that follows).
fn sentences(paragraph: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = paragraph.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, '。' | '！' | '？' | '!' | '?') {
            let mut end = i + c.len_utf8();
            while let Some(&(j, next)) = chars.peek() {
                if !matches!(next, '”' | '’' | '」' | '』' | '）' | '。' | '！' | '？') {
                    break;
                }
                end = j + next.len_utf8();
                chars.next();
            }
            push_sentence(&mut out, &paragraph[start..end]);
            start = end;
        }
    }
    push_sentence(&mut out, &paragraph[start..]);
    out
}

fn push_sentence<'a>(out: &mut Vec<&'a str>, text: &'a str) {
    let text = text.trim();
    if !text.is_empty() {
        out.push(text);
    }
}

fn trim_end(text: &str) -> &str {
    text.trim_end_matches(['。', '！', '？', '!', '?', '”', '’', '」', '』'])
        .trim_start_matches(['“', '‘', '「', '『'])
}

/// The sentence's pairs of adjacent letters or digits (punctuation and spaces cut pairs).
fn pairs(text: &str) -> HashSet<(char, char)> {
    let mut out = HashSet::new();
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if let Some(p) = previous {
                out.insert((p, c));
            }
            previous = Some(c);
        } else {
            previous = None;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_end_after_their_closing_quote() {
        assert_eq!(sentences("他说：“好。”随后离开。最后"), vec!["他说：“好。”", "随后离开。", "最后"]);
    }

    #[test]
    fn pairs_skip_punctuation() {
        assert_eq!(pairs("普京，特朗").len(), 2);
    }
}
