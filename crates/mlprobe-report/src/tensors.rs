//! The report of a tensor sweep (a model its own code evaluates): what was
//! probed, the headline table, and one figure per probe and strategy with
//! a curve per target.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mlprobe_graph::Registry;
use mlprobe_graph::store::atomic_write;
use mlprobe_runner::{PointLabel, Quartiles, Row, TensorRun, TensorSweep, medians_table};

use crate::draw;
use crate::errors::ReportError;
use crate::markdown::{Markdown, Table, num};
use crate::panels::{LinePanel, Series, level_label};

/// Most lines of the medians table written into the report (the rest are in `medians.csv`).
const MAX_MEDIAN_LINES: usize = 60;

/// Draws the figures and writes `out/REPORT.md` (atomically); returns its path.
pub fn write_tensor_report(
    out: &Path,
    run: &TensorRun,
    sweep: &TensorSweep,
    registry: &Registry,
) -> Result<PathBuf, ReportError> {
    let mut md = Markdown::new();
    md.raw(&format!("# mlprobe tensor sweep: {}\n\n", sweep.name));
    md.para(&setup(run, sweep));
    md.heading(2, "Unperturbed and binarized");
    md.table(&headline(run));
    md.heading(2, "Median score per sweep point");
    match medians_table(&run.medians, MAX_MEDIAN_LINES) {
        Some(table) => md.raw(&format!("```\n{table}\n```\n\n")),
        None => md.para(&format!(
            "{} sweep points: see `{}/medians.csv`.",
            run.medians.lines.len(),
            sweep.name
        )),
    };
    let scale = Scale::of(&run.rows);
    md.heading(2, "Figures");
    for panel in panels(run, sweep, registry, scale) {
        let png = draw::line_panel(&panel, &out.join("figures"))?;
        let caption = format!(
            "{}: {} against its level, one curve per target (median and 25-75 % band over seeds{})",
            sweep.name,
            panel.name(),
            if scale.factor == 1.0 { "" } else { "; scores x 100" }
        );
        let relative = png.strip_prefix(out).unwrap_or(&png).to_path_buf();
        md.figure(&caption, &relative);
    }
    let path = out.join("REPORT.md");
    atomic_write(&path, md.into_string().as_bytes())?;
    Ok(path)
}

/// What was probed, how, and how long it took.
fn setup(run: &TensorRun, sweep: &TensorSweep) -> String {
    let tensors: Vec<String> = (sweep.tensors.iter())
        .map(|t| format!("`{}` {:?} ({})", t.name, t.shape, t.kind))
        .collect();
    format!(
        "Probes of `{}` on {} tensors, {}: {}. {} sweep points x {} seeds ({:?}); the score is the scorer's headline measure (the `accuracy` column of `{}/results.csv`, where each further measure has a column of its own). {} models scored in this run in {:.1} s, the others read back from an earlier run.",
        sweep.name,
        sweep.tensors.len(),
        match sweep.targets {
            mlprobe_runner::Targets::Each => "one at a time",
            mlprobe_runner::Targets::Together => "all together",
        },
        tensors.join(", "),
        sweep.points.len(),
        sweep.seeds.len(),
        sweep.seeds,
        sweep.name,
        run.scored_now,
        run.wall.as_secs_f64(),
    )
}

/// Per target: the unperturbed score and the binarized one (level 0 of a
/// signed point, e.g. the binarize probe), medians over seeds.
fn headline(run: &TensorRun) -> Table {
    let mut table = Table::new(["target", "unperturbed", "binarized (sign)"]);
    for (t, target) in run.targets.iter().enumerate() {
        let full = median_of(run, t, |(probe, ..)| probe == "none");
        let binarized = median_of(run, t, |(probe, _, level, signed)| {
            *signed && *level == 0.0 && probe != "none"
        });
        let name = if target.is_empty() { "all tensors" } else { target };
        table.row([name.to_string(), num(full, 4), num(binarized, 4)]);
    }
    table
}

/// The median over seeds of target `t` at the first point for which `pick` holds.
fn median_of(run: &TensorRun, t: usize, pick: impl Fn(&PointLabel) -> bool) -> Option<f64> {
    let (_, medians) = run.medians.lines.iter().find(|(label, _)| pick(label))?;
    medians[t]
}

/// How scores are drawn: as they are, or x 100 when they lie within [-1, 1]
/// (F1, CKA, cosine), on the report's percent axes.
#[derive(Debug, Clone, Copy)]
struct Scale {
    factor: f64,
}

impl Scale {
    fn of(rows: &[Row]) -> Self {
        let small = rows.iter().all(|r| r.accuracy.abs() <= 1.0);
        Self {
            factor: if small { 100.0 } else { 1.0 },
        }
    }
}

/// One panel per probe and strategy with more than one level.
fn panels(run: &TensorRun, sweep: &TensorSweep, registry: &Registry, scale: Scale) -> Vec<LinePanel> {
    let seeds = sweep.seeds.len().max(1);
    let per_unit = run.rows.len() / (run.targets.len() * seeds).max(1);
    let mut curves: BTreeMap<(String, String), Vec<Series>> = BTreeMap::new();
    for (t, target) in run.targets.iter().enumerate() {
        let unit_rows = |seed: usize| &run.rows[(t * seeds + seed) * per_unit..][..per_unit];
        let mut by_curve: BTreeMap<(String, String, bool), BTreeMap<u64, Vec<f64>>> = BTreeMap::new();
        for seed in 0..seeds {
            for r in unit_rows(seed).iter().filter(|r| r.probe != "none") {
                let key = (r.probe.clone(), r.strategy.clone(), r.signed);
                let level = by_curve.entry(key).or_default().entry(r.level.to_bits()).or_default();
                level.push(r.accuracy * scale.factor);
            }
        }
        for ((probe, strategy, signed), levels) in by_curve.into_iter().filter(|(_, l)| l.len() > 1) {
            let mut points: Vec<(f64, Quartiles)> = (levels.iter())
                .filter_map(|(l, v)| Some((f64::from_bits(*l), Quartiles::of(v)?)))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            curves.entry((probe, strategy)).or_default().push(Series {
                task: if target.is_empty() {
                    "all tensors".into()
                } else {
                    target.clone()
                },
                classes: String::new(),
                task_index: t,
                signed,
                points,
            });
        }
    }
    let y_label = match scale.factor == 1.0 {
        true => "score, median and 25-75 %".to_string(),
        false => "score x 100, median and 25-75 %".to_string(),
    };
    (curves.into_iter())
        .map(|((probe, strategy), series)| LinePanel {
            experiment: sweep.name.clone(),
            dataset: sweep.labels.task.clone(),
            x_label: level_label(registry, &probe, &strategy),
            log_x: false,
            y_label: y_label.clone(),
            dashed_label: "signed".into(),
            probe,
            strategy,
            series,
        })
        .collect()
}
