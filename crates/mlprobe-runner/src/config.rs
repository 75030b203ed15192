//! Experiment files: TOML as written by users ([`ExperimentFile`], unchecked),
//! checked into an [`Experiment`] whose every value is valid.
//!
//! ```toml
//! description = "Binarization gap, easy versus hard"
//!
//! [training]            # every key required: the budget is explicit
//! hidden = [64]
//! activation = "relu"   # tanh | relu | sigmoid | identity
//! epochs = 75
//! batch_size = 128
//! learning_rate = 0.01
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
//!
//! [[probes]]
//! probe = "binarize"
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mlprobe_core::{TrainConfig, TrainParams};
use mlprobe_graph::WeightStack;
use mlprobe_tasks::{Embedded, GaussianPair};
use serde::Deserialize;

use crate::errors::{ConfigError, InvalidKey};
use crate::registry::Registry;
use crate::seed::hex_digest_bytes;
use crate::sweep::{ProbeSpec, SweepPoint};

/// Most evaluations (networks evaluated) one experiment run may make.
pub const MAX_EVALUATIONS: u64 = 100_000_000;

/// Most random image pairs per cell of the SSIM distance matrix.
pub const MAX_SSIM_PAIRS: usize = 1_000_000;

/// The `[training]` table: the core crate's parameters, every key required.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSection {
    /// Hidden layer sizes.
    pub hidden: Vec<usize>,
    /// Hidden activation.
    pub activation: mlprobe_graph::Activation,
    /// Epochs (the cosine schedule spans them).
    pub epochs: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// Initial learning rate.
    pub learning_rate: f64,
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
    /// Training parameters.
    pub training: TrainingSection,
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
}

impl TaskSpec {
    /// The classes joined by `-`, e.g. `7-9`.
    pub fn classes_label(&self) -> String {
        self.classes.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("-")
    }
}

/// A checked experiment, ready to run.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// The experiment's name (its file stem).
    pub name: String,
    /// One line on what it shows.
    pub description: String,
    /// Checked training parameters.
    pub training: TrainConfig,
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
    /// failed: the model is what it is.
    pub fn probing(self, model: GivenModel, task: TaskSpec, seed: u64) -> Result<Self, ConfigError> {
        let sizes = model.weights.sizes();
        let training = TrainParams {
            hidden: sizes[1..sizes.len() - 1].to_vec(),
            activation: model.weights.activation,
            failed_below: 0.0,
            ..self.training.params().clone()
        }
        .check()
        .map_err(|e| ConfigError::Invalid {
            path: model.path.clone(),
            invalid: InvalidKey::new("model", format!("{sizes:?}"), e.to_string()),
        })?;
        Ok(Self {
            training,
            seeds: 1,
            quick_seeds: 1,
            first_seed: seed,
            failed_below: 0.0,
            tasks: vec![task],
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
        let t = self.training;
        let training = TrainParams {
            hidden: t.hidden,
            activation: t.activation,
            epochs: t.epochs,
            batch_size: t.batch_size,
            learning_rate: t.learning_rate,
            failed_below: r.failed_below,
        }
        .check()
        .map_err(|e| match e {
            mlprobe_core::TrainError::OutOfRange {
                name: "failed_below",
                value,
                expected,
            } => invalid("runs.failed_below".into(), value, expected),
            mlprobe_core::TrainError::OutOfRange { name, value, expected } => {
                invalid(format!("training.{name}"), value, expected)
            }
            other => invalid("training".into(), String::new(), &other.to_string()),
        })?;

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
                    });
                }
            }
            for spec in expanded {
                if tasks
                    .iter()
                    .any(|s: &TaskSpec| s.dataset == spec.dataset && s.label == spec.label)
                {
                    return Err(invalid(key("label"), format!("{:?}", spec.label), "unique per dataset"));
                }
                tasks.push(spec);
            }
        }

        for spec in &tasks {
            let inputs = match &spec.source {
                DataSource::Embedded(_) => Some(28 * 28),
                DataSource::Synthetic(g) => Some(g.dim),
                DataSource::Dir(_) | DataSource::Npz(_) => None,
            };
            if let Some(inputs) = inputs {
                training.check_size(inputs, spec.classes.len()).map_err(|e| {
                    invalid(
                        "training.hidden".into(),
                        format!("{:?}", training.hidden),
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
        }

        Experiment {
            name: name.to_string(),
            description: self.description,
            training,
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
