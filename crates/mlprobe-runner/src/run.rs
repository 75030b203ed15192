//! Running an experiment: every (task, seed) unit in parallel, each trained
//! once (or loaded from the model cache) and evaluated on every sweep point.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use mlprobe_binarize::Binarize;
use mlprobe_core::store::{atomic_write, load_model, save_model};
use mlprobe_core::{Evaluator, Measure, Perturbation, RunStatus, SweepEvaluator, WeightStack, probe_rng, train};
use mlprobe_tasks::{Dataset, Task};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::complexity::{self, ComplexityMap};
use crate::config::{DataSource, Experiment, TaskSpec};
use crate::output::{Medians, Row, Summary, UnitResult, write_outputs};
use crate::probes::SweepPoint;
use crate::resonance::{self, Resonance};

/// Bumped whenever training changes in a way that changes trained weights,
/// so that cached models of older code are not reused.
pub const TRAINING_VERSION: u32 = 1;

/// Bumped whenever evaluation or the probes change in a way that changes
/// results, so that unit files of older code are computed again.
pub const EVALUATION_VERSION: u32 = 2;

/// How to run an experiment.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Output folder: the experiment writes into `out/<name>/`, models go to `out/models/`.
    pub out: PathBuf,
    /// Few seeds and coarse grids.
    pub quick: bool,
    /// Seeds per task, overriding the experiment file.
    pub seeds: Option<usize>,
    /// Draw a progress bar on the terminal.
    pub progress: bool,
}

/// The outcome of one experiment run.
#[derive(Debug, Clone)]
pub struct ExperimentRun {
    /// The experiment's folder.
    pub dir: PathBuf,
    /// Per-unit results, in (task, seed) order.
    pub units: Vec<UnitResult>,
    /// The summary written to `summary.json`.
    pub summary: Summary,
    /// The medians written to `medians.csv`.
    pub medians: Medians,
    /// The stochastic-resonance analysis (`resonance.json`), if the sweep adds
    /// noise to binarized networks.
    pub resonance: Option<Resonance>,
    /// The complexity map (`complexity_map.csv`), if the experiment has a `[map]` table.
    pub complexity: Option<ComplexityMap>,
    /// Units whose model was trained in this run.
    pub trained_now: usize,
    /// Units computed in this run (the rest were read from their unit files).
    pub computed_now: usize,
    /// Wall time of the run.
    pub wall: Duration,
}

/// A seed derived from text, stable across platforms and versions.
pub fn derive_seed(text: &str) -> u64 {
    let digest = Sha256::digest(text.as_bytes());
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// Loads the tasks of an experiment; each dataset is read once.
pub fn load_tasks(exp: &Experiment) -> anyhow::Result<Vec<Task>> {
    let mut dirs: HashMap<PathBuf, Dataset> = HashMap::new();
    exp.tasks
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let dataset: &Dataset = match &spec.source {
                DataSource::Synthetic(g) => {
                    let mut task = g.generate().with_context(|| format!("tasks[{i}].synthetic"))?;
                    task.dataset = spec.dataset.clone();
                    return Ok(task);
                }
                DataSource::Embedded(e) => e.load(),
                DataSource::Dir(dir) => {
                    if !dirs.contains_key(dir) {
                        let ds = Dataset::from_dir(dir).with_context(|| format!("tasks[{i}].data_dir"))?;
                        dirs.insert(dir.clone(), ds);
                    }
                    &dirs[dir]
                }
            };
            let mut task = Task::from_classes(dataset, &spec.classes)
                .with_context(|| format!("tasks[{i}] ({} {})", spec.dataset, spec.label))?;
            task.dataset = spec.dataset.clone();
            Ok(task)
        })
        .collect()
}

/// Where the model of a (task, training configuration, seed) is cached.
pub fn model_path(out: &Path, exp: &Experiment, spec: &TaskSpec, seed: u64) -> PathBuf {
    let key = serde_json::json!({
        "version": TRAINING_VERSION,
        "data": spec.source.identity(),
        "classes": spec.classes,
        "training": exp.training.params(),
    });
    let hash = format!("{:x}", Sha256::digest(key.to_string().as_bytes()));
    let t = exp.training.params();
    let folder = format!(
        "{}-{}-{}-e{}-{}",
        spec.dataset,
        spec.classes_label(),
        t.activation,
        t.epochs,
        &hash[..12]
    );
    out.join("models").join(folder).join(format!("seed-{seed}.mlpm"))
}

/// The trained model of a unit: from the cache if present and valid, else
/// trained now and cached (atomically). Returns the weights and whether it trained.
fn model_for(
    exp: &Experiment,
    spec: &TaskSpec,
    task: &Task,
    seed: u64,
    path: &Path,
) -> anyhow::Result<(WeightStack, bool)> {
    if path.exists() {
        match load_model(path) {
            Ok((net, meta)) if meta["seed"] == seed => return Ok((net, false)),
            Ok(_) => eprintln!("warning: {} belongs to another seed; training again", path.display()),
            Err(e) => eprintln!("warning: {e}; training again"),
        }
    }
    let model = train(task, &exp.training, seed)
        .with_context(|| format!("training {} {} seed {seed}", spec.dataset, spec.label))?;
    let meta = serde_json::json!({
        "seed": seed,
        "data": spec.source.identity(),
        "classes": spec.classes,
        "training": exp.training.params(),
        "training_version": TRAINING_VERSION,
        "epoch_loss": model.epoch_loss,
    });
    save_model(path, &model.weights, &meta)?;
    Ok((model.weights, true))
}

/// The outcome of one sweep point on one network.
#[derive(Debug, Clone, PartialEq)]
pub struct PointResult {
    /// Mean accuracy (%) over the point's draws.
    pub accuracy: f64,
    /// The perturbation's own measurements, each averaged over the draws.
    pub measures: Vec<Measure>,
}

/// Evaluates a network on every sweep point, averaging over each point's
/// draws. Draws are seeded by the unit's seed and the point
/// ([`SweepPoint::draw_seed`]), so a point's result does not depend on the
/// other points. Uses the incremental
/// [`SweepEvaluator`]; the accuracies equal [`evaluate_sweep_plain`]'s.
pub fn evaluate_sweep(net: &WeightStack, eval: &Evaluator<'_>, points: &[SweepPoint], seed: u64) -> Vec<PointResult> {
    evaluate_sweep_on(&mut SweepEvaluator::new(eval.clone()), net, points, seed)
}

/// As [`evaluate_sweep`], on a given [`SweepEvaluator`] (whose statistics
/// then tell how the networks were evaluated).
pub fn evaluate_sweep_on(
    sweep: &mut SweepEvaluator<'_>,
    net: &WeightStack,
    points: &[SweepPoint],
    seed: u64,
) -> Vec<PointResult> {
    evaluate_sweep_with(net, points, seed, |point, draw, perturbed| {
        sweep.accuracy(perturbed, &point.lineage(draw))
    })
}

/// As [`evaluate_sweep`], evaluating every perturbed network from scratch
/// with [`Evaluator::accuracy`]: the reference the fast path is tested and
/// benchmarked against.
pub fn evaluate_sweep_plain(
    net: &WeightStack,
    eval: &Evaluator<'_>,
    points: &[SweepPoint],
    seed: u64,
) -> Vec<PointResult> {
    evaluate_sweep_with(net, points, seed, |_, _, perturbed| eval.accuracy(perturbed))
}

/// As [`evaluate_sweep`], with any evaluation: `accuracy_of(point, draw,
/// perturbed network)`. Draws every point's perturbations (once for the
/// variants of a level that share them) and averages over each point's draws.
pub fn evaluate_sweep_with(
    net: &WeightStack,
    points: &[SweepPoint],
    seed: u64,
    mut accuracy_of: impl FnMut(&SweepPoint, usize, &WeightStack) -> f64,
) -> Vec<PointResult> {
    let mut drawn: Vec<(WeightStack, Vec<Measure>)> = Vec::new();
    let mut results = Vec::with_capacity(points.len());
    for (i, p) in points.iter().enumerate() {
        if i == 0 || !p.shares_draws_with(&points[i - 1]) {
            drawn = (0..p.draws)
                .map(|d| p.base.apply_measured(net, &mut probe_rng(p.draw_seed(seed, d))))
                .collect();
        }
        let mut accuracy = 0.0;
        let mut measures: Vec<Measure> = Vec::new();
        for (d, (base, m)) in drawn.iter().enumerate() {
            accuracy += if p.binarize_after {
                accuracy_of(p, d, &Binarize.apply(base, &mut probe_rng(0)))
            } else {
                accuracy_of(p, d, base)
            };
            for m in m {
                match measures.iter_mut().find(|x| x.name == m.name) {
                    Some(x) => x.value += m.value,
                    None => measures.push(m.clone()),
                }
            }
        }
        let n = p.draws as f64;
        measures.iter_mut().for_each(|m| m.value /= n);
        results.push(PointResult {
            accuracy: accuracy / n,
            measures,
        });
    }
    results
}

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
}

/// A hash of what a unit's results depend on: data, classes, training,
/// threshold, and every sweep point with its draws.
fn unit_fingerprint(exp: &Experiment, spec: &TaskSpec, points: &[SweepPoint]) -> String {
    let key = serde_json::json!({
        "version": TRAINING_VERSION,
        "evaluation": EVALUATION_VERSION,
        "data": spec.source.identity(),
        "classes": spec.classes,
        "training": exp.training.params(),
        "points": points.iter().map(|p| format!("{}#{}", p.key(), p.draws)).collect::<Vec<_>>(),
    });
    format!("{:x}", Sha256::digest(key.to_string().as_bytes()))
}

/// Where a unit's results are stored.
pub fn unit_path(out: &Path, exp: &Experiment, t: usize, seed: u64) -> PathBuf {
    let spec = &exp.tasks[t];
    out.join(&exp.name)
        .join("units")
        .join(format!("{t}-{}-{}-seed-{seed}.json", spec.dataset, spec.label))
}

fn unit_result(
    exp: &Experiment,
    t: usize,
    seed: u64,
    points: &[SweepPoint],
    file: UnitFile,
    (trained_now, computed_now): (bool, bool),
) -> UnitResult {
    let spec = &exp.tasks[t];
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
        seed,
        full,
        status: RunStatus::from_accuracy(full, exp.failed_below),
        rows,
        measures: file.measures,
        trained_now,
        computed_now,
    }
}

/// A unit's results: from its unit file if that matches, else computed
/// (training or loading the model) and stored atomically.
fn run_unit(
    exp: &Experiment,
    opts: &RunOptions,
    t: usize,
    task: &Task,
    seed: u64,
    points: &[SweepPoint],
) -> anyhow::Result<UnitResult> {
    let spec = &exp.tasks[t];
    let fingerprint = unit_fingerprint(exp, spec, points);
    let stored = unit_path(&opts.out, exp, t, seed);
    if let Ok(bytes) = std::fs::read(&stored)
        && let Ok(file) = serde_json::from_slice::<UnitFile>(&bytes)
        && file.fingerprint == fingerprint
        && file.accuracies.len() == points.len() + 1
    {
        return Ok(unit_result(exp, t, seed, points, file, (false, false)));
    }
    let (net, trained_now) = model_for(exp, spec, task, seed, &model_path(&opts.out, exp, spec, seed))?;
    let eval = Evaluator::new(&task.test);
    let mut accuracies = vec![eval.accuracy(&net)];
    let mut measures = Vec::new();
    for (p, r) in points.iter().zip(evaluate_sweep(&net, &eval, points, seed)) {
        accuracies.push(r.accuracy);
        measures.extend(
            r.measures
                .into_iter()
                .map(|m| (format!("{} {}", p.key(), m.name), m.value)),
        );
    }
    let file = UnitFile {
        fingerprint,
        accuracies,
        measures,
    };
    atomic_write(&stored, &serde_json::to_vec(&file)?)?;
    Ok(unit_result(exp, t, seed, points, file, (trained_now, true)))
}

/// Runs an experiment and writes its outputs into `opts.out/<name>/`.
///
/// Units run in parallel on rayon's pool; each model is cached as soon as it
/// is trained, so an interrupted run resumes where it stopped. If some units
/// fail, the others' models are kept and the error lists the failures.
pub fn run_experiment(exp: &Experiment, opts: &RunOptions) -> anyhow::Result<ExperimentRun> {
    run_experiment_with(exp, opts, &exp.sweep(opts.quick))
}

/// As [`run_experiment`], with the sweep points given instead of read from
/// the experiment's `[[probes]]` (e.g. a perturbation defined elsewhere).
pub fn run_experiment_with(
    exp: &Experiment,
    opts: &RunOptions,
    points: &[SweepPoint],
) -> anyhow::Result<ExperimentRun> {
    let start = Instant::now();
    let tasks = load_tasks(exp).with_context(|| format!("experiment {}", exp.name))?;
    let seeds = exp.seed_list(opts.quick, opts.seeds);
    let units: Vec<(usize, u64)> = (0..tasks.len())
        .flat_map(|t| seeds.iter().map(move |&s| (t, s)))
        .collect();

    let bar = if opts.progress {
        ProgressBar::new(units.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{prefix:>14} [{bar:32}] {pos}/{len} units  {elapsed} (ETA {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(exp.name.clone());

    let results: Vec<anyhow::Result<UnitResult>> = units
        .par_iter()
        .map(|&(t, seed)| {
            let r = run_unit(exp, opts, t, &tasks[t], seed, points);
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();

    let mut done = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(u) => done.push(u),
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    if !errors.is_empty() {
        anyhow::bail!(
            "experiment {}: {} of {} units failed (finished models are cached; a re-run resumes):\n  {}",
            exp.name,
            errors.len(),
            units.len(),
            errors.join("\n  ")
        );
    }

    let dir = opts.out.join(&exp.name);
    let rows: Vec<Row> = done.iter().flat_map(|u| u.rows.iter().cloned()).collect();
    let summary = Summary::new(exp, &seeds, &done);
    let medians = Medians::new(exp, &done);
    write_outputs(&dir, &rows, &medians, &summary).with_context(|| format!("writing into {}", dir.display()))?;
    let resonance = resonance::analyse(exp, &opts.out, &tasks, &done, points)?;
    if let Some(r) = &resonance {
        resonance::write(&dir, r)?;
    }
    let complexity = complexity::build(exp, &done).with_context(|| format!("experiment {}: [map]", exp.name))?;
    if let Some(map) = &complexity {
        complexity::write(&dir, map)?;
    }
    Ok(ExperimentRun {
        dir,
        trained_now: done.iter().filter(|u| u.trained_now).count(),
        computed_now: done.iter().filter(|u| u.computed_now).count(),
        units: done,
        summary,
        medians,
        resonance,
        complexity,
        wall: start.elapsed(),
    })
}
