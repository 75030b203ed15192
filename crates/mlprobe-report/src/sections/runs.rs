//! Reading one run for the sections: rows, counted seeds, medians, gaps,
//! and tasks without their arm.

use mlprobe_core::RunStatus;
use mlprobe_runner::{Experiment, ExperimentRun, Quartiles, Row, UnitResult, quantile};

/// `median [25 %, 75 %]`, or `-`.
pub(super) fn quartiles(q: Option<Quartiles>) -> String {
    q.map(|q| format!("{:.1} [{:.1}, {:.1}]", q.median, q.q25, q.q75))
        .unwrap_or_else(|| "-".into())
}

/// The index of the first row of the run's units matching `pick`.
pub(super) fn row(run: &ExperimentRun, pick: impl Fn(&Row) -> bool) -> Option<usize> {
    run.units.first()?.rows.iter().position(pick)
}

/// Per trained seed of task `t`: full accuracy minus the accuracy of row `r`.
pub(super) fn gaps(run: &ExperimentRun, t: usize, r: usize) -> Vec<f64> {
    counted(run, t).map(|u| u.full - u.rows[r].accuracy).collect()
}

/// `(trained, runs)` of task `t`, whatever its statistics count.
pub(super) fn run_counts(run: &ExperimentRun, t: usize) -> (usize, usize) {
    let mine = run.units.iter().filter(|u| u.task == t);
    let trained = mine.clone().filter(|u| u.status == RunStatus::Trained).count();
    (trained, mine.count())
}

/// The units of task `t` its statistics count (its trained ones by default).
pub(super) fn counted(run: &ExperimentRun, t: usize) -> impl Iterator<Item = &UnitResult> {
    run.counted(t)
}

/// Median over trained seeds of task `t` of row `r`'s accuracy.
pub(super) fn median(run: &ExperimentRun, t: usize, r: usize) -> Option<f64> {
    let v: Vec<f64> = counted(run, t).map(|u| u.rows[r].accuracy).collect();
    quantile(&v, 0.5)
}

/// Median unperturbed accuracy over trained seeds of task `t`.
pub(super) fn median_full(run: &ExperimentRun, t: usize) -> Option<f64> {
    let full: Vec<f64> = counted(run, t).map(|u| u.full).collect();
    quantile(&full, 0.5)
}

/// Task `t` of `exp` in tables and captions: `dataset label classes`.
pub(super) fn task_name(exp: &Experiment, t: usize) -> String {
    let s = &exp.tasks[t];
    format!("{} {} {}", s.dataset, s.label, s.classes_label())
}

/// A task without its arm: `(dataset, label, classes)`.
pub(super) type BaseTask = (String, String, String);

/// The tasks of an experiment with their arms removed, in order of first
/// appearance, each with its task indices.
pub(super) fn base_tasks(exp: &Experiment) -> Vec<(BaseTask, Vec<usize>)> {
    let mut out: Vec<(BaseTask, Vec<usize>)> = Vec::new();
    for (t, spec) in exp.tasks.iter().enumerate() {
        let key = (spec.dataset.clone(), spec.label.clone(), spec.classes_label());
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(t),
            None => out.push((key, vec![t])),
        }
    }
    out
}
