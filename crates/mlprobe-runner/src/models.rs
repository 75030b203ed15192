//! The trained model of a unit: read from the model cache, or trained now
//! and cached; and many models of one task trained together.

use std::path::Path;

use mlprobe_core::{TrainedModel, train_stack};
use mlprobe_graph::store::{load_model, save_model};
use mlprobe_graph::{StoreError, WeightStack};
use mlprobe_tasks::Task;
use serde::Serialize;

use crate::cache::{ModelKey, model_path, set_aside};
use crate::config::{Experiment, TaskSpec};
use crate::errors::{RunError, error_chain};

/// The metadata stored in a model file: its key, its seed and its training curve.
#[derive(Serialize)]
struct ModelMeta<'a> {
    seed: u64,
    #[serde(flatten)]
    key: ModelKey<'a>,
    epoch_loss: &'a [f32],
}

/// The model of a unit: the experiment's given model, or the one of (task
/// `spec`, `seed`) from the model cache under `out`, trained now if missing.
/// Returns the weights and whether it was trained now.
pub fn unit_model(
    exp: &Experiment,
    spec: &TaskSpec,
    task: &Task,
    seed: u64,
    out: &Path,
) -> Result<(WeightStack, bool), RunError> {
    match &exp.model {
        Some(given) => Ok(((*given.weights).clone(), false)),
        None => model_for(spec, task, seed, out),
    }
}

/// The model of (task `spec`, `seed`) from the model cache under `out` if
/// present and valid, else trained now and stored there (atomically).
/// Returns the weights and whether it was trained now.
pub fn model_for(spec: &TaskSpec, task: &Task, seed: u64, out: &Path) -> Result<(WeightStack, bool), RunError> {
    let path = &model_path(out, spec, seed);
    if path.exists() {
        match load_model(path) {
            Ok((net, meta)) if meta["seed"] == seed => return Ok((net, false)),
            Ok(_) => set_aside(path, "a model of another seed"),
            // A file that cannot be read is the folder's problem, not the cache's.
            Err(e @ StoreError::Io { .. }) => return Err(e.into()),
            Err(e) => set_aside(path, &format!("damaged model file ({})", error_chain(&e))),
        }
    }
    let mut trained = train_models(spec, task, &[seed], out)?;
    Ok((trained.pop().expect("one model per seed"), true))
}

/// Models of task `spec` for every seed of `seeds`, trained together in
/// one stack (see [`mlprobe_core::train_stack`]: the same bits as one by
/// one) and stored at their cache paths under `out`; returns their weights.
pub fn train_models(spec: &TaskSpec, task: &Task, seeds: &[u64], out: &Path) -> Result<Vec<WeightStack>, RunError> {
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
            store(spec, seed, &model, &model_path(out, spec, seed))?;
            Ok(model.weights)
        })
        .collect()
}

/// Stores a trained model with its metadata at `path` (atomically).
fn store(spec: &TaskSpec, seed: u64, model: &TrainedModel, path: &Path) -> Result<(), RunError> {
    let meta = ModelMeta {
        seed,
        key: ModelKey::of(spec),
        epoch_loss: &model.epoch_loss,
    };
    save_model(path, &model.weights, &serde_json::to_value(&meta).expect("plain data"))?;
    Ok(())
}
