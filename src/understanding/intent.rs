//! What kind of question it is: a yes/no question (谈了X吗, 有没有提到X) or an open one,
//! and whether it asks for a time or a number; and whether a text gives one. The words
//! are `language.toml`'s (`[understanding.yes_no]`, `[understanding.figures]`).

use crate::knowledge::Language;
use crate::knowledge::Words;
use crate::knowledge::language::{FigureWords, YesNoWords};

/// A kind of fact a question asks for and an answer may give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// A date, a time or a duration.
    Time,
    /// A number.
    Number,
}

impl Wanted {
    /// Every kind.
    pub const ALL: [Self; 2] = [Self::Time, Self::Number];
}

/// The words that tell a question's kind, read from the language data.
#[derive(Debug, Clone)]
pub struct Intent {
    yes_no: YesNoWords,
    figures: FigureWords,
    /// Question words that ask for a time (the `when` facet's).
    time_questions: Words,
    /// Words of an answer that give a time without a date.
    time_words: Words,
    /// Words of an answer that give an amount without a figure.
    amount_words: Words,
    /// What opens an ordinal (第), which makes a number a place in a list.
    ordinal_prefix: String,
    /// The question for a place in a list (第几).
    ordinal_question: String,
}

/// Whether `c` is one of the one-character words.
fn is_one_of(words: &Words, c: char) -> bool {
    words.contains(c.encode_utf8(&mut [0; 4]))
}

impl Intent {
    /// The intent words of a language.
    pub fn new(language: &Language) -> Self {
        let understanding = &language.understanding;
        Self {
            yes_no: understanding.yes_no.clone(),
            figures: understanding.figures.clone(),
            time_questions: understanding.facets.when.clone(),
            time_words: language.answers.time_words.clone(),
            amount_words: language.answers.amount_words.clone(),
            ordinal_prefix: language.numbers.ordinal_prefix.clone(),
            ordinal_question: understanding.ordinal_question.clone(),
        }
    }

    /// Whether a normalised question asks if the call touched a topic: a yes/no question
    /// with a verb of discussing (谈到X了吗, 是否讨论了X).
    pub fn asks_if_discussed(&self, normalized: &str) -> bool {
        self.is_yes_no(normalized) && self.yes_no.discussion_verbs.any_in(normalized)
    }

    /// Whether a normalised question asks yes or no: a marker (有没有, 是否), the A-not-A
    /// form (谈没谈), or a yes/no ending (吗, 没有) that is not an open question's (什么).
    pub fn is_yes_no(&self, normalized: &str) -> bool {
        let text = normalized.trim_end();
        if self.yes_no.markers.any_in(text) || self.has_a_not_a(text) {
            return true;
        }
        self.yes_no.endings.iter().any(|e| text.ends_with(e))
            && !self.yes_no.open_endings.iter().any(|e| text.ends_with(e))
    }

    /// Whether a text has the A-not-A form of a Chinese verb (谈没谈, 是不是).
    pub fn has_a_not_a(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        chars.windows(3).any(|w| is_one_of(&self.yes_no.a_not_a, w[1]) && w[0] == w[2] && !w[0].is_ascii())
    }

    /// The kinds of fact a normalised question asks for.
    pub fn wanted(&self, normalized: &str) -> Vec<Wanted> {
        // 第几点 asks for an ordinal, which answers give as 第六点.
        let normalized = &normalized.replace(&self.ordinal_question, &self.ordinal_prefix);
        let mut kinds = Vec::new();
        if self.time_questions.any_in(normalized) {
            kinds.push(Wanted::Time);
        }
        if self.figures.number_questions.any_in(normalized) {
            kinds.push(Wanted::Number);
        }
        kinds
    }

    /// Whether a text gives a fact of this kind: a date (19日) or a time word (当晚); a
    /// quantity (175名) or an amount word. An ordinal (第七点) is neither.
    pub fn gives(&self, text: &str, kind: Wanted) -> bool {
        match kind {
            Wanted::Time => self.time_words.any_in(text) || self.has_time(text),
            Wanted::Number => self.has_quantity(text) || self.amount_words.any_in(text),
        }
    }

    fn is_ordinal_prefix(&self, c: char) -> bool {
        self.ordinal_prefix.chars().eq(std::iter::once(c))
    }

    /// A numeral followed by a unit of time, not part of an ordinal (第19日 is no date).
    fn has_time(&self, text: &str) -> bool {
        let numeral = |c: char| is_one_of(&self.figures.numerals, c);
        let chars: Vec<char> = text.chars().collect();
        chars.windows(2).enumerate().any(|(i, w)| {
            let mut start = i;
            while start > 0 && numeral(chars[start - 1]) {
                start -= 1;
            }
            numeral(w[0])
                && is_one_of(&self.figures.time_units, w[1])
                && (start == 0 || !self.is_ordinal_prefix(chars[start - 1]))
        })
    }

    /// A quantity numeral that does not follow an ordinal's prefix or another numeral.
    fn has_quantity(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        chars.iter().enumerate().any(|(i, c)| {
            let before = i.checked_sub(1).map(|j| chars[j]);
            is_one_of(&self.figures.quantity_numerals, *c)
                && before.is_none_or(|b| !self.is_ordinal_prefix(b) && !is_one_of(&self.figures.numerals, b))
        })
    }

    /// The measure word a normalised question asks a count in (几架, 多少枚), if any.
    pub fn counted(&self, normalized: &str) -> Option<char> {
        let figures = &self.figures;
        let amount_last = figures.amount_question.chars().last();
        let chars: Vec<char> = normalized.chars().collect();
        chars.windows(2).find_map(|w| {
            let asks = figures.count_question.chars().eq(std::iter::once(w[0]))
                || (Some(w[0]) == amount_last && normalized.contains(&figures.amount_question));
            let known = figures
                .counters
                .iter()
                .any(|c| c.get(0).is_some_and(|m| m.chars().eq(std::iter::once(w[1]))));
            (asks && known).then_some(w[1])
        })
    }

    /// Whether a text gives a count in one of the measure words accepted for `counter`
    /// (名 for 人): a quantity numeral right before it.
    pub fn gives_count_of(&self, text: &str, counter: char) -> bool {
        let Some(accepted) = self
            .figures
            .counters
            .iter()
            .find(|c| c.get(0).is_some_and(|m| m.chars().eq(std::iter::once(counter))))
        else {
            return false;
        };
        let chars: Vec<char> = text.chars().collect();
        chars
            .windows(2)
            .any(|w| is_one_of(&self.figures.quantity_numerals, w[0]) && is_one_of(accepted, w[1]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent() -> Intent {
        let mut problems = Vec::new();
        let language = Language::parse(include_str!("../../knowledge/language.toml"), &mut problems)
            .expect("the built-in language.toml parses");
        Intent::new(&language)
    }

    #[test]
    fn yes_no_questions() {
        let intent = intent();
        for q in [
            "他们谈了冰球吗",
            "谈到北约了没",
            "有没有提到制裁",
            "是否讨论了领土",
            "谈没谈援助",
            "通话中说了桥梁没有",
        ] {
            assert!(intent.is_yes_no(q), "{q}");
        }
    }

    #[test]
    fn questions_about_what_the_call_touched() {
        let intent = intent();
        assert!(intent.asks_if_discussed("他们谈到换俘的事了吗"));
        assert!(intent.asks_if_discussed("是否讨论了领土"));
        assert!(!intent.asks_if_discussed("黑海谈判最后谈成了吗"));
        assert!(!intent.asks_if_discussed("他们谈了什么"));
    }

    #[test]
    fn open_questions() {
        let intent = intent();
        for q in ["他们谈了什么", "普京怎么", "梅德韦杰夫", "无人机有多少架", "没谈什么"]
        {
            assert!(!intent.is_yes_no(q), "{q}");
        }
    }

    #[test]
    fn questions_for_times_and_numbers() {
        let intent = intent();
        assert_eq!(intent.wanted("协议是哪天签的"), [Wanted::Time]);
        assert_eq!(intent.wanted("一共死了多少人"), [Wanted::Number]);
        assert!(intent.wanted("梅德韦杰夫说了什么").is_empty());
    }

    #[test]
    fn answers_without_any_time_or_number() {
        let intent = intent();
        assert!(intent.gives("俄乌19日将互换175名被俘人员", Wanted::Time));
        assert!(intent.gives("俄乌19日将互换175名被俘人员", Wanted::Number));
        assert!(!intent.gives("美国企业可优先开发稀土、页岩气", Wanted::Time));
        assert!(!intent.gives("美国企业可优先开发稀土、页岩气", Wanted::Number));
        assert!(!intent.gives("这是两国总统谈到的第七点", Wanted::Time));
        assert!(!intent.gives("欧盟豪掷35亿欧元援乌", Wanted::Time));
        assert_eq!(intent.wanted("危机地区稳定是第几点"), []);
        assert!(!intent.gives("这是两国总统谈到的第四点", Wanted::Number));
        assert!(!intent.gives("第175号", Wanted::Number));
        assert!(intent.gives("第四点：互换175名", Wanted::Number));
        assert!(intent.gives("而乌克兰仅获 象征性分成", Wanted::Number));
    }

    #[test]
    fn counts_in_a_measure_word() {
        let intent = intent();
        assert_eq!(intent.counted("俄军发射了多少枚导弹"), Some('枚'));
        assert_eq!(intent.counted("几架无人机"), Some('架'));
        assert_eq!(intent.counted("谈了什么"), None);
        assert!(!intent.gives_count_of("俄军使用了多枚导弹和近150架无人机", '枚'));
        assert!(intent.gives_count_of("俄军使用了多枚导弹和近150架无人机", '架'));
        assert!(intent.gives_count_of("互换175名被俘人员", '人'));
    }
}
