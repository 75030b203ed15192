//! Where a run keeps what it can reuse, and the keys that decide when it may:
//! trained models under a key of everything their weights depend on, and
//! unit files under a fingerprint of everything their numbers depend on;
//! damaged files are set aside to be computed again.

use std::path::{Path, PathBuf};

use mlprobe_core::TrainParams;
use serde::Serialize;

use crate::config::{Experiment, TaskSpec};
use crate::seed::hex_digest;
use crate::sweep::SweepPoint;

/// Bumped whenever training changes in a way that changes trained weights,
/// so that cached models of older code are not reused.
pub const TRAINING_VERSION: u32 = 1;

/// Bumped whenever evaluation changes in a way that changes results, so
/// that unit files of older code are computed again. (A changed probe bumps
/// its own version instead; see [`crate::ProbeKind::new`].)
pub const EVALUATION_VERSION: u32 = 3;

/// Everything a trained model's weights depend on but its seed: the data,
/// the classes, the training configuration and the training code's version.
#[derive(Debug, Clone, Serialize)]
pub struct ModelKey<'a> {
    /// [`TRAINING_VERSION`].
    pub version: u32,
    /// The data source's identity.
    pub data: String,
    /// The classes, in label order.
    pub classes: &'a [u8],
    /// The training parameters.
    pub training: &'a TrainParams,
}

impl<'a> ModelKey<'a> {
    /// The key of a task (its data, classes and training).
    pub fn of(spec: &'a TaskSpec) -> Self {
        Self {
            version: TRAINING_VERSION,
            data: spec.source.identity(),
            classes: &spec.classes,
            training: spec.training.params(),
        }
    }
}

/// The hash of a key: SHA-256 of its JSON.
pub fn key_hash<K: Serialize>(key: &K) -> String {
    hex_digest(&serde_json::to_string(key).expect("keys are plain data"))
}

/// Where the model of a (task, training configuration, seed) is cached.
pub fn model_path(out: &Path, spec: &TaskSpec, seed: u64) -> PathBuf {
    let t = spec.training.params();
    let folder = format!(
        "{}-{}-{}-e{}-{}",
        spec.dataset,
        spec.classes_label(),
        t.activation,
        t.epochs,
        &key_hash(&ModelKey::of(spec))[..12]
    );
    out.join("models").join(folder).join(format!("seed-{seed}.safetensors"))
}

/// Where the results of unit (task `t`, `seed`) are stored.
pub fn unit_path(out: &Path, exp: &Experiment, t: usize, seed: u64) -> PathBuf {
    let spec = &exp.tasks[t];
    out.join(&exp.name)
        .join("units")
        .join(format!("{t}-{}-{}-seed-{seed}.json", spec.dataset, spec.label))
}

/// What a unit's numbers depend on: its model's key (or, for a given model,
/// its hash, data and classes),
/// the evaluation and binarization versions, every sweep point with its
/// draws and the probe kinds and versions in it, and how perturbed networks
/// are evaluated when that is not mlprobe's default.
#[derive(Serialize)]
struct UnitKey {
    model: String,
    evaluation: u32,
    binarize: u32,
    points: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evaluated: Option<String>,
}

/// The fingerprint of a unit file: a stored unit is reused only when it matches.
pub fn unit_fingerprint(exp: &Experiment, spec: &TaskSpec, points: &[SweepPoint]) -> String {
    let model = match &exp.model {
        Some(given) => format!("given:{}:{}:{:?}", given.hash, spec.source.identity(), spec.classes),
        None => key_hash(&ModelKey::of(spec)),
    };
    key_hash(&UnitKey {
        model,
        evaluation: EVALUATION_VERSION,
        binarize: mlprobe_binarize::VERSION,
        points: points
            .iter()
            .map(|p| format!("{}#{}#{}", p.key(), p.draws, p.identity))
            .collect(),
        evaluated: (!spec.evaluation.is_default()).then(|| spec.evaluation.to_string()),
    })
}

/// Moves a damaged cache file aside (`<name>.damaged`), so that it is
/// recomputed and can still be inspected; says so on standard error.
pub fn set_aside(path: &Path, reason: &str) {
    let aside = path.with_file_name(format!(
        "{}.damaged",
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    match std::fs::rename(path, &aside) {
        Ok(()) => eprintln!(
            "warning: {}: {reason}; moved to {} and computed again",
            path.display(),
            aside.display()
        ),
        Err(e) => eprintln!("warning: {}: {reason} ({e}); computed again", path.display()),
    }
}
