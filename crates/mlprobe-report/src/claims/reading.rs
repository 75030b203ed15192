//! Reading the runs for the claims: which run to judge, its easy and hard
//! tasks, and median accuracies and curves over trained seeds.

use mlprobe_runner::{Experiment, ExperimentRun, quantile};

use super::RowKey;
use crate::panels::column;

/// A run with its experiment.
pub type Input<'a> = (&'a Experiment, &'a ExperimentRun);

/// Median over trained seeds of task `t`'s accuracy in the first row of `key`.
pub(super) fn median(run: &ExperimentRun, t: usize, key: RowKey) -> Option<f64> {
    let r = run.units.first()?.rows.iter().position(|r| key.matches(r))?;
    quantile(&column(run, t, r), 0.5)
}

/// Median over trained seeds of task `t`'s unperturbed accuracy.
pub(super) fn full(run: &ExperimentRun, t: usize) -> Option<f64> {
    median(run, t, RowKey::of("none"))
}

/// The median curve `(level, median)` of task `t` over the rows of `key`.
pub(super) fn curve(run: &ExperimentRun, t: usize, key: RowKey) -> Vec<(f64, f64)> {
    let Some(first) = run.units.first() else {
        return Vec::new();
    };
    first
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| key.matches(r))
        .filter_map(|(i, r)| quantile(&column(run, t, i), 0.5).map(|m| (r.level, m)))
        .collect()
}

/// The point of highest median accuracy of a curve (the first on ties).
pub(super) fn best(c: &[(f64, f64)]) -> Option<(f64, f64)> {
    c.iter().copied().reduce(|a, b| if b.1 > a.1 { b } else { a })
}

/// The run with easy and hard tasks of one dataset that has the most rows
/// of `key`, then the most units (the first of those on ties), if any has one.
pub(super) fn find<'a>(inputs: &[Input<'a>], key: RowKey) -> Option<Input<'a>> {
    let matching = |run: &ExperimentRun| {
        let rows = run
            .units
            .first()
            .map_or(0, |u| u.rows.iter().filter(|r| key.matches(r)).count());
        (rows, if rows > 0 { run.evaluated } else { 0 })
    };
    inputs
        .iter()
        .copied()
        .filter(|(exp, run)| !pairs(exp).is_empty() && matching(run).0 > 0)
        .fold(None, |best: Option<Input<'a>>, x| match best {
            Some(b) if matching(b.1) >= matching(x.1) => Some(b),
            _ => Some(x),
        })
}

/// An easy and a hard task of one dataset.
pub(super) struct EasyHard {
    /// The dataset.
    pub dataset: String,
    /// Index of the easy task.
    pub easy: usize,
    /// Index of the hard task.
    pub hard: usize,
}

/// Every dataset with an easy and a hard task, in an experiment without
/// swept keys (a sweep has its own section).
pub(super) fn pairs(exp: &Experiment) -> Vec<EasyHard> {
    let mut out = Vec::new();
    if !exp.columns.is_empty() {
        return out;
    }
    for (e, easy) in exp.tasks.iter().enumerate().filter(|(_, t)| t.label == "easy") {
        if let Some(h) = exp
            .tasks
            .iter()
            .position(|t| t.label == "hard" && t.dataset == easy.dataset)
        {
            out.push(EasyHard {
                dataset: easy.dataset.clone(),
                easy: e,
                hard: h,
            });
        }
    }
    out
}
