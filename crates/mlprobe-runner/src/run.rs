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
    /// The experiment as its outputs summarise it ([`Experiment::summarised`]):
    /// the one run, with a task per `statistics` value when that is a list.
    pub experiment: Experiment,
    /// Per-unit results, in (task, seed) order of [`ExperimentRun::experiment`]'s
    /// tasks: a unit evaluated once appears once per `statistics` value.
    pub units: Vec<UnitResult>,
    /// Units evaluated or read back (each once, whatever the statistics).
    pub evaluated: usize,
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
    let resonance = resonance::analyse(exp, &store, &tasks, &done, points)?;
    let complexity = complexity::build(exp, &done)?;
    let (evaluated, trained_now, computed_now) = (
        done.len(),
        done.iter().filter(|u| u.trained_now).count(),
        done.iter().filter(|u| u.computed_now).count(),
    );
    let view = exp.summarised();
    let units = summarised_units(exp, done);
    let summary = Summary::new(&view, &seeds, &units);
    let medians = Medians::new(&view, &units);
    write_outputs(&dir, (&rows, &exp.columns), &medians, &summary)?;
    if let Some(r) = &resonance {
        resonance::write(&dir, r)?;
    }
    if let Some(map) = &complexity {
        complexity::write(&dir, map)?;
    }
    Ok(ExperimentRun {
        dir,
        experiment: view,
        units,
        evaluated,
        trained_now,
        computed_now,
        summary,
        medians,
        resonance,
        complexity,
        wall: start.elapsed(),
        training,
    })
}

impl ExperimentRun {
    /// The units of task `t` (of [`ExperimentRun::experiment`]) that its
    /// statistics count: its trained runs, or all of them.
    pub fn counted(&self, t: usize) -> impl Iterator<Item = &UnitResult> {
        crate::output::counted(&self.experiment, &self.units, t)
    }

    /// The rows of `results.csv`: every evaluated unit's, once.
    pub fn rows(&self) -> impl Iterator<Item = &Row> {
        let evaluated_tasks = self.experiment.tasks.len() / self.experiment.statistics.len().max(1);
        (self.units.iter())
            .filter(move |u| u.task < evaluated_tasks)
            .flat_map(|u| u.rows.iter())
    }
}

/// The evaluated units of `exp` as [`Experiment::summarised`] sees them:
/// once per `statistics` value, task `t` of the `k`-th value at index
/// `t + k * exp.tasks.len()`.
fn summarised_units(exp: &Experiment, done: Vec<UnitResult>) -> Vec<UnitResult> {
    if exp.statistics.len() < 2 {
        return done;
    }
    (0..exp.statistics.len())
        .flat_map(|k| {
            done.iter().map(move |u| UnitResult {
                task: u.task + k * exp.tasks.len(),
                ..u.clone()
            })
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use mlprobe_core::RunStatus;

    use super::*;
    use crate::stats::Statistics;

    /// A unit of task 0 with this full accuracy and one binarized row.
    fn unit(seed: u64, full: f64, binarized: f64) -> UnitResult {
        let row = |probe: &str, accuracy| Row {
            dataset: "mnist".into(),
            task: "hard".into(),
            classes: "7-9".into(),
            seed,
            probe: probe.into(),
            strategy: "none".into(),
            level: 0.0,
            signed: probe == "binarize",
            accuracy,
            extra: Vec::new(),
        };
        UnitResult {
            task: 0,
            test_images: 400,
            train_images: 1600,
            inputs: 784,
            seed,
            full,
            status: RunStatus::from_accuracy(full, 70.0),
            rows: vec![row("none", full), row("binarize", binarized)],
            measures: Vec::new(),
            trained_now: false,
            computed_now: false,
        }
    }

    #[test]
    fn a_list_of_statistics_summarises_the_same_units_each_way() {
        let text = "[training]\nhidden = [8]\nactivation = \"tanh\"\nepochs = 1\nbatch_size = 8\nlearning_rate = 0.01\n\
                    [runs]\nseeds = 3\nquick_seeds = 3\nstatistics = [\"trained\", \"all\"]\n\
                    [[tasks]]\nlabel = \"hard\"\ndataset = \"mnist\"\nclasses = [7, 9]\n[[probes]]\nprobe = \"binarize\"\n";
        let exp = Experiment::from_toml("t", text, Path::new("t.toml")).unwrap();
        let done = vec![unit(0, 98.0, 60.0), unit(1, 52.0, 52.0), unit(2, 96.0, 50.0)];
        let view = exp.summarised();
        let units = summarised_units(&exp, done);
        assert_eq!(units.len(), 6);
        let summary = Summary::new(&view, &[0, 1, 2], &units);
        let trained = &summary.results["mnist"]["hard statistics=trained"];
        let all = &summary.results["mnist"]["hard statistics=all"];
        assert_eq!((trained.trained, trained.failed), (2, 1));
        assert_eq!(
            (all.trained, all.failed),
            (2, 1),
            "the counts do not depend on the statistics"
        );
        assert_eq!(trained.full.unwrap().n, 2);
        assert_eq!(trained.full.unwrap().median, 97.0);
        assert_eq!(all.full.unwrap().n, 3);
        assert_eq!(all.full.unwrap().median, 96.0);
        assert_eq!(all.statistics, Statistics::All);
        let medians = Medians::new(&view, &units);
        assert_eq!(
            medians.tasks,
            ["mnist/hard statistics=trained", "mnist/hard statistics=all"]
        );
        assert_eq!(medians.lines[1].1, [Some(55.0), Some(52.0)]);
    }
}
