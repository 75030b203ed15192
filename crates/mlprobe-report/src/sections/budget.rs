//! The binarization and shuffle gaps against the training budget, for an
//! experiment that sweeps `epochs`.

use mlprobe_core::RunStatus;
use mlprobe_randomize::NullModel;
use mlprobe_runner::{Experiment, ExperimentRun, Quartiles};

use super::runs::{BaseTask, base_tasks, gaps, quartiles, row};
use super::{Context, Rendered, Section};
use crate::claims::{Input, RowKey};
use crate::draw;
use crate::errors::ReportError;
use crate::figure::Figure;
use crate::markdown::{Markdown, Table, distinct};
use crate::panels::{LinePanel, Series};

/// A gap "saturates" at the first budget reaching this share of its largest median.
const SATURATION: f64 = 0.9;

/// A task's median gap at each budget: `(Adam steps, median)`.
type GapCurve = Vec<(usize, Option<f64>)>;

/// The section of an experiment that sweeps `epochs`.
pub(super) struct Budget;

impl Section for Budget {
    fn applies(&self, (exp, _): Input<'_>) -> bool {
        exp.columns.iter().any(|c| c == "epochs")
    }

    fn render(&self, (exp, run): Input<'_>, ctx: &Context<'_, '_>, md: &mut Markdown) -> Rendered {
        let binarized = RowKey::of(mlprobe_binarize::NAME).strategy(mlprobe_binarize::UNSCALED);
        let shuffled = RowKey::of(mlprobe_randomize::NAME)
            .strategy(NullModel::B.name())
            .signed(false);
        let epochs = distinct(
            exp.tasks
                .iter()
                .map(|s| s.arm_value("epochs").unwrap_or_default().to_string()),
        );
        md.heading(2, &format!("Gap against the training budget ({})", exp.name));
        md.para(&format!(
            "Every task trained for {} epochs ({} seeds each). Cells: median gap in points [25 %, 75 %] over trained seeds, with the Adam steps of that budget; `failed` counts runs below the failure threshold.",
            epochs.join(", "),
            run.summary.seeds.len()
        ));
        let mut figures = Vec::new();
        let mut medians = Vec::new();
        for (name, key) in [("binarization", binarized), ("shuffle (B)", shuffled)] {
            let Some(r) = row(run, |x| key.matches(x)) else {
                continue;
            };
            let (table, series, meds) = gap_table((exp, run), r, &epochs);
            md.para(&format!("Full - {name} gap:"));
            md.table(&table);
            figures.push(figure(ctx, exp, name, series)?);
            if name == "binarization" {
                medians = meds;
            }
        }
        summarise(&medians, md);
        Ok(figures)
    }
}

/// The table of one gap (task by budget), its curves, and each task's medians.
fn gap_table((exp, run): Input<'_>, r: usize, epochs: &[String]) -> (Table, Vec<Series>, Vec<(BaseTask, GapCurve)>) {
    let mut table = Table::new(std::iter::once("task".to_string()).chain(epochs.iter().map(|e| format!("{e} epochs"))));
    let (mut series, mut medians) = (Vec::new(), Vec::new());
    for (i, (base, ts)) in base_tasks(exp).into_iter().enumerate() {
        let (mut cells, mut points, mut meds) = (Vec::new(), Vec::new(), Vec::new());
        for &t in &ts {
            let q = Quartiles::of(&gaps(run, t, r));
            let steps = steps_of(exp, run, t);
            let failed = (run.units.iter())
                .filter(|u| u.task == t && u.status == RunStatus::Failed)
                .count();
            let failed = if failed > 0 {
                format!(", {failed} failed")
            } else {
                String::new()
            };
            cells.push(format!("{} ({steps} steps{failed})", quartiles(q)));
            if let Some(q) = q {
                points.push((steps as f64, q));
            }
            meds.push((steps, q.map(|q| q.median)));
        }
        let (dataset, label, classes) = &base;
        table.row(std::iter::once(format!("{dataset} {label} {classes}")).chain(cells));
        series.push(Series {
            task: label.clone(),
            classes: format!("{dataset} {classes}"),
            task_index: i,
            signed: dataset.starts_with("fashion"),
            points,
        });
        medians.push((base, meds));
    }
    (table, series, medians)
}

/// Adam steps of task `t`'s training.
fn steps_of(exp: &Experiment, run: &ExperimentRun, t: usize) -> usize {
    (run.units.iter().find(|u| u.task == t)).map_or(0, |u| exp.tasks[t].training.adam_steps(u.train_images))
}

/// The figure of one gap against Adam steps.
fn figure(ctx: &Context<'_, '_>, exp: &Experiment, name: &str, series: Vec<Series>) -> Result<Figure, ReportError> {
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
    let png = draw::line_panel(&panel, &ctx.out.join("figures"))?;
    Ok(Figure::new(
        ctx.out,
        &exp.name,
        format!(
            "{name} gap against the number of Adam steps (log axis): easy blue, hard red, digit pairs in other colours; Fashion-MNIST dashed"
        ),
        &png,
    ))
}

/// Whether hard stays above easy at every budget, and where each gap levels off.
fn summarise(medians: &[(BaseTask, GapCurve)], md: &mut Markdown) {
    let mut ordering = Vec::new();
    for ((dataset, _, _), meds) in medians.iter().filter(|((_, l, _), _)| l == "easy") {
        let Some((_, hard)) = medians.iter().find(|((d, l, _), _)| d == dataset && l == "hard") else {
            continue;
        };
        let compared: Vec<(f64, f64)> = (meds.iter().zip(hard))
            .filter_map(|((_, e), (_, h))| Some(((*e)?, (*h)?)))
            .collect();
        let above = compared.iter().filter(|(e, h)| h > e).count();
        let margins: Vec<String> = compared.iter().map(|(e, h)| format!("{:+.1}", h - e)).collect();
        ordering.push(format!(
            "{dataset}: the hard task's gap is above the easy task's at {above} of {} budgets (hard - easy: {} points)",
            compared.len(),
            margins.join(", ")
        ));
    }
    if !ordering.is_empty() {
        md.para(&format!(
            "Easy/hard ordering (binarization gap): {}.",
            ordering.join("; ")
        ));
    }
    let levelling: Vec<String> = (medians.iter())
        .filter_map(|((dataset, label, classes), meds)| {
            let known: Vec<(usize, f64)> = meds.iter().filter_map(|(s, m)| Some((*s, (*m)?))).collect();
            let top = known.iter().map(|(_, m)| *m).reduce(f64::max)?;
            let (steps, _) = known.iter().find(|(_, m)| *m >= SATURATION * top)?;
            Some(format!(
                "{dataset} {label} {classes} at {steps} steps (largest median {top:.1})"
            ))
        })
        .collect();
    if !levelling.is_empty() {
        md.para(&format!(
            "Where the binarization gap saturates (first budget reaching 90 % of its largest median): {}.",
            levelling.join("; ")
        ));
    }
}
