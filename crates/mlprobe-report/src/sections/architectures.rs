//! Beyond MLPs, for an experiment that sweeps `architecture`: the
//! binarization gap of each architecture on the easy and the hard tasks,
//! whether their contrast holds, the null models after pruning, and the
//! pruning curves of each architecture.

use mlprobe_runner::{Experiment, ExperimentRun, Quartiles, Row};

use super::runs::{counted, gaps, median, median_full, quartiles, row, run_counts, task_name};
use super::{Context, Rendered, Section};
use crate::claims::{Input, RowKey};
use crate::draw;
use crate::figure::Figure;
use crate::markdown::{Markdown, Table, distinct, num};
use crate::panels::{ACCURACY, LinePanel, Series, network};

/// The pruning level at which the null models are compared (the highest
/// the experiments prune before the null models in both grids).
const NULL_LEVEL: f64 = 0.9;

/// The null models after pruning, in the order they are shown.
const NULLS: [&str; 3] = ["A", "B", "E"];

/// The section of an experiment that sweeps `architecture`.
pub(super) struct Architectures;

impl Section for Architectures {
    fn applies(&self, (exp, _): Input<'_>) -> bool {
        exp.columns.iter().any(|c| c == "architecture")
    }

    fn render(&self, (exp, run): Input<'_>, ctx: &Context<'_, '_>, md: &mut Markdown) -> Rendered {
        md.heading(2, &format!("Beyond MLPs: the gap by architecture ({})", exp.name));
        let Some(binarized) = row(run, |r| {
            RowKey::of(mlprobe_binarize::NAME)
                .strategy(mlprobe_binarize::UNSCALED)
                .matches(r)
        }) else {
            return Ok(Vec::new());
        };
        gap_table(exp, run, binarized, md);
        contrast(exp, run, binarized, md);
        nulls(exp, run, md);
        pruning_figures(exp, run, ctx)
    }
}

/// The architecture of task `t` (`mlp`, `cnn`, `vit`).
fn architecture(exp: &Experiment, t: usize) -> &str {
    exp.tasks[t].arm_value("architecture").unwrap_or("mlp")
}

/// Each architecture's network, trained seeds, accuracy and gap per task.
fn gap_table(exp: &Experiment, run: &ExperimentRun, binarized: usize, md: &mut Markdown) {
    md.para("Binarization gap (full - binarized accuracy, points) of every network binarized whole, median [25 %, 75 %] over trained seeds; each architecture trained on its own budget (see `docs/methods.md`). The per-layer gaps (first layer alone, last layer alone) are in the next section.");
    let mut table = Table::new(["architecture", "task", "network", "trained", "full %", "binarized gap"]);
    for (t, _) in exp.tasks.iter().enumerate() {
        let seeds = run.units.iter().filter(|u| u.task == t).count();
        table.row([
            architecture(exp, t).to_string(),
            task_name(exp, t),
            network(exp, run, t),
            format!("{} of {seeds}", run_counts(run, t).0),
            num(median_full(run, t), 1),
            quartiles(Quartiles::of(&gaps(run, t, binarized))),
        ]);
    }
    md.table(&table);
}

/// The easy task of each hard one: same dataset, same architecture.
fn pairs(exp: &Experiment) -> Vec<(usize, usize)> {
    let tasks = &exp.tasks;
    (0..tasks.len())
        .filter(|&e| tasks[e].label == "easy")
        .filter_map(|e| {
            let h = (0..tasks.len()).find(|&h| {
                tasks[h].label == "hard" && tasks[h].dataset == tasks[e].dataset && tasks[h].arm == tasks[e].arm
            })?;
            Some((e, h))
        })
        .collect()
}

/// Whether the hard task's gap exceeds the easy task's, architecture by
/// architecture and dataset by dataset.
fn contrast(exp: &Experiment, run: &ExperimentRun, binarized: usize, md: &mut Markdown) {
    let med = |t: usize| Quartiles::of(&gaps(run, t, binarized)).map(|q| q.median);
    let mut lines = Vec::new();
    let mut held = (0, 0);
    for (e, h) in pairs(exp) {
        let (Some(easy), Some(hard)) = (med(e), med(h)) else {
            continue;
        };
        held.1 += 1;
        let verdict = if hard > easy {
            held.0 += 1;
            "holds"
        } else {
            "does not hold"
        };
        lines.push(format!(
            "{} on {}: easy gap {easy:.1}, hard gap {hard:.1} (hard - easy {:+.1} points): the contrast {verdict}",
            architecture(exp, e),
            exp.tasks[e].dataset,
            hard - easy
        ));
    }
    if lines.is_empty() {
        return;
    }
    md.para(&format!(
        "Does the easy/hard contrast hold? In {} of {} architecture-dataset pairs the hard task's median gap is the larger:",
        held.0, held.1
    ));
    for l in &lines {
        md.item(l);
    }
    md.raw("\n");
}

/// Whether `r` is the smallest-pruning point `level`, full precision, after
/// null model `null` (`None`: pruning alone).
fn pruned_at(r: &Row, level: f64, null: Option<&str>) -> bool {
    let probe = mlprobe_prune::NAME;
    let level_ok = (r.level - level).abs() < 1e-12 && !r.signed;
    match null {
        None => level_ok && r.probe == probe && r.strategy == "smallest",
        Some(n) => {
            level_ok
                && r.probe == format!("{probe}+{}", mlprobe_randomize::NAME)
                && r.strategy == format!("smallest+{n}")
        }
    }
}

/// Accuracy after pruning the smallest weights and each null model.
fn nulls(exp: &Experiment, run: &ExperimentRun, md: &mut Markdown) {
    let Some(pruned) = row(run, |r| pruned_at(r, NULL_LEVEL, None)) else {
        return;
    };
    let nulls: Vec<Option<usize>> = NULLS
        .iter()
        .map(|n| row(run, |r| pruned_at(r, NULL_LEVEL, Some(n))))
        .collect();
    md.para(&format!(
        "Null models after pruning the smallest {:.0} % of the weights (median accuracy %, full precision): A shuffles the surviving weights anywhere, B keeps every weight's sign and node, E keeps each node's weights. `B keeps` is B's accuracy above chance as a share of the pruned network's.",
        NULL_LEVEL * 100.0
    ));
    let header = ["architecture", "task", "pruned"]
        .into_iter()
        .map(String::from)
        .chain(NULLS.iter().map(|n| format!("+ {n}")))
        .chain(std::iter::once("B keeps".to_string()));
    let mut table = Table::new(header);
    for t in 0..exp.tasks.len() {
        let chance = 100.0 / exp.tasks[t].classes.len() as f64;
        let p = median(run, t, pruned);
        let b = nulls[1].and_then(|r| median(run, t, r));
        let share = match (p, b) {
            (Some(p), Some(b)) if p > chance => Some(100.0 * (b - chance) / (p - chance)),
            _ => None,
        };
        table.row(
            [architecture(exp, t).to_string(), task_name(exp, t), num(p, 1)]
                .into_iter()
                .chain(nulls.iter().map(|r| num(r.and_then(|r| median(run, t, r)), 1)))
                .chain(std::iter::once(share.map_or("-".into(), |s| format!("{s:.0} %")))),
        );
    }
    md.table(&table);
}

/// One figure per architecture and dataset: accuracy against the fraction
/// of the smallest weights pruned, easy and hard, full and signed.
fn pruning_figures(exp: &Experiment, run: &ExperimentRun, ctx: &Context<'_, '_>) -> Rendered {
    let Some(first) = run.units.first() else {
        return Ok(Vec::new());
    };
    let curve = |t: usize, signed: bool| -> Vec<(f64, Quartiles)> {
        (first.rows.iter().enumerate())
            .filter(|(_, r)| r.probe == mlprobe_prune::NAME && r.strategy == "smallest" && r.signed == signed)
            .filter_map(|(i, r)| {
                let v: Vec<f64> = counted(run, t).map(|u| u.rows[i].accuracy).collect();
                Some((r.level, Quartiles::of(&v)?))
            })
            .collect()
    };
    let mut figures = Vec::new();
    let kinds = distinct((0..exp.tasks.len()).map(|t| architecture(exp, t).to_string()));
    let datasets = distinct(exp.tasks.iter().map(|s| s.dataset.clone()));
    for kind in &kinds {
        for dataset in &datasets {
            let tasks =
                (0..exp.tasks.len()).filter(|&t| architecture(exp, t) == kind && &exp.tasks[t].dataset == dataset);
            let series: Vec<Series> = tasks
                .flat_map(|t| {
                    [false, true].map(|signed| Series {
                        task: exp.tasks[t].label.clone(),
                        classes: exp.tasks[t].classes_label(),
                        task_index: t,
                        signed,
                        points: curve(t, signed),
                    })
                })
                .filter(|s| !s.points.is_empty())
                .collect();
            if series.is_empty() {
                continue;
            }
            let panel = LinePanel {
                experiment: exp.name.clone(),
                dataset: format!("{dataset} {kind}"),
                probe: mlprobe_prune::NAME.into(),
                strategy: "smallest".into(),
                x_label: "fraction of the smallest weights pruned".into(),
                y_label: ACCURACY.into(),
                log_x: false,
                dashed_label: "signed".into(),
                series,
            };
            let png = draw::line_panel(&panel, &ctx.out.join("figures"))?;
            let caption = format!(
                "{kind} on {dataset}: pruning the smallest weights, median and 25-75 % band over trained seeds; easy blue, hard red; dashed = signed"
            );
            figures.push(Figure::new(ctx.out, &exp.name, caption, &png));
        }
    }
    Ok(figures)
}
