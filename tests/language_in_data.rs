//! The language lives in `knowledge/`, not in Rust constants: this counts the string and
//! char literals with Chinese characters in the non-test code under `src/` and fails when
//! there are more than the allowance, which only ever goes down.

use std::path::Path;

/// The most literals with Chinese characters that `src/` may hold outside its tests.
const ALLOWANCE: usize = 18;

/// The literals of Rust source, skipping comments; a test module (`#[cfg(test)]` and what
/// follows it) is not counted.
fn literals(source: &str) -> Vec<String> {
    let code = source.split("#[cfg(test)]").next().unwrap_or(source);
    let chars: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            'r' if matches!(chars.get(i + 1), Some('"' | '#')) && !is_ident(chars.get(i.wrapping_sub(1))) => {
                let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
                let start = i + 2 + hashes;
                let closing: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
                let rest: String = chars[start..].iter().collect();
                let end = rest.find(&closing).map_or(rest.len(), |e| e);
                found.push(rest[..end].to_owned());
                i = start + rest[..end].chars().count() + closing.chars().count();
            }
            '"' => {
                let mut text = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    if let Some(c) = chars.get(i) {
                        text.push(*c);
                    }
                    i += 1;
                }
                found.push(text);
                i += 1;
            }
            '\'' if chars.get(i + 2) == Some(&'\'') && chars[i + 1] != '\\' => {
                found.push(chars[i + 1].to_string());
                i += 3;
            }
            _ => i += 1,
        }
    }
    found
}

fn is_ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

fn is_chinese(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

fn rust_files(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn the_literal_counter_sees_strings_chars_and_raw_strings_but_not_comments_or_tests() {
    let source = "// \"注释\"\nconst A: &str = \"通话\"; const B: char = '谈'; const C: &str = r#\"普京\"#;\nlet s = \"plain\";\n/* \"也是注释\" */\n#[cfg(test)]\nmod tests { const D: &str = \"测试\"; }\n";
    let chinese: Vec<String> = literals(source).into_iter().filter(|l| l.chars().any(is_chinese)).collect();
    assert_eq!(chinese, ["通话", "谈", "普京"]);
}

#[test]
fn src_keeps_its_language_in_knowledge() {
    let mut files = Vec::new();
    rust_files(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")), &mut files);
    files.sort();
    let mut counts: Vec<(String, usize)> = files
        .iter()
        .map(|path| {
            let source = std::fs::read_to_string(path).expect("a source file is readable");
            let count = literals(&source).iter().filter(|l| l.chars().any(is_chinese)).count();
            (path.display().to_string(), count)
        })
        .filter(|(_, count)| *count > 0)
        .collect();
    counts.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    let total: usize = counts.iter().map(|(_, c)| c).sum();
    assert!(
        total <= ALLOWANCE,
        "{total} literals with Chinese characters in src/ (at most {ALLOWANCE}); move the language to knowledge/: {counts:?}"
    );
}
