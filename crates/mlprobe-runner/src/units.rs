//! One (task, seed) unit: its results from its unit file when that matches,
//! else computed (the model trained or loaded, every sweep point evaluated)
//! and stored atomically, so that a killed run resumes unit by unit.

use std::path::Path;

use mlprobe_core::RunStatus;
use mlprobe_graph::store::atomic_write;
use mlprobe_graph::{Evaluator, StoreError, SweepEvaluator, WeightStack, probe_rng};
use mlprobe_tasks::Task;

use crate::cache::{set_aside, unit_fingerprint, unit_path};
use crate::config::Experiment;
use crate::errors::RunError;
use crate::evaluate::{PointResult, evaluate_sweep, evaluate_sweep_with};
use crate::evaluation::Evaluation;
use crate::models::unit_model;
use crate::output::{Row, UnitResult};
use crate::seed::{derive_seed, hex_digest};
use crate::sweep::SweepPoint;

/// What a finished unit leaves on disk (`<experiment>/units/*.json`), so
/// that a re-run skips it. Rows are rebuilt from the sweep points.
#[derive(serde::Serialize, serde::Deserialize)]
struct UnitFile {
    /// Hash of everything the unit's numbers depend on.
    fingerprint: String,
    /// Full accuracy, then one accuracy per sweep point.
    accuracies: Vec<f64>,
    /// Measurements of the perturbations.
    measures: Vec<(String, f64)>,
    /// SHA-256 of the fields above, so that a damaged file is recognised.
    #[serde(default)]
    checksum: String,
}

impl UnitFile {
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

/// A stored unit file: `Ok(None)` when there is none, `Ok(Err(reason))`
/// when it is damaged (not JSON, or failing its checksum), `Err` when it
/// cannot be read at all (a problem of the folder, not of the cache).
fn read_unit_file(path: &Path) -> Result<Result<Option<UnitFile>, String>, StoreError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ok(None)),
        Err(source) => {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let file: UnitFile = match serde_json::from_slice(&bytes) {
        Ok(file) => file,
        Err(e) => return Ok(Err(e.to_string())),
    };
    if file.checksum.is_empty() {
        // Written by a version without checksums: recomputed, not trusted.
        return Ok(Ok(None));
    }
    if file.checksum != file.sum() {
        return Ok(Err("checksum mismatch".to_string()));
    }
    Ok(Ok(Some(file)))
}

fn unit_result(
    exp: &Experiment,
    (t, task): (usize, &Task),
    seed: u64,
    points: &[SweepPoint],
    file: UnitFile,
    (trained_now, computed_now): (bool, bool),
) -> UnitResult {
    let spec = &exp.tasks[t];
    let extra: Vec<String> = exp
        .columns
        .iter()
        .map(|c| match c.as_str() {
            "steps" => spec.training.adam_steps(task.train.len()).to_string(),
            _ => spec.arm_value(c).unwrap_or_default().to_string(),
        })
        .collect();
    let row = |probe: &str, strategy: &str, level: f64, signed: bool, accuracy: f64| Row {
        dataset: spec.dataset.clone(),
        task: spec.label.clone(),
        classes: spec.classes_label(),
        seed,
        probe: probe.to_string(),
        strategy: strategy.to_string(),
        level,
        signed,
        accuracy,
        extra: extra.clone(),
    };
    let full = file.accuracies[0];
    let rows = std::iter::once(row("none", "none", 0.0, false, full))
        .chain(
            points
                .iter()
                .zip(&file.accuracies[1..])
                .map(|(p, &a)| row(&p.probe, &p.strategy, p.level, p.signed, a)),
        )
        .collect();
    UnitResult {
        task: t,
        test_images: task.test.len(),
        train_images: task.train.len(),
        inputs: task.input_dim(),
        seed,
        full,
        status: RunStatus::from_accuracy(full, exp.failed_below),
        rows,
        measures: file.measures,
        trained_now,
        computed_now,
    }
}

/// Whether unit (task `t`, `seed`) has a stored unit file under `out` that
/// matches its fingerprint (so that a run would read it back, not compute it).
pub fn unit_is_done(exp: &Experiment, out: &Path, t: usize, seed: u64, points: &[SweepPoint]) -> bool {
    let fingerprint = unit_fingerprint(exp, &exp.tasks[t], points);
    matches!(
        read_unit_file(&unit_path(out, exp, t, seed)),
        Ok(Ok(Some(file))) if file.fits(&fingerprint, points)
    )
}

/// Every sweep point on `net`, evaluated as `evaluation` says: mlprobe's
/// own way through [`evaluate_sweep`]; otherwise each perturbed network is
/// prepared (fresh biases drawn from a seed of the unit, the point and the
/// draw) and evaluated.
fn evaluate_unit(
    net: &WeightStack,
    eval: &Evaluator<'_>,
    points: &[SweepPoint],
    seed: u64,
    evaluation: Evaluation,
) -> Vec<PointResult> {
    if evaluation.is_default() {
        return evaluate_sweep(net, eval, points, seed);
    }
    let mut sweep = SweepEvaluator::new(eval.clone());
    evaluate_sweep_with(net, points, seed, |point, draw, perturbed| {
        let mut rng = probe_rng(derive_seed(&format!("{seed}/evaluation/{}/{draw}", point.key())));
        let seen = evaluation.prepare(perturbed, &mut rng);
        if evaluation.draws() {
            eval.accuracy(&seen)
        } else {
            sweep.accuracy(&seen, &point.lineage(draw))
        }
    })
}

/// A unit's results: from its unit file (under `out`) if that matches,
/// else computed (training or loading the model) and stored atomically.
pub fn run_unit(
    exp: &Experiment,
    out: &Path,
    t: usize,
    task: &Task,
    seed: u64,
    points: &[SweepPoint],
) -> Result<UnitResult, RunError> {
    let spec = &exp.tasks[t];
    let fingerprint = unit_fingerprint(exp, spec, points);
    let stored = unit_path(out, exp, t, seed);
    match read_unit_file(&stored)? {
        Ok(Some(file)) if file.fits(&fingerprint, points) => {
            return Ok(unit_result(exp, (t, task), seed, points, file, (false, false)));
        }
        // Missing, or stale (results of other probes or code): computed anew.
        Ok(_) => {}
        Err(reason) => set_aside(&stored, &format!("damaged unit file ({reason})")),
    }
    let (net, trained_now) = unit_model(exp, spec, task, seed, out)?;
    let eval = Evaluator::new(&task.test);
    let mut accuracies = vec![eval.accuracy(&net)];
    let mut measures = Vec::new();
    for (p, r) in points
        .iter()
        .zip(evaluate_unit(&net, &eval, points, seed, spec.evaluation))
    {
        accuracies.push(r.accuracy);
        measures.extend(
            r.measures
                .into_iter()
                .map(|m| (format!("{} {}", p.key(), m.name), m.value)),
        );
    }
    let mut file = UnitFile {
        fingerprint,
        accuracies,
        measures,
        checksum: String::new(),
    };
    file.checksum = file.sum();
    atomic_write(&stored, &serde_json::to_vec(&file).expect("plain data"))?;
    Ok(unit_result(exp, (t, task), seed, points, file, (trained_now, true)))
}
