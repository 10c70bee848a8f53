//! The knowledge and the default configuration are embedded in the binary: build again
//! when they change (a new entry file included).

fn main() {
    println!("cargo:rerun-if-changed=knowledge");
    println!("cargo:rerun-if-changed=config/callbot.toml");
}
