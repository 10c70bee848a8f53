//! Question analysis: what a question asks (its facet), about whom or what (its entities),
//! with which verb (its predicate), whether it is negated, and which content words are
//! left once function words are set aside.
//!
//! The matcher uses the analysis to decide, not to rank: a question with no content left
//! (为什么, 谁, 真的吗) is asked to say more instead of getting a confident answer; an
//! entry answers only a question whose named people and places it mentions and whose
//! facet (a date, a number, a reason) it gives. The reply uses it to say specifically
//! what the article does not report.

use std::collections::HashMap;

use aho_corasick::AhoCorasick;

use crate::knowledge::language::{AnswerWords, MissingNames, UnderstandingWords};
use crate::knowledge::{EntityKind, Language, Lexicon};

use super::intent::Intent;
use super::normalize::basic_form;
use super::segment::Word;

/// What a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Facet {
    /// What happened or was said (the default).
    What,
    /// Who did or said it.
    Who,
    /// A date, a time or a duration.
    When,
    /// A place.
    Where,
    /// A number.
    HowMany,
    /// A reason.
    Why,
    /// A manner or a means.
    How,
    /// An attitude or a reaction (怎么看, 什么态度).
    Attitude,
    /// Whether the call touched a topic (谈到X了吗).
    DidDiscuss,
    /// A list (哪些).
    List,
    /// Where the information comes from.
    Source,
    /// What a word or a figure of speech means.
    Meaning,
}

impl Facet {
    /// The facet as a reply names the fact the article does not give.
    pub fn missing_name(self, names: &MissingNames) -> &str {
        match self {
            Self::When => &names.time,
            Self::HowMany => &names.number,
            Self::Why => &names.reason,
            Self::Where => &names.place,
            Self::Who => &names.person,
            Self::Attitude => &names.attitude,
            _ => &names.other,
        }
    }
}

/// An entity named in a question, as the lexicon names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// The canonical name, as in the lexicon (in basic form).
    pub name: String,
    /// What kind of thing it is.
    pub kind: EntityKind,
}

/// What the analysis made of a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    /// What the question asks for.
    pub facet: Facet,
    /// The entities it names, in order of appearance.
    pub entities: Vec<Entity>,
    /// Its main verb (谈, 说, 同意 …), if any.
    pub predicate: Option<String>,
    /// Whether it is negated (没谈什么, 没有提到).
    pub negated: bool,
    /// The words left once function words, question words and generic verbs are set aside.
    pub content_words: Vec<String>,
    /// The detail asked for that an answer gives only if it says so (年龄, 比赛结果).
    pub detail: Option<usize>,
    /// Whether the question was written in English.
    pub english: bool,
    /// A title of a country the article names no one for (俄罗斯, 国防部长).
    pub unknown_role: Option<(String, String)>,
}

impl Analysis {
    /// The analysis of a message with nothing in it.
    pub fn empty() -> Self {
        Self {
            facet: Facet::What,
            entities: Vec::new(),
            predicate: None,
            negated: false,
            content_words: Vec::new(),
            detail: None,
            english: false,
            unknown_role: None,
        }
    }

    /// Whether anything is left to go on: an entity or a content word.
    pub fn has_content(&self) -> bool {
        !self.entities.is_empty() || !self.content_words.is_empty() || self.detail.is_some()
    }

    /// Whether the question only asks what the call covered (他们谈了什么, 这次通话说了啥,
    /// 简单概括一下这次通话, 双方达成了哪些共识): it names the call or its two presidents,
    /// and nothing else but words asking for a summary or for what they agreed.
    pub fn asks_what_the_call_covered(&self, words: &UnderstandingWords) -> bool {
        let call = &words.call;
        let both_presidents = call.presidents.iter().all(|p| self.names(p));
        let names_the_call = call.general_entities.iter().any(|e| self.names(e)) || both_presidents;
        names_the_call
            && self.content_words.iter().all(|w| words.summary_words.contains(w))
            && matches!(self.facet, Facet::What | Facet::List)
            && !self.negated
            && self
                .entities
                .iter()
                .all(|e| call.general_entities.contains(&e.name) || call.presidents.contains(&e.name))
    }

    /// Whether the question names this entity.
    pub fn names(&self, name: &str) -> bool {
        self.entities.iter().any(|e| e.name == name)
    }
}

/// An entity of the lexicon, ready to be found in normalised text.
#[derive(Debug, Clone)]
pub(crate) struct KnownEntity {
    name: String,
    kind: EntityKind,
}

/// The lexicon's entities and details, prepared for analysis.
#[derive(Debug, Clone)]
pub(crate) struct Analyzer {
    /// Entities by the first character of their name, longest name first, so that
    /// 俄罗斯总统网站 wins over 俄罗斯.
    entities: HashMap<char, Vec<KnownEntity>>,
    /// Each detail's question words, in basic form.
    detail_asks: Vec<Vec<String>>,
    /// Every detail's question words at once, each pattern's detail beside it.
    details: Markers<usize>,
    /// Every facet's question words at once, each pattern's facet (by priority) beside it.
    facets: Markers<usize>,
    /// The predicates at once.
    predicates: Markers<usize>,
    /// The roles' titles at once (首相, 国防部长).
    titles: Markers<()>,
    /// The words questions are read with.
    words: UnderstandingWords,
    /// The words that show what an answer gives.
    answers: AnswerWords,
    /// The kind of question.
    intent: Intent,
}

/// Words looked for all at once (Aho–Corasick), each with a value.
#[derive(Debug, Clone)]
struct Markers<T> {
    automaton: Option<AhoCorasick>,
    values: Vec<T>,
}

impl<T: Copy> Markers<T> {
    fn new<'a>(patterns: impl IntoIterator<Item = (&'a str, T)>) -> Self {
        let (words, values): (Vec<&str>, Vec<T>) = patterns.into_iter().unzip();
        Self { automaton: AhoCorasick::new(words).ok(), values }
    }

    /// Every occurrence that no longer occurrence contains: 哪几点 (which points) leaves
    /// out the 几点 (what time) inside it; 在哪 and 哪天 in 在哪天 both stay.
    fn find_outermost(&self, text: &str) -> Vec<(usize, usize, T)> {
        let all: Vec<(usize, usize, T)> = self.find_all(text).collect();
        all.iter()
            .filter(|(start, end, _)| {
                !all.iter().any(|(s, e, _)| s <= start && end <= e && e - s > end - start)
            })
            .copied()
            .collect()
    }

    /// Every occurrence in the text: (start, end, value), overlapping ones included.
    fn find_all<'h>(&'h self, text: &'h str) -> impl Iterator<Item = (usize, usize, T)> + 'h {
        self.automaton
            .iter()
            .flat_map(move |a| a.find_overlapping_iter(text))
            .map(|m| (m.start(), m.end(), self.values[m.pattern().as_usize()]))
    }
}

impl<T> Default for Markers<T> {
    fn default() -> Self {
        Self { automaton: None, values: Vec::new() }
    }
}

impl Analyzer {
    pub(crate) fn new(lexicon: &Lexicon, language: &Language) -> Self {
        let words = language.understanding.clone();
        let mut entities: HashMap<char, Vec<KnownEntity>> = HashMap::new();
        for entity in &lexicon.entity {
            let name = basic_form(entity.name.get_ref());
            if let Some(first) = name.chars().next() {
                entities.entry(first).or_default().push(KnownEntity { name, kind: entity.kind });
            }
        }
        for candidates in entities.values_mut() {
            candidates.sort_by_key(|e| std::cmp::Reverse(e.name.len()));
        }
        let detail_asks: Vec<Vec<String>> =
            lexicon.detail.iter().map(|d| d.asks.iter().map(|a| basic_form(a)).collect()).collect();
        let details = Markers::new(
            detail_asks.iter().enumerate().flat_map(|(i, asks)| asks.iter().map(move |a| (a.as_str(), i))),
        );
        let facets = Markers::new(
            facet_markers(&words)
                .into_iter()
                .enumerate()
                .flat_map(|(i, (_, markers))| markers.iter().map(move |m| (m, i))),
        );
        let predicates = Markers::new(words.predicates.iter().enumerate().map(|(i, p)| (p, i)));
        let titles: Vec<String> = lexicon.titles().map(basic_form).collect();
        let titles = Markers::new(titles.iter().map(|t| (t.as_str(), ())));
        Self {
            entities,
            detail_asks,
            details,
            facets,
            predicates,
            titles,
            words,
            answers: language.answers.clone(),
            intent: Intent::new(language),
        }
    }

    /// The entities named in normalised text, in order of appearance, each once; the
    /// longest name wins where names overlap.
    pub(crate) fn entities_in(&self, normalized: &str) -> Vec<Entity> {
        let mut found: Vec<Entity> = Vec::new();
        let mut rest = normalized;
        while let Some(first) = rest.chars().next() {
            let known = self.entities.get(&first).and_then(|c| c.iter().find(|e| rest.starts_with(&e.name)));
            match known {
                Some(known) => {
                    if !found.iter().any(|e| e.name == known.name) {
                        found.push(Entity { name: known.name.clone(), kind: known.kind });
                    }
                    rest = &rest[known.name.len()..];
                }
                None => rest = &rest[first.len_utf8()..],
            }
        }
        found
    }

    /// The question words of a detail.
    pub(crate) fn detail_words(&self, detail: usize) -> Vec<&str> {
        self.detail_asks.get(detail).map_or_else(Vec::new, |asks| asks.iter().map(String::as_str).collect())
    }

    /// The detail a normalised question asks for, if any.
    pub(crate) fn detail_in(&self, normalized: &str) -> Option<usize> {
        self.details.find_all(normalized).map(|(_, _, detail)| detail).min()
    }

    /// The kind of question (yes/no, a time, a number).
    pub(crate) fn intent(&self) -> &Intent {
        &self.intent
    }

    /// The words questions are read with.
    pub(crate) fn words(&self) -> &UnderstandingWords {
        &self.words
    }

    /// The facet a normalised question asks for.
    pub(crate) fn facet(&self, normalized: &str) -> Facet {
        let ordinal;
        let ordinal_question = &self.words.ordinal_question;
        let normalized = if normalized.contains(ordinal_question.as_str()) {
            let prefix: String = ordinal_question.chars().take(1).collect();
            ordinal = normalized.replace(ordinal_question.as_str(), &prefix);
            ordinal.as_str()
        } else {
            normalized
        };
        if self.intent.asks_if_discussed(normalized) {
            return Facet::DidDiscuss;
        }
        let order = facet_markers(&self.words);
        // 在哪些问题上 asks for a list, not a place.
        let not_a_list = |end: usize, priority: usize| {
            order[priority].0 != Facet::Where
                || !self.words.facets.not_a_place_after.iter().any(|w| normalized[end..].starts_with(w))
        };
        match self
            .facets
            .find_outermost(normalized)
            .into_iter()
            .filter(|(_, end, priority)| not_a_list(*end, *priority))
            .map(|(_, _, priority)| priority)
            .min()
        {
            Some(priority) => order[priority].0,
            None => Facet::What,
        }
    }

    /// Analyses a normalised question and its words (stopwords already dropped).
    pub(crate) fn analyze(&self, normalized: &str, words: &[Word]) -> Analysis {
        let entities = self.entities_in(normalized);
        let detail = self.detail_in(normalized);
        let facet = self.facet(normalized);
        let predicate = self
            .predicates
            .find_all(normalized)
            .min_by_key(|(start, end, _)| (*start, std::cmp::Reverse(*end)))
            .map(|(start, end, _)| normalized[start..end].to_owned());
        let content_words = words
            .iter()
            .filter(|w| !w.function && !self.words.generic_words.contains(&w.text))
            .filter(|w| !entities.iter().any(|e| e.name.contains(w.text.as_str())))
            .map(|w| w.text.clone())
            .fold(Vec::new(), |mut acc: Vec<String>, w| {
                if !acc.contains(&w) {
                    acc.push(w);
                }
                acc
            });
        Analysis {
            unknown_role: self.unknown_role(normalized, words, &entities),
            facet,
            entities,
            predicate,
            negated: self.is_negated(normalized),
            content_words,
            detail,
            english: false,
        }
    }

    /// A title left after the roles' references were replaced, with a country right
    /// before it: someone the article does not name (俄罗斯现任国防部长). Not when the two
    /// are part of a longer word (俄罗斯总统网站).
    fn unknown_role(
        &self,
        normalized: &str,
        words: &[Word],
        entities: &[Entity],
    ) -> Option<(String, String)> {
        let countries: Vec<&Entity> = entities.iter().filter(|e| e.kind == EntityKind::Country).collect();
        if countries.is_empty() {
            return None;
        }
        self.titles.find_all(normalized).find_map(|(start, end, ())| {
            let mut before = normalized[..start].trim_end();
            for link in self.words.role_links.iter() {
                before = before.strip_suffix(link).unwrap_or(before);
            }
            let country = countries.iter().find(|c| before.ends_with(c.name.as_str()))?;
            let phrase = &normalized[before.len() - country.name.len()..end];
            let compound = words.iter().any(|w| w.text.len() > phrase.len() && w.text.contains(phrase));
            (!compound).then(|| (country.name.clone(), normalized[start..end].to_owned()))
        })
    }

    /// Whether a question is negated: a negation that is not only the yes/no form (谈没谈,
    /// 有没有, 谈了没).
    fn is_negated(&self, normalized: &str) -> bool {
        let negation = &self.words.negation;
        if !negation.words.any_in(normalized) {
            return false;
        }
        let mut text = normalized.trim_end().to_owned();
        if self.intent.is_yes_no(&text)
            && let Some(stripped) = self
                .words
                .yes_no
                .endings
                .iter()
                .filter(|e| negation.words.contains(e))
                .find_map(|e| text.strip_suffix(e))
        {
            text = stripped.to_owned();
        }
        for form in negation.yes_no_forms.iter() {
            text = text.replace(form, "");
        }
        negation.words.any_in(&text)
    }

    /// The facets an answer (with its quotes) gives: the entities it names tell who and
    /// where; words tell why and how one reacted.
    pub(crate) fn facets_given(&self, text: &str, entities: &[Entity]) -> Vec<Facet> {
        let mut facets =
            vec![Facet::What, Facet::How, Facet::DidDiscuss, Facet::List, Facet::Source, Facet::Meaning];
        let has_kind = |kinds: &[EntityKind]| entities.iter().any(|e| kinds.contains(&e.kind));
        if has_kind(&[EntityKind::Person, EntityKind::Country, EntityKind::Organisation]) {
            facets.push(Facet::Who);
        }
        if has_kind(&[EntityKind::Place, EntityKind::Country]) || self.answers.place_words.any_in(text) {
            facets.push(Facet::Where);
        }
        if self.answers.reason_words.any_in(text) {
            facets.push(Facet::Why);
        }
        if self.answers.attitude_words.any_in(text) {
            facets.push(Facet::Attitude);
        }
        facets
    }
}

/// The facets in the order their question words are looked for, each with its words.
fn facet_markers(words: &UnderstandingWords) -> [(Facet, &crate::knowledge::Words); 10] {
    let facets = &words.facets;
    [
        (Facet::Meaning, &facets.meaning),
        (Facet::Why, &facets.why),
        (Facet::HowMany, &facets.how_many),
        (Facet::When, &facets.when),
        (Facet::Source, &facets.source),
        (Facet::Where, &facets.place),
        (Facet::Who, &facets.who),
        (Facet::Attitude, &facets.attitude),
        (Facet::List, &facets.list),
        (Facet::How, &facets.how),
    ]
}

/// Whether a question is written in English: most of its letters are Latin.
pub(crate) fn is_english(question: &str) -> bool {
    if !question.bytes().any(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    let latin = question.chars().filter(char::is_ascii_alphabetic).count();
    let other = question.chars().filter(|c| c.is_alphabetic() && !c.is_ascii()).count();
    latin > 0 && latin > 2 * other
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> Analyzer {
        let mut problems = Vec::new();
        let language = Language::parse(include_str!("../../knowledge/language.toml"), &mut problems)
            .expect("the built-in language.toml parses");
        Analyzer::new(&Lexicon::default(), &language)
    }

    fn facet(question: &str) -> Facet {
        analyzer().facet(question)
    }

    fn is_negated(question: &str) -> bool {
        analyzer().is_negated(question)
    }

    #[test]
    fn facets_of_common_questions() {
        assert_eq!(facet("为什么"), Facet::Why);
        assert_eq!(facet("冰球比赛什么时候办"), Facet::When);
        assert_eq!(facet("无人机有多少架"), Facet::HowMany);
        assert_eq!(facet("谈到北约了吗"), Facet::DidDiscuss);
        assert_eq!(facet("泽连斯基怎么看"), Facet::Attitude);
        assert_eq!(facet("菜单是什么意思"), Facet::Meaning);
        assert_eq!(facet("谈了哪些问题"), Facet::List);
        assert_eq!(facet("谈判在哪里举行"), Facet::Where);
        assert_eq!(facet("谁的主意"), Facet::Who);
        assert_eq!(facet("双方谈了什么"), Facet::What);
        assert_eq!(facet("达成了哪几点共识"), Facet::List);
        assert_eq!(facet("冰球比赛几点开始"), Facet::When);
        assert_eq!(facet("吉达谈判定在哪天"), Facet::When);
    }

    #[test]
    fn negation_is_told_from_the_yes_no_form() {
        assert!(is_negated("没谈什么"));
        assert!(is_negated("哪些问题没有提到"));
        assert!(!is_negated("谈了冰球没"));
        assert!(!is_negated("有没有谈北约"));
        assert!(!is_negated("谈没谈援助"));
    }
}
