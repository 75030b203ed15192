//! Running an experiment: its units (task x seed) computed in parallel,
//! each trained or loaded, then evaluated (see [`crate::units`]), then the
//! outputs and analyses written.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::complexity::{self, ComplexityMap};
use crate::config::{Experiment, UnitId};
use crate::data::{TaskLoader, TaskPool};
use crate::errors::{InvalidKey, RunError, all_or_failures};
use crate::output::{Medians, Row, Summary, UnitResult, write_outputs};
use crate::probes::SweepPoint;
use crate::progress::Progress;
use crate::resonance::{self, Resonance};
use crate::store::Store;
use crate::training::train_missing;
use crate::units::run_unit;

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

impl RunOptions {
    /// The run folder.
    pub fn store(&self) -> Store {
        Store::new(&self.out)
    }
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
    let store = opts.store();
    let tasks = checked_tasks(exp, opts)?;
    let seeds = exp.seed_list(opts.quick, opts.seeds);
    let units = exp.units(&seeds);
    let (done, training) = compute(exp, opts, &tasks, points, &units)?;

    let dir = store.experiment_dir(exp);
    let rows: Vec<Row> = done.iter().flat_map(|u| u.rows.iter().cloned()).collect();
    let summary = Summary::new(exp, &seeds, &done);
    let medians = Medians::new(exp, &done);
    write_outputs(&dir, (&rows, &exp.columns), &medians, &summary)?;
    let resonance = resonance::analyse(exp, &store, &tasks, &done, points)?;
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

/// Computes and stores the units of the experiment for which `keep` holds,
/// writing no outputs: a shard's share of a run (see [`crate::partition`]).
/// A later [`run_experiment`] over the same folder reads them back.
pub fn run_units(
    exp: &Experiment,
    opts: &RunOptions,
    keep: &(dyn Fn(UnitId) -> bool + Sync),
) -> Result<UnitsDone, RunError> {
    let tasks = checked_tasks(exp, opts)?;
    let mut units = exp.units(&exp.seed_list(opts.quick, opts.seeds));
    units.retain(|&u| keep(u));
    let (done, _) = compute(exp, opts, &tasks, &exp.sweep(opts.quick), &units)?;
    Ok(UnitsDone {
        units: done.len(),
        computed_now: done.iter().filter(|u| u.computed_now).count(),
        trained_now: done.iter().filter(|u| u.trained_now).count(),
    })
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

/// Computes (or reads back) the given units in parallel, with a progress
/// bar, after training the models they lack; if some fail, the others are
/// kept on disk and the error lists the failures. Returns the units and the
/// time spent training.
fn compute(
    exp: &Experiment,
    opts: &RunOptions,
    tasks: &TaskLoader<'_>,
    points: &[SweepPoint],
    units: &[UnitId],
) -> Result<(Vec<UnitResult>, Duration), RunError> {
    let start = Instant::now();
    let store = opts.store();
    let progress = Progress::new(&exp.name, opts.progress);
    let trained = train_missing(exp, &store, &progress, tasks, points, units)?;
    let training = start.elapsed();
    let pool = TaskPool::new(tasks, units.iter().map(|u| u.task));
    let bar = progress.bar(units.len() as u64, "units");
    let results: Vec<Result<UnitResult, RunError>> = units
        .par_iter()
        .map(|&unit| {
            let r = pool
                .with(unit.task, |task| run_unit(exp, &store, unit, task, points))
                .and_then(|r| r);
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();
    let mut done = all_or_failures(&exp.name, units.len(), results)?;
    for u in &mut done {
        u.trained_now |= trained.contains(&UnitId {
            task: u.task,
            seed: u.seed,
        });
    }
    Ok((done, training))
}
