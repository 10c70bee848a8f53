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

use crate::knowledge::{EntityKind, Lexicon};

use super::intent::{TIME_QUESTIONS, asks_if_discussed, is_yes_no};
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
    pub fn missing_name(self) -> &'static str {
        match self {
            Self::When => "具体时间",
            Self::HowMany => "具体数字",
            Self::Why => "原因",
            Self::Where => "地点",
            Self::Who => "是谁",
            Self::Attitude => "看法",
            _ => "这方面的内容",
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
    /// A title of a country the article names no one for (俄罗斯的国防部长).
    pub unknown_role: Option<String>,
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
    pub fn asks_what_the_call_covered(&self) -> bool {
        let call = self.names("双方") || self.names("通话") || (self.names("普京") && self.names("特朗普"));
        call && self.content_words.iter().all(|w| SUMMARY_WORDS.contains(&w.as_str()))
            && matches!(self.facet, Facet::What | Facet::List)
            && !self.negated
            && self.entities.iter().all(|e| ["双方", "通话", "普京", "特朗普"].contains(&e.name.as_str()))
    }

    /// Whether the question names this entity.
    pub fn names(&self, name: &str) -> bool {
        self.entities.iter().any(|e| e.name == name)
    }
}

/// Words that ask for the call as a whole: a summary, or what the two agreed on.
const SUMMARY_WORDS: [&str; 30] = [
    "总结",
    "概括",
    "简单",
    "几句话",
    "几句",
    "一句话",
    "讲讲",
    "说说",
    "聊聊",
    "介绍",
    "一下",
    "大概",
    "大致",
    "主要",
    "整体",
    "概况",
    "要点",
    "重点",
    "同意",
    "达成",
    "取得",
    "一致",
    "成果",
    "结果",
    "打",
    "打电话",
    "通电话",
    "电话",
    "给我",
    "简要",
];

/// Question words that ask for each facet, checked in this order (the first found wins).
const FACET_MARKERS: [(Facet, &[&str]); 9] = [
    (
        Facet::Meaning,
        &[
            "什么意思",
            "意思是",
            "指什么",
            "含义",
            "寓意",
            "怎么理解",
            "如何理解",
            "意味着什么",
            "比喻什么",
            "mean",
        ],
    ),
    (Facet::Why, &["为什么", "为何", "怎么会", "原因", "何故", "理由", "动机", "目的是"]),
    (
        Facet::HowMany,
        &["多少", "几个", "几名", "几架", "几位", "几项", "几枚", "几州", "几成", "百分之几", "几人"],
    ),
    (Facet::When, &TIME_QUESTIONS),
    (Facet::Source, &["来源", "出处", "依据什么", "根据什么", "根据哪", "据谁", "消息从哪"]),
    (Facet::Where, &["哪里", "哪儿", "在哪", "什么地方", "何地", "何处", "地点"]),
    (Facet::Who, &["谁", "哪位", "哪个人", "何人", "哪国", "哪个国家", "哪些国家", "哪些人"]),
    (
        Facet::Attitude,
        &["怎么看", "如何看", "看法", "态度", "反应", "回应", "评价", "立场", "观点", "怎么评", "如何评"],
    ),
    (Facet::List, &["哪些", "哪几", "都有什么", "列举", "几点"]),
];
/// Question words that ask how, after every more specific facet.
const HOW_MARKERS: [&str; 4] = ["怎么", "如何", "怎样", "怎么样"];

/// Verbs that say what the question is about (谈, 同意), longest first where they overlap.
const PREDICATES: [&str; 32] = [
    "讨论", "谈论", "谈到", "谈及", "谈", "提到", "提及", "涉及", "说", "表示", "同意", "提出", "攻击",
    "袭击", "支持", "反对", "接受", "拒绝", "宣布", "下令", "欢迎", "批评", "怀疑", "签署", "举行", "拦截",
    "交换", "暂停", "承诺", "要求", "回应", "发文",
];

/// Words that carry no topic of their own: question words, generic verbs, chat words.
const GENERIC_WORDS: [&str; 56] = [
    "什么",
    "谁",
    "哪",
    "哪个",
    "哪些",
    "哪里",
    "怎么",
    "怎么样",
    "怎样",
    "如何",
    "为什么",
    "为何",
    "多少",
    "几",
    "意思",
    "什么意思",
    "看",
    "怎么看",
    "看法",
    "想",
    "理解",
    "真的",
    "真",
    "还有",
    "知道",
    "问",
    "问题",
    "事",
    "事情",
    "情况",
    "内容",
    "谈",
    "谈了",
    "谈到",
    "谈过",
    "说",
    "说了",
    "讨论",
    "讨论了",
    "提到",
    "提及",
    "涉及",
    "没",
    "没有",
    "不",
    "未",
    "吗",
    "呢",
    "有",
    "是",
    "然后",
    "后来",
    "回事",
    "怎么回事",
    "咋回事",
    "那又怎样",
];

/// An entity of the lexicon, ready to be found in normalised text.
#[derive(Debug, Clone)]
pub(crate) struct KnownEntity {
    name: String,
    kind: EntityKind,
}

/// The lexicon's entities and details, prepared for analysis.
#[derive(Debug, Clone, Default)]
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
    pub(crate) fn new(lexicon: &Lexicon) -> Self {
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
            FACET_MARKERS
                .iter()
                .enumerate()
                .flat_map(|(i, (_, markers))| markers.iter().map(move |m| (*m, i)))
                .chain(HOW_MARKERS.iter().map(|m| (*m, FACET_MARKERS.len()))),
        );
        let predicates = Markers::new(PREDICATES.iter().enumerate().map(|(i, p)| (*p, i)));
        let titles: Vec<String> = lexicon.titles().map(basic_form).collect();
        let titles = Markers::new(titles.iter().map(|t| (t.as_str(), ())));
        Self { entities, detail_asks, details, facets, predicates, titles }
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

    /// The facet a normalised question asks for.
    pub(crate) fn facet(&self, normalized: &str) -> Facet {
        let ordinal;
        let normalized = if normalized.contains("第几") {
            ordinal = normalized.replace("第几", "第");
            ordinal.as_str()
        } else {
            normalized
        };
        if asks_if_discussed(normalized) {
            return Facet::DidDiscuss;
        }
        // 在哪些问题上 asks for a list, not a place.
        let not_a_list = |end: usize, priority: usize| {
            FACET_MARKERS.get(priority).is_none_or(|(facet, _)| *facet != Facet::Where)
                || !["些", "方面", "个问题", "个方面", "一点"]
                    .iter()
                    .any(|w| normalized[end..].starts_with(w))
        };
        match self
            .facets
            .find_all(normalized)
            .filter(|(_, end, priority)| not_a_list(*end, *priority))
            .map(|(_, _, priority)| priority)
            .min()
        {
            Some(priority) => FACET_MARKERS.get(priority).map_or(Facet::How, |(facet, _)| *facet),
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
            .filter(|w| !w.function && !GENERIC_WORDS.contains(&w.text.as_str()))
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
            negated: is_negated(normalized),
            content_words,
            detail,
            english: false,
        }
    }

    /// A title left after the roles' references were replaced, with a country right
    /// before it: someone the article does not name (俄罗斯现任国防部长). Not when the two
    /// are part of a longer word (俄罗斯总统网站).
    fn unknown_role(&self, normalized: &str, words: &[Word], entities: &[Entity]) -> Option<String> {
        let countries: Vec<&Entity> = entities.iter().filter(|e| e.kind == EntityKind::Country).collect();
        if countries.is_empty() {
            return None;
        }
        self.titles.find_all(normalized).find_map(|(start, end, ())| {
            let mut before = normalized[..start].trim_end();
            for link in ["现在的", "现任", "那位", "这位", "的"] {
                before = before.strip_suffix(link).unwrap_or(before);
            }
            let country = countries.iter().find(|c| before.ends_with(c.name.as_str()))?;
            let phrase = &normalized[before.len() - country.name.len()..end];
            let compound = words.iter().any(|w| w.text.len() > phrase.len() && w.text.contains(phrase));
            (!compound).then(|| format!("{}的{}", country.name, &normalized[start..end]))
        })
    }
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

/// Words of an answer that give a reason.
const REASON_WORDS: [&str; 10] =
    ["因为", "由于", "为了", "原因", "旨在", "以便", "目的", "是为", "因此", "所以"];
/// Words of an answer that give an attitude or a reaction.
const ATTITUDE_WORDS: [&str; 16] = [
    "表示", "说", "称", "认为", "欢迎", "怀疑", "批评", "支持", "反对", "强调", "指出", "回应", "态度",
    "写道", "呼吁", "希望",
];
/// Words of an answer that give a place.
const PLACE_WORDS: [&str; 6] = ["在", "地区", "境内", "州", "城市", "海"];

/// The facets an answer (with its quotes) gives: the entities it names tell who and
/// where; words tell why and how one reacted.
pub(crate) fn facets_given(text: &str, entities: &[Entity]) -> Vec<Facet> {
    let mut facets =
        vec![Facet::What, Facet::How, Facet::DidDiscuss, Facet::List, Facet::Source, Facet::Meaning];
    let has_kind = |kinds: &[EntityKind]| entities.iter().any(|e| kinds.contains(&e.kind));
    if has_kind(&[EntityKind::Person, EntityKind::Country, EntityKind::Organisation]) {
        facets.push(Facet::Who);
    }
    if has_kind(&[EntityKind::Place, EntityKind::Country]) || PLACE_WORDS.iter().any(|w| text.contains(w)) {
        facets.push(Facet::Where);
    }
    if REASON_WORDS.iter().any(|w| text.contains(w)) {
        facets.push(Facet::Why);
    }
    if ATTITUDE_WORDS.iter().any(|w| text.contains(w)) {
        facets.push(Facet::Attitude);
    }
    facets
}

/// Whether a question is negated: a negation that is not only the yes/no form (谈没谈,
/// 有没有, 谈了没).
fn is_negated(normalized: &str) -> bool {
    if !normalized.contains(['没', '未', '不', '非', '别']) {
        return false;
    }
    let mut text = normalized.trim_end().to_owned();
    for ending in ["没有", "没", "不"] {
        if is_yes_no(&text)
            && let Some(stripped) = text.strip_suffix(ending)
        {
            text = stripped.to_owned();
            break;
        }
    }
    for marker in ["有没有", "是不是", "会不会", "算不算", "没没", "谈没谈", "提没提", "说没说", "有无"]
    {
        text = text.replace(marker, "");
    }
    ["没", "未", "不", "并非", "别"].iter().any(|n| text.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facet(question: &str) -> Facet {
        Analyzer::new(&Lexicon::default()).facet(question)
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
