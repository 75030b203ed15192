//! Experiment files as written: one serde type per TOML table, unchecked
//! (see [`super::check`] for the checks).

use std::path::PathBuf;

use serde::Deserialize;

use super::arms::Sweepable;
use crate::evaluation::{Biases, EvalActivation};
use crate::probes::ProbeSpec;
use crate::stats::Statistics;

/// The `[training]` table: the core crate's parameters, every key required;
/// a list of values sweeps a key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSection {
    /// `mlp` (default), `cnn` or `vit`.
    #[serde(default = "mlp")]
    pub architecture: Sweepable<mlprobe_graph::ArchitectureKind>,
    /// Hidden layer sizes (required for an MLP).
    #[serde(default)]
    pub hidden: Option<Sweepable<Vec<usize>>>,
    /// A CNN's keys (default: two 5x5 blocks of 8 and 16 channels).
    #[serde(default)]
    pub conv: Option<ConvSection>,
    /// A ViT's keys (default: 7x7 patches, width 32, 2 blocks of 2 heads, ff 64).
    #[serde(default)]
    pub vit: Option<VitSection>,
    /// Hidden activation.
    pub activation: Sweepable<mlprobe_graph::Activation>,
    /// Epochs (the cosine schedule spans them).
    pub epochs: Sweepable<usize>,
    /// Mini-batch size.
    pub batch_size: Sweepable<usize>,
    /// Initial learning rate.
    pub learning_rate: Sweepable<f64>,
}

/// `conv = { ... }` in `[training]`: a CNN's shape, and its arms' own
/// `epochs` and `learning_rate` where they differ from `[training]`'s.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvSection {
    /// Output channels of each block.
    #[serde(default = "conv_channels")]
    pub channels: Vec<usize>,
    /// Side of every square kernel.
    #[serde(default = "conv_kernel")]
    pub kernel: usize,
    /// This architecture's epochs.
    pub epochs: Option<usize>,
    /// This architecture's initial learning rate.
    pub learning_rate: Option<f64>,
}

fn conv_channels() -> Vec<usize> {
    mlprobe_core::ConvParams::default().channels
}

fn conv_kernel() -> usize {
    mlprobe_core::ConvParams::default().kernel
}

/// `vit = { ... }` in `[training]`: a ViT's shape (each key defaults to
/// [`mlprobe_core::VitParams::default`]'s), and its arms' own `epochs` and
/// `learning_rate` where they differ from `[training]`'s.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VitSection {
    /// Side of a square patch.
    pub patch: Option<usize>,
    /// Width of a token's embedding.
    pub dim: Option<usize>,
    /// Attention heads per block.
    pub heads: Option<usize>,
    /// Transformer blocks.
    pub blocks: Option<usize>,
    /// Hidden width of each feed-forward layer.
    pub ff: Option<usize>,
    /// This architecture's epochs.
    pub epochs: Option<usize>,
    /// This architecture's initial learning rate.
    pub learning_rate: Option<f64>,
}

impl ConvSection {
    /// The shape as the core crate takes it.
    pub(super) fn params(&self) -> mlprobe_core::ConvParams {
        mlprobe_core::ConvParams {
            channels: self.channels.clone(),
            kernel: self.kernel,
        }
    }
}

impl VitSection {
    /// The shape as the core crate takes it, defaults filled in.
    pub(super) fn params(&self) -> mlprobe_core::VitParams {
        let d = mlprobe_core::VitParams::default();
        mlprobe_core::VitParams {
            patch: self.patch.unwrap_or(d.patch),
            dim: self.dim.unwrap_or(d.dim),
            heads: self.heads.unwrap_or(d.heads),
            blocks: self.blocks.unwrap_or(d.blocks),
            ff: self.ff.unwrap_or(d.ff),
        }
    }
}

fn mlp() -> Sweepable<mlprobe_graph::ArchitectureKind> {
    Sweepable::One(mlprobe_graph::ArchitectureKind::Mlp)
}

/// A task's own values of `[training]` keys (`training = { ... }` in a task).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingOverride {
    /// Hidden layer sizes.
    pub hidden: Option<Vec<usize>>,
    /// Hidden activation.
    pub activation: Option<mlprobe_graph::Activation>,
    /// Epochs.
    pub epochs: Option<usize>,
    /// Mini-batch size.
    pub batch_size: Option<usize>,
    /// Initial learning rate.
    pub learning_rate: Option<f64>,
}

/// The `[evaluation]` table (see [`crate::evaluation`]); a list of values sweeps a key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationSection {
    /// `trained` or `fresh` biases.
    #[serde(default = "trained_biases")]
    pub biases: Sweepable<Biases>,
    /// `trained` or an activation.
    #[serde(default = "trained_activation")]
    pub activation: Sweepable<EvalActivation>,
}

fn trained_biases() -> Sweepable<Biases> {
    Sweepable::One(Biases::Trained)
}

fn trained_activation() -> Sweepable<EvalActivation> {
    Sweepable::One(EvalActivation::Trained)
}

/// The `[runs]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunsSection {
    /// Seeds per task.
    pub seeds: usize,
    /// Seeds per task with `--quick`.
    pub quick_seeds: usize,
    /// First seed; seeds are `first_seed, first_seed + 1, ...`.
    #[serde(default)]
    pub first_seed: u64,
    /// A run whose full-precision test accuracy (%) is below this failed.
    #[serde(default = "default_failed_below")]
    pub failed_below: f64,
    /// The runs medians and quartiles are taken over: `trained` (default)
    /// or `all`; a list summarises the same runs each way.
    #[serde(default)]
    pub statistics: Sweepable<Statistics>,
}

fn default_failed_below() -> f64 {
    70.0
}

/// One `[[tasks]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSection {
    /// `easy`, `hard` or another label (letters, digits, `-`, `_`).
    pub label: String,
    /// An embedded dataset's name, or the name given to `data_dir`.
    pub dataset: String,
    /// A folder with the four standard IDX files (plain or gzip).
    pub data_dir: Option<PathBuf>,
    /// The classes, relabelled 0..k-1 in this order (unused for synthetic tasks).
    #[serde(default)]
    pub classes: Vec<u8>,
    /// Expand `classes` into every unordered pair, labelled `<label>-<a>-<b>`.
    #[serde(default)]
    pub pairs: bool,
    /// A synthetic two-Gaussian task family instead of a dataset, one task
    /// per separation, labelled `<label>-<separation>`.
    pub synthetic: Option<SyntheticSection>,
    /// This task's own values of `[training]` keys.
    pub training: Option<TrainingOverride>,
}

/// `synthetic = { separations = [...], ... }` of a task entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticSection {
    /// Distances between the class means, in standard deviations (the difficulty knob).
    pub separations: Vec<f64>,
    /// Standard deviation of every coordinate (default 0.5).
    pub sigma: Option<f64>,
    /// Input dimension (default 784).
    pub dim: Option<usize>,
    /// Training examples (default 1600).
    pub n_train: Option<usize>,
    /// Test examples (default 400).
    pub n_test: Option<usize>,
    /// Seed of the data (default 0): the same data for every training seed.
    pub seed: Option<u64>,
}

/// The `[map]` table: make this experiment a complexity map of class pairs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapSection {
    /// Reflect accuracies below 50 % to 100 - accuracy, as the paper's map does.
    #[serde(default)]
    pub reflect_below_chance: bool,
    /// Random image pairs per cell of the SSIM distance matrix.
    #[serde(default = "default_ssim_pairs")]
    pub ssim_pairs: usize,
    /// Seed of the SSIM pair sampling.
    #[serde(default)]
    pub ssim_seed: u64,
}

fn default_ssim_pairs() -> usize {
    10_000
}

/// An experiment file as written (unchecked).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentFile {
    /// One line on what the experiment shows.
    #[serde(default)]
    pub description: String,
    /// Skipped, with a message, where a task's `data_dir` is absent
    /// (an experiment on data not every machine has).
    #[serde(default)]
    pub optional: bool,
    /// Training parameters.
    pub training: TrainingSection,
    /// How perturbed networks are evaluated (default: trained biases and activation).
    pub evaluation: Option<EvaluationSection>,
    /// Seeds and the failure threshold.
    pub runs: RunsSection,
    /// The tasks, each trained over every seed.
    pub tasks: Vec<TaskSection>,
    /// The probes evaluated on every trained model.
    #[serde(default)]
    pub probes: Vec<ProbeSpec>,
    /// Present for a complexity map of class pairs.
    pub map: Option<MapSection>,
}
