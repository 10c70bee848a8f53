//! Snapshots of normalisation and segmentation: a dictionary, alias or stopword change
//! shows up here as a diff (update with `UPDATE_EXPECT=1 cargo test --test segmentation`).

use callbot_test_support as common;

use expect_test::{Expect, expect};

fn check(question: &str, expected: Expect) {
    let engine = common::knowledge::engine();
    let found = engine.matcher().find(question);
    expected.assert_eq(&format!("{} => {}", found.normalized, found.words.join(" | ")));
}

#[test]
fn names_of_the_knowledge_stay_whole() {
    check("梅德韦杰夫怎么说", expect!["梅德韦杰夫怎么说 => 梅德韦杰夫 | 杰夫 | 怎么 | 说"]);
    check(
        "扎波罗热核电站谈了吗",
        expect![
            "扎波罗热核电站谈了吗 => 扎波罗热核电站 | 波罗 | 热核 | 核电 | 电站 | 核电站 | 扎波罗热 | 谈"
        ],
    );
    check(
        "科西尼亚克-卡梅什说了什么",
        expect!["科西尼亚克卡梅什说了什么 => 科西尼亚克卡梅什 | 科西 | 尼亚 | 亚克 | 说 | 什么"],
    );
}

#[test]
fn traditional_and_full_width_are_unified() {
    check("澤連斯基怎麼看？", expect!["泽连斯基怎么看 => 泽连斯基 | 连斯基 | 怎么 | 看"]);
    check(
        "交換了１７５名戰俘嗎",
        expect!["互换了175名被俘人员吗 => 互换 | 175 | 名 | 被俘人员 | 被俘 | 人员"],
    );
}

#[test]
fn aliases_and_homophones_become_the_article_words() {
    check("川普和普金聊了NATO吗", expect!["特朗普和普京谈了北约吗 => 特朗普 | 和普京 | 普京 | 谈 | 北约"]);
    check("特郎普", expect![["特朗普 => 特朗普"]]);
}

#[test]
fn negations_are_kept_as_signals() {
    check("哪些问题没有谈到", expect!["哪些问题没有谈到 => 哪些 | 问题 | 没有谈到 | 没有 | 谈到"]);
}

#[test]
fn content_verbs_are_never_stopwords() {
    check("他们谈了什么", expect!["双方谈了什么 => 谈 | 什么"]);
    check("电话里说了啥", expect!["通话说了什么 => 通话 | 说 | 什么"]);
}

#[test]
fn chat_words_and_english_become_the_article_words() {
    check(
        "懂王和普总咋说的来着？？😂",
        expect!["特朗普和普京怎么说的来着 => 特朗普 | 和普京 | 普京 | 怎么 | 说"],
    );
    check("Did they talk about NATO?", expect!["双方 谈到 北约吗 => 谈到 | 北约"]);
    check("\u{1b}[31m克宫\u{1b}[0m怎么看", expect!["俄方怎么看 => 俄方 | 怎么 | 看"]);
}
