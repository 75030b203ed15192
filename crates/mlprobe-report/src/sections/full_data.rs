//! Runs on full data folders beside the embedded runs of the same tasks.

use mlprobe_runner::{DataSource, Experiment, ExperimentRun, quantile};

use super::runs::{gaps, median, median_full, row, run_counts};
use super::{Context, Rendered, Section};
use crate::claims::{Input, RowKey};
use crate::markdown::{Markdown, Table, num};

const BINARIZED: RowKey = RowKey::of(mlprobe_binarize::NAME).strategy(mlprobe_binarize::UNSCALED);

/// The section of a run (without sweeps) on a data folder.
pub(super) struct FullData;

impl Section for FullData {
    fn applies(&self, (exp, run): Input<'_>) -> bool {
        exp.columns.is_empty()
            && exp.tasks.iter().any(|t| matches!(t.source, DataSource::Dir(_)))
            && row(run, |r| BINARIZED.matches(r)).is_some()
    }

    fn render(&self, (exp, run): Input<'_>, ctx: &Context<'_, '_>, md: &mut Markdown) -> Rendered {
        let bin = row(run, |r| BINARIZED.matches(r)).expect("applies");
        let mut table = Table::new(["task", "data", "full %", "binarized %", "gap", "run"]);
        for (t, spec) in exp.tasks.iter().enumerate() {
            let DataSource::Dir(dir) = &spec.source else { continue };
            let task = format!("{} {}", spec.label, spec.classes_label());
            table.row(
                [task.clone(), format!("full data (`{}`)", dir.display())]
                    .into_iter()
                    .chain(describe(exp, run, t, bin)),
            );
            // The same task on embedded data, in another run without sweeps.
            let embedded = ctx.all.iter().find_map(|&(e, r)| {
                let b = row(r, |x| BINARIZED.matches(x))?;
                let i = e.tasks.iter().position(|s| {
                    e.columns.is_empty()
                        && s.label == spec.label
                        && s.classes == spec.classes
                        && matches!(&s.source, DataSource::Embedded(em) if spec.dataset.starts_with(em.name()))
                })?;
                Some((e, r, i, b))
            });
            if let Some((e, r, i, b)) = embedded {
                table.row([task, "embedded subset".into()].into_iter().chain(describe(e, r, i, b)));
            }
        }
        md.heading(2, &format!("Full data beside the embedded subsets ({})", exp.name));
        md.para("Medians over trained seeds; gap = full - binarized (points).");
        md.table(&table);
        Ok(Vec::new())
    }
}

/// Full, binarized and gap medians of task `t` (binarized row `b`), and the run.
fn describe(exp: &Experiment, run: &ExperimentRun, t: usize, b: usize) -> [String; 4] {
    let (epochs, steps, train, test) = (run.units.iter().find(|u| u.task == t)).map_or((0, 0, 0, 0), |u| {
        let training = &exp.tasks[t].training;
        (
            training.epochs,
            training.adam_steps(u.train_images),
            u.train_images,
            u.test_images,
        )
    });
    let (n, total) = run_counts(run, t);
    [
        num(median_full(run, t), 1),
        num(median(run, t, b), 1),
        num(quantile(&gaps(run, t, b), 0.5), 1),
        format!(
            "{} ({n}/{total} trained; {epochs} epochs, {steps} steps, {train} train / {test} test images)",
            exp.name
        ),
    ]
}
