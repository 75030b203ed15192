//! Report sections for experiments that sweep a key or restrict probes to
//! layers: the gap against the training budget, the reference scripts'
//! evaluation beside mlprobe's, the gap layer by layer, and full-data runs
//! beside the embedded ones.

use std::fmt::Write;
use std::path::Path;

use mlprobe_core::RunStatus;
use mlprobe_runner::{DataSource, Experiment, ExperimentRun, Quartiles, Row, quantile};

use crate::claims::Input;
use crate::draw;
use crate::errors::ReportError;
use crate::panels::{LinePanel, Series};
use crate::{Figure, relative};

fn fmt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "-".into())
}

fn fmt_q(q: Option<Quartiles>) -> String {
    q.map(|q| format!("{:.1} [{:.1}, {:.1}]", q.median, q.q25, q.q75))
        .unwrap_or_else(|| "-".into())
}

/// The index of the first row of the run's units matching `pick`.
fn row(run: &ExperimentRun, pick: impl Fn(&Row) -> bool) -> Option<usize> {
    run.units.first()?.rows.iter().position(pick)
}

/// Per trained seed of task `t`: full accuracy minus the accuracy of row `r`.
fn gaps(run: &ExperimentRun, t: usize, r: usize) -> Vec<f64> {
    trained(run, t).map(|u| u.full - u.rows[r].accuracy).collect()
}

fn trained(run: &ExperimentRun, t: usize) -> impl Iterator<Item = &mlprobe_runner::UnitResult> {
    run.units
        .iter()
        .filter(move |u| u.task == t && u.status == RunStatus::Trained)
}

/// Median over trained seeds of task `t` of row `r`'s accuracy.
fn median(run: &ExperimentRun, t: usize, r: usize) -> Option<f64> {
    let v: Vec<f64> = trained(run, t).map(|u| u.rows[r].accuracy).collect();
    quantile(&v, 0.5)
}

/// A task without its arm: `(dataset, label, classes)`.
type BaseTask = (String, String, String);

/// A task's median binarization gap at each budget: `(Adam steps, median)`.
type GapCurve = Vec<(usize, Option<f64>)>;

/// The tasks of an experiment with their arms removed: `(dataset, label,
/// classes)` in order of first appearance, each with its task indices.
fn base_tasks(exp: &Experiment) -> Vec<(BaseTask, Vec<usize>)> {
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

/// The gaps against Adam steps of an experiment that sweeps the training budget.
fn budget(out: &Path, (exp, run): Input<'_>) -> Result<Option<(String, Vec<Figure>)>, ReportError> {
    if !exp.columns.iter().any(|c| c == "epochs") {
        return Ok(None);
    }
    let bin = row(run, |r| r.probe == "binarize" && r.strategy == "none");
    let shuffle = row(run, |r| r.probe == "randomize" && r.strategy == "B" && !r.signed);
    let steps_of = |t: usize| {
        run.units
            .iter()
            .find(|u| u.task == t)
            .map(|u| exp.tasks[t].training.adam_steps(u.train_images))
    };
    let bases = base_tasks(exp);
    let epochs: Vec<String> = {
        let mut e: Vec<String> = Vec::new();
        for spec in &exp.tasks {
            let v = spec.arm_value("epochs").unwrap_or_default().to_string();
            if !e.contains(&v) {
                e.push(v);
            }
        }
        e
    };
    let mut md = String::new();
    let mut figures = Vec::new();
    let _ = writeln!(md, "\n## Gap against the training budget ({})\n", exp.name);
    let _ = writeln!(
        md,
        "Every task trained for {} epochs ({} seeds each). Cells: median gap in points [25 %, 75 %] over trained seeds, with the Adam steps of that budget; `failed` counts runs below the failure threshold.\n",
        epochs.join(", "),
        run.summary.seeds.len()
    );
    let mut medians_by: Vec<(BaseTask, GapCurve)> = Vec::new();
    for (name, r) in [("binarization", bin), ("shuffle (B)", shuffle)] {
        let Some(r) = r else { continue };
        let _ = writeln!(md, "Full - {name} gap:\n");
        let _ = writeln!(
            md,
            "| task | {} |",
            epochs
                .iter()
                .map(|e| format!("{e} epochs"))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        let _ = writeln!(md, "|---|{}", "---|".repeat(epochs.len()));
        let mut series = Vec::new();
        for (i, ((dataset, label, classes), ts)) in bases.iter().enumerate() {
            let mut cells = Vec::new();
            let mut points = Vec::new();
            let mut meds = Vec::new();
            for &t in ts {
                let q = Quartiles::of(&gaps(run, t, r));
                let steps = steps_of(t).unwrap_or(0);
                let failed = run
                    .units
                    .iter()
                    .filter(|u| u.task == t && u.status == RunStatus::Failed)
                    .count();
                cells.push(format!(
                    "{} ({steps} steps{})",
                    fmt_q(q),
                    if failed > 0 {
                        format!(", {failed} failed")
                    } else {
                        String::new()
                    }
                ));
                if let Some(q) = q {
                    points.push((steps as f64, q));
                }
                meds.push((steps, q.map(|q| q.median)));
            }
            let _ = writeln!(md, "| {dataset} {label} {classes} | {} |", cells.join(" | "));
            series.push(Series {
                task: label.clone(),
                classes: format!("{dataset} {classes}"),
                task_index: i,
                signed: dataset.starts_with("fashion"),
                points,
            });
            if name == "binarization" {
                medians_by.push(((dataset.clone(), label.clone(), classes.clone()), meds));
            }
        }
        md.push('\n');
        let panel = LinePanel {
            experiment: exp.name.clone(),
            dataset: "all tasks".into(),
            probe: format!("{name} gap"),
            strategy: "vs steps".into(),
            x_label: "Adam steps (log scale)".into(),
            y_label: format!("full - {name} accuracy (points), median and 25-75 %"),
            log_x: true,
            dashed_label: String::new(),
            series,
        };
        let png = draw::line_panel(&panel, &out.join("figures"))?;
        figures.push(Figure {
            experiment: exp.name.clone(),
            caption: format!(
                "{name} gap against the number of Adam steps (log axis): easy blue, hard red, digit pairs in other colours; Fashion-MNIST dashed"
            ),
            png: relative(out, &png),
        });
    }
    // Is hard above easy at every budget, and where does each gap level off?
    let mut ordering = Vec::new();
    for ((dataset, label, _), meds) in &medians_by {
        if label != "easy" {
            continue;
        }
        let Some((_, hard)) = medians_by.iter().find(|((d, l, _), _)| d == dataset && l == "hard") else {
            continue;
        };
        let compared: Vec<(usize, f64, f64)> = meds
            .iter()
            .zip(hard)
            .filter_map(|((s, e), (_, h))| Some((*s, (*e)?, (*h)?)))
            .collect();
        let above = compared.iter().filter(|(_, e, h)| h > e).count();
        let margins: Vec<String> = compared.iter().map(|(_, e, h)| format!("{:+.1}", h - e)).collect();
        ordering.push(format!(
            "{dataset}: the hard task's gap is above the easy task's at {above} of {} budgets (hard - easy: {} points)",
            compared.len(),
            margins.join(", ")
        ));
    }
    if !ordering.is_empty() {
        let _ = writeln!(md, "Easy/hard ordering (binarization gap): {}.\n", ordering.join("; "));
    }
    let mut levelling = Vec::new();
    for ((dataset, label, classes), meds) in &medians_by {
        let known: Vec<(usize, f64)> = meds.iter().filter_map(|(s, m)| Some((*s, (*m)?))).collect();
        let Some(top) = known.iter().map(|(_, m)| *m).reduce(f64::max) else {
            continue;
        };
        if let Some((steps, _)) = known.iter().find(|(_, m)| *m >= 0.9 * top) {
            levelling.push(format!(
                "{dataset} {label} {classes} at {steps} steps (largest median {top:.1})"
            ));
        }
    }
    if !levelling.is_empty() {
        let _ = writeln!(
            md,
            "Where the binarization gap saturates (first budget reaching 90 % of its largest median): {}.\n",
            levelling.join("; ")
        );
    }
    Ok(Some((md, figures)))
}

/// The reference scripts' evaluation beside mlprobe's, curve by curve.
fn evaluation(exp: &Experiment, run: &ExperimentRun) -> Option<String> {
    if !exp.columns.iter().any(|c| c.starts_with("eval_")) {
        return None;
    }
    let first = run.units.first()?;
    let bases = base_tasks(exp);
    // Curves: (probe, strategy, signed) in order, with their row indices.
    let mut curves: Vec<((String, String, bool), Vec<usize>)> = Vec::new();
    for (r, row) in first.rows.iter().enumerate().skip(1) {
        let key = (row.probe.clone(), row.strategy.clone(), row.signed);
        match curves.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(r),
            None => curves.push((key, vec![r])),
        }
    }
    let arm_names: Vec<String> = bases
        .first()
        .map(|(_, ts)| ts.iter().map(|&t| exp.tasks[t].arm_label()).collect())
        .unwrap_or_default();
    let mut md = String::new();
    let _ = writeln!(
        md,
        "\n## The reference scripts' evaluation beside mlprobe's ({})\n",
        exp.name
    );
    let _ = writeln!(
        md,
        "The same trained models evaluated {} ways: {}. The first is mlprobe's (trained biases, training activation); the reference scripts evaluated with fresh biases throughout, and with ReLU in their MNIST sign-flip sweep only. For each curve: the median at its first level (e.g. nothing flipped or pruned) under mlprobe's evaluation, then for each other evaluation its median there and the largest change of any median along the curve, in points.\n",
        arm_names.len(),
        arm_names
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let others = arm_names.len().saturating_sub(1);
    let _ = writeln!(
        md,
        "| task | curve | mlprobe at first level | {} |",
        arm_names[1..]
            .iter()
            .map(|a| format!("{a}: at first level / largest change"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(md, "|---|---|---|{}", "---|".repeat(others));
    let mut largest: Vec<(String, f64, String)> = vec![(String::new(), 0.0, String::new()); others];
    for ((dataset, label, classes), ts) in &bases {
        for ((probe, strategy, signed), rows) in &curves {
            let base: Vec<Option<f64>> = rows.iter().map(|&r| median(run, ts[0], r)).collect();
            let mut cells = Vec::new();
            for (k, &t) in ts.iter().enumerate().skip(1) {
                let other: Vec<Option<f64>> = rows.iter().map(|&r| median(run, t, r)).collect();
                let change = base
                    .iter()
                    .zip(&other)
                    .filter_map(|(a, b)| Some(((*b)? - (*a)?).abs()))
                    .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d))));
                if let Some(c) = change
                    && c > largest[k - 1].1
                {
                    largest[k - 1] = (
                        format!("{dataset} {label} {classes}"),
                        c,
                        format!("{probe} {strategy}{}", if *signed { " signed" } else { "" }),
                    );
                }
                cells.push(format!("{} / {}", fmt(other[0]), fmt(change)));
            }
            let _ = writeln!(
                md,
                "| {dataset} {label} {classes} | {probe} {strategy}{} | {} | {} |",
                if *signed { " signed" } else { "" },
                fmt(base[0]),
                cells.join(" | ")
            );
        }
    }
    // The paper's Fig. 1 pruning claim: the binarized easy MNIST network
    // recovers to about 98 % once 35-45 % of its smallest weights are pruned.
    let window: Vec<usize> = curves
        .iter()
        .filter(|((p, s, signed), _)| p == "prune" && s == "smallest" && *signed)
        .flat_map(|(_, rows)| rows.iter().copied())
        .filter(|&r| (0.35..=0.45).contains(&first.rows[r].level))
        .collect();
    if let Some((_, ts)) = bases.iter().find(|((d, l, _), _)| d == "mnist" && l == "easy")
        && !window.is_empty()
    {
        let per_arm: Vec<String> = ts
            .iter()
            .map(|&t| {
                let values: Vec<String> = window.iter().map(|&r| fmt(median(run, t, r))).collect();
                format!("`{}` {}", exp.tasks[t].arm_label(), values.join(" / "))
            })
            .collect();
        let levels: Vec<String> = window.iter().map(|&r| first.rows[r].level.to_string()).collect();
        let _ = writeln!(
            md,
            "
The paper's Fig. 1 has the binarized easy MNIST network back at about 98 % once 35-45 % of its smallest weights are pruned. Median binarized accuracy here at p = {}: {}.",
            levels.join(" / "),
            per_arm.join("; ")
        );
    }
    let summary: Vec<String> = arm_names[1..]
        .iter()
        .zip(&largest)
        .map(|(a, (task, c, curve))| format!("`{a}` moves a median by at most {c:.1} points ({task}, {curve})"))
        .collect();
    let _ = writeln!(
        md,
        "\nLargest effects: {}. A difference between mlprobe's curves and the paper's larger than an evaluation's largest change cannot come from that evaluation choice alone.\n",
        summary.join("; ")
    );
    Some(md)
}

/// The layer sizes of task `t`'s networks, e.g. `784-64-2`.
fn network(run: &ExperimentRun, t: usize, spec: &mlprobe_runner::TaskSpec) -> String {
    let inputs = run.units.iter().find(|u| u.task == t).map_or(0, |u| u.inputs);
    let sizes = spec.training.sizes(inputs, spec.classes.len());
    sizes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join("-")
}

/// The gap layer by layer: whole network, first layer alone, last alone,
/// per task and architecture.
fn layers(exp: &Experiment, run: &ExperimentRun) -> Option<String> {
    let first = run.units.first()?;
    let restricted = |r: &Row| r.strategy.ends_with("first") || r.strategy.ends_with("last");
    if !first.rows.iter().any(|r| r.probe == "binarize" && restricted(r)) {
        return None;
    }
    let bin = |which: &str| row(run, |r| r.probe == "binarize" && r.strategy == which);
    let (all, first_only, last_only) = (bin("none"), bin("first"), bin("last"));
    let mut md = String::new();
    let _ = writeln!(md, "\n## The gap layer by layer ({})\n", exp.name);
    let _ = writeln!(
        md,
        "Binarization gap (full - binarized, points; median [25 %, 75 %] over trained seeds) with every layer binarized, the first layer alone, and the last layer alone (the other layers keep their trained weights and biases).\n"
    );
    let _ = writeln!(md, "| task | network | full % | all layers | first only | last only |");
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    let cell = |t: usize, r: Option<usize>| {
        r.map(|r| fmt_q(Quartiles::of(&gaps(run, t, r))))
            .unwrap_or_else(|| "-".into())
    };
    let med_gap = |t: usize, r: Option<usize>| r.and_then(|r| quantile(&gaps(run, t, r), 0.5));
    for (t, spec) in exp.tasks.iter().enumerate() {
        let full: Vec<f64> = trained(run, t).map(|u| u.full).collect();
        let _ = writeln!(
            md,
            "| {} {} {} | {} | {} | {} | {} | {} |",
            spec.dataset,
            spec.label,
            spec.classes_label(),
            network(run, t, spec),
            fmt(quantile(&full, 0.5)),
            cell(t, all),
            cell(t, first_only),
            cell(t, last_only)
        );
    }
    // Hard minus easy, per dataset and architecture, for each restriction.
    let mut lines = Vec::new();
    for (e, easy) in exp.tasks.iter().enumerate().filter(|(_, s)| s.label == "easy") {
        let Some(h) = exp
            .tasks
            .iter()
            .position(|s| s.label == "hard" && s.dataset == easy.dataset && s.arm == easy.arm)
        else {
            continue;
        };
        let diff = |r| Some(med_gap(h, r)? - med_gap(e, r)?);
        let (d_all, d_first, d_last) = (diff(all), diff(first_only), diff(last_only));
        let carried = match (d_first, d_last) {
            (Some(f), Some(l)) if f >= 2.0 * l.max(0.0) && f > 5.0 => "the first layer",
            (Some(f), Some(l)) if l >= 2.0 * f.max(0.0) && l > 5.0 => "the last layer",
            (Some(f), Some(l)) if f > 5.0 && l > 5.0 => "both layers",
            (Some(_), Some(_)) => "neither layer alone",
            _ => "unknown",
        };
        lines.push(format!(
            "{} {}: hard - easy gap {} (all), {} (first only), {} (last only): carried by {carried}",
            easy.dataset,
            network(run, e, easy),
            fmt(d_all),
            fmt(d_first),
            fmt(d_last)
        ));
    }
    if !lines.is_empty() {
        let _ = writeln!(md, "\nWhere the easy/hard difference lives (medians, points):\n");
        for l in lines {
            let _ = writeln!(md, "- {l}");
        }
        md.push('\n');
    }
    let prune: Vec<(usize, &Row)> = first
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.probe == "prune" && r.strategy.starts_with("smallest") && r.signed)
        .collect();
    if !prune.is_empty() {
        let _ = writeln!(
            md,
            "Binarized after pruning the smallest weights (median accuracy %, by layers pruned and binarized, and fraction pruned):\n"
        );
        let labels: Vec<String> = prune
            .iter()
            .map(|(_, r)| format!("{} {}", r.strategy, r.level))
            .collect();
        let _ = writeln!(md, "| task | network | {} |", labels.join(" | "));
        let _ = writeln!(md, "|---|---|{}", "---|".repeat(labels.len()));
        for (t, spec) in exp.tasks.iter().enumerate() {
            let cells: Vec<String> = prune.iter().map(|(r, _)| fmt(median(run, t, *r))).collect();
            let _ = writeln!(
                md,
                "| {} {} {} | {} | {} |",
                spec.dataset,
                spec.label,
                spec.classes_label(),
                network(run, t, spec),
                cells.join(" | ")
            );
        }
    }
    Some(md)
}

/// Runs on data folders beside the embedded runs of the same tasks.
fn full_data(inputs: &[Input<'_>]) -> Option<String> {
    let mut lines = Vec::new();
    for &(exp, run) in inputs {
        if !exp.columns.is_empty() || !exp.tasks.iter().any(|t| matches!(t.source, DataSource::Dir(_))) {
            continue;
        }
        let Some(bin) = row(run, |r| r.probe == "binarize" && r.strategy == "none") else {
            continue;
        };
        for (t, spec) in exp.tasks.iter().enumerate() {
            let DataSource::Dir(dir) = &spec.source else { continue };
            // The same task on embedded data, in another run without sweeps.
            let embedded = inputs.iter().find_map(|&(e, r)| {
                let b = row(r, |x| x.probe == "binarize" && x.strategy == "none")?;
                let i = e.tasks.iter().position(|s| {
                    e.columns.is_empty()
                        && s.label == spec.label
                        && s.classes == spec.classes
                        && matches!(&s.source, DataSource::Embedded(em) if spec.dataset.starts_with(em.name()))
                })?;
                Some((e, r, i, b))
            });
            let describe = |exp: &Experiment, run: &ExperimentRun, t: usize, b: usize| {
                let full: Vec<f64> = trained(run, t).map(|u| u.full).collect();
                let steps = run.units.iter().find(|u| u.task == t).map(|u| {
                    (
                        exp.tasks[t].training.adam_steps(u.train_images),
                        u.train_images,
                        u.test_images,
                    )
                });
                let (n, total) = (
                    trained(run, t).count(),
                    run.units.iter().filter(|u| u.task == t).count(),
                );
                format!(
                    "{} | {} | {} | {} ({n}/{total} trained; {} epochs, {} steps, {} train / {} test images)",
                    fmt(quantile(&full, 0.5)),
                    fmt(median(run, t, b)),
                    fmt(quantile(&gaps(run, t, b), 0.5)),
                    exp.name,
                    exp.tasks[t].training.epochs,
                    steps.map_or(0, |s| s.0),
                    steps.map_or(0, |s| s.1),
                    steps.map_or(0, |s| s.2)
                )
            };
            lines.push(format!(
                "| {} {} | full data (`{}`) | {} |",
                spec.label,
                spec.classes_label(),
                dir.display(),
                describe(exp, run, t, bin)
            ));
            if let Some((e, r, i, b)) = embedded {
                lines.push(format!(
                    "| {} {} | embedded subset | {} |",
                    spec.label,
                    spec.classes_label(),
                    describe(e, r, i, b)
                ));
            }
        }
    }
    if lines.is_empty() {
        return None;
    }
    let mut md = String::from("\n## Full data beside the embedded subsets\n\n");
    md.push_str("Medians over trained seeds; gap = full - binarized (points).\n\n");
    md.push_str("| task | data | full % | binarized % | gap | run |\n|---|---|---|---|---|---|\n");
    for l in lines {
        md.push_str(&l);
        md.push('\n');
    }
    Some(md)
}

/// The sections of this module for the runs at hand, with their figures.
pub fn sections(out: &Path, inputs: &[Input<'_>]) -> Result<(String, Vec<Figure>), ReportError> {
    let mut md = String::new();
    let mut figures = Vec::new();
    for &(exp, run) in inputs {
        if let Some((m, f)) = budget(out, (exp, run))? {
            md.push_str(&m);
            figures.extend(f);
        }
        if let Some(m) = evaluation(exp, run) {
            md.push_str(&m);
        }
        if let Some(m) = layers(exp, run) {
            md.push_str(&m);
        }
    }
    if let Some(m) = full_data(inputs) {
        md.push_str(&m);
    }
    Ok((md, figures))
}
