//! The `callbot` command: see `callbot --help`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = callbot::cli::Cli::parse();
    match callbot::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("callbot: {err:#}");
            ExitCode::FAILURE
        }
    }
}
