//! Running an experiment: plan the (task, seed) units, compute them in
//! parallel (each trained or loaded, then evaluated, see [`crate::units`]),
//! then write the outputs and analyses.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::cache::model_path;
use crate::complexity::{self, ComplexityMap};
use crate::config::Experiment;
use crate::data::{TaskLoader, TaskPool};
use crate::errors::{InvalidKey, RunError, error_chain};
use crate::models::train_models;
use crate::output::{Medians, Row, Summary, UnitResult, write_outputs};
use crate::resonance::{self, Resonance};
use crate::sweep::SweepPoint;
use crate::units::{run_unit, unit_is_done};

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
    /// Of which training the models it lacked (in stacks, before any unit is evaluated).
    pub training: Duration,
}

/// Runs an experiment and writes its outputs into `opts.out/<name>/`.
///
/// Units run in parallel on rayon's pool; each model is cached as soon as it
/// is trained and each unit's results as soon as they are computed, so an
/// interrupted run resumes where it stopped. If some units fail, the others'
/// results are kept and the error lists the failures.
pub fn run_experiment(exp: &Experiment, opts: &RunOptions) -> Result<ExperimentRun, RunError> {
    run_experiment_with(exp, opts, &exp.sweep(opts.quick))
}

/// As [`run_experiment`], with the sweep points given instead of read from
/// the experiment's `[[probes]]` (e.g. points made by hand).
pub fn run_experiment_with(
    exp: &Experiment,
    opts: &RunOptions,
    points: &[SweepPoint],
) -> Result<ExperimentRun, RunError> {
    let start = Instant::now();
    let tasks = checked_tasks(exp, opts)?;
    let seeds = exp.seed_list(opts.quick, opts.seeds);
    let units = units_of(exp, &seeds, |_, _| true);
    let (done, training) = compute(exp, opts, &tasks, points, &units)?;

    let dir = opts.out.join(&exp.name);
    let rows: Vec<Row> = done.iter().flat_map(|u| u.rows.iter().cloned()).collect();
    let summary = Summary::new(exp, &seeds, &done);
    let medians = Medians::new(exp, &done);
    write_outputs(&dir, (&rows, &exp.columns), &medians, &summary)?;
    let resonance = resonance::analyse(exp, &opts.out, &tasks, &done, points)?;
    if let Some(r) = &resonance {
        resonance::write(&dir, r)?;
    }
    let complexity = complexity::build(exp, &done)?;
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
        training,
    })
}

/// What computing part of an experiment's units did (see [`run_units`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitsDone {
    /// Units asked for.
    pub units: usize,
    /// Units evaluated now (the rest were read from their unit files).
    pub computed_now: usize,
    /// Units whose model was trained now.
    pub trained_now: usize,
}

/// Computes and stores the units `(task, seed)` of the experiment for which
/// `keep` holds, writing no outputs: a shard's share of a run (see
/// [`crate::shard`]). A later [`run_experiment`] over the same folder reads
/// them back.
pub fn run_units(
    exp: &Experiment,
    opts: &RunOptions,
    keep: &(dyn Fn(usize, u64) -> bool + Sync),
) -> Result<UnitsDone, RunError> {
    let tasks = checked_tasks(exp, opts)?;
    let units = units_of(exp, &exp.seed_list(opts.quick, opts.seeds), keep);
    let (done, _) = compute(exp, opts, &tasks, &exp.sweep(opts.quick), &units)?;
    Ok(UnitsDone {
        units: done.len(),
        computed_now: done.iter().filter(|u| u.computed_now).count(),
        trained_now: done.iter().filter(|u| u.trained_now).count(),
    })
}

/// The units `(task, seed)` of the experiment in run order (task by task)
/// for which `keep` holds.
fn units_of(exp: &Experiment, seeds: &[u64], keep: impl Fn(usize, u64) -> bool) -> Vec<(usize, u64)> {
    (0..exp.tasks.len())
        .flat_map(|t| seeds.iter().map(move |&s| (t, s)))
        .filter(|&(t, s)| keep(t, s))
        .collect()
}

/// A loader of the experiment's tasks, once the run is checked against the
/// limits (the network of every task within the size limit).
fn checked_tasks<'e>(exp: &'e Experiment, opts: &RunOptions) -> Result<TaskLoader<'e>, RunError> {
    let limit = |invalid| RunError::Limit {
        experiment: exp.name.clone(),
        invalid,
    };
    exp.check_size(opts.quick, opts.seeds).map_err(limit)?;
    let tasks = TaskLoader::new(exp);
    for (t, spec) in exp.tasks.iter().enumerate() {
        let inputs = tasks.check(t)?;
        if exp.model.is_none() {
            spec.training.check_size(inputs, spec.classes.len()).map_err(|e| {
                limit(InvalidKey::new(
                    "training.hidden",
                    format!("{:?}", spec.training.hidden),
                    e.to_string(),
                ))
            })?;
        }
    }
    Ok(tasks)
}

/// Models trained together, at most this many per stack: the fastest size
/// per model-step in every run of `cargo xtask bench` (stacked training: 1,
/// 4, 8, 16 and 32 tried).
pub const STACK: usize = 4;

/// A progress bar of `len` `things` of experiment `name` (hidden unless `opts.progress`).
fn progress(opts: &RunOptions, name: &str, len: u64, things: &str) -> ProgressBar {
    let bar = if opts.progress {
        ProgressBar::new(len)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{prefix:>14}} [{{bar:32}}] {{pos}}/{{len}} {things}  {{elapsed}} (ETA {{eta}})"
        ))
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix(name.to_string());
    bar
}

/// Trains, in stacks of up to [`STACK`] seeds of one task, the models that
/// the given units need and the cache lacks (units already stored need
/// none), each once; returns the units for which a model was trained (one
/// per model). Stacks run in parallel.
fn train_missing(
    exp: &Experiment,
    opts: &RunOptions,
    tasks: &TaskLoader<'_>,
    points: &[SweepPoint],
    units: &[(usize, u64)],
) -> Result<HashSet<(usize, u64)>, RunError> {
    if exp.model.is_some() {
        return Ok(HashSet::new());
    }
    let mut missing: Vec<(usize, Vec<u64>)> = Vec::new();
    // Tasks that train alike (e.g. arms of an evaluation sweep) share a model: trained once.
    let mut wanted: HashSet<PathBuf> = HashSet::new();
    for &(t, seed) in units {
        let path = model_path(&opts.out, &exp.tasks[t], seed);
        // The model file is looked at first: a stat, where the unit file is read.
        if path.exists() || wanted.contains(&path) || unit_is_done(exp, &opts.out, t, seed, points) {
            continue;
        }
        wanted.insert(path);
        match missing.last_mut() {
            Some((last, seeds)) if *last == t => seeds.push(seed),
            _ => missing.push((t, vec![seed])),
        }
    }
    let stacks: Vec<(usize, &[u64])> = missing
        .iter()
        .flat_map(|(t, seeds)| seeds.chunks(STACK).map(move |c| (*t, c)))
        .collect();
    if stacks.is_empty() {
        return Ok(HashSet::new());
    }
    let bar = progress(
        opts,
        &exp.name,
        stacks.iter().map(|(_, s)| s.len() as u64).sum(),
        "models trained",
    );
    let pool = TaskPool::new(tasks, stacks.iter().map(|(t, _)| *t));
    let results: Vec<Result<(), RunError>> = stacks
        .par_iter()
        .map(|&(t, seeds)| {
            let r = pool
                .with(t, |task| train_models(&exp.tasks[t], task, seeds, &opts.out).map(drop))
                .and_then(|r| r);
            bar.inc(seeds.len() as u64);
            r
        })
        .collect();
    bar.finish_and_clear();
    all_or_failures(exp, units.len(), results)?;
    Ok(stacks
        .iter()
        .flat_map(|(t, seeds)| seeds.iter().map(move |&s| (*t, s)))
        .collect())
}

/// Computes (or reads back) the given units in parallel, with a progress
/// bar, after training the models they lack; if some fail, the others are
/// kept on disk and the error lists the failures. Returns the units and the
/// time spent training.
fn compute(
    exp: &Experiment,
    opts: &RunOptions,
    tasks: &TaskLoader<'_>,
    points: &[SweepPoint],
    units: &[(usize, u64)],
) -> Result<(Vec<UnitResult>, Duration), RunError> {
    let start = Instant::now();
    let trained = train_missing(exp, opts, tasks, points, units)?;
    let training = start.elapsed();
    let pool = TaskPool::new(tasks, units.iter().map(|&(t, _)| t));
    let bar = progress(opts, &exp.name, units.len() as u64, "units");
    let results: Vec<Result<UnitResult, RunError>> = units
        .par_iter()
        .map(|&(t, seed)| {
            let r = pool
                .with(t, |task| run_unit(exp, &opts.out, t, task, seed, points))
                .and_then(|r| r);
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();
    let mut done = all_or_failures(exp, units.len(), results)?;
    for u in &mut done {
        u.trained_now |= trained.contains(&(u.task, u.seed));
    }
    Ok((done, training))
}

/// The values of `results`, or, if any failed, the error that lists every
/// failure (among `total` units of the experiment).
fn all_or_failures<T>(exp: &Experiment, total: usize, results: Vec<Result<T, RunError>>) -> Result<Vec<T>, RunError> {
    let mut done = Vec::with_capacity(results.len());
    let mut failures = Vec::new();
    for r in results {
        match r {
            Ok(v) => done.push(v),
            Err(e) => failures.push(error_chain(&e)),
        }
    }
    if !failures.is_empty() {
        return Err(RunError::Units {
            experiment: exp.name.clone(),
            total,
            failures,
        });
    }
    Ok(done)
}
