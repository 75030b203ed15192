//! The trained models of a run: read from the [`Store`], or trained now,
//! many seeds of one task in one stack, and stored.

use std::collections::HashSet;
use std::path::PathBuf;

use mlprobe_core::{train_stack, trains_on_pixels};
use mlprobe_graph::{ArchitectureKind, WeightStack};
use mlprobe_tasks::Task;
use rayon::prelude::*;

use crate::config::{Experiment, TaskSpec, UnitId};
use crate::data::{TaskLoader, TaskPool};
use crate::errors::RunError;
use crate::errors::all_or_failures;
use crate::probes::SweepPoint;
use crate::progress::Progress;
use crate::store::Store;

/// Models trained together, at most this many per stack: the fastest size
/// per model-step in every run of `cargo xtask bench` (stacked training: 1,
/// 4, 8, 16 and 32 tried; for a ViT too).
pub(crate) const STACK: usize = 4;

/// A CNN's stack: alone, its step is faster per model (`cargo xtask bench
/// --only architectures`: 74 ms alone, 90 ms per model in a stack of 4),
/// its products being large enough on their own.
const CNN_STACK: usize = 1;

/// How the runner trains a model, each at its own cost per example and
/// weight (`reproduce --plan` measures the three).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainingPath {
    /// An MLP on images, in a stack: its first layer sums the non-zero
    /// pixels only.
    PixelStack,
    /// An MLP on other inputs, or a ViT, in a stack.
    DenseStack,
    /// A CNN, alone.
    Alone,
}

/// How the models of task `spec` are trained on `task`: the stack size
/// [`train_missing`] gives them, and the first layer the core computes.
pub(crate) fn training_path(spec: &TaskSpec, task: &Task) -> TrainingPath {
    if stack_size(spec) == 1 {
        TrainingPath::Alone
    } else if trains_on_pixels(&spec.training, &task.train) {
        TrainingPath::PixelStack
    } else {
        TrainingPath::DenseStack
    }
}

/// The stack size of task `spec`'s models.
fn stack_size(spec: &TaskSpec) -> usize {
    match spec.training.params().architecture {
        ArchitectureKind::Cnn => CNN_STACK,
        _ => STACK,
    }
}

/// The model of `unit`: the experiment's given model, or the one of its
/// task and seed from the store, trained now if missing. Returns the
/// weights and whether they were trained now.
pub(crate) fn unit_model(
    exp: &Experiment,
    store: &Store,
    unit: UnitId,
    task: &Task,
) -> Result<(WeightStack, bool), RunError> {
    if let Some(given) = &exp.model {
        return Ok(((*given.weights).clone(), false));
    }
    let spec = &exp.tasks[unit.task];
    if let Some(net) = store.load_model(spec, unit.seed)? {
        return Ok((net, false));
    }
    let mut trained = train_models(store, spec, task, &[unit.seed])?;
    Ok((trained.pop().expect("one model per seed"), true))
}

/// Models of task `spec` for every seed of `seeds`, trained together in
/// one stack (see [`mlprobe_core::train_stack`]: the same bits as one by
/// one) and stored; returns their weights.
fn train_models(store: &Store, spec: &TaskSpec, task: &Task, seeds: &[u64]) -> Result<Vec<WeightStack>, RunError> {
    let outcomes = train_stack(task, &spec.training, seeds).map_err(|source| RunError::Train {
        dataset: spec.dataset.clone(),
        label: spec.label.clone(),
        seed: seeds[0],
        source: Box::new(source),
    })?;
    seeds
        .iter()
        .zip(outcomes)
        .map(|(&seed, outcome)| {
            let model = outcome.into_model();
            store.save_model(spec, seed, &model)?;
            Ok(model.weights)
        })
        .collect()
}

/// Trains, in stacks of up to [`STACK`] seeds of one task ([`CNN_STACK`] for a CNN), the models that
/// `units` need and the store lacks (units already stored need none), each
/// once; returns the units for which a model was trained (one per model).
/// Stacks run in parallel.
pub(crate) fn train_missing(
    exp: &Experiment,
    store: &Store,
    progress: &Progress,
    tasks: &TaskLoader<'_>,
    points: &[SweepPoint],
    units: &[UnitId],
) -> Result<HashSet<UnitId>, RunError> {
    if exp.model.is_some() {
        return Ok(HashSet::new());
    }
    let mut missing: Vec<(usize, Vec<u64>)> = Vec::new();
    // Tasks that train alike (e.g. arms of an evaluation sweep) share a model: trained once.
    let mut wanted: HashSet<PathBuf> = HashSet::new();
    for &unit in units {
        let spec = &exp.tasks[unit.task];
        // The model file is looked at first: a stat, where the unit file is read.
        let path = store.model_path(spec, unit.seed);
        if path.exists() || wanted.contains(&path) || store.unit_is_done(exp, unit, points) {
            continue;
        }
        wanted.insert(path);
        match missing.last_mut() {
            Some((last, seeds)) if *last == unit.task => seeds.push(unit.seed),
            _ => missing.push((unit.task, vec![unit.seed])),
        }
    }
    let stacks: Vec<(usize, &[u64])> = missing
        .iter()
        .flat_map(|(t, seeds)| seeds.chunks(stack_size(&exp.tasks[*t])).map(move |c| (*t, c)))
        .collect();
    if stacks.is_empty() {
        return Ok(HashSet::new());
    }
    let bar = progress.bar(stacks.iter().map(|(_, s)| s.len() as u64).sum(), "models trained");
    let pool = TaskPool::new(tasks, stacks.iter().map(|(t, _)| *t));
    let results: Vec<Result<(), RunError>> = stacks
        .par_iter()
        .map(|&(t, seeds)| {
            let r = pool
                .with(t, |task| train_models(store, &exp.tasks[t], task, seeds).map(drop))
                .and_then(|r| r);
            bar.inc(seeds.len() as u64);
            r
        })
        .collect();
    bar.finish_and_clear();
    all_or_failures(&exp.name, units.len(), results)?;
    Ok(stacks
        .iter()
        .flat_map(|(t, seeds)| seeds.iter().map(move |&seed| UnitId { task: *t, seed }))
        .collect())
}
