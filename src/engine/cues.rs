//! Follow-up cues: what in a message says it leans on the previous turn.
//!
//! A message is read after normalisation (Simplified, lower case, punctuation as spaces).
//! The cues are few and plain on purpose: a bare facet question (为什么, 谁说的), an
//! ordinal (第三点), "more" (还有呢), "is that all" (没了吗), an ellipsis with a new subject
//! (那欧洲呢) and a pronoun (他, 这个). Everything else is a question on its own.

/// What a message asks of the previous turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cue {
    /// Nothing: the message is read on its own.
    None,
    /// 第N点: the Nth item of the list last shown (1-based).
    Ordinal(usize),
    /// 最后一点: the last item of the list last shown.
    Last,
    /// 还有呢 / 其他的呢: the next item, or the next related entry.
    Next,
    /// 没了吗 / 就这些吗: whether the list is complete.
    Complete,
    /// A question with nothing but a facet (为什么, 什么时候, 谁说的), `exact` when
    /// nothing else is left (什么时候 rather than 什么时候开始).
    Facet {
        /// The facet asked.
        facet: Facet,
        /// Whether the message is the facet word alone.
        exact: bool,
    },
    /// 那X呢 / X呢: the previous question about a new subject X.
    Ellipsis(String),
    /// A pronoun standing for the last person or topic.
    Pronoun(Pronoun),
}

/// The kind of fact a follow-up asks about the last entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Facet {
    /// 为什么 / 什么原因.
    Why,
    /// 谁说的.
    Who,
    /// 什么时候.
    When,
    /// 在哪.
    Where,
    /// 多少.
    HowMany,
    /// 具体说说 / 详细点 / 怎么回事.
    Detail,
    /// 怎么看 / 怎么说 / 什么态度.
    Attitude,
    /// 谈到X了吗.
    DidDiscuss,
    /// Any other question (什么, 哪些).
    What,
}

/// A pronoun and what it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pronoun {
    /// 他 / 她 / 对方: the last person.
    Person(&'static str),
    /// 这个 / 那个 / 这些 / 此事: the last topic.
    Topic(&'static str),
}

impl Pronoun {
    /// The pronoun as written.
    pub fn word(self) -> &'static str {
        match self {
            Self::Person(word) | Self::Topic(word) => word,
        }
    }
}

/// Openers that only link a message to the previous one.
const OPENERS: [&str; 9] = ["那么", "那", "所以", "可是", "但是", "另外", "请问", "再", "又"];
/// Particles and fillers at the end of a message.
const ENDINGS: [&str; 10] = ["了吗", "了呢", "呢", "吗", "啊", "呀", "吧", "嘛", "哦", "啦"];
/// How many characters a bare facet question may have besides its facet word
/// (多少人, 什么时候开始, 谁提出来的, 为什么这么做).
const FACET_REST: usize = 3;

/// Bare facet questions, by facet (checked after openers and endings are stripped).
const FACETS: [(Facet, &[&str]); 6] = [
    (
        Facet::Why,
        &["为什么", "为啥", "为何", "什么原因", "原因", "原因是什么", "为什么这样", "为什么会这样", "凭什么"],
    ),
    (
        Facet::Who,
        &[
            "谁说的",
            "是谁说的",
            "谁说",
            "谁讲的",
            "谁提的",
            "是谁",
            "谁",
            "出自谁",
            "谁的话",
            "原话是谁说的",
            "谁提出的",
            "谁提出来的",
            "谁宣布的",
            "谁引用的",
            "谁提的议",
        ],
    ),
    (Facet::When, &["什么时候", "啥时候", "何时", "哪天", "几号", "什么时间", "哪一天"]),
    (Facet::Where, &["在哪", "在哪里", "在哪儿", "哪里", "什么地方", "地点", "在什么地方"]),
    (Facet::HowMany, &["多少", "有多少", "多少个", "几个", "数字是多少", "具体数字"]),
    (
        Facet::Detail,
        &[
            "具体说说",
            "具体点",
            "详细点",
            "详细说说",
            "展开说说",
            "说详细点",
            "具体",
            "详细",
            "详细一点",
            "具体一点",
            "怎么回事",
            "什么意思",
            "细说",
            "多说点",
            "再说说",
            "说说",
            "说说看",
        ],
    ),
];

/// What is left of a question about who someone is once its pronoun is gone (他是谁).
const IDENTITY_ASKS: [&str; 5] = ["是谁", "是什么人", "是干什么的", "是做什么的", "是哪位"];

/// Bare questions of what the last turn's talks or topic are about (谈什么).
const TALKS_ABOUT: [&str; 6] = ["谈什么", "谈些什么", "要谈什么", "都谈什么", "谈的什么", "谈哪些"];

/// "More" cues.
const NEXT: [&str; 17] = [
    "下一",
    "还有",
    "还有什么",
    "还有别的",
    "还有其他",
    "还有其他的",
    "其他的",
    "其他",
    "其它",
    "其它的",
    "别的",
    "然后",
    "接着",
    "下一点",
    "下一个",
    "下一条",
    "继续",
];

/// "The last item" cues.
const LAST: [&str; 6] = ["最后一点", "最后一条", "最后一项", "最后一个", "最后那点", "最后那条"];

/// "Is that all" cues.
const COMPLETE: [&str; 12] = [
    "没",
    "没了",
    "没有了",
    "就这些",
    "就这些了",
    "完了",
    "全部",
    "说完了",
    "只有这些",
    "就这么多",
    "都在这",
    "这些就是全部",
];

/// Pronouns for a person, longest first.
const PERSON_PRONOUNS: [&str; 4] = ["对方", "此人", "他", "她"];
/// Pronouns for a topic, longest first.
const TOPIC_PRONOUNS: [&str; 9] =
    ["这件事", "那件事", "这些", "那些", "此事", "这个", "那个", "这事", "这点"];
/// Endings that ask for someone's attitude (波兰怎么说, 中国的态度).
const ATTITUDE_ENDINGS: [&str; 9] =
    ["怎么说", "怎么看", "怎么表态", "什么态度", "的态度", "态度", "的反应", "反应", "怎么样"];

/// Reads the cue of a normalised message.
pub fn read(normalized: &str) -> Cue {
    let compact: String = normalized.chars().filter(|c| !c.is_whitespace()).collect();
    let core = strip(&compact);
    if core.is_empty() {
        return Cue::None;
    }
    if let Some(n) = ordinal(core) {
        return Cue::Ordinal(n);
    }
    if LAST.iter().any(|l| core.contains(l)) {
        return Cue::Last;
    }
    let bare =
        |set: &[&str]| set.contains(&core) || core.strip_suffix('了').is_some_and(|c| set.contains(&c));
    if bare(&NEXT) {
        return Cue::Next;
    }
    if bare(&COMPLETE) {
        return Cue::Complete;
    }
    // 谈什么 after a turn about talks asks what they are about: that entry again.
    if TALKS_ABOUT.contains(&core) {
        return Cue::Facet { facet: Facet::Detail, exact: true };
    }
    // 他是谁 asks who the last person is, not who said it.
    let identity = PERSON_PRONOUNS
        .iter()
        .find(|p| core.strip_prefix(**p).is_some_and(|rest| IDENTITY_ASKS.contains(&rest)));
    if let Some(word) = identity {
        return Cue::Pronoun(Pronoun::Person(word));
    }
    if let Some((facet, exact)) = bare_facet(core) {
        return Cue::Facet { facet, exact };
    }
    // 他是在哪儿说的 asks where the last speaker said it: a facet of the last entry.
    let unpronounced = PERSON_PRONOUNS.iter().find_map(|p| core.contains(p).then(|| core.replacen(p, "", 1)));
    if let Some((facet, _)) = unpronounced.as_deref().and_then(bare_facet) {
        return Cue::Facet { facet, exact: false };
    }
    if compact.ends_with('呢') {
        let subject = subject_of(core);
        if !subject.is_empty() && subject.chars().count() <= 12 {
            return Cue::Ellipsis(subject.to_owned());
        }
    }
    if let Some(word) = PERSON_PRONOUNS.iter().find(|p| core.contains(*p) && !core.contains("他们")) {
        return Cue::Pronoun(Pronoun::Person(word));
    }
    if let Some(word) = TOPIC_PRONOUNS.iter().find(|p| core.contains(*p)) {
        return Cue::Pronoun(Pronoun::Topic(word));
    }
    Cue::None
}

/// The facet a question asks, for carrying it over to a new subject.
pub fn facet_of(normalized: &str, about_the_call: bool) -> Facet {
    if about_the_call {
        return Facet::DidDiscuss;
    }
    let has = |words: &[&str]| words.iter().any(|w| normalized.contains(w));
    if has(&["为什么", "为啥", "为何", "原因"]) {
        Facet::Why
    } else if has(&["谁说", "是谁", "谁提"]) {
        Facet::Who
    } else if has(&["什么时候", "何时", "哪天", "几号", "什么时间"]) {
        Facet::When
    } else if has(&["在哪", "哪里", "什么地方"]) {
        Facet::Where
    } else if has(&["多少", "几个", "几架", "几名"]) {
        Facet::HowMany
    } else if has(&ATTITUDE_ENDINGS) || has(&["评价", "表态", "看法", "回应", "怎么想"]) {
        Facet::Attitude
    } else {
        Facet::What
    }
}

/// Questions for where or through whom something was said, and the words of an answer
/// that give it (在哪发的 → 社交媒体平台, 哪家媒体 → 电讯社, 什么场合 → 记者会).
const VENUE: (&[&str], &[&str]) = (
    &[
        "在哪",
        "哪里",
        "哪儿",
        "哪家",
        "什么场合",
        "什么平台",
        "什么媒体",
        "什么渠道",
        "来源",
        "出处",
        "通过什么",
    ],
    &["社交媒体", "平台", "发文", "记者会", "电讯社", "报道", "视频", "网站", "采访"],
);
/// Questions for how long something lasts (its answer: N天, N小时, N个月).
const DURATION: [&str; 7] = ["多长", "多久", "期限", "持续", "几天", "有效期", "时长"];
/// Questions for where something starts (its answer: 从…开始).
const START: [&str; 6] = ["从哪", "从什么", "从何", "哪里开始", "先从", "起点"];

/// Whether a compact message asks where, through whom, how long or from what point
/// something is, and `text` gives it.
pub fn given_in(compact: &str, text: &str) -> bool {
    let asks = |words: &[&str]| words.iter().any(|w| compact.contains(w));
    let venue = asks(VENUE.0) && VENUE.1.iter().any(|w| text.contains(w));
    let duration = asks(&DURATION) && gives_duration(text);
    let start = asks(&START) && text.find('从').is_some_and(|at| text[at..].contains("开始"));
    venue || duration || start
}

/// Whether a text gives a length of time: a number before 天, 小时, 个月 or 年.
fn gives_duration(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().any(|(i, c)| {
        c.is_ascii_digit()
            && ["天", "小时", "个月", "周"]
                .iter()
                .any(|unit| chars[i + 1..].iter().collect::<String>().starts_with(unit))
    })
}

/// The facet of a message that is nothing but a facet word, and at most
/// [`FACET_REST`] characters more.
fn bare_facet(core: &str) -> Option<(Facet, bool)> {
    let length = core.chars().count();
    FACETS
        .iter()
        .flat_map(|(facet, cues)| cues.iter().map(move |cue| (*facet, *cue)))
        .filter(|(_, cue)| core.contains(cue) && length - cue.chars().count() <= FACET_REST)
        .max_by_key(|(_, cue)| cue.chars().count())
        .map(|(facet, cue)| (facet, cue.chars().count() == length))
}

/// The message without openers and trailing particles.
fn strip(compact: &str) -> &str {
    let mut text = compact;
    loop {
        let before = text;
        // 那 opens a message, but 那个 / 那些 / 那边 are words of their own.
        if let Some(rest) = OPENERS.iter().find_map(|o| text.strip_prefix(o))
            && !rest.starts_with(['个', '些', '件', '边', '天', '时', '里'])
        {
            text = rest;
        }
        if let Some(rest) = ENDINGS.iter().find_map(|e| text.strip_suffix(e)) {
            text = rest;
        }
        if text == before {
            return text;
        }
    }
}

/// The new subject of an ellipsis: the core without 方面, 那边 or an attitude ending.
fn subject_of(core: &str) -> &str {
    let mut subject = core;
    for ending in ATTITUDE_ENDINGS.iter().chain(&["方面", "那边", "这边", "的", "又"]) {
        if let Some(rest) = subject.strip_suffix(ending) {
            subject = rest;
        }
    }
    subject.strip_prefix("对于").or_else(|| subject.strip_prefix("关于")).unwrap_or(subject)
}

/// 第N点 / 第N条 / 第N项 / 第N个 → N.
fn ordinal(core: &str) -> Option<usize> {
    let start = core.find('第')?;
    let rest = &core[start + '第'.len_utf8()..];
    let digits: String = rest.chars().take_while(|c| "0123456789一二三四五六七八九十".contains(*c)).collect();
    let after = &rest[digits.len()..];
    if digits.is_empty() || !["点", "条", "项", "个", "部分"].iter().any(|u| after.starts_with(u)) {
        return None;
    }
    number(&digits)
}

/// The two characters naming what is counted after 第N个 (第二个条件 → 条件), if any.
pub fn ordinal_noun(normalized: &str) -> Option<String> {
    let compact: String = normalized.chars().filter(|c| !c.is_whitespace()).collect();
    let start = compact.find('第')?;
    let rest = &compact[start + '第'.len_utf8()..];
    let after = rest.trim_start_matches(|c| "0123456789一二三四五六七八九十".contains(c));
    let noun: String = after.strip_prefix('个')?.chars().take(2).collect();
    (noun.chars().count() == 2).then_some(noun)
}

/// A small number written in digits or Chinese numerals (1–99).
fn number(text: &str) -> Option<usize> {
    if let Ok(n) = text.parse::<usize>() {
        return (n > 0).then_some(n);
    }
    let digit = |c: char| "一二三四五六七八九".find(c).map(|i| i / '一'.len_utf8() + 1);
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [c] => digit(*c),
        ['十', u] => Some(10 + digit(*u)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', u] => Some(digit(*t)? * 10 + digit(*u)?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_in_digits_and_numerals() {
        assert_eq!(read("第三点呢"), Cue::Ordinal(3));
        assert_eq!(read("第4点具体是什么"), Cue::Ordinal(4));
        assert_eq!(read("那第十二条呢"), Cue::Ordinal(12));
        assert_eq!(read("第一次通话"), Cue::None);
        assert_eq!(read("那最后一条说的是什么"), Cue::Last);
        assert_eq!(ordinal_noun("第三个要求指什么").as_deref(), Some("要求"));
        assert_eq!(ordinal_noun("第三个呢"), None);
    }

    #[test]
    fn bare_facets_more_and_complete() {
        assert_eq!(read("为什么"), Cue::Facet { facet: Facet::Why, exact: true });
        assert_eq!(read("那是谁说的呢"), Cue::Facet { facet: Facet::Who, exact: true });
        assert_eq!(read("什么时候"), Cue::Facet { facet: Facet::When, exact: true });
        assert_eq!(read("具体说说"), Cue::Facet { facet: Facet::Detail, exact: true });
        assert_eq!(read("还有呢"), Cue::Next);
        assert_eq!(read("其他的呢"), Cue::Next);
        assert_eq!(read("没了吗"), Cue::Complete);
        assert_eq!(read("多少人"), Cue::Facet { facet: Facet::HowMany, exact: false });
        assert_eq!(read("什么时候开始"), Cue::Facet { facet: Facet::When, exact: false });
        assert_eq!(read("谁提出来的"), Cue::Facet { facet: Facet::Who, exact: true });
        assert_eq!(read("再下一个呢"), Cue::Next);
        assert_eq!(read("泽连斯基为什么怀疑"), Cue::None);
        assert_eq!(read("她是在哪儿说的"), Cue::Facet { facet: Facet::Where, exact: false });
        assert_eq!(read("谈什么"), Cue::Facet { facet: Facet::Detail, exact: true });
        assert_eq!(read("他是谁"), Cue::Pronoun(Pronoun::Person("他")));
    }

    #[test]
    fn ellipsis_names_the_new_subject() {
        assert_eq!(read("那欧洲呢"), Cue::Ellipsis("欧洲".into()));
        assert_eq!(read("中国呢"), Cue::Ellipsis("中国".into()));
        assert_eq!(read("波兰方面呢"), Cue::Ellipsis("波兰".into()));
        assert_eq!(read("那北约呢"), Cue::Ellipsis("北约".into()));
    }

    #[test]
    fn pronouns_and_plain_questions() {
        assert_eq!(read("他说的主菜是什么"), Cue::Pronoun(Pronoun::Person("他")));
        assert_eq!(read("这个协议对乌克兰有什么好处"), Cue::Pronoun(Pronoun::Topic("这个")));
        assert_eq!(read("这个是什么意思"), Cue::Facet { facet: Facet::Detail, exact: false });
        assert_eq!(read("他们谈了什么"), Cue::None);
        assert_eq!(read("泽连斯基对这次通话怎么看"), Cue::None);
    }

    #[test]
    fn facets_the_text_gives() {
        assert!(given_in("他在哪里发表的", "某人在社交媒体平台发文写道"));
        assert!(given_in("有效期多久", "在30天内不袭击"));
        assert!(given_in("先从哪里入手", "冲突将从停火开始"));
        assert!(!given_in("在哪里发表的", "双方同意结束冲突"));
        assert!(!given_in("持续多长时间", "双方同意结束冲突"));
    }

    #[test]
    fn the_facet_of_a_question() {
        assert_eq!(facet_of("泽连斯基对这次通话怎么看", false), Facet::Attitude);
        assert_eq!(facet_of("谈到北约了吗", true), Facet::DidDiscuss);
        assert_eq!(facet_of("梅德韦杰夫说了什么", false), Facet::What);
    }
}
