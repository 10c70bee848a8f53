//! The project's own knowledge and engine, loaded once per test binary.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use callbot::config::Settings;
use callbot::engine::{Engine, Paths};
use callbot::knowledge::Sources;

/// callbot's root folder (this library lives in its `tests/support/`).
pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .expect("tests/support lies two folders below callbot's root")
}

/// The crate's `knowledge/` and `config/callbot.toml`.
pub fn paths() -> Paths {
    Paths {
        knowledge: crate_dir().join("knowledge"),
        config: crate_dir().join("config").join("callbot.toml"),
    }
}

/// The knowledge files outside its folders (`entries/`, `examples/`).
pub const TOP_FILES: [&str; 7] = [
    "article.txt",
    "article.toml",
    "aliases.toml",
    "lexicon.toml",
    "stopwords.txt",
    "language.toml",
    "replies.toml",
];

/// Copies the project's [`TOP_FILES`] into the folder `to`.
///
/// # Errors
/// If a file cannot be copied.
pub fn copy_top_files(to: &Path) -> std::io::Result<()> {
    let from = paths().knowledge;
    for name in TOP_FILES {
        std::fs::copy(from.join(name), to.join(name))?;
    }
    Ok(())
}

/// The engine over the real knowledge and configuration, built once.
pub fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE.get_or_init(|| Arc::new(Engine::load(&paths()).expect("the project's knowledge loads"))).clone()
}

/// The real configuration file, without environment overrides.
pub fn settings() -> Settings {
    let text = std::fs::read_to_string(paths().config).expect("config readable");
    Settings::from_toml_str(&text, "config/callbot.toml", Vec::new()).expect("config parses")
}

/// The real knowledge files, with the entry files replaced by these fixture files.
pub fn sources_with_entries(fixtures: &[&str]) -> Sources {
    let mut sources = Sources::read(&paths().knowledge).expect("knowledge readable");
    sources.entry_files = fixtures
        .iter()
        .map(|name| {
            let path: PathBuf = crate_dir().join("tests/fixtures/entries").join(name);
            (format!("entries/{name}"), std::fs::read_to_string(&path).expect("fixture readable"))
        })
        .collect();
    // The examples name the real entries, which the fixtures replace.
    sources.example_files.clear();
    sources
}
