//! What kind of question it is: a yes/no question (谈了X吗, 有没有提到X) or an open one.

/// Words that make a question ask yes or no wherever they stand.
const YES_NO_MARKERS: [&str; 10] =
    ["有没有", "是否", "是不是", "有无", "有否", "能否", "可否", "有未", "会不会", "算不算"];

/// Endings of yes/no questions (谈了冰球吗, 谈到北约了没).
const YES_NO_ENDINGS: [&str; 6] = ["吗", "嘛", "么", "没", "没有", "不"];

/// Words ending in 么 that ask an open question, not yes or no.
const OPEN_ENDINGS: [&str; 5] = ["什么", "怎么", "那么", "这么", "多么"];

/// Words that ask whether the call touched a topic (谈到, 讨论, 提及 …), as opposed to
/// whether something happened (谈成, 完成).
const DISCUSSION_VERBS: [&str; 14] = [
    "谈到",
    "谈了",
    "谈过",
    "谈没谈",
    "谈及",
    "讨论",
    "提到",
    "提及",
    "提没提",
    "涉及",
    "聊到",
    "聊了",
    "说到",
    "谈论",
];

/// Whether a normalised question asks if the call touched a topic (谈到X了吗, 是否讨论X).
pub fn asks_if_discussed(normalized: &str) -> bool {
    is_yes_no(normalized) && DISCUSSION_VERBS.iter().any(|v| normalized.contains(v))
}

/// Whether a normalised question asks yes or no.
pub fn is_yes_no(normalized: &str) -> bool {
    let text = normalized.trim_end();
    if YES_NO_MARKERS.iter().any(|m| text.contains(m)) || has_verb_not_verb(text) {
        return true;
    }
    YES_NO_ENDINGS.iter().any(|e| text.ends_with(e)) && !OPEN_ENDINGS.iter().any(|e| text.ends_with(e))
}

/// The X没X / X不X pattern: 谈没谈, 提没提, 是不是.
fn has_verb_not_verb(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(3).any(|w| (w[1] == '没' || w[1] == '不') && w[0] == w[2] && !w[0].is_ascii())
}

#[cfg(test)]
mod tests {
    use super::{asks_if_discussed, is_yes_no};

    #[test]
    fn yes_no_questions() {
        for q in [
            "他们谈了冰球吗",
            "谈到北约了没",
            "有没有提到制裁",
            "是否讨论了领土",
            "谈没谈援助",
            "通话中说了桥梁没有",
        ] {
            assert!(is_yes_no(q), "{q}");
        }
    }

    #[test]
    fn questions_about_what_the_call_touched() {
        assert!(asks_if_discussed("他们谈到换俘的事了吗"));
        assert!(asks_if_discussed("是否讨论了领土"));
        assert!(!asks_if_discussed("黑海谈判最后谈成了吗"));
        assert!(!asks_if_discussed("他们谈了什么"));
    }

    #[test]
    fn open_questions() {
        for q in ["他们谈了什么", "普京怎么", "梅德韦杰夫", "无人机有多少架", "没谈什么"]
        {
            assert!(!is_yes_no(q), "{q}");
        }
    }
}

/// A kind of fact a question asks for, which an answer either gives or does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// A date, a time or a duration (哪天, 什么时候, 多久).
    Time,
    /// A number (多少, 几个).
    Number,
}

impl Wanted {
    /// Every kind.
    pub const ALL: [Self; 2] = [Self::Time, Self::Number];
}

/// Question words that ask for a time (after normalisation: 啥时候 is 什么时候 by then).
pub(super) const TIME_QUESTIONS: [&str; 13] = [
    "哪天",
    "哪一天",
    "几号",
    "几日",
    "什么时候",
    "何时",
    "哪一年",
    "哪年",
    "几月",
    "什么时间",
    "多久",
    "多长时间",
    "几点",
];
/// Question words that ask for a number.
const NUMBER_QUESTIONS: [&str; 9] =
    ["多少", "几个", "几名", "几架", "几位", "几项", "几点", "几成", "百分之几"];

/// Words in an answer that give a time without a number.
const TIME_WORDS: [&str; 8] = ["凌晨", "当晚", "昨天", "立即", "此前", "结束后", "时隔", "通话后"];
/// Words in an answer that give an amount without a number: what the article says of a
/// share (仅获“象征性分成”) is the answer to how much of it.
const AMOUNT_WORDS: [&str; 2] = ["象征性", "少量"];
/// Units that make a number a time (18日, 30天).
const TIME_UNITS: &str = "日号时点月年天周";
/// Characters in an answer that give a number.
const NUMERALS: &str = "0123456789一二三四五六七八九十百千万两半";
/// Numerals that give a quantity: 一 and 两 are left out, being mostly parts of words
/// (一切, 一系列, 两国, 两人) rather than the number asked for.
const QUANTITY_NUMERALS: &str = "0123456789二三四五六七八九十百千万";

/// The kinds of fact a normalised question asks for.
pub fn wanted(normalized: &str) -> Vec<Wanted> {
    // 第几点 asks for an ordinal, which answers give as 第六点.
    let normalized = &normalized.replace("第几", "第");
    let mut kinds = Vec::new();
    if TIME_QUESTIONS.iter().any(|q| normalized.contains(q)) {
        kinds.push(Wanted::Time);
    }
    if NUMBER_QUESTIONS.iter().any(|q| normalized.contains(q)) {
        kinds.push(Wanted::Number);
    }
    kinds
}

/// Whether a text (an answer with its quotes) can give this kind of fact. Loose on
/// purpose: it only rules out answers with no time or no number at all.
pub fn gives(text: &str, kind: Wanted) -> bool {
    match kind {
        Wanted::Time => TIME_WORDS.iter().any(|w| text.contains(w)) || has_time(text),
        Wanted::Number => has_quantity(text) || AMOUNT_WORDS.iter().any(|w| text.contains(w)),
    }
}

/// Whether a text has a number with a unit of time (19日, 30天, 7时), not an ordinal
/// (第七点).
fn has_time(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).enumerate().any(|(i, w)| {
        let mut start = i;
        while start > 0 && NUMERALS.contains(chars[start - 1]) {
            start -= 1;
        }
        NUMERALS.contains(w[0]) && TIME_UNITS.contains(w[1]) && (start == 0 || chars[start - 1] != '第')
    })
}

/// Whether a text has a number that is not an ordinal (第四点 counts nothing): some run
/// of numerals not right after 第.
fn has_quantity(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().any(|(i, c)| {
        let before = i.checked_sub(1).map(|j| chars[j]);
        QUANTITY_NUMERALS.contains(*c) && before.is_none_or(|b| b != '第' && !NUMERALS.contains(b))
    })
}

/// Measure words, with the others an answer may count the same thing in.
const COUNTERS: [(char, &str); 8] = [
    ('枚', "枚"),
    ('架', "架"),
    ('名', "名人位"),
    ('人', "人名位"),
    ('位', "位人名"),
    ('州', "州个"),
    ('辆', "辆"),
    ('艘', "艘"),
];

/// The measure word a question counts in (几架, 多少枚), if any.
pub(crate) fn counted(normalized: &str) -> Option<char> {
    let chars: Vec<char> = normalized.chars().collect();
    chars.windows(2).find_map(|w| {
        let asks = w[0] == '几' || (w[0] == '少' && normalized.contains("多少"));
        (asks && COUNTERS.iter().any(|(c, _)| *c == w[1])).then_some(w[1])
    })
}

/// Whether a text gives a count in this measure word: a numeral right before it
/// (150架, 七名), not an indefinite 多枚 or 数架.
pub(crate) fn gives_count_of(text: &str, counter: char) -> bool {
    let accepted = COUNTERS.iter().find(|(c, _)| *c == counter).map_or("", |(_, a)| a);
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).any(|w| QUANTITY_NUMERALS.contains(w[0]) && accepted.contains(w[1]))
}

#[cfg(test)]
mod wanted_tests {
    use super::*;

    #[test]
    fn questions_for_times_and_numbers() {
        assert_eq!(wanted("协议是哪天签的"), [Wanted::Time]);
        assert_eq!(wanted("一共死了多少人"), [Wanted::Number]);
        assert!(wanted("梅德韦杰夫说了什么").is_empty());
    }

    #[test]
    fn answers_without_any_time_or_number() {
        assert!(gives("俄乌19日将互换175名被俘人员", Wanted::Time));
        assert!(gives("俄乌19日将互换175名被俘人员", Wanted::Number));
        assert!(!gives("美国企业可优先开发稀土、页岩气", Wanted::Time));
        assert!(!gives("美国企业可优先开发稀土、页岩气", Wanted::Number));
        assert!(!gives("这是两国总统谈到的第七点", Wanted::Time));
        assert!(!gives("欧盟豪掷35亿欧元援乌", Wanted::Time));
        assert_eq!(wanted("危机地区稳定是第几点"), []);
        assert!(!gives("这是两国总统谈到的第四点", Wanted::Number));
        assert!(!gives("第175号", Wanted::Number));
        assert!(gives("第四点：互换175名", Wanted::Number));
        assert!(gives("而乌克兰仅获 象征性分成", Wanted::Number));
    }

    #[test]
    fn counts_in_a_measure_word() {
        assert_eq!(counted("俄军发射了多少枚导弹"), Some('枚'));
        assert_eq!(counted("几架无人机"), Some('架'));
        assert_eq!(counted("谈了什么"), None);
        assert!(!gives_count_of("俄军使用了多枚导弹和近150架无人机", '枚'));
        assert!(gives_count_of("俄军使用了多枚导弹和近150架无人机", '架'));
        assert!(gives_count_of("互换175名被俘人员", '人'));
    }
}
