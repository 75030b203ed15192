//! The reference scripts' evaluation beside mlprobe's, curve by curve, for
//! an experiment that sweeps `[evaluation]`.

use mlprobe_graph::Selection;
use mlprobe_runner::{Experiment, ExperimentRun};

use super::runs::{BaseTask, base_tasks, median};
use super::{Context, Rendered, Section};
use crate::claims::{Input, RowKey};
use crate::markdown::{Markdown, Table, num};

/// The paper's Fig. 1 window: the binarized easy MNIST network is back at
/// about 98 % once this fraction of its smallest weights is pruned.
const FIG1_WINDOW: std::ops::RangeInclusive<f64> = 0.35..=0.45;

/// A curve: `(probe, strategy, signed)` with its row indices.
type Curve = ((String, String, bool), Vec<usize>);

/// The section of an experiment that sweeps an `[evaluation]` key.
pub(super) struct ReferenceEvaluation;

impl Section for ReferenceEvaluation {
    fn applies(&self, (exp, run): Input<'_>) -> bool {
        exp.columns.iter().any(|c| c.starts_with("eval_")) && !run.units.is_empty()
    }

    fn render(&self, (exp, run): Input<'_>, _: &Context<'_, '_>, md: &mut Markdown) -> Rendered {
        // One statistics: the others are the fidelity section's.
        let first = exp.statistics.first().copied().unwrap_or_default();
        let bases: Vec<(BaseTask, Vec<usize>)> = (base_tasks(exp).into_iter())
            .map(|(b, ts)| {
                (
                    b,
                    ts.into_iter().filter(|&t| exp.tasks[t].statistics == first).collect(),
                )
            })
            .collect();
        let curves = curves(run);
        let arms: Vec<String> = (bases.first())
            .map(|(_, ts)| ts.iter().map(|&t| exp.tasks[t].arm_label()).collect())
            .unwrap_or_default();
        md.heading(
            2,
            &format!("The reference scripts' evaluation beside mlprobe's ({})", exp.name),
        );
        md.para(&format!(
            "The same trained models evaluated {} ways: {}. The first is mlprobe's (trained biases, training activation); the reference scripts evaluated with fresh biases throughout, and with ReLU in their MNIST sign-flip sweep only. For each curve: the median at its first level (e.g. nothing flipped or pruned) under mlprobe's evaluation, then for each other evaluation its median there and the largest change of any median along the curve, in points.",
            arms.len(),
            arms.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
        ));
        let (table, largest) = comparison(run, &bases, &curves, &arms);
        md.table(&table);
        fig1_window(exp, run, &bases, &curves, md);
        let summary: Vec<String> = (arms[1..].iter().zip(&largest))
            .map(|(a, (task, c, curve))| format!("`{a}` moves a median by at most {c:.1} points ({task}, {curve})"))
            .collect();
        md.para(&format!(
            "Largest effects: {}. A difference between mlprobe's curves and the paper's larger than an evaluation's largest change cannot come from that evaluation choice alone.",
            summary.join("; ")
        ));
        Ok(Vec::new())
    }
}

/// The curves of the run's rows, in order.
fn curves(run: &ExperimentRun) -> Vec<Curve> {
    let mut curves: Vec<Curve> = Vec::new();
    for (r, row) in run.units[0].rows.iter().enumerate().skip(1) {
        let key = (row.probe.clone(), row.strategy.clone(), row.signed);
        match curves.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(r),
            None => curves.push((key, vec![r])),
        }
    }
    curves
}

/// Per task and curve: mlprobe's median at the first level, and each other
/// evaluation's there with its largest change; and each evaluation's
/// largest change overall `(task, change, curve)`.
fn comparison(
    run: &ExperimentRun,
    bases: &[(BaseTask, Vec<usize>)],
    curves: &[Curve],
    arms: &[String],
) -> (Table, Vec<(String, f64, String)>) {
    let mut table = Table::new(
        ["task".to_string(), "curve".into(), "mlprobe at first level".into()]
            .into_iter()
            .chain(
                arms[1..]
                    .iter()
                    .map(|a| format!("{a}: at first level / largest change")),
            ),
    );
    let mut largest: Vec<(String, f64, String)> =
        vec![(String::new(), 0.0, String::new()); arms.len().saturating_sub(1)];
    for ((dataset, label, classes), ts) in bases {
        for ((probe, strategy, signed), rows) in curves {
            let name = format!("{probe} {strategy}{}", if *signed { " signed" } else { "" });
            let base: Vec<Option<f64>> = rows.iter().map(|&r| median(run, ts[0], r)).collect();
            let mut cells = vec![format!("{dataset} {label} {classes}"), name.clone(), num(base[0], 1)];
            for (k, &t) in ts.iter().enumerate().skip(1) {
                let other: Vec<Option<f64>> = rows.iter().map(|&r| median(run, t, r)).collect();
                let change = (base.iter().zip(&other))
                    .filter_map(|(a, b)| Some(((*b)? - (*a)?).abs()))
                    .reduce(f64::max);
                if let Some(c) = change
                    && c > largest[k - 1].1
                {
                    largest[k - 1] = (format!("{dataset} {label} {classes}"), c, name.clone());
                }
                cells.push(format!("{} / {}", num(other[0], 1), num(change, 1)));
            }
            table.row(cells);
        }
    }
    (table, largest)
}

/// The paper's Fig. 1 pruning window under every evaluation.
fn fig1_window(
    exp: &Experiment,
    run: &ExperimentRun,
    bases: &[(BaseTask, Vec<usize>)],
    curves: &[Curve],
    md: &mut Markdown,
) {
    let first = &run.units[0];
    let key = RowKey::of(mlprobe_prune::NAME)
        .strategy(Selection::Smallest.name())
        .signed(true);
    let window: Vec<usize> = (curves.iter())
        .flat_map(|(_, rows)| rows.iter().copied())
        .filter(|&r| key.matches(&first.rows[r]) && FIG1_WINDOW.contains(&first.rows[r].level))
        .collect();
    let Some((_, ts)) = bases.iter().find(|((d, l, _), _)| d == "mnist" && l == "easy") else {
        return;
    };
    if window.is_empty() {
        return;
    }
    let per_arm: Vec<String> = (ts.iter())
        .map(|&t| {
            let values: Vec<String> = window.iter().map(|&r| num(median(run, t, r), 1)).collect();
            format!("`{}` {}", exp.tasks[t].arm_label(), values.join(" / "))
        })
        .collect();
    let levels: Vec<String> = window.iter().map(|&r| first.rows[r].level.to_string()).collect();
    md.para(&format!(
        "The paper's Fig. 1 has the binarized easy MNIST network back at about 98 % once 35-45 % of its smallest weights are pruned. Median binarized accuracy here at p = {}: {}.",
        levels.join(" / "),
        per_arm.join("; ")
    ));
}
