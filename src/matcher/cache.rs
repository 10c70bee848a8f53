//! Trained models kept on disk, keyed by everything their training reads: the labelled
//! questions, the words the segmenter keeps whole, the stopwords, the training settings
//! and the matcher's own source (hashed at build time). The same data and code give the
//! same weights, so a model found under its key is the model training would give; a
//! start-up that finds one skips featurising and training.
//!
//! The cache is an optimisation only: a directory that cannot be read or written is
//! logged and training goes on as if it were empty.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use super::model::Model;

/// How many models a cache directory keeps; older ones are removed (cross-validation
/// writes one per fold).
const KEPT: usize = 12;
/// The file names of cached models: `model-<key>.bin`.
const PREFIX: &str = "model-";
const SUFFIX: &str = ".bin";

/// The key of a model: a hash of its training inputs and of the matcher's source.
pub fn key(inputs: &impl Hash) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    env!("CALLBOT_MATCHER_SOURCE").hash(&mut hasher);
    inputs.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// Where models are cached: `setting` is the `matcher.model_cache` key: `auto` means
/// `$XDG_CACHE_HOME/callbot`, else `$HOME/.cache/callbot`; empty means no cache; any
/// other value is the directory.
pub fn directory(setting: &str) -> Option<PathBuf> {
    let from = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    match setting.trim() {
        "" => None,
        "auto" => from("XDG_CACHE_HOME")
            .or_else(|| from("HOME").map(|home| home.join(".cache")))
            .map(|base| base.join("callbot")),
        dir => Some(PathBuf::from(dir)),
    }
}

/// The model cached under `key` in `dir`, if there is a readable one.
pub fn load(dir: &Path, key: &str) -> Option<Model> {
    let path = dir.join(format!("{PREFIX}{key}{SUFFIX}"));
    let bytes = std::fs::read(&path).ok()?;
    let model = Model::from_bytes(&bytes);
    if model.is_none() {
        log::warn!("ignoring the unreadable cached model {}", path.display());
    }
    model
}

/// Writes `model` under `key` in `dir` (through a temporary file, so that another
/// process never reads half a model), then removes the oldest models beyond [`KEPT`].
pub fn store(dir: &Path, key: &str, model: &Model) {
    let written = std::fs::create_dir_all(dir).and_then(|()| {
        let temporary = dir.join(format!(".{PREFIX}{key}.{}", std::process::id()));
        std::fs::write(&temporary, model.to_bytes())?;
        std::fs::rename(&temporary, dir.join(format!("{PREFIX}{key}{SUFFIX}")))
    });
    match written {
        Ok(()) => prune(dir),
        Err(e) => log::warn!("cannot cache the trained model in {}: {e}", dir.display()),
    }
}

fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut models: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX)))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    models.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    for (_, old) in models.into_iter().skip(KEPT) {
        // Another process may have removed it first.
        let _ = std::fs::remove_file(old);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::model::{Training, feature_names};

    fn model() -> Model {
        let rows = vec![
            (feature_names("冰球", ["冰球"], [], "What"), 0),
            (feature_names("换俘", ["换俘"], [], "What"), 1),
        ];
        Model::train(&rows, 2, Training::default())
    }

    #[test]
    fn a_stored_model_is_found_under_its_key_only() {
        let dir = std::env::temp_dir().join(format!("callbot-cache-test-{}", std::process::id()));
        let model = model();
        store(&dir, &key(&"a"), &model);
        let found = load(&dir, &key(&"a")).expect("the stored model");
        let names = feature_names("冰球", ["冰球"], [], "What");
        assert_eq!(
            found.probabilities(&found.features(&names)),
            model.probabilities(&model.features(&names))
        );
        assert!(load(&dir, &key(&"b")).is_none());
        std::fs::remove_dir_all(&dir).expect("the test's directory");
    }

    #[test]
    fn the_oldest_models_beyond_the_kept_number_are_removed() {
        let dir = std::env::temp_dir().join(format!("callbot-prune-test-{}", std::process::id()));
        let model = model();
        for i in 0..KEPT + 3 {
            store(&dir, &key(&i), &model);
        }
        assert_eq!(std::fs::read_dir(&dir).expect("the cache").count(), KEPT);
        std::fs::remove_dir_all(&dir).expect("the test's directory");
    }

    #[test]
    fn the_setting_names_the_directory() {
        assert_eq!(directory(""), None);
        assert_eq!(directory("/var/cache/callbot"), Some(PathBuf::from("/var/cache/callbot")));
    }
}
