//! What a run writes: `results.csv` (one row per evaluation) and
//! `summary.json` (quartiles over the seeds its statistics count, trained
//! ones by default, per dataset and task).

use std::collections::BTreeMap;
use std::path::Path;

use mlprobe_core::RunStatus;
use mlprobe_graph::store::atomic_write;
use serde::Serialize;

use crate::config::Experiment;
use crate::errors::RunError;
use crate::stats::{Quartiles, Statistics};

/// The header of `results.csv`, fixed by the output contract.
pub const CSV_HEADER: &str = "dataset,task,classes,seed,probe,strategy,level,signed,accuracy";

/// One evaluation: a row of `results.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Dataset name.
    pub dataset: String,
    /// Task label (`easy`, `hard`, ...).
    pub task: String,
    /// Classes, e.g. `7-9`.
    pub classes: String,
    /// Training seed.
    pub seed: u64,
    /// `none`, `binarize`, ...
    pub probe: String,
    /// Strategy, `none` where the probe has none.
    pub strategy: String,
    /// Fraction or level, 0 where none.
    #[serde(serialize_with = "shortest")]
    pub level: f64,
    /// Binarized after the probe.
    pub signed: bool,
    /// Test accuracy in percent.
    #[serde(serialize_with = "shortest")]
    pub accuracy: f64,
    /// Values of the experiment's appended columns ([`crate::Experiment::columns`]).
    #[serde(skip)]
    pub extra: Vec<String>,
}

impl Row {
    /// The row as CSV fields: the nine columns of the contract, then the appended ones.
    pub(crate) fn fields(&self) -> Vec<String> {
        [
            self.dataset.clone(),
            self.task.clone(),
            self.classes.clone(),
            self.seed.to_string(),
            self.probe.clone(),
            self.strategy.clone(),
            self.level.to_string(),
            self.signed.to_string(),
            self.accuracy.to_string(),
        ]
        .into_iter()
        .chain(self.extra.iter().cloned())
        .collect()
    }
}

/// Writes a float in its shortest round-trip form (`0`, `0.5`, `97.5609756097561`).
fn shortest<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Everything one (task, seed) unit produced.
#[derive(Debug, Clone)]
pub struct UnitResult {
    /// Index into the experiment's tasks.
    pub task: usize,
    /// Test examples the accuracies are measured on.
    pub test_images: usize,
    /// Training examples of the task.
    pub train_images: usize,
    /// Inputs per example (the network's first layer size).
    pub inputs: usize,
    /// Training seed.
    pub seed: u64,
    /// Full-precision test accuracy in percent.
    pub full: f64,
    /// Trained or failed, by the experiment's threshold.
    pub status: RunStatus,
    /// Its rows, the full-precision one first.
    pub rows: Vec<Row>,
    /// Measurements of the perturbations, as `("<point key> <name>", value)`.
    pub measures: Vec<(String, f64)>,
    /// Whether the model was trained in this run (not loaded from the cache).
    pub trained_now: bool,
    /// Whether the unit was evaluated in this run (not read from its unit file).
    pub computed_now: bool,
}

impl UnitResult {
    /// Accuracy of the first row with this probe, level 0 and `signed`.
    pub fn accuracy_of(&self, probe: &str, signed: bool) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.probe == probe && r.signed == signed && r.level == 0.0)
            .map(|r| r.accuracy)
    }

    /// Accuracy of the network binarized whole (probe `binarize` on every layer).
    pub fn binarized(&self) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.probe == "binarize" && r.strategy == "none")
            .map(|r| r.accuracy)
    }
}

/// The units of task `t` that its statistics count (see
/// [`crate::TaskSpec::statistics`]), in the order given.
pub(crate) fn counted<'a>(
    exp: &'a Experiment,
    units: &'a [UnitResult],
    t: usize,
) -> impl Iterator<Item = &'a UnitResult> + 'a {
    let statistics = exp.tasks[t].statistics;
    (units.iter()).filter(move |u| u.task == t && statistics.counts(u.status))
}

/// Quartiles over the counted seeds of one task (the trained ones unless
/// its statistics say `all`).
#[derive(Debug, Clone, Serialize)]
pub struct TaskSummary {
    /// Classes, e.g. `7-9`.
    pub classes: String,
    /// The runs its quartiles are over (absent for the default, `trained`).
    #[serde(skip_serializing_if = "Statistics::is_trained")]
    pub statistics: Statistics,
    /// The task's values of the experiment's swept keys (absent without a sweep).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub arm: BTreeMap<String, String>,
    /// Adam steps of its training (given when a training key is swept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    /// Seeds run.
    pub runs: usize,
    /// Runs at or above the threshold.
    pub trained: usize,
    /// Runs below the threshold (left out of the statistics unless they are `all`).
    pub failed: usize,
    /// Full-precision accuracy (%).
    pub full: Option<Quartiles>,
    /// Binarized accuracy (%), if the experiment binarizes.
    pub binarized: Option<Quartiles>,
    /// Per-seed gap full - binarized (points).
    pub gap: Option<Quartiles>,
    /// Measurements of the perturbations over the counted seeds, e.g.
    /// `"randomize/G/0/false rewired_fraction"`.
    pub measures: BTreeMap<String, Quartiles>,
}

/// The content of `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Experiment name.
    pub experiment: String,
    /// What it shows.
    pub description: String,
    /// Training parameters.
    pub training: mlprobe_core::TrainParams,
    /// Seeds run per task.
    pub seeds: Vec<u64>,
    /// Failure threshold (%).
    pub failed_below: f64,
    /// dataset -> task label (with its arm's `key=value`s when swept) -> summary.
    pub results: BTreeMap<String, BTreeMap<String, TaskSummary>>,
}

impl Summary {
    /// Summarises the units of a run.
    pub(crate) fn new(exp: &Experiment, seeds: &[u64], units: &[UnitResult]) -> Self {
        let mut results: BTreeMap<String, BTreeMap<String, TaskSummary>> = BTreeMap::new();
        for (t, spec) in exp.tasks.iter().enumerate() {
            let mine: Vec<&UnitResult> = units.iter().filter(|u| u.task == t).collect();
            let trained = mine.iter().filter(|u| u.status == RunStatus::Trained).count();
            let counted: Vec<&UnitResult> = counted(exp, units, t).collect();
            let full: Vec<f64> = counted.iter().map(|u| u.full).collect();
            let bin: Vec<(f64, f64)> = counted
                .iter()
                .filter_map(|u| u.binarized().map(|b| (u.full, b)))
                .collect();
            let binarized: Vec<f64> = bin.iter().map(|(_, b)| *b).collect();
            let gap: Vec<f64> = bin.iter().map(|(f, b)| f - b).collect();
            let mut by_name: BTreeMap<String, Vec<f64>> = BTreeMap::new();
            for u in &counted {
                for (name, value) in &u.measures {
                    by_name.entry(name.clone()).or_default().push(*value);
                }
            }
            let measures = by_name
                .into_iter()
                .filter_map(|(k, v)| Quartiles::of(&v).map(|q| (k, q)))
                .collect();
            let steps = mine
                .first()
                .filter(|_| exp.columns.iter().any(|c| c == "steps"))
                .map(|u| spec.training.adam_steps(u.train_images));
            results.entry(spec.dataset.clone()).or_default().insert(
                spec.full_label(),
                TaskSummary {
                    classes: spec.classes_label(),
                    statistics: spec.statistics,
                    arm: spec.arm.iter().cloned().collect(),
                    steps,
                    runs: mine.len(),
                    trained,
                    failed: mine.len() - trained,
                    full: Quartiles::of(&full),
                    binarized: Quartiles::of(&binarized),
                    gap: Quartiles::of(&gap),
                    measures,
                },
            );
        }
        Self {
            experiment: exp.name.clone(),
            description: exp.description.clone(),
            training: exp.training.params().clone(),
            seeds: seeds.to_vec(),
            failed_below: exp.failed_below,
            results,
        }
    }
}

/// The `(probe, strategy, level, signed)` columns of a sweep point's rows.
pub type PointLabel = (String, String, f64, bool);

/// Median accuracy over the counted seeds of every sweep point, per task:
/// the content of `medians.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Medians {
    /// Column names of the tasks, `dataset/label`.
    pub tasks: Vec<String>,
    /// One line per point: `(probe, strategy, level, signed)` and a median per task
    /// (`None` where the task counts no seed).
    pub lines: Vec<(PointLabel, Vec<Option<f64>>)>,
}

impl Medians {
    /// Medians of the units' rows; rows are matched by position (every unit
    /// evaluates the same points in the same order).
    pub(crate) fn new(exp: &Experiment, units: &[UnitResult]) -> Self {
        let tasks = exp
            .tasks
            .iter()
            .map(|t| format!("{}/{}", t.dataset, t.full_label()))
            .collect();
        let Some(first) = units.first() else {
            return Self {
                tasks,
                lines: Vec::new(),
            };
        };
        let lines = first
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let medians = (0..exp.tasks.len())
                    .map(|t| {
                        let values: Vec<f64> = counted(exp, units, t).map(|u| u.rows[i].accuracy).collect();
                        crate::stats::quantile(&values, 0.5)
                    })
                    .collect();
                ((r.probe.clone(), r.strategy.clone(), r.level, r.signed), medians)
            })
            .collect();
        Self { tasks, lines }
    }

    /// The CSV text: `probe,strategy,level,signed,<task>...`, a median per
    /// task (empty where it counts no seed).
    pub(crate) fn csv(&self) -> Result<Vec<u8>, csv::Error> {
        let header = ["probe", "strategy", "level", "signed"]
            .into_iter()
            .map(str::to_string)
            .chain(self.tasks.iter().cloned());
        csv_records(std::iter::once(header.collect()).chain(self.lines.iter().map(
            |((probe, strategy, level, signed), medians)| {
                [probe.clone(), strategy.clone(), level.to_string(), signed.to_string()]
                    .into_iter()
                    .chain(medians.iter().map(|m| m.map(|v| v.to_string()).unwrap_or_default()))
                    .collect()
            },
        )))
    }
}

/// CSV text of records given as text, the first being the header.
pub fn csv_records(records: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for record in records {
        w.write_record(&record)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// The CSV text of the rows, header first: the contract's nine columns,
/// then the appended `columns`.
pub fn csv_text(rows: &[Row], columns: &[String]) -> Result<Vec<u8>, csv::Error> {
    let header: Vec<String> = CSV_HEADER
        .split(',')
        .map(str::to_string)
        .chain(columns.iter().cloned())
        .collect();
    csv_records(std::iter::once(header).chain(rows.iter().map(Row::fields)))
}

/// Writes CSV text, or says why it could not be encoded.
pub fn write_csv(path: &Path, text: Result<Vec<u8>, csv::Error>) -> Result<(), RunError> {
    let bytes = text.map_err(|e| RunError::Encode {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(atomic_write(path, &bytes)?)
}

/// Writes `results.csv`, `medians.csv` and `summary.json` into `dir`, each atomically.
pub fn write_outputs(
    dir: &Path,
    (rows, columns): (&[Row], &[String]),
    medians: &Medians,
    summary: &Summary,
) -> Result<(), RunError> {
    write_csv(&dir.join("results.csv"), csv_text(rows, columns))?;
    write_csv(&dir.join("medians.csv"), medians.csv())?;
    write_json(&dir.join("summary.json"), summary)
}

/// Writes `value` as pretty JSON with a final newline, atomically.
pub fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<(), RunError> {
    let mut json = serde_json::to_vec_pretty(value).map_err(|e| RunError::Encode {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    json.push(b'\n');
    Ok(atomic_write(path, &json)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_the_contract_header() {
        let row = Row {
            dataset: "mnist".into(),
            task: "hard".into(),
            classes: "7-9".into(),
            seed: 3,
            probe: "binarize".into(),
            strategy: "none".into(),
            level: 0.0,
            signed: true,
            accuracy: 51.5,
            extra: Vec::new(),
        };
        let text = String::from_utf8(csv_text(std::slice::from_ref(&row), &[]).unwrap()).unwrap();
        assert_eq!(
            text,
            format!("{CSV_HEADER}\nmnist,hard,7-9,3,binarize,none,0,true,51.5\n")
        );
        assert_eq!(
            String::from_utf8(csv_text(&[], &[]).unwrap()).unwrap(),
            format!("{CSV_HEADER}\n")
        );
        let swept = Row {
            extra: vec!["5".into(), "65".into()],
            ..row
        };
        let text = String::from_utf8(csv_text(&[swept], &["epochs".into(), "steps".into()]).unwrap()).unwrap();
        assert_eq!(
            text,
            format!("{CSV_HEADER},epochs,steps\nmnist,hard,7-9,3,binarize,none,0,true,51.5,5,65\n")
        );
    }
}
