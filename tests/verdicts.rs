//! "Did they discuss X?" says no more than the article: one verdict per piece of
//! evidence, both readings where there are two; and /discussed lists exactly the points
//! the article numbers.

use callbot_test_support as common;

use callbot::knowledge::{Category, Status};
use callbot::screen::{self, Block, Span};

fn verdict_and_text(question: &str) -> (String, String) {
    let engine = common::knowledge::engine();
    let (_, reply) = engine.ask(question);
    (reply.verdict.clone().unwrap_or_default(), reply.text.clone())
}

#[test]
fn aid_gets_both_readings_however_it_is_asked() {
    for question in ["通话中有没有讨论对乌克兰的援助？", "他们谈到军援了吗", "美国援助乌克兰的事谈过没有"]
    {
        let (verdict, text) = verdict_and_text(question);
        assert!(verdict.contains("说法不一"), "{question}: {verdict}");
        assert!(text.contains("没有谈及对乌援助"), "{question}: Trump's reading: {text}");
        assert!(text.contains("普京在通话中强调"), "{question}: Putin's reading: {text}");
    }
}

#[test]
fn what_the_statements_did_not_mention_is_not_known_either_way() {
    for question in ["领土问题谈了吗", "通话讨论分割特定资产了吗", "扎波罗热核电站提到了吗", "桥梁谈了没有"]
    {
        let (verdict, text) = verdict_and_text(question);
        assert!(verdict.starts_with("不清楚是否谈到"), "{question}: {verdict}");
        assert!(!verdict.contains("没有谈到"), "{question}: {verdict}");
        assert!(text.contains("未提及"), "{question}: {text}");
    }
}

#[test]
fn said_not_discussed_only_where_the_article_says_so() {
    let engine = common::knowledge::engine();
    for entry in &engine.knowledge().entries {
        let quoted = |words: &[&str]| entry.quotes.iter().any(|q| words.iter().any(|w| q.text.contains(w)));
        match entry.status {
            Some(Status::NotDiscussed) => {
                assert!(quoted(&["没有谈及", "没有谈到", "没有讨论"]), "{}: no quote says so", entry.id)
            }
            Some(Status::NotMentioned) => assert!(quoted(&["未提及", "没有提及"]), "{}", entry.id),
            Some(Status::Unclear) => assert!(quoted(&["不清楚", "是否"]), "{}", entry.id),
            _ => {}
        }
    }
}

#[test]
fn no_reply_repeats_a_relative_date() {
    let engine = common::knowledge::engine();
    for entry in &engine.knowledge().entries {
        let shown = engine.open(&entry.id).expect("opens").to_plain_text(&engine);
        assert!(!shown.contains("昨天"), "{}: {shown}", entry.id);
    }
}

fn paragraphs(screen: &screen::Screen) -> Vec<String> {
    screen
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(spans) => Some(
                spans
                    .iter()
                    .map(|s| match s {
                        Span::Text(t) | Span::Bold(t) | Span::Italic(t) => t.as_str(),
                    })
                    .collect(),
            ),
            Block::Quote(_) => None,
        })
        .collect()
}

#[test]
fn discussed_lists_exactly_the_seven_points_then_the_rest_apart() {
    let engine = common::knowledge::engine();
    let shown = screen::discussed(&engine);
    let paragraphs = paragraphs(&shown);
    assert!(paragraphs[0].contains("至少七点"), "{}", paragraphs[0]);
    let points: Vec<&str> = paragraphs[1].lines().collect();
    assert_eq!(points.len(), 7, "{points:?}");
    for (n, line) in points.iter().enumerate() {
        assert!(line.starts_with(&format!("{}. ", n + 1)), "{line}");
    }
    assert!(points[0].contains("被俘人员") && points[6].contains("冰球"), "{points:?}");
    assert!(points[5].contains("正常化") && points[5].contains("核不扩散"), "{}", points[5]);
    assert!(paragraphs[2].contains("还报道"), "{paragraphs:?}");
    assert!(
        paragraphs[3].contains("长久和平"),
        "the White House's statement stands apart: {}",
        paragraphs[3]
    );
    let buttons: Vec<String> = shown.buttons.iter().map(|b| b.action.to_data()).collect();
    let first_of_each_point = [
        "prisoner-swap",
        "energy-pause",
        "ceasefire-conditions",
        "kursk-surrender",
        "black-sea",
        "normalization",
        "hockey",
    ];
    assert_eq!(&buttons[..7], first_of_each_point);
    let unnumbered =
        engine.knowledge().in_category(Category::Discussed).filter(|e| e.point.is_none()).count();
    assert_eq!(buttons.len(), 7 + unnumbered, "one button per point, then one per other item");
}
