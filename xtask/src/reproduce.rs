//! `cargo xtask reproduce`: run experiments from `experiments/*.toml`.

use anyhow::Context;
use mlprobe_runner::{Experiment, RunOptions};

use crate::experiments::{experiments_dir, resolve};
use crate::flags::Reproduce;
use crate::report;

/// Runs the command.
pub fn run(flags: Reproduce) -> anyhow::Result<()> {
    let files = resolve(&flags.experiments, &experiments_dir())?;
    // Check every file before running any, so a typo fails fast.
    let experiments: Vec<Experiment> = files.iter().map(|f| Experiment::load(f)).collect::<Result<_, _>>()?;
    if flags.list {
        for e in &experiments {
            println!("{:<20} {}", e.name, e.description);
        }
        return Ok(());
    }
    set_threads(flags.threads)?;
    let opts = RunOptions {
        out: flags.out.clone(),
        quick: flags.quick,
        seeds: flags.seeds.map(|n| n as usize),
        progress: true,
    };
    report::run_all(&experiments, &opts)
}

/// Sizes rayon's pool (default: one thread per core). Results do not depend on it.
pub fn set_threads(threads: Option<u32>) -> anyhow::Result<()> {
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n as usize)
            .build_global()
            .context("setting the number of threads")?;
    }
    Ok(())
}
