//! Every command-line flag of `cargo xtask`, in one place.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Project tasks of mlprobe.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about)]
pub struct Xtask {
    /// The task to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The tasks.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train easy and hard tasks over many seeds, probe every model, write results.
    Reproduce(Reproduce),
    /// Time training and the probe sweeps (straightforward vs fast) and `reproduce --quick`.
    Bench(Bench),
}

/// Flags of `cargo xtask bench`.
#[derive(Debug, clap::Args)]
pub struct Bench {
    /// Runs per measurement; the median is reported.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub repeat: u32,
    /// Skip the end-to-end run of `reproduce --quick`.
    #[arg(long)]
    pub no_reproduce: bool,
    /// Also time the default `reproduce` at paper scale (about 10 minutes).
    #[arg(long, conflicts_with = "no_reproduce")]
    pub full: bool,
    /// Keep the end-to-end runs' results in DIR/quick and DIR/full (default:
    /// a temporary folder, removed afterwards).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Flags of `cargo xtask reproduce`.
#[derive(Debug, clap::Args)]
pub struct Reproduce {
    /// Experiment to run: a name in experiments/ or a path to a .toml file;
    /// repeat for several. Default: every file in experiments/.
    #[arg(long = "experiment", value_name = "NAME")]
    pub experiments: Vec<String>,
    /// Seeds per task, overriding the experiment files.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub seeds: Option<u32>,
    /// Few seeds and coarse grids: a run of minutes.
    #[arg(long)]
    pub quick: bool,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "results")]
    pub out: PathBuf,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: Option<u32>,
    /// List the experiments and exit.
    #[arg(long)]
    pub list: bool,
}
