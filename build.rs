//! The knowledge and the default configuration are embedded in the binary: build again
//! when they change (a new entry file included). The source of the understanding and
//! of the matcher and the locked dependencies are hashed into `CALLBOT_MATCHER_SOURCE`, part of the key of the cached
//! trained models: a change to how questions are read or learned from makes new ones.

use std::hash::{Hash, Hasher};

fn main() {
    println!("cargo:rerun-if-changed=knowledge");
    println!("cargo:rerun-if-changed=config/callbot.toml");
    println!("cargo:rerun-if-changed=src/understanding");
    println!("cargo:rerun-if-changed=src/matcher");
    println!("cargo:rerun-if-changed=Cargo.lock");
    let mut files: Vec<std::path::PathBuf> = ["src/understanding", "src/matcher"]
        .iter()
        .flat_map(|dir| {
            std::fs::read_dir(dir).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect::<Vec<_>>())
        })
        .flatten()
        .collect();
    files.push("Cargo.lock".into());
    files.sort();
    let mut hasher = std::hash::DefaultHasher::new();
    for file in &files {
        std::fs::read(file).unwrap_or_default().hash(&mut hasher);
    }
    println!("cargo:rustc-env=CALLBOT_MATCHER_SOURCE={:016x}", hasher.finish());
}
