//! What the figures show: the rows of a run grouped into panels, with
//! quartiles over trained seeds.

use mlprobe_graph::Registry;
use mlprobe_runner::{Experiment, ExperimentRun, Quartiles};

/// The y axis of accuracy panels.
pub const ACCURACY: &str = "test accuracy (%), median and 25-75 %";

/// One line of a line panel: a task, full or signed.
#[derive(Debug, Clone)]
pub struct Series {
    /// Task label, e.g. `easy`.
    pub task: String,
    /// Classes, e.g. `0-7`.
    pub classes: String,
    /// Index of the task in the experiment (for its colour).
    pub task_index: usize,
    /// Binarized after the probe.
    pub signed: bool,
    /// `(level, quartiles over trained seeds)`, by level.
    pub points: Vec<(f64, Quartiles)>,
}

/// Accuracy against a swept level, one panel per dataset, probe and strategy.
#[derive(Debug, Clone)]
pub struct LinePanel {
    /// Experiment name.
    pub experiment: String,
    /// Dataset name.
    pub dataset: String,
    /// The `probe` column.
    pub probe: String,
    /// The `strategy` column.
    pub strategy: String,
    /// What the swept level means (the probe kind's label).
    pub x_label: String,
    /// What the y axis shows.
    pub y_label: String,
    /// Noise levels are drawn on a log axis.
    pub log_x: bool,
    /// What a dashed line means, added to its legend entry (`signed` in
    /// probe panels); empty for nothing.
    pub dashed_label: String,
    /// The lines.
    pub series: Vec<Series>,
}

impl LinePanel {
    /// The probe and its strategy, e.g. `prune smallest`; the probe alone
    /// when it has no strategy.
    pub fn name(&self) -> String {
        strategy_name(&self.probe, &self.strategy)
    }

    /// Whether any line is binarized after the probe.
    pub fn has_signed(&self) -> bool {
        self.series.iter().any(|s| s.signed)
    }
}

/// `probe strategy`, or `probe` alone when its strategy is `none`.
pub fn strategy_name(probe: &str, strategy: &str) -> String {
    if strategy == "none" {
        probe.to_string()
    } else {
        format!("{probe} {strategy}")
    }
}

/// The axis label of a swept level: the label of the swept stage's probe
/// kind (the first stage that takes a level and whose strategy is not a
/// fixed `strategy@level`), or `level`.
pub fn level_label(registry: &Registry, probe: &str, strategy: &str) -> String {
    probe
        .split('+')
        .zip(strategy.split('+'))
        .filter(|(_, s)| !s.contains('@'))
        .find_map(|(p, _)| registry.get(p).and_then(|k| k.level_label()))
        .unwrap_or("level")
        .to_string()
}

/// Boxes of one task and variant across the categories of a box panel.
#[derive(Debug, Clone)]
pub struct BoxSeries {
    /// Task label.
    pub task: String,
    /// Classes.
    pub classes: String,
    /// Index of the task in the experiment.
    pub task_index: usize,
    /// Binarized after the probe.
    pub signed: bool,
    /// Per category, the accuracies of the trained seeds (empty where the
    /// category has no such variant).
    pub values: Vec<Vec<f64>>,
}

/// Accuracies of single-level probes (e.g. the null models A-G) as box plots,
/// one panel per dataset and probe, with the trained network as the first category.
#[derive(Debug, Clone)]
pub struct BoxPanel {
    /// Experiment name.
    pub experiment: String,
    /// Dataset name.
    pub dataset: String,
    /// The `probe` column.
    pub probe: String,
    /// Category names: `full`, then the strategies.
    pub categories: Vec<String>,
    /// The boxes.
    pub series: Vec<BoxSeries>,
}

/// All panels of a run.
#[derive(Debug, Clone, Default)]
pub struct Panels {
    /// Line panels.
    pub lines: Vec<LinePanel>,
    /// Box panels.
    pub boxes: Vec<BoxPanel>,
}

/// The categories of a box panel: a strategy and its row indices each.
type Categories = Vec<(String, Vec<usize>)>;

/// Accuracies of row `r` over the counted seeds of task `t` (its trained ones by default).
pub(crate) fn column(run: &ExperimentRun, t: usize, r: usize) -> Vec<f64> {
    run.counted(t).map(|u| u.rows[r].accuracy).collect()
}

/// The box panel of a probe's single-level sweeps (`cats`: strategy and
/// row indices) on the tasks of one dataset.
fn box_panel(
    exp: &Experiment,
    run: &ExperimentRun,
    dataset: &str,
    tasks: &[usize],
    probe: String,
    cats: Categories,
) -> BoxPanel {
    let rows = &run.units[0].rows;
    let mut categories = vec!["full".to_string()];
    categories.extend(
        cats.iter()
            .map(|(s, _)| if s == "none" { probe.clone() } else { s.clone() }),
    );
    let mut series = Vec::new();
    for &t in tasks {
        for signed in [false, true] {
            let mut values = vec![if signed { Vec::new() } else { column(run, t, 0) }];
            for (_, idx) in &cats {
                values.push(
                    idx.iter()
                        .find(|&&r| rows[r].signed == signed)
                        .map(|&r| column(run, t, r))
                        .unwrap_or_default(),
                );
            }
            if values.iter().any(|v| !v.is_empty()) {
                series.push(BoxSeries {
                    task: exp.tasks[t].label.clone(),
                    classes: exp.tasks[t].classes_label(),
                    task_index: t,
                    signed,
                    values,
                });
            }
        }
    }
    BoxPanel {
        experiment: exp.name.clone(),
        dataset: dataset.to_string(),
        probe,
        categories,
        series,
    }
}

/// The layer sizes of task `t`'s networks in a run, e.g. `784-64-2`.
pub(crate) fn network(exp: &Experiment, run: &ExperimentRun, t: usize) -> String {
    let spec = &exp.tasks[t];
    let inputs = run.units.iter().find(|u| u.task == t).map_or(0, |u| u.inputs);
    spec.training.network_label(inputs, spec.classes.len())
}

/// Groups a run's rows into panels. Rows are identified by position (every
/// unit has the same rows in the same order); row 0 is the trained network.
pub fn panels(exp: &Experiment, run: &ExperimentRun) -> Panels {
    let Some(first) = run.units.first() else {
        return Panels::default();
    };
    let rows = &first.rows;
    // (probe, strategy) groups in order of first appearance, with their row indices.
    let mut groups: Vec<((String, String), Vec<usize>)> = Vec::new();
    for (r, row) in rows.iter().enumerate().skip(1) {
        let key = (row.probe.clone(), row.strategy.clone());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    let mut datasets: Vec<&str> = Vec::new();
    for t in &exp.tasks {
        if !datasets.contains(&t.dataset.as_str()) {
            datasets.push(&t.dataset);
        }
    }
    let mut out = Panels::default();
    for dataset in datasets {
        let tasks: Vec<usize> = (0..exp.tasks.len())
            .filter(|&t| exp.tasks[t].dataset == dataset)
            .collect();
        // Single-level groups, collected per probe for box panels.
        let mut box_groups: Vec<(String, Categories)> = Vec::new();
        for ((probe, strategy), idx) in &groups {
            let mut levels: Vec<f64> = idx.iter().map(|&r| rows[r].level).collect();
            levels.sort_by(f64::total_cmp);
            levels.dedup();
            if levels.len() <= 1 {
                match box_groups.iter_mut().find(|(p, _)| p == probe) {
                    Some((_, cats)) => cats.push((strategy.clone(), idx.clone())),
                    None => box_groups.push((probe.clone(), vec![(strategy.clone(), idx.clone())])),
                }
                continue;
            }
            let mut series = Vec::new();
            for &t in &tasks {
                for signed in [false, true] {
                    let points: Vec<(f64, Quartiles)> = idx
                        .iter()
                        .filter(|&&r| rows[r].signed == signed)
                        .filter_map(|&r| Quartiles::of(&column(run, t, r)).map(|q| (rows[r].level, q)))
                        .collect();
                    if !points.is_empty() {
                        series.push(Series {
                            task: exp.tasks[t].full_label(),
                            classes: exp.tasks[t].classes_label(),
                            task_index: t,
                            signed,
                            points,
                        });
                    }
                }
            }
            let positive = levels.iter().all(|l| *l > 0.0);
            let spread =
                levels.iter().cloned().fold(f64::MIN, f64::max) / levels.iter().cloned().fold(f64::MAX, f64::min);
            out.lines.push(LinePanel {
                experiment: exp.name.clone(),
                dataset: dataset.to_string(),
                probe: probe.clone(),
                strategy: strategy.clone(),
                x_label: level_label(&exp.registry, probe, strategy),
                y_label: ACCURACY.to_string(),
                log_x: positive && spread >= 100.0,
                dashed_label: "signed".into(),
                series,
            });
        }
        for (probe, cats) in box_groups {
            out.boxes.push(box_panel(exp, run, dataset, &tasks, probe, cats));
        }
    }
    out
}
