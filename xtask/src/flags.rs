//! Every command-line flag of `cargo xtask`, in one place.

use std::path::PathBuf;

use clap::{ArgGroup, Parser, Subcommand};
use mlprobe_graph::{Activation, ArchitectureKind};
use mlprobe_tasks::Embedded;

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
    /// Run the experiments' probes on a model trained elsewhere, write results and a report.
    Probe(Probe),
    /// Time training and the probe sweeps (straightforward vs fast) and `reproduce --quick`.
    Bench(Bench),
    /// Estimate the binarization gap of a two-class task from its images alone.
    Difficulty(Difficulty),
}

/// Accuracy points a compressed model may lose and still count as intact:
/// a finite number from 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance(pub f64);

impl std::str::FromStr for Tolerance {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let v: f64 = s.parse().map_err(|_| format!("tolerance `{s}` is not a number"))?;
        if !(v.is_finite() && (0.0..=100.0).contains(&v)) {
            return Err(format!(
                "tolerance {s} is out of range: expected accuracy points from 0 to 100"
            ));
        }
        Ok(Self(v))
    }
}

impl std::fmt::Display for Tolerance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Flags of `cargo xtask probe`.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("data").required(true).args(["dataset", "data_dir", "data_npz"])))]
pub struct Probe {
    /// The model: a .safetensors file (PyTorch's nn.Linear layout, or a model
    /// file of mlprobe) or a folder of edge lists, one file per layer.
    #[arg(long, value_name = "PATH")]
    pub model: std::path::PathBuf,
    /// The activation after every hidden layer: relu, tanh, sigmoid or identity.
    #[arg(long, value_name = "NAME")]
    pub activation: Activation,
    /// The model's architecture, for a file not written by mlprobe: `mlp`
    /// (layers found by shape), `cnn` (PyTorch modules conv1, conv2, ...,
    /// fc) or `vit` (patch_embed, pos_embed, blocks.N.*, ln, head); mlprobe's
    /// own files say theirs.
    #[arg(long, value_name = "NAME", default_value_t = ArchitectureKind::Mlp)]
    pub architecture: ArchitectureKind,
    /// A ViT's attention heads per block (its weights do not tell them).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub heads: usize,
    /// An embedded dataset: mnist or fashion-mnist (its test split).
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<Embedded>,
    /// A folder of the four standard IDX files (the test split is used).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// A NumPy .npz with `x_test` (float32, n x d, normalised as the model
    /// expects) and `y_test` (integers).
    #[arg(long, value_name = "FILE")]
    pub data_npz: Option<PathBuf>,
    /// The classes, in the model's label order (the first is output 0).
    /// Default: every class of the data.
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub classes: Vec<u8>,
    /// Experiment whose probes to run: a name in experiments/ or a path to a
    /// .toml; repeat for several. Default: the probes of every figure.
    #[arg(long = "experiment", value_name = "NAME")]
    pub experiments: Vec<String>,
    /// The weight tensors of the layers, in order (e.g. `fc1,fc2,fc3`),
    /// where their shapes do not chain one way only.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub layers: Vec<String>,
    /// Seed of the probes' random draws (the `seed` column).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// The experiments' coarse grids: a run of seconds.
    #[arg(long)]
    pub quick: bool,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "probe-results")]
    pub out: PathBuf,
    /// Accuracy points a compressed model may lose in the report's
    /// compression summary (prunable fraction, bits needed).
    #[arg(long, value_name = "POINTS", default_value_t = Tolerance(mlprobe_report::DEFAULT_TOLERANCE))]
    pub tolerance: Tolerance,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: Option<u32>,
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
    /// Run only the benchmark of this name (e.g. `architectures`); repeat
    /// for several. Default: every benchmark.
    #[arg(long = "only", value_name = "NAME")]
    pub only: Vec<String>,
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
    /// Run only shard K of N (1-based) of the units, writing no outputs; a
    /// later run without --shard over the same --out assembles them.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<mlprobe_runner::Shard>,
    /// Print what the run would do (units, models to train, evaluations,
    /// estimated time at this machine's measured speed) and exit.
    #[arg(long, conflicts_with = "list")]
    pub plan: bool,
    /// Accuracy points a compressed model may lose in the report's
    /// compression summary (prunable fraction, bits needed).
    #[arg(long, value_name = "POINTS", default_value_t = Tolerance(mlprobe_report::DEFAULT_TOLERANCE))]
    pub tolerance: Tolerance,
}

/// Flags of `cargo xtask difficulty`.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("data").required(true).args(["dataset", "data_dir", "data_npz"])))]
pub struct Difficulty {
    /// An embedded dataset: mnist or fashion-mnist (its training split).
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<Embedded>,
    /// A folder of the four standard IDX files (the training split is used).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// A NumPy .npz with `x_test` (n x h*w, or n x h x w, square images) and `y_test`.
    #[arg(long, value_name = "FILE")]
    pub data_npz: Option<PathBuf>,
    /// The two classes of the task.
    #[arg(long, value_name = "A,B", value_delimiter = ',', required = true)]
    pub classes: Vec<u8>,
    /// A `reproduce` output folder whose complexity-map run calibrates the
    /// estimate; without one (or without that run), the calibration mlprobe ships.
    #[arg(long, value_name = "DIR", default_value = "results")]
    pub results: PathBuf,
    /// Random image pairs per SSIM mean (as the map's `ssim_pairs`).
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(100..=10_000_000))]
    pub ssim_pairs: u32,
    /// Seed of the image pairs.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub ssim_seed: u64,
    /// Also write the calibration used to this file (how the shipped one is made).
    #[arg(long, value_name = "FILE")]
    pub write_calibration: Option<PathBuf>,
}
