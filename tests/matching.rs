//! How the engine answers: yes/no verdicts, scripts and misspellings, declines,
//! suggestions and the shape of replies.

use callbot_test_support as common;

use callbot::matcher::{Decline, EntityKind, Facet, Outcome};
use callbot::reply::ReplyKind;

fn answer(question: &str) -> (Option<String>, String, ReplyKind) {
    let engine = common::knowledge::engine();
    let (_, reply) = engine.ask(question);
    (reply.entry.clone(), reply.to_plain_text(&engine), reply.kind)
}

#[test]
fn a_plain_question_gets_its_entry_and_the_facts() {
    let (entry, text, kind) = answer("俄乌要交换多少战俘？");
    assert_eq!(kind, ReplyKind::Answer);
    assert_eq!(entry.as_deref(), Some("prisoner-swap"));
    assert!(text.contains("175") && text.contains("19日"), "{text}");
}

#[test]
fn yes_no_questions_get_a_verdict_first() {
    let (_, text, _) = answer("通话谈到冰球了吗");
    assert!(text.starts_with("谈到了"), "{text}");
    let (_, text, _) = answer("有没有谈到对乌援助");
    assert!(text.starts_with("是否谈到对乌援助，说法不一"), "{text}");
    let (_, text, _) = answer("北约的事谈了没");
    assert!(text.starts_with("不清楚是否谈到"), "{text}");
}

#[test]
fn other_yes_no_questions_get_the_fact_without_a_verdict() {
    let engine = common::knowledge::engine();
    let (found, reply) = engine.ask("乌克兰接受30天停火了吗");
    assert!(found.yes_no && !found.about_the_call);
    assert_eq!(reply.verdict, None);
    assert!(reply.text.contains("乌克兰已接受"), "{}", reply.text);
}

#[test]
fn the_order_went_to_the_russian_army() {
    let (_, text, _) = answer("普京的指令是下给谁的？");
    assert!(text.contains("俄军"), "{text}");
    assert!(!text.replace("日军〔俄军〕", "").contains("日军"), "{text}");
}

#[test]
fn traditional_chinese_and_misspelt_names_are_understood() {
    let (entry, _, _) = answer("梅德韋傑夫說了什麼？");
    assert_eq!(entry.as_deref(), Some("medvedev-restaurant"));
    let (entry, _, _) = answer("泽连司基怎么看停火诚意");
    assert_eq!(entry.as_deref(), Some("zelensky-doubts"));
}

#[test]
fn short_english_questions_find_their_entry() {
    let (entry, _, _) = answer("hockey?");
    assert_eq!(entry.as_deref(), Some("hockey"));
    let (entry, _, _) = answer("Putin Trump prisoners");
    assert_eq!(entry.as_deref(), Some("prisoner-swap"));
}

#[test]
fn unrelated_questions_are_declined_with_three_suggestions() {
    let engine = common::knowledge::engine();
    for question in ["今天上海下雨吗", "给我讲个笑话", "比特币现在多少钱"] {
        let (found, reply) = engine.ask(question);
        assert_eq!(found.outcome, Outcome::Decline(Decline::NoMatch), "{question}");
        assert_eq!(reply.kind, ReplyKind::Declined);
        assert_eq!(reply.suggestions.len(), 3, "{question}");
        assert!(reply.text.contains("没有报道"), "{}", reply.text);
    }
}

#[test]
fn facts_the_article_does_not_give_are_not_answered() {
    let engine = common::knowledge::engine();
    let (_, reply) = engine.ask("吉达谈判最终取得了什么成果？");
    assert_eq!(reply.kind, ReplyKind::Unreported, "{}", reply.text);
    assert!(reply.text.contains("没有报道"), "{}", reply.text);
    let (found, reply) = engine.ask("美乌矿产协议是哪天签署的？");
    assert!(!reply.is_answered(), "{:?}", found.outcome);
}

#[test]
fn empty_and_symbol_only_questions_are_declined_as_empty() {
    let engine = common::knowledge::engine();
    for question in ["", "   ", "？？！！", "🙂🙂🙂", "\u{0}\u{7}"] {
        let (found, reply) = engine.ask(question);
        assert_eq!(found.outcome, Outcome::Decline(Decline::Empty), "{question:?}");
        assert!(reply.text.contains("请用文字提一个问题"), "{}", reply.text);
    }
}

#[test]
fn very_long_questions_are_declined_as_too_long() {
    let engine = common::knowledge::engine();
    let (found, _) = engine.ask(&"普京".repeat(3000));
    assert_eq!(found.outcome, Outcome::Decline(Decline::TooLong));
}

#[test]
fn answers_carry_quotes_with_speaker_and_section_and_follow_ups() {
    let engine = common::knowledge::engine();
    let (_, reply) = engine.ask("梅德韦杰夫说了什么");
    assert!(!reply.quotes.is_empty());
    assert!(reply.quotes.iter().all(|q| !q.speaker.is_empty() && !q.section.is_empty()));
    assert!(!reply.suggestions.is_empty() && reply.suggestions.len() <= 3);
    let text = reply.to_plain_text(&engine);
    assert!(text.contains("——梅德韦杰夫"), "{text}");
}

#[test]
fn every_entry_answers_its_own_phrasings() {
    let engine = common::knowledge::engine();
    let mut misses = Vec::new();
    let mut total = 0;
    for entry in &engine.knowledge().entries {
        for question in &entry.questions {
            total += 1;
            let (found, _) = engine.ask(question);
            if found.best().map(|c| engine.knowledge().entries[c.entry].id.as_str())
                != Some(entry.id.as_str())
            {
                misses.push(format!("{}: {question}", entry.id));
            }
        }
    }
    assert!(misses.len() * 50 <= total, "more than 2% of phrasings go elsewhere:\n{}", misses.join("\n"));
}

#[test]
fn every_way_of_asking_what_the_call_covered_gets_the_overview() {
    let engine = common::knowledge::engine();
    let mut misses = Vec::new();
    for subject in ["他们", "两人", "双方", "普京和特朗普", "这次通话", "电话里"] {
        for verb in ["谈了", "说了", "聊了", "讨论了"] {
            for what in ["什么", "啥", "哪些"] {
                let question = format!("{subject}{verb}{what}");
                let (_, reply) = engine.ask(&question);
                if reply.entry.as_deref() != Some("call-overview") || !reply.is_answered() {
                    misses.push(format!("{question} → {:?}", reply.entry));
                }
            }
        }
    }
    assert!(misses.is_empty(), "not the overview:\n{}", misses.join("\n"));
}

#[test]
fn messages_with_nothing_to_go_on_get_a_clarifying_reply() {
    let engine = common::knowledge::engine();
    for question in ["为什么", "什么意思", "怎么看", "谁", "真的吗", "还有呢", "谈没", "咋回事啊？？"]
    {
        let (found, reply) = engine.ask(question);
        assert_eq!(found.outcome, Outcome::Decline(Decline::TooLittle), "{question}");
        assert!(!found.analysis.has_content(), "{question}");
        assert!(!reply.is_answered());
        let replies = &engine.knowledge().replies;
        assert_eq!(reply.text, replies.with_scope(&replies.decline.too_little));
        assert_eq!(reply.suggestions.len(), 3, "{question}");
    }
}

#[test]
fn a_known_topic_with_an_unreported_fact_gets_a_specific_reply() {
    let engine = common::knowledge::engine();
    for (question, missing, related) in [
        ("冰球比赛最后谁赢了", "比赛结果", "hockey"),
        ("特朗普今年多大年纪", "年龄", "trump-post"),
        ("俄军发射了多少枚导弹", "具体数字", "air-force-attack"),
        ("冰球赛定在哪个城市", "举办城市和场馆", "hockey"),
        ("梅德韦杰夫是在推特上发的吗", "发文平台", "medvedev-restaurant"),
    ] {
        let (found, reply) = engine.ask(question);
        assert_eq!(found.missing.as_deref(), Some(missing), "{question}");
        assert_eq!(reply.kind, ReplyKind::Unreported, "{question}");
        assert!(!reply.is_answered());
        assert!(reply.text.starts_with("文章没有报道") && reply.text.contains("只说"), "{}", reply.text);
        assert_eq!(reply.suggestions.first().map(|s| s.entry.as_str()), Some(related), "{question}");
    }
}

#[test]
fn the_analysis_names_facet_entities_predicate_and_negation() {
    let engine = common::knowledge::engine();
    let analysis = engine.matcher().read("懂王怎么看冰球比赛").analysis;
    assert_eq!(analysis.facet, Facet::Attitude);
    let entities: Vec<(&str, EntityKind)> =
        analysis.entities.iter().map(|e| (e.name.as_str(), e.kind)).collect();
    assert_eq!(entities, [("特朗普", EntityKind::Person), ("冰球", EntityKind::Topic)]);
    let analysis = engine.matcher().read("哪些问题没有谈到").analysis;
    assert_eq!(analysis.facet, Facet::List);
    assert_eq!(analysis.predicate.as_deref(), Some("谈到"));
    assert!(analysis.negated);
    assert!(!engine.matcher().read("谈到北约了没").analysis.negated);
    assert_eq!(engine.matcher().read("Did they talk about NATO?").analysis.facet, Facet::DidDiscuss);
}

#[test]
fn descriptive_references_nicknames_and_fields_find_their_entry() {
    for (question, expected) in [
        ("白宫主人通话后发了什么帖子", "trump-post"),
        ("中国外交部那位女发言人怎么说", "china-mfa"),
        ("小泽对这次通话啥态度", "zelensky-doubts"),
        ("体育方面谈了什么", "hockey"),
        ("克宫要求停止向乌提供什么", "putin-aid-demand"),
    ] {
        let (entry, _, kind) = answer(question);
        assert_eq!((entry.as_deref(), kind), (Some(expected), ReplyKind::Answer), "{question}");
    }
}

#[test]
fn english_questions_are_understood_or_declined_in_both_languages() {
    let (entry, _, _) = answer("Did they talk about NATO?");
    assert_eq!(entry.as_deref(), Some("nato-membership"));
    let (entry, _, _) = answer("How many prisoners will be exchanged?");
    assert_eq!(entry.as_deref(), Some("prisoner-swap"));
    let (_, text, kind) = answer("What is the weather in Paris today?");
    assert_eq!(kind, ReplyKind::Declined);
    assert!(text.contains("Sorry") && text.contains("我只回答"), "{text}");
}

#[test]
fn chat_style_and_long_messages_are_answered_on_their_question() {
    for (question, expected) in [
        ("俄乌换俘是哪天啊？？😅", "prisoner-swap"),
        ("\u{1b}[1m冰球\u{1b}[0m的事谈了吗", "hockey"),
        (
            "我昨天刷到新闻，说普京和特朗普又打电话了，聊了挺久。朋友说欧洲很不高兴。我想知道：法德英领导人对这次通话什么态度？",
            "europe-welcome",
        ),
    ] {
        let (entry, _, kind) = answer(question);
        assert_eq!((entry.as_deref(), kind), (Some(expected), ReplyKind::Answer), "{question}");
    }
}

#[test]
fn a_last_question_pointing_back_is_about_the_topic_named_before_it() {
    // Whether Putin gave way on the ceasefire: his conditions, or whether Russia accepted it.
    for (question, expected) in [
        ("我平时最爱看冰球。两国总统在这件事上到底谈了些什么？", &["hockey"][..]),
        (
            "我的邻居天天盼着停火。普京在这件事上松口了没有？",
            &["ceasefire-conditions", "ceasefire-acceptance"],
        ),
        ("我在研究核不扩散。这方面双方有什么共识？", &["nonproliferation"]),
    ] {
        let (entry, _, kind) = answer(question);
        assert_eq!(kind, ReplyKind::Answer, "{question}");
        assert!(entry.as_deref().is_some_and(|e| expected.contains(&e)), "{question}: {entry:?}");
    }
}

#[test]
fn a_name_the_knowledge_never_mentions_is_not_answered() {
    for question in ["拜登对这次通话有什么看法", "古特雷斯说了什么"] {
        let (_, text, kind) = answer(question);
        assert_ne!(kind, ReplyKind::Answer, "{question}: {text}");
    }
}

#[test]
fn a_country_and_a_title_name_the_person_the_article_names() {
    for (question, expected) in [
        ("英国政府首脑提议了什么", "starmer-troops"),
        ("美国头号外交官把这场冲突叫什么", "rubio-proxy-war"),
        ("乌克兰国家元首怎么看俄方的诚意", "zelensky-doubts"),
    ] {
        let (entry, _, kind) = answer(question);
        assert_eq!((entry.as_deref(), kind), (Some(expected), ReplyKind::Answer), "{question}");
    }
    let engine = common::knowledge::engine();
    let (found, reply) = engine.ask("俄罗斯现任国防部长是谁");
    assert_eq!(found.missing.as_deref(), Some("俄罗斯的国防部长"));
    assert!(!reply.is_answered());
    let (found, reply) = engine.ask("美国防长对这次通话怎么看");
    assert_eq!(found.missing.as_deref(), Some("美国的防长"), "{:?}", found.analysis);
    assert!(!reply.is_answered());
}

#[test]
fn where_an_event_happened_needs_an_entry_that_names_a_place() {
    let engine = common::knowledge::engine();
    let (found, reply) = engine.ask("换俘在哪里交接");
    assert!(found.missing.is_some(), "{:?}", found.outcome);
    assert!(!reply.is_answered());
    let (entry, _, kind) = answer("美俄下一轮谈判在哪里举行");
    assert_eq!((entry.as_deref(), kind), (Some("witkoff-jeddah"), ReplyKind::Answer));
    // 从哪里开始 asks for a starting point, not a place.
    let (_, _, kind) = answer("白宫说停止冲突要从哪里开始");
    assert_eq!(kind, ReplyKind::Answer);
}

#[test]
fn two_questions_in_one_message_get_both_answers() {
    let engine = common::knowledge::engine();
    let (found, reply) = engine.ask("换俘一共多少人？另外冰球那事是怎么回事");
    assert!(found.also.is_some());
    assert!(reply.text.contains("175") && reply.text.contains("冰球"), "{}", reply.text);
    // "X呢" after "谈到Y了吗" asks whether X was discussed too; military aid has two readings.
    let (_, reply) = engine.ask("领土谈了吗？那军援呢");
    assert!(
        reply.text.contains("领土") && reply.text.contains("援") && reply.text.contains("说法不一"),
        "{}",
        reply.text
    );
}

#[test]
fn this_calls_date_is_not_the_earlier_call() {
    for question in ["俩人通电话是几号来着", "兩位總統是哪天通話的"] {
        let (entry, _, kind) = answer(question);
        assert_eq!((entry.as_deref(), kind), (Some("call-timing"), ReplyKind::Answer), "{question}");
    }
    let (entry, _, _) = answer("上一回他们通话聊了什么");
    assert_eq!(entry.as_deref(), Some("previous-call"));
}

#[test]
fn english_talks_and_ordinal_dates_are_understood() {
    for question in
        ["Where will the talks on the 23rd take place?", "Which city will host the talks on March 23?"]
    {
        let (entry, _, kind) = answer(question);
        assert_eq!((entry.as_deref(), kind), (Some("witkoff-jeddah"), ReplyKind::Answer), "{question}");
    }
}

#[test]
fn a_wrong_place_for_an_event_is_corrected_with_the_articles_place() {
    let (entry, text, kind) = answer("美俄为什么要去多哈谈停火细节？");
    assert_eq!(kind, ReplyKind::Answer);
    assert_eq!(entry.as_deref(), Some("witkoff-jeddah"));
    assert!(text.starts_with("文章没有说在多哈") && text.contains("吉达"), "{text}");
    // A person's name the article does not use is no place.
    let (_, text, _) = answer("拜登和普京谈了什么");
    assert!(!text.contains("文章没有说在"), "{text}");
}

#[test]
fn a_count_asked_of_one_region_of_a_list_is_not_the_lists_total() {
    let (_, text, kind) = answer("乌军在敖德萨州拦截了多少架无人机？");
    assert_eq!(kind, ReplyKind::Unreported);
    assert!(text.contains("在敖德萨州的具体数字"), "{text}");
    let (_, text, kind) = answer("乌军一共拦截了多少架无人机？");
    assert_eq!(kind, ReplyKind::Answer);
    assert!(text.contains("72架"), "{text}");
}

#[test]
fn an_unreported_role_is_named_once() {
    let (_, text, kind) = answer("波兰的总统怎么看这次通话");
    assert_eq!(kind, ReplyKind::Unreported);
    assert!(text.starts_with("文章没有报道波兰的总统，"), "{text}");
}

#[test]
fn a_response_the_article_does_not_report_is_said_to_be_unreported() {
    let (_, text, kind) = answer("克宫如何回应泽连斯基对俄方诚意的质疑？");
    assert_eq!(kind, ReplyKind::Unreported);
    assert!(text.starts_with("文章没有报道俄方的回应"), "{text}");
    // Putin's answer is Russia's.
    let (entry, _, kind) = answer("黑海航运安全倡议俄方怎么回应的？");
    assert_eq!(kind, ReplyKind::Answer);
    assert_eq!(entry.as_deref(), Some("black-sea"));
}
