//! What kind of question it is: a yes/no question (谈了X吗, 有没有提到X) or an open one.

/// Words that make a question ask yes or no wherever they stand.
const YES_NO_MARKERS: [&str; 10] = ["有没有", "是否", "是不是", "有无", "有否", "能否", "可否", "有未", "会不会", "算不算"];

/// Endings of yes/no questions (谈了冰球吗, 谈到北约了没).
const YES_NO_ENDINGS: [&str; 6] = ["吗", "嘛", "么", "没", "没有", "不"];

/// Words ending in 么 that ask an open question, not yes or no.
const OPEN_ENDINGS: [&str; 5] = ["什么", "怎么", "那么", "这么", "多么"];

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
    use super::is_yes_no;

    #[test]
    fn yes_no_questions() {
        for q in ["他们谈了冰球吗", "谈到北约了没", "有没有提到制裁", "是否讨论了领土", "谈没谈援助", "通话中说了桥梁没有"] {
            assert!(is_yes_no(q), "{q}");
        }
    }

    #[test]
    fn open_questions() {
        for q in ["他们谈了什么", "普京怎么", "梅德韦杰夫", "无人机有多少架", "没谈什么"] {
            assert!(!is_yes_no(q), "{q}");
        }
    }
}
