//! An experiment file checked into an [`Experiment`], one function per
//! TOML table; every error names the first invalid key.

use std::path::Path;
use std::sync::Arc;

use mlprobe_core::{TrainConfig, TrainError, TrainParams};
use mlprobe_graph::{ArchitectureKind, PLAIN_NAME, Registry, is_plain_name};
use mlprobe_tasks::GaussianPair;

use super::arms::{Arm, arms, budget, columns};
use super::file::{ExperimentFile, MapSection, RunsSection, SyntheticSection, TaskSection, TrainingSection};
use super::{DataSource, Experiment, MAX_SSIM_PAIRS, TaskSpec};
use crate::errors::{ConfigError, InvalidKey};
use crate::evaluation::Evaluation;
use crate::probes::ProbeSpec;
use crate::stats::Statistics;

/// Most seeds per task.
const MAX_SEEDS: usize = 100_000;

impl ExperimentFile {
    /// Checks every value; the error names the first invalid key.
    pub(crate) fn check(self, name: &str, path: &Path, registry: Arc<Registry>) -> Result<Experiment, ConfigError> {
        let in_file = |invalid| ConfigError::Invalid {
            path: path.to_path_buf(),
            invalid,
        };
        check_hidden_given(&self.training).map_err(in_file)?;
        let arms = arms(&self.training, self.evaluation.as_ref());
        let columns = columns(&self.training, self.evaluation.as_ref());
        let failed_below = self.runs.failed_below;
        let training = check_training(&arms, failed_below).map_err(in_file)?;
        check_runs(&self.runs).map_err(in_file)?;
        let statistics = check_statistics(&self.runs, self.map.is_some()).map_err(in_file)?;
        let mut tasks = check_tasks(self.tasks, &arms, &training, failed_below).map_err(in_file)?;
        for t in &mut tasks {
            t.statistics = statistics[0];
        }
        check_network_sizes(&tasks).map_err(in_file)?;
        if let Some(map) = &self.map {
            check_map(map).map_err(in_file)?;
        }
        check_probes(&self.probes, &tasks, &registry).map_err(in_file)?;
        Experiment {
            name: name.to_string(),
            description: self.description,
            optional: self.optional,
            training,
            columns,
            seeds: self.runs.seeds,
            quick_seeds: self.runs.quick_seeds,
            first_seed: self.runs.first_seed,
            failed_below,
            statistics,
            tasks,
            probes: self.probes,
            map: self.map,
            registry,
            model: None,
        }
        .sized(path)
    }
}

/// Training parameters with the failure threshold, checked; an error is
/// named under `prefix` (`training`, `tasks[1].training`).
fn checked_training(params: TrainParams, failed_below: f64, prefix: &str) -> Result<TrainConfig, InvalidKey> {
    let table = architecture_table(params.architecture);
    TrainParams { failed_below, ..params }.check().map_err(|e| match e {
        TrainError::OutOfRange {
            name: "failed_below",
            value,
            expected,
        } => InvalidKey::new("runs.failed_below", value, expected),
        TrainError::OutOfRange { name, value, expected } => {
            InvalidKey::new(format!("{prefix}.{name}"), value, expected)
        }
        TrainError::Shape(e) => InvalidKey::new(format!("{prefix}.{}.{}", table, e.key), e.value, e.reason),
        other => InvalidKey::new(prefix, "", other.to_string()),
    })
}

/// The `[training]` table of an architecture's own keys.
fn architecture_table(kind: ArchitectureKind) -> &'static str {
    match kind {
        ArchitectureKind::Vit => "vit",
        _ => "conv",
    }
}

/// `[training]`: `hidden` given unless no arm is an MLP; an architecture's
/// own table only with that architecture, and its budget only where
/// `[training]`'s is not swept.
fn check_hidden_given(t: &TrainingSection) -> Result<(), InvalidKey> {
    let mlp = t.architecture.values().contains(&ArchitectureKind::Mlp);
    if mlp && t.hidden.is_none() {
        return Err(InvalidKey::new(
            "training.hidden",
            "missing",
            "an MLP's hidden sizes, e.g. [64]",
        ));
    }
    for (kind, given) in [
        (ArchitectureKind::Cnn, t.conv.is_some()),
        (ArchitectureKind::Vit, t.vit.is_some()),
    ] {
        let table = architecture_table(kind);
        if given && !t.architecture.values().contains(&kind) {
            return Err(InvalidKey::new(
                format!("training.{table}"),
                "given",
                format!("{table} keys only with architecture = \"{kind}\""),
            ));
        }
        let (epochs, learning_rate) = budget(t, kind);
        for (key, own, swept) in [
            ("epochs", epochs.is_some(), t.epochs.is_swept()),
            ("learning_rate", learning_rate.is_some(), t.learning_rate.is_swept()),
        ] {
            if own && swept {
                return Err(InvalidKey::new(
                    format!("training.{table}.{key}"),
                    "given",
                    format!("not with a swept training.{key}"),
                ));
            }
        }
    }
    Ok(())
}

/// `[training]`: every arm's parameters valid; the first arm's, checked.
fn check_training(arms: &[Arm], failed_below: f64) -> Result<TrainConfig, InvalidKey> {
    let configs = (arms.iter())
        .map(|arm| checked_training(arm.params.clone(), failed_below, "training"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(configs.into_iter().next().expect("at least one arm"))
}

/// `[runs]`: seed counts in range (the threshold is checked with training).
fn check_runs(r: &RunsSection) -> Result<(), InvalidKey> {
    for (key, n) in [("runs.seeds", r.seeds), ("runs.quick_seeds", r.quick_seeds)] {
        if n == 0 || n > MAX_SEEDS {
            return Err(InvalidKey::new(key, n.to_string(), format!("1 ..= {MAX_SEEDS}")));
        }
    }
    Ok(())
}

/// `[runs] statistics`: each value once, and one value in a complexity map
/// (whose gaps are taken over one set of runs).
fn check_statistics(r: &RunsSection, map: bool) -> Result<Vec<Statistics>, InvalidKey> {
    let values = r.statistics.values();
    let text = || {
        let names: Vec<String> = values.iter().map(|v| format!("{:?}", v.name())).collect();
        format!("[{}]", names.join(", "))
    };
    if let Some(v) = values
        .iter()
        .enumerate()
        .find_map(|(i, v)| values[..i].contains(v).then_some(v))
    {
        return Err(InvalidKey::new(
            "runs.statistics",
            text(),
            format!("each value once ({v} is given twice)"),
        ));
    }
    if map && values.len() > 1 {
        return Err(InvalidKey::new(
            "runs.statistics",
            text(),
            "one value in an experiment with a [map] table",
        ));
    }
    Ok(values)
}

/// `[[tasks]]`: every entry expanded (pairs, separations) and crossed with
/// every arm, in file order.
fn check_tasks(
    entries: Vec<TaskSection>,
    arms: &[Arm],
    training: &TrainConfig,
    failed_below: f64,
) -> Result<Vec<TaskSpec>, InvalidKey> {
    if entries.is_empty() {
        return Err(InvalidKey::new("tasks", "[]", "at least one [[tasks]] entry"));
    }
    let mut tasks: Vec<TaskSpec> = Vec::new();
    for (i, t) in entries.into_iter().enumerate() {
        let key = |k: &str| format!("tasks[{i}].{k}");
        for (k, value) in [("label", &t.label), ("dataset", &t.dataset)] {
            if !is_plain_name(value) {
                return Err(InvalidKey::new(key(k), format!("{value:?}"), PLAIN_NAME));
            }
        }
        let expanded = match &t.synthetic {
            Some(syn) => synthetic_tasks(&t, syn, training, &key)?,
            None => dataset_tasks(&t, training, &key)?,
        };
        for spec in &expanded {
            if tasks.iter().any(|s| s.dataset == spec.dataset && s.label == spec.label) {
                return Err(InvalidKey::new(
                    key("label"),
                    format!("{:?}", spec.label),
                    "unique per dataset",
                ));
            }
        }
        let own = t.training.clone().unwrap_or_default();
        for spec in expanded {
            for arm in arms {
                tasks.push(TaskSpec {
                    training: checked_training(own.clone().apply(arm.params.clone()), failed_below, &key("training"))?,
                    evaluation: arm.evaluation,
                    arm: arm.values.clone(),
                    ..spec.clone()
                });
            }
        }
    }
    Ok(tasks)
}

/// A task of every separation of a synthetic entry.
fn synthetic_tasks(
    t: &TaskSection,
    syn: &SyntheticSection,
    training: &TrainConfig,
    key: &dyn Fn(&str) -> String,
) -> Result<Vec<TaskSpec>, InvalidKey> {
    if t.data_dir.is_some() || !t.classes.is_empty() || t.pairs {
        return Err(InvalidKey::new(
            key("synthetic"),
            "given with data_dir, classes or pairs",
            "a synthetic task alone",
        ));
    }
    if syn.separations.is_empty() {
        return Err(InvalidKey::new(
            key("synthetic.separations"),
            "[]",
            "at least one separation",
        ));
    }
    let defaults = GaussianPair::default();
    syn.separations
        .iter()
        .map(|&sep| {
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
                    InvalidKey::new(key(&format!("synthetic.{name}")), value.to_string(), expected)
                }
                other => InvalidKey::new(key("synthetic"), format!("{sep}"), other.to_string()),
            })?;
            Ok(TaskSpec {
                label: format!("{}-{sep}", t.label),
                dataset: t.dataset.clone(),
                source: DataSource::Synthetic(g),
                classes: vec![0, 1],
                knob: Some(sep),
                training: training.clone(),
                evaluation: Evaluation::default(),
                statistics: Statistics::default(),
                arm: Vec::new(),
            })
        })
        .collect()
}

/// The task of a dataset entry, or one task per pair of its classes.
fn dataset_tasks(
    t: &TaskSection,
    training: &TrainConfig,
    key: &dyn Fn(&str) -> String,
) -> Result<Vec<TaskSpec>, InvalidKey> {
    let source = match &t.data_dir {
        Some(dir) => DataSource::Dir(dir.clone()),
        None => DataSource::Embedded(t.dataset.parse().map_err(|_| {
            InvalidKey::new(
                key("dataset"),
                format!("{:?}", t.dataset),
                "an embedded dataset (mnist, fashion-mnist), or give data_dir or synthetic",
            )
        })?),
    };
    if t.classes.len() < 2 {
        return Err(InvalidKey::new(
            key("classes"),
            format!("{:?}", t.classes),
            "at least two classes",
        ));
    }
    if let Some((j, c)) = t.classes.iter().enumerate().find(|(j, c)| t.classes[..*j].contains(c)) {
        return Err(InvalidKey::new(
            format!("{}[{j}]", key("classes")),
            c.to_string(),
            "each class once",
        ));
    }
    let c = &t.classes;
    let class_lists: Vec<Vec<u8>> = if t.pairs {
        (0..c.len())
            .flat_map(|a| (a + 1..c.len()).map(move |b| vec![c[a], c[b]]))
            .collect()
    } else {
        vec![c.clone()]
    };
    Ok(class_lists
        .into_iter()
        .map(|classes| TaskSpec {
            label: if t.pairs {
                format!("{}-{}-{}", t.label, classes[0], classes[1])
            } else {
                t.label.clone()
            },
            dataset: t.dataset.clone(),
            source: source.clone(),
            classes,
            knob: None,
            training: training.clone(),
            evaluation: Evaluation::default(),
            statistics: Statistics::default(),
            arm: Vec::new(),
        })
        .collect())
}

/// Every network within the size limit, where the data's input size is
/// known before reading it (embedded and synthetic data; the rest is
/// checked when the run loads it).
fn check_network_sizes(tasks: &[TaskSpec]) -> Result<(), InvalidKey> {
    for spec in tasks {
        let inputs = match &spec.source {
            DataSource::Embedded(_) => Some(28 * 28),
            DataSource::Synthetic(g) => Some(g.dim),
            DataSource::Dir(_) | DataSource::Npz(_) => None,
        };
        if let Some(inputs) = inputs {
            spec.training
                .check_size(inputs, spec.classes.len())
                .map_err(|e| match e {
                    TrainError::Shape(e) => {
                        let table = architecture_table(spec.training.params().architecture);
                        InvalidKey::new(format!("training.{table}.{}", e.key), e.value, e.reason)
                    }
                    e => InvalidKey::new("training.hidden", format!("{:?}", spec.training.hidden), e.to_string()),
                })?;
        }
    }
    Ok(())
}

/// `[map]`: the SSIM sample size in range.
fn check_map(map: &MapSection) -> Result<(), InvalidKey> {
    if !(1..=MAX_SSIM_PAIRS).contains(&map.ssim_pairs) {
        return Err(InvalidKey::new(
            "map.ssim_pairs",
            map.ssim_pairs.to_string(),
            format!("1 ..= {MAX_SSIM_PAIRS} image pairs per cell"),
        ));
    }
    Ok(())
}

/// `[[probes]]`: every entry expands in both grids, and the layers it names
/// exist in every task's network.
fn check_probes(probes: &[ProbeSpec], tasks: &[TaskSpec], registry: &Registry) -> Result<(), InvalidKey> {
    for (i, p) in probes.iter().enumerate() {
        p.check(registry).map_err(|e| e.within(&format!("probes[{i}]")))?;
        for spec in tasks {
            let names = spec.training.layer_names();
            p.check_layers(&names).map_err(|value| {
                let has = match spec.training.architecture {
                    ArchitectureKind::Mlp => names.len().to_string(),
                    ArchitectureKind::Cnn | ArchitectureKind::Vit => names.join(", "),
                };
                InvalidKey::new(
                    format!("probes[{i}].layers"),
                    value,
                    format!("layers of every network (task {} has {has})", spec.full_label()),
                )
            })?;
        }
    }
    Ok(())
}
