//! `cargo xtask`: project tasks of mlprobe, in plain Rust.
//!
//! - `cargo xtask reproduce`: train easy and hard tasks over many seeds, probe
//!   every model, and write `results.csv` and `summary.json` per experiment;
//!   or one shard of that work (`--shard K/N`), or its plan (`--plan`).
//! - `cargo xtask probe`: the same probes, outputs and report for a model
//!   trained elsewhere (safetensors from PyTorch, edge lists, mlprobe's files).
//! - `cargo xtask difficulty`: the binarization gap a two-class image task
//!   would show, estimated from its images before any training.
//! - `cargo xtask bench`: time training and the probe sweeps (straightforward
//!   against fast evaluation) and `reproduce --quick` end to end.
//!
//! `runs.rs` runs experiments one after the other and reports them, for
//! `reproduce` and `probe` alike. `cargo test` also runs the tidy checks of
//! the repository (`tidy.rs`).

mod bench;
mod difficulty;
mod experiments;
mod flags;
mod plan;
mod probe;
mod reproduce;
mod runs;
#[cfg(test)]
mod tidy;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let flags = flags::Xtask::parse();
    // A kernel variant forced by name must exist here, before any work.
    if let Err(e) = mlprobe_graph::simd::from_env() {
        eprintln!("error: {e}");
        return std::process::ExitCode::FAILURE;
    }
    let result = match flags.command {
        flags::Command::Reproduce(r) => reproduce::run(r),
        flags::Command::Probe(p) => probe::run(p),
        flags::Command::Bench(b) => bench::run(b),
        flags::Command::Difficulty(d) => difficulty::run(d),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The outermost message, then each cause it does not already say.
            eprintln!("error: {}", mlprobe_runner::error_chain(e.as_ref()));
            std::process::ExitCode::FAILURE
        }
    }
}
