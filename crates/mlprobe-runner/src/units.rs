//! One unit (a task and a seed): its results from its unit file when that
//! fits, else computed (the model trained or loaded, every sweep point
//! evaluated) and stored atomically, so that a killed run resumes unit by unit.

use mlprobe_core::RunStatus;
use mlprobe_graph::{Evaluator, SweepEvaluator, WeightStack, probe_rng};
use mlprobe_tasks::Task;

use crate::config::{Experiment, UnitId};
use crate::errors::RunError;
use crate::evaluation::Evaluation;
use crate::output::{Row, UnitResult};
use crate::probes::SweepPoint;
use crate::seed::derive_seed;
use crate::store::{Store, UnitFile, unit_fingerprint};
use crate::sweep_eval::{LayerSimilarity, PointResult, evaluate_points_measured, incremental};
use crate::training::unit_model;

/// A unit's results: from its unit file if that fits, else computed
/// (training or loading the model) and stored atomically.
pub(crate) fn run_unit(
    exp: &Experiment,
    store: &Store,
    unit: UnitId,
    task: &Task,
    points: &[SweepPoint],
) -> Result<UnitResult, RunError> {
    let spec = &exp.tasks[unit.task];
    let fingerprint = unit_fingerprint(exp, spec, points);
    if let Some(file) = store.read_unit(exp, unit, &fingerprint, points)? {
        return Ok(unit_result(exp, unit, task, points, file, (false, false)));
    }
    let (net, trained_now) = unit_model(exp, store, unit, task)?;
    let eval = Evaluator::new(&task.test);
    let mut accuracies = vec![eval.accuracy(&net)];
    let mut measures = Vec::new();
    for (p, r) in points
        .iter()
        .zip(evaluate_unit(&net, &eval, points, unit.seed, spec.evaluation))
    {
        accuracies.push(r.accuracy);
        measures.extend(
            r.measures
                .into_iter()
                .map(|m| (format!("{} {}", p.key(), m.name), m.value)),
        );
    }
    let file = UnitFile::new(fingerprint, accuracies, measures);
    store.write_unit(exp, unit, &file)?;
    Ok(unit_result(exp, unit, task, points, file, (trained_now, true)))
}

/// Every sweep point on `net`, evaluated as `evaluation` says: mlprobe's
/// own way, incrementally; otherwise each perturbed network is prepared
/// (fresh biases drawn from a seed of the unit, the point and the draw)
/// and evaluated.
fn evaluate_unit(
    net: &WeightStack,
    eval: &Evaluator<'_>,
    points: &[SweepPoint],
    seed: u64,
    evaluation: Evaluation,
) -> Vec<PointResult> {
    let mut sweep = SweepEvaluator::new(eval.clone());
    let mut similarity = LayerSimilarity::new(eval, net);
    let measure = |p: &SweepPoint, seen: &WeightStack| match p.cka.is_empty() {
        true => Vec::new(),
        false => similarity.measure(p, seen),
    };
    if evaluation.is_default() {
        return evaluate_points_measured(net, points, seed, incremental(&mut sweep), measure);
    }
    let accuracy_of = |point: &SweepPoint, draw: usize, perturbed: &WeightStack| {
        let mut rng = probe_rng(derive_seed(&format!("{seed}/evaluation/{}/{draw}", point.key())));
        let seen = evaluation.prepare(perturbed, &mut rng);
        if evaluation.draws() {
            eval.accuracy(&seen)
        } else {
            sweep.accuracy(&seen, &point.lineage(draw))
        }
    };
    evaluate_points_measured(net, points, seed, accuracy_of, measure)
}

/// The results of `unit` from its file: one row per sweep point after the
/// unperturbed network's.
fn unit_result(
    exp: &Experiment,
    unit: UnitId,
    task: &Task,
    points: &[SweepPoint],
    file: UnitFile,
    (trained_now, computed_now): (bool, bool),
) -> UnitResult {
    let spec = &exp.tasks[unit.task];
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
        seed: unit.seed,
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
        task: unit.task,
        test_images: task.test.len(),
        train_images: task.train.len(),
        inputs: task.input_dim(),
        seed: unit.seed,
        full,
        status: RunStatus::from_accuracy(full, exp.failed_below),
        rows,
        measures: file.measures,
        trained_now,
        computed_now,
    }
}
