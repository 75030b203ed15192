//! The run folder: what a run keeps and reuses, under keys that decide when
//! it may. Trained models live under a key of everything their weights
//! depend on (`models/`), each unit's results under a fingerprint of
//! everything its numbers depend on (`<experiment>/units/`); every file is
//! written atomically, and a damaged one is set aside and computed again.

use std::path::{Path, PathBuf};

use mlprobe_core::{TrainParams, TrainedModel};
use mlprobe_graph::layers::layers_label;
use mlprobe_graph::store::{atomic_write, load_model, save_model};
use mlprobe_graph::{StoreError, WeightStack};
use serde::Serialize;

use crate::config::{Experiment, TaskSpec, UnitId};
use crate::errors::{RunError, error_chain};
use crate::probes::SweepPoint;
use crate::seed::hex_digest;

/// Bumped whenever training changes in a way that changes trained weights,
/// so that cached models of older code are not reused. 2: an MLP's first
/// layer on pixel inputs sums its non-zero pixels only (the same
/// arithmetic, another rounding order).
pub const TRAINING_VERSION: u32 = 2;

/// Bumped whenever evaluation changes in a way that changes results, so
/// that unit files of older code are computed again. (A changed probe bumps
/// its own version instead; see [`mlprobe_graph::ProbeKind::new`].)
pub const EVALUATION_VERSION: u32 = 3;

/// Everything a trained model's weights depend on but its seed: the data,
/// the classes, the training configuration and the training code's version.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ModelKey<'a> {
    version: u32,
    data: String,
    classes: &'a [u8],
    training: &'a TrainParams,
}

impl<'a> ModelKey<'a> {
    /// The key of a task (its data, classes and training).
    pub(crate) fn of(spec: &'a TaskSpec) -> Self {
        Self {
            version: TRAINING_VERSION,
            data: spec.source.identity(),
            classes: &spec.classes,
            training: spec.training.params(),
        }
    }

    /// SHA-256 of the key's JSON.
    pub(crate) fn hash(&self) -> String {
        key_hash(self)
    }
}

fn key_hash<K: Serialize>(key: &K) -> String {
    hex_digest(&serde_json::to_string(key).expect("keys are plain data"))
}

/// The metadata stored in a model file: its key, its seed and its training curve.
#[derive(Serialize)]
struct ModelMeta<'a> {
    seed: u64,
    #[serde(flatten)]
    key: ModelKey<'a>,
    epoch_loss: &'a [f32],
}

/// What a finished unit leaves on disk, so that a re-run skips it. Rows
/// are rebuilt from the sweep points.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct UnitFile {
    /// Hash of everything the unit's numbers depend on.
    fingerprint: String,
    /// Full accuracy, then one accuracy per sweep point.
    pub(crate) accuracies: Vec<f64>,
    /// Measurements of the perturbations.
    pub(crate) measures: Vec<(String, f64)>,
    /// SHA-256 of the fields above, so that a damaged file is recognised.
    #[serde(default)]
    checksum: String,
}

impl UnitFile {
    /// A unit file of these results, with its checksum.
    pub(crate) fn new(fingerprint: String, accuracies: Vec<f64>, measures: Vec<(String, f64)>) -> Self {
        let mut file = Self {
            fingerprint,
            accuracies,
            measures,
            checksum: String::new(),
        };
        file.checksum = file.sum();
        file
    }

    fn sum(&self) -> String {
        let body = (&self.fingerprint, &self.accuracies, &self.measures);
        hex_digest(&serde_json::to_string(&body).expect("plain data"))
    }

    /// Whether this file holds the results of a unit with this fingerprint
    /// over these sweep points (and the unperturbed network).
    fn fits(&self, fingerprint: &str, points: &[SweepPoint]) -> bool {
        self.fingerprint == fingerprint && self.accuracies.len() == points.len() + 1
    }
}

/// What a stored unit file turned out to be.
enum Stored {
    /// There is none (or one of a version without checksums: not trusted).
    Missing,
    /// It is not JSON, or fails its checksum.
    Damaged(String),
    /// It is whole (whether it fits the unit is another question).
    Whole(UnitFile),
}

/// The run folder (`--out`): where models and unit files are kept.
#[derive(Debug, Clone)]
pub struct Store {
    out: PathBuf,
}

impl Store {
    /// The run folder at `out`.
    pub fn new(out: impl Into<PathBuf>) -> Self {
        Self { out: out.into() }
    }

    /// Where experiment `exp` writes its outputs.
    pub fn experiment_dir(&self, exp: &Experiment) -> PathBuf {
        self.out.join(&exp.name)
    }

    /// Where the model of task `spec` trained with `seed` is cached.
    pub fn model_path(&self, spec: &TaskSpec, seed: u64) -> PathBuf {
        let t = spec.training.params();
        let folder = format!(
            "{}-{}-{}-e{}-{}",
            spec.dataset,
            spec.classes_label(),
            t.activation,
            t.epochs,
            &ModelKey::of(spec).hash()[..12]
        );
        self.out
            .join("models")
            .join(folder)
            .join(format!("seed-{seed}.safetensors"))
    }

    /// Where the results of `unit` of `exp` are stored.
    pub fn unit_path(&self, exp: &Experiment, unit: UnitId) -> PathBuf {
        let spec = &exp.tasks[unit.task];
        self.experiment_dir(exp).join("units").join(format!(
            "{}-{}-{}-seed-{}.json",
            unit.task, spec.dataset, spec.label, unit.seed
        ))
    }

    /// Whether `unit` of `exp` has a stored unit file that fits it over
    /// `points` (so that a run would read it back, not compute it). Looks
    /// only: a damaged file stays where it is.
    pub fn unit_is_done(&self, exp: &Experiment, unit: UnitId, points: &[SweepPoint]) -> bool {
        let fingerprint = unit_fingerprint(exp, &exp.tasks[unit.task], points);
        matches!(self.peek_unit(exp, unit), Ok(Stored::Whole(file)) if file.fits(&fingerprint, points))
    }

    fn peek_unit(&self, exp: &Experiment, unit: UnitId) -> Result<Stored, StoreError> {
        let path = self.unit_path(exp, unit);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Stored::Missing),
            Err(source) => return Err(StoreError::Io { path, source }),
        };
        Ok(match serde_json::from_slice::<UnitFile>(&bytes) {
            Err(e) => Stored::Damaged(e.to_string()),
            // Written by a version without checksums: recomputed, not trusted.
            Ok(file) if file.checksum.is_empty() => Stored::Missing,
            Ok(file) if file.checksum != file.sum() => Stored::Damaged("checksum mismatch".to_string()),
            Ok(file) => Stored::Whole(file),
        })
    }

    /// The stored results of `unit` if they fit `fingerprint` and `points`;
    /// `None` when missing or stale (results of other probes or code), and
    /// when damaged, after setting the file aside. An error only when the
    /// folder cannot be read.
    pub(crate) fn read_unit(
        &self,
        exp: &Experiment,
        unit: UnitId,
        fingerprint: &str,
        points: &[SweepPoint],
    ) -> Result<Option<UnitFile>, StoreError> {
        Ok(match self.peek_unit(exp, unit)? {
            Stored::Whole(file) if file.fits(fingerprint, points) => Some(file),
            Stored::Whole(_) | Stored::Missing => None,
            Stored::Damaged(reason) => {
                set_aside(&self.unit_path(exp, unit), &format!("damaged unit file ({reason})"));
                None
            }
        })
    }

    /// Stores the results of `unit` (atomically).
    pub(crate) fn write_unit(&self, exp: &Experiment, unit: UnitId, file: &UnitFile) -> Result<(), StoreError> {
        atomic_write(
            &self.unit_path(exp, unit),
            &serde_json::to_vec(file).expect("plain data"),
        )
    }

    /// The cached model of `spec` and `seed`, if present and valid; a
    /// damaged file, or one of another seed, is set aside.
    pub(crate) fn load_model(&self, spec: &TaskSpec, seed: u64) -> Result<Option<WeightStack>, RunError> {
        let path = &self.model_path(spec, seed);
        if !path.exists() {
            return Ok(None);
        }
        match load_model(path) {
            Ok((net, meta)) if meta["seed"] == seed => return Ok(Some(net)),
            Ok(_) => set_aside(path, "a model of another seed"),
            // A file that cannot be read is the folder's problem, not the cache's.
            Err(e @ StoreError::Io { .. }) => return Err(e.into()),
            Err(e) => set_aside(path, &format!("damaged model file ({})", error_chain(&e))),
        }
        Ok(None)
    }

    /// Stores a trained model of `spec` and `seed` with its metadata (atomically).
    pub(crate) fn save_model(&self, spec: &TaskSpec, seed: u64, model: &TrainedModel) -> Result<(), RunError> {
        let meta = ModelMeta {
            seed,
            key: ModelKey::of(spec),
            epoch_loss: &model.epoch_loss,
        };
        let meta = serde_json::to_value(&meta).expect("plain data");
        save_model(&self.model_path(spec, seed), &model.weights, &meta)?;
        Ok(())
    }
}

/// What a unit's numbers depend on: its model's key (or, for a given model,
/// its hash, data and classes), the evaluation and binarization versions,
/// every sweep point with its draws and the probe kinds and versions in it,
/// and how perturbed networks are evaluated when that is not mlprobe's default.
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
pub(crate) fn unit_fingerprint(exp: &Experiment, spec: &TaskSpec, points: &[SweepPoint]) -> String {
    let model = match &exp.model {
        Some(given) => format!("given:{}:{}:{:?}", given.hash, spec.source.identity(), spec.classes),
        None => ModelKey::of(spec).hash(),
    };
    key_hash(&UnitKey {
        model,
        evaluation: EVALUATION_VERSION,
        binarize: mlprobe_binarize::VERSION,
        points: points
            .iter()
            .map(|p| match p.cka.is_empty() {
                true => format!("{}#{}#{}", p.key(), p.draws, p.identity),
                false => format!("{}#{}#{}#cka:{}", p.key(), p.draws, p.identity, layers_label(&p.cka)),
            })
            .collect(),
        evaluated: (!spec.evaluation.is_default()).then(|| spec.evaluation.to_string()),
    })
}

/// Moves a damaged cache file aside (`<name>.damaged`), so that it is
/// recomputed and can still be inspected; says so on standard error.
fn set_aside(path: &Path, reason: &str) {
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
