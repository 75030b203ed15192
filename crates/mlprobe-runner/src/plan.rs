//! What a run would do, before it runs: per experiment, its units, those
//! already done, and the models and evaluations the rest need, with the
//! sizes that price them (`reproduce --plan`).

use mlprobe_graph::ArchitectureKind;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use mlprobe_tasks::Dataset;

use crate::config::{DataSource, Experiment, UnitId};
use crate::data::{TaskLoader, dataset_of};
use crate::errors::RunError;
use crate::run::RunOptions;
use crate::shard::{Shard, partition};
use crate::training::{TrainingPath, training_path};

/// A unit a run would compute.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingUnit {
    /// The unit.
    pub unit: UnitId,
    /// Whether the run would train its model (the first unit of a model
    /// the folder lacks).
    pub trains_model: bool,
    /// Training epochs of its model.
    pub epochs: usize,
    /// Training examples of its task.
    pub train_examples: usize,
    /// Test examples of its task (each evaluation runs them all).
    pub test_examples: usize,
    /// The work of one example through its network: its weights and biases
    /// for an MLP; for a CNN or a ViT, the multiply-adds of its forward pass
    /// (a kernel is applied at every position, a projection to every token).
    pub weights: u64,
    /// How its model would be trained, which sets the cost of that work.
    pub training: TrainingPath,
}

/// The plan of one experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentPlan {
    /// The experiment's name.
    pub name: String,
    /// Units of the experiment (in the shard, if one was given).
    pub units: usize,
    /// Of those, units whose results are stored already.
    pub done: usize,
    /// Evaluations of one unit: every draw of every sweep point, and the
    /// unperturbed network.
    pub evaluations_per_unit: u64,
    /// The units still to compute.
    pub pending: Vec<PendingUnit>,
}

/// The plan of a run of `experiments` with `opts` (of one shard, if given).
pub fn plan(
    experiments: &[Experiment],
    opts: &RunOptions,
    shard: Option<Shard>,
) -> Result<Vec<ExperimentPlan>, RunError> {
    let store = opts.store();
    let assignment = partition(experiments, opts.quick, opts.seeds, shard.map_or(1, |s| s.count));
    let mut datasets = HashMap::new();
    let mut to_train = HashSet::new();
    let mut plans = Vec::new();
    for (e, exp) in experiments.iter().enumerate() {
        let points = exp.sweep(opts.quick);
        let (loader, mut paths) = (TaskLoader::new(exp), HashMap::new());
        let mine: Vec<UnitId> = assignment
            .iter()
            .filter(|(u, k)| u.experiment == e && shard.is_none_or(|s| s.index == *k))
            .map(|(u, _)| u.unit)
            .collect();
        let mut plan = ExperimentPlan {
            name: exp.name.clone(),
            units: mine.len(),
            done: 0,
            evaluations_per_unit: points.iter().map(|p| p.draws as u64).sum::<u64>() + 1,
            pending: Vec::new(),
        };
        for unit in mine {
            if store.unit_is_done(exp, unit, &points) {
                plan.done += 1;
                continue;
            }
            let spec = &exp.tasks[unit.task];
            let (train_examples, test_examples, inputs) = sizes(exp, unit.task, &mut datasets)?;
            let training = path_of(&mut paths, (exp, &loader), unit.task)?;
            let path = store.model_path(spec, unit.seed);
            plan.pending.push(PendingUnit {
                unit,
                trains_model: exp.model.is_none() && !path.exists() && to_train.insert(path),
                epochs: spec.training.epochs,
                train_examples,
                test_examples,
                weights: match spec.training.params().architecture {
                    ArchitectureKind::Mlp => spec.training.weights(inputs, spec.classes.len()),
                    _ => spec.training.multiply_adds(inputs, spec.classes.len()),
                },
                training,
            });
        }
        plans.push(plan);
    }
    Ok(plans)
}

/// How the models of task `t` would be trained, decided on its examples
/// as training decides; each task is loaded once.
fn path_of(
    paths: &mut HashMap<usize, TrainingPath>,
    (exp, loader): (&Experiment, &TaskLoader<'_>),
    t: usize,
) -> Result<TrainingPath, RunError> {
    if let Some(&path) = paths.get(&t) {
        return Ok(path);
    }
    let path = training_path(&exp.tasks[t], &loader.load(t)?);
    paths.insert(t, path);
    Ok(path)
}

/// Training and test examples of task `t`, and its input dimension; each
/// dataset is read once.
fn sizes(
    exp: &Experiment,
    t: usize,
    datasets: &mut HashMap<String, Cow<'static, Dataset>>,
) -> Result<(usize, usize, usize), RunError> {
    let spec = &exp.tasks[t];
    if let DataSource::Synthetic(g) = &spec.source {
        return Ok((g.n_train, g.n_test, g.dim));
    }
    let key = spec.source.identity();
    if !datasets.contains_key(&key) {
        let read = dataset_of(spec).map_err(|source| RunError::Data {
            experiment: exp.name.clone(),
            index: t,
            dataset: spec.dataset.clone(),
            label: spec.label.clone(),
            source: Box::new(source),
        })?;
        match read {
            Some(ds) => datasets.insert(key.clone(), ds),
            // A test set alone (`.npz`): its own sizes.
            None => {
                let task = TaskLoader::new(exp).load(t)?;
                return Ok((task.train.len(), task.test.len(), task.input_dim()));
            }
        };
    }
    let ds = &datasets[&key];
    let count = |counts: Vec<(u8, usize)>| {
        counts
            .iter()
            .filter(|(c, _)| spec.classes.contains(c))
            .map(|(_, n)| n)
            .sum::<usize>()
    };
    Ok((
        count(ds.train.class_counts()),
        count(ds.test.class_counts()),
        ds.pixels(),
    ))
}
