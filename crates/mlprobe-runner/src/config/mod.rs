//! Experiment files: TOML as written by users ([`ExperimentFile`], unchecked),
//! checked into an [`Experiment`] whose every value is valid.
//!
//! ```toml
//! description = "Binarization gap, easy versus hard"
//!
//! [training]            # every key required: the budget is explicit
//! architecture = "mlp"  # optional: mlp | cnn | vit; a list sweeps it
//! hidden = [64]         # an MLP's; a list of lists, e.g. [[64], [64, 64]], sweeps it
//! # conv = { channels = [8, 16], kernel = 5 }   # a CNN's blocks (the default)
//! # vit = { patch = 7, dim = 32, heads = 2, blocks = 2, ff = 64 }   # a ViT's (the default)
//! # either may add its own epochs and learning_rate, for its arms alone
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
//! statistics = "trained" # optional: medians over trained runs, or "all" runs; a list gives both
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
//! task runs in every combination of the swept values (an *arm*, see
//! [`arms`]), and the rows of `results.csv` name their arm in appended columns.
//! A list of `statistics` only summarises the same runs each way: its arms
//! ([`Experiment::summarised`]) share their units and rows.
//!
//! [`file`] holds the tables as written, [`check`] turns them into an
//! [`Experiment`], table by table.

mod arms;
mod check;
mod file;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mlprobe_core::{ConvParams, TrainConfig, TrainParams, VitParams};
use mlprobe_graph::{Architecture, Registry, WeightStack};
use mlprobe_tasks::{Embedded, GaussianPair};

pub use file::MapSection;

use crate::errors::{ConfigError, InvalidKey};
use crate::evaluation::Evaluation;
use crate::probes::{ProbeSpec, SweepPoint};
use crate::seed::hex_digest_bytes;
use crate::stats::Statistics;
use file::ExperimentFile;

/// Most evaluations (networks evaluated) one experiment run may make.
pub const MAX_EVALUATIONS: u64 = 100_000_000;

/// Most random image pairs per cell of the SSIM distance matrix.
pub const MAX_SSIM_PAIRS: usize = 1_000_000;

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
    pub(crate) fn identity(&self) -> String {
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
    /// The runs its medians and quartiles are taken over.
    pub statistics: Statistics,
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

/// One unit of an experiment: a task (its index in [`Experiment::tasks`])
/// trained or probed with one seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitId {
    /// Index of the task in the experiment.
    pub task: usize,
    /// The seed.
    pub seed: u64,
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
    /// The runs statistics are taken over, each value once; the first is
    /// every task's own, the others make the arms of [`Experiment::summarised`].
    pub statistics: Vec<Statistics>,
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
        Self::load_with(path, Arc::new(crate::builtin_probes()))
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
        Self::from_toml_with(name, text, path, Arc::new(crate::builtin_probes()))
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
        let (mut conv, mut vit) = (None, None);
        match &model.weights.architecture {
            Architecture::Mlp => {}
            Architecture::Cnn(shape) => {
                conv = Some(ConvParams {
                    channels: shape.channels.clone(),
                    kernel: shape.kernel,
                })
            }
            Architecture::Vit(shape) => {
                vit = Some(VitParams {
                    patch: shape.patch,
                    dim: shape.dim,
                    heads: shape.heads,
                    blocks: shape.blocks,
                    ff: shape.ff,
                })
            }
        }
        let training = TrainParams {
            architecture: model.weights.architecture.kind(),
            conv,
            vit,
            hidden: sizes[1..sizes.len() - 1].to_vec(),
            activation: model.weights.activation,
            failed_below: 0.0,
            ..self.training.params().clone()
        }
        .check()
        .map_err(|e| invalid("model", format!("{sizes:?}"), e.to_string()))?;
        let names = model.weights.layer_names();
        for (i, p) in self.probes.iter().enumerate() {
            p.check_layers(&names).map_err(|e| {
                invalid(
                    &format!("probes[{i}].layers"),
                    e,
                    format!("layers of the model's {}: {}", names.len(), names.join(", ")),
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
                    statistics: Statistics::Trained,
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
            statistics: vec![Statistics::Trained],
            tasks,
            map: None,
            model: Some(model),
            ..self
        })
    }

    /// Checks that a run (`quick` or not, with `seeds` per task overriding
    /// the file's) stays within 100,000,000 evaluations, before anything runs;
    /// the error names the key and the estimate.
    pub(crate) fn check_size(&self, quick: bool, seeds: Option<usize>) -> Result<(), InvalidKey> {
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

    /// Every unit of the experiment with these seeds, in run order (task by task).
    pub(crate) fn units(&self, seeds: &[u64]) -> Vec<UnitId> {
        (0..self.tasks.len())
            .flat_map(|task| seeds.iter().map(move |&seed| UnitId { task, seed }))
            .collect()
    }

    /// The experiment as its outputs summarise it: with one `statistics`
    /// value, itself; with several, every task once per value (the value
    /// added to its arm as `statistics`), the first value's tasks first and
    /// at their own indices. Units of task `t` are summarised as those of
    /// tasks `t + k * self.tasks.len()` (see [`crate::ExperimentRun`]).
    pub fn summarised(&self) -> Experiment {
        if self.statistics.len() < 2 {
            return self.clone();
        }
        let tasks = (self.statistics.iter())
            .flat_map(|&statistics| {
                self.tasks.iter().map(move |t| {
                    let mut arm = t.arm.clone();
                    arm.push(("statistics".to_string(), statistics.to_string()));
                    TaskSpec {
                        statistics,
                        arm,
                        ..t.clone()
                    }
                })
            })
            .collect();
        Experiment { tasks, ..self.clone() }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::Biases;

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
    fn statistics_default_to_trained_and_a_list_summarises_each_way() {
        let e = parse(GOOD).unwrap();
        assert_eq!(e.statistics, [Statistics::Trained]);
        assert_eq!(e.summarised().tasks.len(), 1);
        let all = parse(&GOOD.replace("quick_seeds = 2", "quick_seeds = 2\nstatistics = \"all\"")).unwrap();
        assert_eq!(all.tasks[0].statistics, Statistics::All);
        assert!(all.columns.is_empty());
        let both = GOOD.replace(
            "quick_seeds = 2",
            "quick_seeds = 2\nstatistics = [\"trained\", \"all\"]",
        );
        let e = parse(&both).unwrap();
        assert_eq!(e.tasks.len(), 1, "the arms of statistics are not evaluated apart");
        assert!(e.columns.is_empty(), "nor do they add a column to results.csv");
        let view = e.summarised();
        let labels: Vec<(String, Statistics)> = view.tasks.iter().map(|t| (t.full_label(), t.statistics)).collect();
        assert_eq!(
            labels,
            [
                ("easy statistics=trained".to_string(), Statistics::Trained),
                ("easy statistics=all".to_string(), Statistics::All)
            ]
        );
        let err = parse(&GOOD.replace("quick_seeds = 2", "quick_seeds = 2\nstatistics = \"some\""))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown statistics `some`: expected one of trained, all"),
            "{err}"
        );
        let map = format!("{both}[map]\n").replace("classes = [0, 7]", "classes = [0, 7, 9]\npairs = true");
        let err = parse(&map).unwrap_err().to_string();
        assert!(err.contains("`runs.statistics`") && err.contains("one value"), "{err}");
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
            (
                "quick_seeds = 2",
                "quick_seeds = 2\nstatistics = [\"all\", \"all\"]",
                "runs.statistics",
            ),
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
