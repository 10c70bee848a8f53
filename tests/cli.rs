//! The `callbot` binary: `ask` (text and JSON, arguments and standard input, bad input),
//! `check` (with `--coverage`), `eval`, `chat`, and errors that name what they are about.

use callbot_test_support as common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn callbot(args: &[&str], stdin: &[u8]) -> Output {
    callbot_with_env(args, stdin, &[])
}

fn callbot_with_env(args: &[&str], stdin: &[u8], environment: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_callbot"))
        .args(args)
        .env_remove("TELOXIDE_TOKEN")
        .env("RUST_LOG", "warn")
        .envs(environment.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("callbot starts");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("callbot ends")
}

fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(output.stdout.clone())
        .expect("stdout is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("every stdout line is JSON"))
        .collect()
}

#[test]
fn ask_with_an_argument_prints_the_answer() {
    let output = callbot(&["ask", "梅德韦杰夫说了什么？"], b"");
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("餐厅"), "{text}");
}

#[test]
fn ask_json_has_the_documented_fields() {
    let output = callbot(&["ask", "--json", "俄乌交换多少被俘人员"], b"");
    let replies = json_lines(&output);
    assert_eq!(replies.len(), 1);
    let reply = &replies[0];
    assert_eq!(reply["question"], "俄乌交换多少被俘人员");
    assert_eq!(reply["answered"], true);
    assert_eq!(reply["entry"], "prisoner-swap");
    assert!(reply["score"].as_f64().is_some_and(|s| s > 0.0 && s <= 1.0));
    assert!(reply["answer"].as_str().is_some_and(|a| a.contains("175")));
    let quote = &reply["quotes"][0];
    assert!(quote["text"].is_string() && quote["speaker"].is_string() && quote["section"].is_string());
    assert!(reply["follow_ups"].as_array().is_some_and(|f| !f.is_empty()));
    assert!(reply["alternatives"][0]["entry"].is_string() && reply["alternatives"][0]["score"].is_number());
}

#[test]
fn an_answer_that_says_its_quote_whole_says_it_once_with_the_credit() {
    let output = callbot(&["ask", "他们谈了冰球吗"], b"");
    let text = String::from_utf8_lossy(&output.stdout);
    let words = "特朗普支持普京有关在美国和俄罗斯组织两国冰球运动员比赛的想法";
    assert_eq!(text.matches(words).count(), 1, "{text}");
    assert!(text.contains("第七点。——新华社（A）"), "{text}");
    // Two quotes of one section said whole by the answer: one credit.
    let output = callbot(&["ask", "俄乌双方互相信任吗"], b"");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(text.matches("——新华社（D）").count(), 1, "{text}");
}

#[test]
fn batch_mode_answers_every_line_even_bad_ones() {
    let mut input = Vec::new();
    input.extend_from_slice("他们谈了冰球吗\n".as_bytes());
    input.extend_from_slice(b"\n");
    input.extend_from_slice("   \n".as_bytes());
    input.extend_from_slice("🙂🙂🙂\n".as_bytes());
    input.extend_from_slice(b"\xff\xfe\xe6\xa2\x85 invalid utf-8\n");
    input.extend_from_slice("\u{1}\u{7}控制字符\u{1b}[31m\n".as_bytes());
    input.extend_from_slice(format!("{}\n", "长".repeat(6000)).as_bytes());
    input.extend_from_slice("Trump 和 普京 谈了 NATO 吗\r\n".as_bytes());
    input.extend_from_slice("吉达谈判定在哪天".as_bytes());
    let output = callbot(&["ask", "--json"], &input);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let replies = json_lines(&output);
    assert_eq!(replies.len(), 9, "one reply per line");
    assert_eq!(replies[0]["answered"], true);
    for declined in &replies[1..7] {
        assert_eq!(declined["answered"], false, "{declined}");
        assert!(!declined["answer"].as_str().unwrap_or_default().is_empty());
    }
    assert_eq!(replies[7]["answered"], true);
    assert!(replies[8]["answer"].as_str().is_some_and(|a| a.contains("23日")), "{}", replies[8]);
}

#[test]
fn explain_shows_words_and_candidates() {
    let output = callbot(&["ask", "--explain", "泽连斯基怎么看"], b"");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("words: 泽连斯基"), "{text}");
    assert!(text.contains("coverage"), "{text}");
}

#[test]
fn check_summarises_valid_knowledge() {
    let output = callbot(&["check"], b"");
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("valid") && text.contains("quotes verified verbatim"), "{text}");
}

#[test]
fn check_refuses_broken_knowledge_and_names_the_problem() {
    let dir = tempfile::tempdir().expect("temp dir");
    common::knowledge::copy_top_files(dir.path()).expect("copy");
    std::fs::create_dir(dir.path().join("entries")).expect("mkdir");
    let fixture = common::knowledge::crate_dir().join("tests/fixtures/entries/quote_not_verbatim.toml");
    std::fs::copy(fixture, dir.path().join("entries/bad.toml")).expect("copy fixture");
    let output = callbot(&["--knowledge", dir.path().to_str().expect("utf-8 path"), "check"], b"");
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("entries/bad.toml:9: entry `misquoted`: quote"), "{text}");
}

/// A copy of the project's knowledge folder, with its subfolders.
fn knowledge_copy(to: &std::path::Path) {
    let from = common::knowledge::paths().knowledge;
    for folder in ["", "entries", "examples"] {
        std::fs::create_dir_all(to.join(folder)).expect("mkdir");
        for item in std::fs::read_dir(from.join(folder)).expect("knowledge readable") {
            let path = item.expect("an entry").path();
            if path.is_file() {
                std::fs::copy(&path, to.join(folder).join(path.file_name().expect("a name"))).expect("copy");
            }
        }
    }
}

/// The 1-based line of the first line of `text` that contains `needle`.
fn line_with(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).expect("the edited line") + 1
}

#[test]
fn check_names_the_file_and_line_of_a_broken_language_or_replies_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    knowledge_copy(dir.path());
    let replies_path = dir.path().join("replies.toml");
    let replies =
        std::fs::read_to_string(&replies_path).expect("read").replace("谈到了{topic}。", "谈到了{subject}。");
    std::fs::write(&replies_path, &replies).expect("write");
    let language_path = dir.path().join("language.toml");
    let language = std::fs::read_to_string(&language_path)
        .expect("read")
        .replace("\nlast = [\"最后一点\"", "\nlast = [] # \"");
    std::fs::write(&language_path, &language).expect("write");
    let output = callbot(&["--knowledge", dir.path().to_str().expect("utf-8 path"), "check"], b"");
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    let placeholder = format!(
        "replies.toml:{}: `verdict.discussed` has an unknown placeholder {{subject}}: this sentence may use {{topic}}",
        line_with(&replies, "discussed = \"谈到了{subject}")
    );
    assert!(text.contains(&placeholder), "{text}");
    let empty =
        format!("language.toml:{}: `follow_up.last` is an empty list", line_with(&language, "last = []"));
    assert!(text.contains(&empty), "{text}");
}

#[test]
fn eval_reports_per_category_accuracy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("set.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"id":"a","cat":"discussed","q":"冰球比赛是谁的主意","expect":[["普京"]]}"#,
            "\n",
            r#"{"id":"b","cat":"oos","q":"明天会下雪吗","expect":[]}"#,
            "\n",
            r#"{"id":"c","cat":"discussed","q":"冰球比赛是谁的主意","expect":[["不存在的事实"]]}"#,
            "\n"
        ),
    )
    .expect("write set");
    let output = callbot(&["eval", file.to_str().expect("utf-8 path")], b"");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("FAIL c [discussed]"), "{text}");
    assert!(text.contains("discussed         1 / 2"), "{text}");
    assert!(text.trim_end().ends_with("answerable 0.500 oos_rejected 1.000 overall 0.667"), "{text}");
    assert!(output.status.success());

    let strict = callbot(&["eval", file.to_str().expect("utf-8 path"), "--min-accuracy", "0.9"], b"");
    let text = String::from_utf8_lossy(&strict.stdout);
    assert!(!strict.status.success());
    assert!(text.trim_end().ends_with("overall 0.667 is below --min-accuracy 0.9: failing"), "{text}");
}

#[test]
fn ask_and_chat_with_log_write_the_review_log_the_bot_writes() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let log = dir.path().join("review.jsonl");
    let log_arg = log.to_str().expect("a UTF-8 path");
    assert!(
        callbot(&["ask", "--log", log_arg], "今天天气怎么样\n他们谈了冰球吗\n".as_bytes()).status.success()
    );
    assert!(callbot(&["chat", "--log", log_arg], "普京爱吃什么\n".as_bytes()).status.success());
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .expect("the log is written")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON record"))
        .collect();
    let questions: Vec<&str> = records.iter().filter_map(|r| r["question"].as_str()).collect();
    assert_eq!(questions, ["今天天气怎么样", "普京爱吃什么"], "the declined questions, not the answered one");
    let review = callbot(&["review", log_arg], b"");
    assert!(review.status.success());
    assert!(String::from_utf8_lossy(&review.stdout).contains("2 questions to review"));
}

#[test]
fn review_without_a_log_says_which_command_writes_one() {
    let output = callbot(&["review", "/nonexistent/review.jsonl"], b"");
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("no review log at /nonexistent/review.jsonl: `callbot bot` writes one"), "{text}");
    assert!(!text.contains("os error"), "{text}");
}

#[test]
fn check_says_where_the_knowledge_and_the_configuration_come_from() {
    let output = callbot(&["check"], b"");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("knowledge in knowledge (in the working directory): valid"), "{text}");
    assert!(text.contains("configuration in config/callbot.toml (in the working directory)"), "{text}");
    let knowledge = common::knowledge::paths().knowledge;
    let output = callbot(&["--knowledge", knowledge.to_str().expect("utf-8 path"), "check"], b"");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("(given by a flag): valid"), "{text}");
}

#[test]
fn coverage_lists_the_sentences_no_entry_covers_by_section() {
    let fixture = common::knowledge::crate_dir().join("tests/fixtures/coverage");
    let output = callbot(&["--knowledge", fixture.to_str().expect("utf-8 path"), "check", "--coverage"], b"");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    let report = text.split_once("coverage: ").map(|(_, r)| r).unwrap_or_default();
    assert_eq!(
        report.trim_end(),
        "3/5 sentences answered or quoted (60%)
  导语 导语: 2/2 covered
  交通 交通: 1/2 covered
    not covered: 桥上还有自行车道。
  反应 反应: 0/1 covered
    not covered: 居民张三表示很高兴。",
        "{text}"
    );
}

#[test]
fn eval_names_a_missing_question_file() {
    let output = callbot(&["eval", "/nonexistent.jsonl"], b"");
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("cannot read question file /nonexistent.jsonl"), "{text}");
}

#[test]
fn a_bad_override_names_the_environment_variable_not_the_file() {
    let output = callbot_with_env(&["ask", "冰球"], b"", &[("CALLBOT__MATCHER__THRESHOLD", "abc")]);
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("environment variable CALLBOT__MATCHER__THRESHOLD"), "{text}");
    assert!(!text.contains("callbot.toml"), "{text}");
}

/// The chat's replies to these lines (the welcome left out).
fn chat(lines: &str) -> (Output, String) {
    let output = callbot(&["chat"], lines.as_bytes());
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let replies = text.split_once("\n> ").map(|(_, r)| r.to_owned()).unwrap_or_default();
    (output, replies)
}

#[test]
fn chat_ends_on_quit_exit_and_slash_quit() {
    for word in ["quit", "exit", "/quit", "EXIT"] {
        let (output, replies) = chat(&format!("{word}\n他们谈了冰球吗\n"));
        assert!(output.status.success());
        assert!(!replies.contains("冰球比赛"), "`{word}` was taken for a question: {replies}");
    }
}

#[test]
fn chat_refuses_a_number_out_of_range_and_gives_the_range() {
    let (_, replies) = chat("9\n");
    assert!(replies.contains("没有第 9 项：请输入 1 到 3 之间的编号"), "{replies}");
    assert!(!replies.contains("没有报道"), "{replies}");
}

#[test]
fn a_number_in_chat_echoes_the_question_it_picked() {
    let (_, replies) = chat("1\n");
    let echo = replies.lines().find(|l| l.contains("（1）")).unwrap_or_default();
    assert!(echo.chars().count() > "> （1）".chars().count(), "the question after the number: {replies}");
}

#[test]
fn chat_shows_each_reaction_once() {
    let (_, replies) = chat("/reactions\n");
    let engine = common::knowledge::engine();
    let reactions: Vec<_> = engine.knowledge().in_category(callbot::knowledge::Category::Reaction).collect();
    assert!(!reactions.is_empty());
    for entry in reactions {
        let listed = replies.lines().filter(|l| l.ends_with(entry.topic.as_str())).count();
        assert_eq!(listed, 1, "`{}` in {replies}", entry.topic);
    }
}

#[test]
fn chat_welcome_speaks_of_the_terminal_not_of_groups() {
    let output = callbot(&["chat"], b"");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("quit") && text.contains("编号"), "{text}");
    assert!(!text.contains("群") && !text.contains("@我"), "{text}");
}
