//! Experiment files: TOML as written by users ([`ExperimentFile`], unchecked),
//! checked into an [`Experiment`] whose every value is valid.
//!
//! ```toml
//! description = "Binarization gap, easy versus hard"
//!
//! [training]            # every key required: the budget is explicit
//! hidden = [64]         # a list of lists, e.g. [[64], [64, 64]], sweeps it
//! activation = "relu"   # tanh | relu | sigmoid | identity
//! epochs = 75           # a list, e.g. [5, 10, 20], sweeps it
//! batch_size = 128
//! learning_rate = 0.01
//!
//! [evaluation]          # optional; see crate::evaluation
//! biases = "trained"    # or "fresh"; a list sweeps it
//! activation = "trained"
//!
//! [runs]
//! seeds = 100           # seeds per task (overridden by --seeds)
//! quick_seeds = 8       # seeds per task with --quick
//! first_seed = 0        # optional, default 0
//! failed_below = 70.0   # optional, default 70: runs below this test accuracy (%) failed
//!
//! [[tasks]]
//! label = "easy"
//! dataset = "mnist"     # embedded: mnist | fashion-mnist; or a name with data_dir
//! # data_dir = "/usr/share/datasets/fashion-mnist"
//! classes = [0, 7]
//! # training = { activation = "tanh" }   # this task's own value of [training] keys
//!
//! [[probes]]
//! probe = "binarize"
//! ```
//!
//! A `[training]` or `[evaluation]` value given as a list is swept: every
//! task runs in every combination of the swept values (an *arm*), and the
//! rows of `results.csv` name their arm in appended columns.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mlprobe_core::{TrainConfig, TrainParams};
use mlprobe_graph::WeightStack;
use mlprobe_tasks::{Embedded, GaussianPair};
use serde::Deserialize;

use crate::errors::{ConfigError, InvalidKey};
use crate::evaluation::{Biases, EvalActivation, Evaluation};
use crate::registry::Registry;
use crate::seed::hex_digest_bytes;
use crate::sweep::{ProbeSpec, SweepPoint};

/// Most evaluations (networks evaluated) one experiment run may make.
pub const MAX_EVALUATIONS: u64 = 100_000_000;

/// Most random image pairs per cell of the SSIM distance matrix.
pub const MAX_SSIM_PAIRS: usize = 1_000_000;

/// A value, or a list of values to sweep: `epochs = 75` or `epochs = [5, 10, 20]`.
#[derive(Debug, Clone, PartialEq)]
pub enum Sweepable<T> {
    /// One value.
    One(T),
    /// Values to sweep, in this order.
    Many(Vec<T>),
}

impl<T: Clone> Sweepable<T> {
    /// The values, one for an unswept key.
    pub fn values(&self) -> Vec<T> {
        match self {
            Sweepable::One(v) => vec![v.clone()],
            Sweepable::Many(v) => v.clone(),
        }
    }

    /// Whether the key is swept.
    pub fn is_swept(&self) -> bool {
        matches!(self, Sweepable::Many(_))
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Sweepable<T> {
    /// A value of `T`, else a non-empty array of them (so that a list-valued
    /// key such as `hidden` is swept only by a list of lists).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = toml::Value::deserialize(d)?;
        match T::deserialize(value.clone()) {
            Ok(one) => Ok(Sweepable::One(one)),
            Err(e) => match value {
                toml::Value::Array(items) if items.is_empty() => Err(D::Error::custom("an empty list sweeps nothing")),
                toml::Value::Array(items) => items
                    .into_iter()
                    .map(T::deserialize)
                    .collect::<Result<Vec<T>, _>>()
                    .map(Sweepable::Many)
                    .map_err(D::Error::custom),
                _ => Err(D::Error::custom(e)),
            },
        }
    }
}

/// The `[training]` table: the core crate's parameters, every key required;
/// a list of values sweeps a key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSection {
    /// Hidden layer sizes.
    pub hidden: Sweepable<Vec<usize>>,
    /// Hidden activation.
    pub activation: Sweepable<mlprobe_graph::Activation>,
    /// Epochs (the cosine schedule spans them).
    pub epochs: Sweepable<usize>,
    /// Mini-batch size.
    pub batch_size: Sweepable<usize>,
    /// Initial learning rate.
    pub learning_rate: Sweepable<f64>,
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

/// Where a task's examples come from.
#[derive(Debug, Clone, PartialEq)]
pub enum DataSource {
    /// A dataset compiled into the binary.
    Embedded(Embedded),
    /// A folder of the four standard IDX files.
    Dir(PathBuf),
    /// A synthetic task.
    Synthetic(GaussianPair),
    /// The test set of a NumPy `.npz` file (`x_test`, `y_test`), for
    /// probing a model trained elsewhere.
    Npz(PathBuf),
}

impl DataSource {
    /// A stable text that identifies the data, part of the model cache key.
    pub fn identity(&self) -> String {
        match self {
            DataSource::Embedded(e) => format!("embedded:{}", e.name()),
            DataSource::Dir(p) => format!("dir:{}", p.display()),
            DataSource::Npz(p) => format!("npz:{}", p.display()),
            DataSource::Synthetic(g) => format!(
                "synthetic-gaussian:dim={},separation={},sigma={},n_train={},n_test={},seed={}",
                g.dim, g.separation, g.sigma, g.n_train, g.n_test, g.seed
            ),
        }
    }
}

/// A network trained elsewhere, probed instead of trained.
#[derive(Debug, Clone)]
pub struct GivenModel {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its weights and activation.
    pub weights: Arc<WeightStack>,
    /// What was converted or assumed when it was read.
    pub notes: Vec<String>,
    /// SHA-256 of the network, part of its units' fingerprints.
    pub hash: String,
}

impl GivenModel {
    /// The model read from `path`, with the notes of its reading.
    pub fn new(path: &Path, weights: WeightStack, notes: Vec<String>) -> Self {
        let hash = hex_digest_bytes(&mlprobe_graph::store::encode_model(&weights, &serde_json::Value::Null));
        Self {
            path: path.to_path_buf(),
            weights: Arc::new(weights),
            notes,
            hash,
        }
    }
}

/// The task a model trained elsewhere is probed on.
#[derive(Debug, Clone)]
pub struct GivenTask {
    /// Its label in outputs.
    pub label: String,
    /// The dataset's name in outputs.
    pub dataset: String,
    /// Where the images come from.
    pub source: DataSource,
    /// The classes in the model's label order.
    pub classes: Vec<u8>,
}

/// A checked task of an experiment.
#[derive(Debug, Clone)]
pub struct TaskSpec {
    /// `easy`, `hard`, ...
    pub label: String,
    /// The dataset's name in outputs.
    pub dataset: String,
    /// Where the images come from.
    pub source: DataSource,
    /// The classes in label order.
    pub classes: Vec<u8>,
    /// The difficulty knob of a synthetic task (its separation).
    pub knob: Option<f64>,
    /// How its model is trained.
    pub training: TrainConfig,
    /// How its perturbed networks are evaluated.
    pub evaluation: Evaluation,
    /// The values of the experiment's swept keys in this task's arm, as
    /// `(column, value)`, in the order of [`Experiment::columns`]; empty when
    /// nothing is swept.
    pub arm: Vec<(String, String)>,
}

impl TaskSpec {
    /// The classes joined by `-`, e.g. `7-9`.
    pub fn classes_label(&self) -> String {
        self.classes.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("-")
    }

    /// The arm's values as `key=value` joined by spaces, e.g. `epochs=5`; empty without a sweep.
    pub fn arm_label(&self) -> String {
        self.arm
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The label with the arm, e.g. `easy epochs=5` (the label alone without a sweep).
    pub fn full_label(&self) -> String {
        if self.arm.is_empty() {
            self.label.clone()
        } else {
            format!("{} {}", self.label, self.arm_label())
        }
    }

    /// The value of the arm's column `key`, if swept.
    pub fn arm_value(&self, key: &str) -> Option<&str> {
        self.arm.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Text of a hidden-size list in labels, e.g. `64-64`.
pub fn hidden_label(hidden: &[usize]) -> String {
    hidden.iter().map(|w| w.to_string()).collect::<Vec<_>>().join("-")
}

/// A checked experiment, ready to run.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// The experiment's name (its file stem).
    pub name: String,
    /// One line on what it shows.
    pub description: String,
    /// Skipped where its data is absent (see [`Experiment::missing_data`]).
    pub optional: bool,
    /// Checked training parameters of the first arm, before any task's own
    /// values (each task's are in [`TaskSpec::training`]).
    pub training: TrainConfig,
    /// The columns appended to `results.csv`: the swept keys (`epochs`,
    /// `eval_biases`, ...), then `steps` (Adam steps) when a training key is
    /// swept. Empty when nothing is swept.
    pub columns: Vec<String>,
    /// Seeds per task.
    pub seeds: usize,
    /// Seeds per task with `--quick`.
    pub quick_seeds: usize,
    /// The first seed.
    pub first_seed: u64,
    /// Failure threshold in percent.
    pub failed_below: f64,
    /// The tasks.
    pub tasks: Vec<TaskSpec>,
    /// The probes as configured.
    pub probes: Vec<ProbeSpec>,
    /// The complexity-map settings, if this experiment is one.
    pub map: Option<MapSection>,
    /// The probes its `[[probes]]` entries may name.
    pub registry: Arc<Registry>,
    /// A model trained elsewhere that its probes run on instead of training
    /// (see [`Experiment::probing`]).
    pub model: Option<GivenModel>,
}

impl Experiment {
    /// Reads and checks an experiment file with the built-in probes; its
    /// name is the file stem.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::load_with(path, Arc::new(Registry::builtin()))
    }

    /// Reads and checks an experiment file whose probes come from `registry`.
    pub fn load_with(path: &Path, registry: Arc<Registry>) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "experiment".to_string());
        Self::from_toml_with(&name, &text, path, registry)
    }

    /// Parses and checks experiment TOML with the built-in probes; `path`
    /// is used in messages.
    pub fn from_toml(name: &str, text: &str, path: &Path) -> Result<Self, ConfigError> {
        Self::from_toml_with(name, text, path, Arc::new(Registry::builtin()))
    }

    /// Parses and checks experiment TOML whose probes come from `registry`.
    pub fn from_toml_with(name: &str, text: &str, path: &Path, registry: Arc<Registry>) -> Result<Self, ConfigError> {
        let file: ExperimentFile = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        file.check(name, path, registry)
    }

    /// This experiment's probes on a model trained elsewhere: its
    /// `[training]`, `[runs]`, `[[tasks]]` and `[map]` give way to the model,
    /// one task, and one `seed` for the random draws. No run counts as
    /// failed: the model is what it is. A swept `[evaluation]` still sweeps.
    pub fn probing(self, model: GivenModel, task: GivenTask, seed: u64) -> Result<Self, ConfigError> {
        let sizes = model.weights.sizes();
        let invalid = |key: &str, value: String, expected: String| ConfigError::Invalid {
            path: model.path.clone(),
            invalid: InvalidKey::new(key, value, expected),
        };
        let training = TrainParams {
            hidden: sizes[1..sizes.len() - 1].to_vec(),
            activation: model.weights.activation,
            failed_below: 0.0,
            ..self.training.params().clone()
        }
        .check()
        .map_err(|e| invalid("model", format!("{sizes:?}"), e.to_string()))?;
        let depth = model.weights.layers.len();
        for (i, p) in self.probes.iter().enumerate() {
            p.check_depth(depth).map_err(|e| {
                invalid(
                    &format!("probes[{i}].layers"),
                    e,
                    format!("layers of the model's {depth}"),
                )
            })?;
        }
        let columns: Vec<String> = self
            .columns
            .iter()
            .filter(|c| c.starts_with("eval_"))
            .cloned()
            .collect();
        let mut tasks: Vec<TaskSpec> = Vec::new();
        for spec in &self.tasks {
            let arm: Vec<(String, String)> = spec.arm.iter().filter(|(k, _)| columns.contains(k)).cloned().collect();
            if tasks.iter().all(|t| t.arm != arm) {
                tasks.push(TaskSpec {
                    label: task.label.clone(),
                    dataset: task.dataset.clone(),
                    source: task.source.clone(),
                    classes: task.classes.clone(),
                    knob: None,
                    training: training.clone(),
                    evaluation: spec.evaluation,
                    arm,
                });
            }
        }
        Ok(Self {
            training,
            columns,
            seeds: 1,
            quick_seeds: 1,
            first_seed: seed,
            failed_below: 0.0,
            tasks,
            map: None,
            model: Some(model),
            ..self
        })
    }

    /// Checks that a run (`quick` or not, with `seeds` per task overriding
    /// the file's) stays within [`MAX_EVALUATIONS`], before anything runs;
    /// the error names the key and the estimate.
    pub fn check_size(&self, quick: bool, seeds: Option<usize>) -> Result<(), InvalidKey> {
        let per_model: u64 = self.sweep(quick).iter().map(|p| p.draws as u64).sum::<u64>() + 1;
        let models = (self.tasks.len() * self.seed_list(quick, seeds).len()) as u64;
        let total = per_model.saturating_mul(models);
        if total > MAX_EVALUATIONS {
            return Err(InvalidKey::new(
                "probes",
                format!("{per_model} evaluations per model x {models} models = {total}"),
                format!(
                    "at most {MAX_EVALUATIONS} evaluations per run (at about 0.5 ms each, {:.0} hours of one core)",
                    total as f64 * 0.5e-3 / 3600.0
                ),
            ));
        }
        Ok(())
    }

    /// The first `data_dir` of its tasks that is not a folder here, if any.
    pub fn missing_data(&self) -> Option<&Path> {
        self.tasks.iter().find_map(|t| match &t.source {
            DataSource::Dir(dir) if !dir.is_dir() => Some(dir.as_path()),
            _ => None,
        })
    }

    /// The seeds to run.
    pub fn seed_list(&self, quick: bool, override_count: Option<usize>) -> Vec<u64> {
        let n = override_count.unwrap_or(if quick { self.quick_seeds } else { self.seeds });
        (0..n as u64).map(|i| self.first_seed + i).collect()
    }

    /// Every probe point of the experiment, in a fixed order.
    pub fn sweep(&self, quick: bool) -> Vec<SweepPoint> {
        self.probes
            .iter()
            .flat_map(|p| {
                p.points(&self.registry, quick)
                    .expect("checked when the experiment was loaded")
            })
            .collect()
    }
}

impl Experiment {
    /// `self`, if its default and quick runs stay within [`MAX_EVALUATIONS`].
    fn sized(self, path: &Path) -> Result<Self, ConfigError> {
        for quick in [false, true] {
            self.check_size(quick, None).map_err(|invalid| ConfigError::Invalid {
                path: path.to_path_buf(),
                invalid,
            })?;
        }
        Ok(self)
    }
}

impl ExperimentFile {
    /// Checks every value; the error names the first invalid key.
    pub fn check(self, name: &str, path: &Path, registry: Arc<Registry>) -> Result<Experiment, ConfigError> {
        let invalid = |key: String, value: String, expected: &str| ConfigError::Invalid {
            path: path.to_path_buf(),
            invalid: InvalidKey::new(key, value, expected),
        };
        let r = self.runs;
        let arms = arms(&self.training, self.evaluation.as_ref());
        let columns = columns(&self.training, self.evaluation.as_ref());
        let train_error = |prefix: &str, e: mlprobe_core::TrainError| match e {
            mlprobe_core::TrainError::OutOfRange {
                name: "failed_below",
                value,
                expected,
            } => invalid("runs.failed_below".into(), value, expected),
            mlprobe_core::TrainError::OutOfRange { name, value, expected } => {
                invalid(format!("{prefix}.{name}"), value, expected)
            }
            other => invalid(prefix.into(), String::new(), &other.to_string()),
        };
        let checked = |params: TrainParams, prefix: &str| {
            TrainParams {
                failed_below: r.failed_below,
                ..params
            }
            .check()
            .map_err(|e| train_error(prefix, e))
        };
        for (params, _, _) in &arms {
            checked(params.clone(), "training")?;
        }
        let training = checked(arms[0].0.clone(), "training")?;
        if r.seeds == 0 || r.seeds > 100_000 {
            return Err(invalid("runs.seeds".into(), r.seeds.to_string(), "1 ..= 100000"));
        }
        if r.quick_seeds == 0 || r.quick_seeds > 100_000 {
            return Err(invalid(
                "runs.quick_seeds".into(),
                r.quick_seeds.to_string(),
                "1 ..= 100000",
            ));
        }

        if self.tasks.is_empty() {
            return Err(invalid("tasks".into(), "[]".into(), "at least one [[tasks]] entry"));
        }
        let mut tasks = Vec::new();
        for (i, t) in self.tasks.into_iter().enumerate() {
            let key = |k: &str| format!("tasks[{i}].{k}");
            let label_ok = !t.label.is_empty()
                && t.label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !label_ok {
                return Err(invalid(
                    key("label"),
                    format!("{:?}", t.label),
                    "letters, digits, '-' or '_'",
                ));
            }
            let name_ok = !t.dataset.is_empty()
                && t.dataset
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !name_ok {
                return Err(invalid(
                    key("dataset"),
                    format!("{:?}", t.dataset),
                    "letters, digits, '-' or '_'",
                ));
            }
            let mut expanded: Vec<TaskSpec> = Vec::new();
            if let Some(syn) = &t.synthetic {
                if t.data_dir.is_some() || !t.classes.is_empty() || t.pairs {
                    return Err(invalid(
                        key("synthetic"),
                        "given with data_dir, classes or pairs".into(),
                        "a synthetic task alone",
                    ));
                }
                if syn.separations.is_empty() {
                    return Err(invalid(
                        key("synthetic.separations"),
                        "[]".into(),
                        "at least one separation",
                    ));
                }
                for &sep in &syn.separations {
                    let defaults = GaussianPair::default();
                    let g = GaussianPair {
                        dim: syn.dim.unwrap_or(defaults.dim),
                        separation: sep,
                        sigma: syn.sigma.unwrap_or(defaults.sigma),
                        n_train: syn.n_train.unwrap_or(defaults.n_train),
                        n_test: syn.n_test.unwrap_or(defaults.n_test),
                        seed: syn.seed.unwrap_or(defaults.seed),
                    };
                    g.validate().map_err(|e| match e {
                        mlprobe_tasks::DataError::InvalidSynthetic { name, value, expected } => {
                            invalid(key(&format!("synthetic.{name}")), value.to_string(), expected)
                        }
                        other => invalid(key("synthetic"), format!("{sep}"), &other.to_string()),
                    })?;
                    expanded.push(TaskSpec {
                        label: format!("{}-{sep}", t.label),
                        dataset: t.dataset.clone(),
                        source: DataSource::Synthetic(g),
                        classes: vec![0, 1],
                        knob: Some(sep),
                        training: training.clone(),
                        evaluation: Evaluation::default(),
                        arm: Vec::new(),
                    });
                }
            } else {
                let source = match &t.data_dir {
                    Some(dir) => DataSource::Dir(dir.clone()),
                    None => DataSource::Embedded(t.dataset.parse().map_err(|_| {
                        invalid(
                            key("dataset"),
                            format!("{:?}", t.dataset),
                            "an embedded dataset (mnist, fashion-mnist), or give data_dir or synthetic",
                        )
                    })?),
                };
                if t.classes.len() < 2 {
                    return Err(invalid(
                        key("classes"),
                        format!("{:?}", t.classes),
                        "at least two classes",
                    ));
                }
                if let Some((j, c)) = t.classes.iter().enumerate().find(|(j, c)| t.classes[..*j].contains(c)) {
                    return Err(invalid(
                        format!("{}[{j}]", key("classes")),
                        c.to_string(),
                        "each class once",
                    ));
                }
                let class_lists: Vec<Vec<u8>> = if t.pairs {
                    let c = &t.classes;
                    (0..c.len())
                        .flat_map(|a| (a + 1..c.len()).map(move |b| vec![c[a], c[b]]))
                        .collect()
                } else {
                    vec![t.classes.clone()]
                };
                for classes in class_lists {
                    let label = if t.pairs {
                        format!("{}-{}-{}", t.label, classes[0], classes[1])
                    } else {
                        t.label.clone()
                    };
                    expanded.push(TaskSpec {
                        label,
                        dataset: t.dataset.clone(),
                        source: source.clone(),
                        classes,
                        knob: None,
                        training: training.clone(),
                        evaluation: Evaluation::default(),
                        arm: Vec::new(),
                    });
                }
            }
            for spec in &expanded {
                if tasks
                    .iter()
                    .any(|s: &TaskSpec| s.dataset == spec.dataset && s.label == spec.label)
                {
                    return Err(invalid(key("label"), format!("{:?}", spec.label), "unique per dataset"));
                }
            }
            let own = t.training.clone().unwrap_or_default();
            for spec in expanded {
                for (params, evaluation, arm) in &arms {
                    let params = own.clone().apply(params.clone());
                    tasks.push(TaskSpec {
                        training: checked(params, &key("training"))?,
                        evaluation: *evaluation,
                        arm: arm.clone(),
                        ..spec.clone()
                    });
                }
            }
        }

        for spec in &tasks {
            let inputs = match &spec.source {
                DataSource::Embedded(_) => Some(28 * 28),
                DataSource::Synthetic(g) => Some(g.dim),
                DataSource::Dir(_) | DataSource::Npz(_) => None,
            };
            if let Some(inputs) = inputs {
                spec.training.check_size(inputs, spec.classes.len()).map_err(|e| {
                    invalid(
                        "training.hidden".into(),
                        format!("{:?}", spec.training.hidden),
                        &e.to_string(),
                    )
                })?;
            }
        }
        if let Some(map) = &self.map
            && !(1..=MAX_SSIM_PAIRS).contains(&map.ssim_pairs)
        {
            return Err(invalid(
                "map.ssim_pairs".into(),
                map.ssim_pairs.to_string(),
                "1 ..= 1000000 image pairs per cell",
            ));
        }
        for (i, p) in self.probes.iter().enumerate() {
            p.check(&registry).map_err(|e| ConfigError::Invalid {
                path: path.to_path_buf(),
                invalid: e.within(&format!("probes[{i}]")),
            })?;
            for spec in &tasks {
                let depth = spec.training.hidden.len() + 1;
                p.check_depth(depth).map_err(|value| {
                    invalid(
                        format!("probes[{i}].layers"),
                        value,
                        &format!("layers of every network (task {} has {depth})", spec.full_label()),
                    )
                })?;
            }
        }

        Experiment {
            name: name.to_string(),
            description: self.description,
            optional: self.optional,
            training,
            columns,
            seeds: r.seeds,
            quick_seeds: r.quick_seeds,
            first_seed: r.first_seed,
            failed_below: r.failed_below,
            tasks,
            probes: self.probes,
            map: self.map,
            registry,
            model: None,
        }
        .sized(path)
    }
}

impl TrainingOverride {
    /// `params` with this task's own values.
    fn apply(self, params: TrainParams) -> TrainParams {
        TrainParams {
            hidden: self.hidden.unwrap_or(params.hidden),
            activation: self.activation.unwrap_or(params.activation),
            epochs: self.epochs.unwrap_or(params.epochs),
            batch_size: self.batch_size.unwrap_or(params.batch_size),
            learning_rate: self.learning_rate.unwrap_or(params.learning_rate),
            failed_below: params.failed_below,
        }
    }
}

/// One arm: its training parameters (unchecked), evaluation and column values.
type Arm = (TrainParams, Evaluation, Vec<(String, String)>);

/// Every combination of the swept values, the first key varying slowest;
/// one arm (with no columns) when nothing is swept.
fn arms(t: &TrainingSection, e: Option<&EvaluationSection>) -> Vec<Arm> {
    let base = TrainParams {
        hidden: t.hidden.values()[0].clone(),
        activation: t.activation.values()[0],
        epochs: t.epochs.values()[0],
        batch_size: t.batch_size.values()[0],
        learning_rate: t.learning_rate.values()[0],
        ..TrainParams::default()
    };
    let mut arms: Vec<Arm> = vec![(base, Evaluation::default(), Vec::new())];
    fn sweep<T: Clone>(
        arms: Vec<Arm>,
        key: &Sweepable<T>,
        column: &str,
        text: impl Fn(&T) -> String,
        set: impl Fn(&mut Arm, T),
    ) -> Vec<Arm> {
        arms.into_iter()
            .flat_map(|arm| {
                key.values().into_iter().map({
                    let (text, set) = (&text, &set);
                    move |v| {
                        let mut a = arm.clone();
                        if key.is_swept() {
                            a.2.push((column.to_string(), text(&v)));
                        }
                        set(&mut a, v);
                        a
                    }
                })
            })
            .collect()
    }
    arms = sweep(arms, &t.hidden, "hidden", |h| hidden_label(h), |a, v| a.0.hidden = v);
    arms = sweep(
        arms,
        &t.activation,
        "activation",
        |v| v.to_string(),
        |a, v| a.0.activation = v,
    );
    arms = sweep(arms, &t.epochs, "epochs", |v| v.to_string(), |a, v| a.0.epochs = v);
    arms = sweep(
        arms,
        &t.batch_size,
        "batch_size",
        |v| v.to_string(),
        |a, v| a.0.batch_size = v,
    );
    arms = sweep(
        arms,
        &t.learning_rate,
        "learning_rate",
        |v| v.to_string(),
        |a, v| a.0.learning_rate = v,
    );
    if let Some(e) = e {
        arms = sweep(arms, &e.biases, "eval_biases", |v| v.to_string(), |a, v| a.1.biases = v);
        arms = sweep(
            arms,
            &e.activation,
            "eval_activation",
            |v| v.to_string(),
            |a, v| a.1.activation = v,
        );
    }
    arms
}

/// The appended columns of an experiment's rows: its swept keys, then
/// `steps` when a training key is swept.
fn columns(t: &TrainingSection, e: Option<&EvaluationSection>) -> Vec<String> {
    let mut out: Vec<&str> = [
        ("hidden", t.hidden.is_swept()),
        ("activation", t.activation.is_swept()),
        ("epochs", t.epochs.is_swept()),
        ("batch_size", t.batch_size.is_swept()),
        ("learning_rate", t.learning_rate.is_swept()),
    ]
    .into_iter()
    .filter(|(_, swept)| *swept)
    .map(|(k, _)| k)
    .collect();
    let training_swept = !out.is_empty();
    if let Some(e) = e {
        if e.biases.is_swept() {
            out.push("eval_biases");
        }
        if e.activation.is_swept() {
            out.push("eval_activation");
        }
    }
    if training_swept {
        out.push("steps");
    }
    out.into_iter().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
description = "test"
[training]
hidden = [64]
activation = "relu"
epochs = 75
batch_size = 128
learning_rate = 0.01
[runs]
seeds = 10
quick_seeds = 2
[[tasks]]
label = "easy"
dataset = "mnist"
classes = [0, 7]
[[probes]]
probe = "binarize"
"#;

    fn parse(text: &str) -> Result<Experiment, ConfigError> {
        Experiment::from_toml("t", text, Path::new("t.toml"))
    }

    #[test]
    fn a_good_file_checks() {
        let e = parse(GOOD).unwrap();
        assert_eq!(e.training.epochs, 75);
        assert_eq!(e.failed_below, 70.0);
        assert_eq!(e.seed_list(true, None), vec![0, 1]);
        assert_eq!(e.seed_list(false, Some(3)), vec![0, 1, 2]);
        assert_eq!(e.tasks[0].source, DataSource::Embedded(Embedded::Mnist));
        assert_eq!(e.sweep(false).len(), 1);
    }

    #[test]
    fn pairs_and_synthetic_tasks_expand() {
        let e = parse(&GOOD.replace("classes = [0, 7]", "classes = [3, 1, 8]\npairs = true")).unwrap();
        let labels: Vec<(&str, Vec<u8>)> = e.tasks.iter().map(|t| (t.label.as_str(), t.classes.clone())).collect();
        assert_eq!(
            labels,
            [
                ("easy-3-1", vec![3, 1]),
                ("easy-3-8", vec![3, 8]),
                ("easy-1-8", vec![1, 8])
            ]
        );
        let synthetic = "label = \"sep\"\ndataset = \"synthetic\"\nsynthetic = { separations = [1.0, 2.5] }";
        let e = parse(&GOOD.replace("label = \"easy\"\ndataset = \"mnist\"\nclasses = [0, 7]", synthetic)).unwrap();
        assert_eq!(e.tasks[1].label, "sep-2.5");
        assert_eq!(e.tasks[1].knob, Some(2.5));
        let bad = synthetic.replace("1.0, 2.5", "-1.0");
        let err = parse(&GOOD.replace("label = \"easy\"\ndataset = \"mnist\"\nclasses = [0, 7]", &bad)).unwrap_err();
        assert!(
            err.to_string()
                .contains("`tasks[0].synthetic.separation` = -1 is invalid"),
            "{err}"
        );
    }

    #[test]
    fn list_values_sweep_into_arms() {
        let e = parse(&GOOD.replace("epochs = 75", "epochs = [5, 10]").replace(
            "learning_rate = 0.01",
            "learning_rate = 0.01\n[evaluation]\nbiases = [\"trained\", \"fresh\"]",
        ))
        .unwrap();
        assert_eq!(e.columns, ["epochs", "eval_biases", "steps"]);
        let arms: Vec<(usize, String)> = e.tasks.iter().map(|t| (t.training.epochs, t.full_label())).collect();
        assert_eq!(
            arms,
            [
                (5, "easy epochs=5 eval_biases=trained".to_string()),
                (5, "easy epochs=5 eval_biases=fresh".to_string()),
                (10, "easy epochs=10 eval_biases=trained".to_string()),
                (10, "easy epochs=10 eval_biases=fresh".to_string()),
            ]
        );
        assert_eq!(e.tasks[1].evaluation.biases, Biases::Fresh);
        let e = parse(&GOOD.replace("hidden = [64]", "hidden = [[64], [32, 16]]")).unwrap();
        assert_eq!(e.tasks[1].training.hidden, [32, 16]);
        assert_eq!(e.tasks[1].arm_value("hidden"), Some("32-16"));
        let e = parse(GOOD).unwrap();
        assert!(e.columns.is_empty() && e.tasks[0].arm.is_empty());
        assert_eq!(e.tasks[0].full_label(), "easy");
    }

    #[test]
    fn a_task_may_have_its_own_training_values() {
        let e = parse(&GOOD.replace(
            "classes = [0, 7]",
            "classes = [0, 7]\ntraining = { activation = \"tanh\" }",
        ))
        .unwrap();
        assert_eq!(e.tasks[0].training.activation, mlprobe_graph::Activation::Tanh);
        assert_eq!(e.training.activation, mlprobe_graph::Activation::Relu);
        let err = parse(&GOOD.replace("classes = [0, 7]", "classes = [0, 7]\ntraining = { epochs = 0 }"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`tasks[0].training.epochs`"), "{err}");
        let err = parse(&GOOD.replace("classes = [0, 7]", "classes = [0, 7]\ntraining = { epoch = 3 }"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `epoch`"), "{err}");
    }

    #[test]
    fn bad_sweeps_and_layers_are_named() {
        let err = parse(&GOOD.replace("epochs = 75", "epochs = []"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("empty list"), "{err}");
        let err = parse(&GOOD.replace("epochs = 75", "epochs = [5, -1]"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("epochs"), "{err}");
        let err = parse(&GOOD.replace("activation = \"relu\"", "activation = [\"relu\", \"relux\"]"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("relux"), "{err}");
        let err = parse(&GOOD.replace(
            "learning_rate = 0.01",
            "learning_rate = 0.01\n[evaluation]\nbiases = \"new\"",
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown biases `new`"), "{err}");
        let err = parse(&GOOD.replace("probe = \"binarize\"", "probe = \"binarize\"\nlayers = [2]"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`probes[0].layers` = 2"), "{err}");
        let ok = GOOD
            .replace("hidden = [64]", "hidden = [64, 64]")
            .replace("probe = \"binarize\"", "probe = \"binarize\"\nlayers = [2]");
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = parse(&GOOD.replace("epochs = 75", "epochs = 75\nepoch = 3"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `epoch`"), "{err}");
        let err = parse(&GOOD.replace("[runs]", "colour = 1\n[runs]"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("colour"), "{err}");
        let err = parse(&GOOD.replace("epochs = 75\n", "")).unwrap_err().to_string();
        assert!(err.contains("missing field `epochs`"), "{err}");
    }

    #[test]
    fn out_of_range_values_are_named() {
        let cases = [
            ("learning_rate = 0.01", "learning_rate = -1.0", "training.learning_rate"),
            ("seeds = 10", "seeds = 0", "runs.seeds"),
            (
                "quick_seeds = 2",
                "quick_seeds = 2\nfailed_below = 150.0",
                "runs.failed_below",
            ),
            ("classes = [0, 7]", "classes = [7]", "tasks[0].classes"),
            ("classes = [0, 7]", "classes = [7, 7]", "tasks[0].classes[1]"),
            ("dataset = \"mnist\"", "dataset = \"cifar\"", "tasks[0].dataset"),
            ("label = \"easy\"", "label = \"e asy\"", "tasks[0].label"),
            ("probe = \"binarize\"", "probe = \"melt\"", "probes[0].probe"),
        ];
        for (from, to, key) in cases {
            let err = parse(&GOOD.replace(from, to)).unwrap_err().to_string();
            assert!(err.contains(&format!("`{key}`")), "{key}: {err}");
        }
        let err = parse(&GOOD.replace("classes = [0, 7]", "classes = [0, 700]"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("700"), "{err}");
    }
}
