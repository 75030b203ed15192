//! The synthetic difficulty curve: the binarization gap against the
//! separation of two Gaussian classes.

use mlprobe_runner::{Quartiles, spearman};

use super::runs::{quartiles, row};
use super::{Context, Rendered, Section};
use crate::claims::{Input, RowKey};
use crate::draw;
use crate::errors::ReportError;
use crate::figure::Figure;
use crate::markdown::{Markdown, Table, num};
use crate::panels::{LinePanel, Series};

const BINARIZED: RowKey = RowKey::of(mlprobe_binarize::NAME).strategy(mlprobe_binarize::UNSCALED);

/// Spearman between separation and gap beyond which the trend is named.
const TREND: f64 = 0.3;

/// The section of a run whose tasks are all synthetic.
pub(super) struct Synthetic;

impl Section for Synthetic {
    fn applies(&self, (exp, _): Input<'_>) -> bool {
        !exp.tasks.is_empty() && exp.tasks.iter().all(|t| t.knob.is_some())
    }

    fn render(&self, input: Input<'_>, ctx: &Context<'_, '_>, md: &mut Markdown) -> Rendered {
        curve(input, ctx, md)
    }
}

/// The curve, its table and the trend.
fn curve((exp, run): Input<'_>, ctx: &Context<'_, '_>, md: &mut Markdown) -> Result<Vec<Figure>, ReportError> {
    let Some(bin_row) = row(run, |r| BINARIZED.matches(r)) else {
        return Ok(Vec::new());
    };
    let mut full = Vec::new();
    let mut bin = Vec::new();
    let mut table = Table::new(["separation", "full %", "binarized %", "gap, median [25 %, 75 %]"]);
    let (mut knobs, mut gaps) = (Vec::new(), Vec::new());
    for (t, spec) in exp.tasks.iter().enumerate() {
        let knob = spec.knob.expect("checked");
        let trained: Vec<_> = run.counted(t).collect();
        let f: Vec<f64> = trained.iter().map(|u| u.full).collect();
        let b: Vec<f64> = trained.iter().map(|u| u.rows[bin_row].accuracy).collect();
        let g: Vec<f64> = trained.iter().map(|u| u.full - u.rows[bin_row].accuracy).collect();
        for gap in &g {
            knobs.push(knob);
            gaps.push(*gap);
        }
        if let (Some(qf), Some(qb), Some(qg)) = (Quartiles::of(&f), Quartiles::of(&b), Quartiles::of(&g)) {
            full.push((knob, qf));
            bin.push((knob, qb));
            table.row([
                knob.to_string(),
                format!("{:.1}", qf.median),
                format!("{:.1}", qb.median),
                quartiles(Some(qg)),
            ]);
        }
    }
    let rho = spearman(&knobs, &gaps);
    let panel = LinePanel {
        experiment: exp.name.clone(),
        dataset: "synthetic".into(),
        probe: mlprobe_binarize::NAME.into(),
        strategy: "vs separation".into(),
        x_label: "separation of the class means (standard deviations)".into(),
        y_label: crate::panels::ACCURACY.into(),
        log_x: false,
        dashed_label: "signed".into(),
        series: vec![
            Series {
                task: "full".into(),
                classes: String::new(),
                task_index: 0,
                signed: false,
                points: full,
            },
            Series {
                task: "binarized".into(),
                classes: String::new(),
                task_index: 1,
                signed: true,
                points: bin,
            },
        ],
    };
    let png = draw::line_panel(&panel, &ctx.out.join("figures"))?;
    let caption = "synthetic tasks: full and binarized accuracy against the class separation (x axis: separation in standard deviations)".to_string();
    md.heading(2, &format!("Synthetic difficulty curve ({})", exp.name));
    let verdict = match rho {
        Some(r) if r <= -TREND => "the gap grows as the task gets harder (smaller separation)",
        Some(r) if r >= TREND => {
            "the gap shrinks as the task gets harder (smaller separation): it grows with separation"
        }
        Some(_) => "the gap shows no clear trend with difficulty",
        None => "no correlation could be computed",
    };
    md.para(&format!(
        "Spearman correlation between the separation of the two Gaussian classes (larger = easier) and the per-seed binarization gap: **{}** ({} runs): {verdict}.",
        num(rho, 3),
        gaps.len()
    ));
    md.table(&table);
    Ok(vec![Figure::new(ctx.out, &exp.name, caption, &png)])
}
