//! Figures and `REPORT.md` for mlprobe runs.
//!
//! From the runs of one `cargo xtask reproduce`, [`write_report`] draws every
//! panel into `figures/` (PNG and SVG: curves as the median with a 25-75 %
//! band over seeds, easy and hard in two colours, signed dashed, noise on a
//! log axis; box plots for single-level probes such as the null models) and
//! writes `REPORT.md`: the set-up, the paper's claims checked against the
//! numbers, the sections of the experiments that have them, and every figure.
//! [`write_tensor_report`] does the same for a sweep of named tensors scored
//! by the caller's code.
//!
//! Modules, each using only those above it:
//! 1. `errors`, `markdown` (the builder and the one number format),
//!    `figure`, `panels`, `draw`: leaves;
//! 2. [`claims`]: one file per claim, listed once in [`claims::ALL`];
//! 3. `setup` and `sections` (one file per section, listed once), `tensors`
//!    (the report of a tensor sweep);
//! 4. this front door.

pub mod claims;
mod draw;
mod errors;
mod figure;
mod markdown;
mod panels;
mod sections;
mod setup;
mod tensors;

use std::path::{Path, PathBuf};

use mlprobe_graph::store::atomic_write;

pub use claims::{Claim, Finding, Input, Judgement, RowKey, Verdict};
pub use errors::ReportError;
pub use figure::Figure;
pub use markdown::{Markdown, Table};
pub use setup::{BURN_VERSION, Context, DEFAULT_TOLERANCE};
pub use tensors::write_tensor_report;

/// Draws every panel and resonance figure of the runs into `out/figures/`.
pub fn draw_figures(out: &Path, inputs: &[Input<'_>]) -> Result<Vec<Figure>, ReportError> {
    let dir = out.join("figures");
    let mut figures = Vec::new();
    for (exp, run) in inputs {
        // An experiment with swept keys draws its own figures (its sections).
        let p = if exp.columns.is_empty() {
            panels::panels(exp, run)
        } else {
            panels::Panels::default()
        };
        for panel in &p.boxes {
            let caption = format!(
                "{} on {}: accuracy over trained seeds, full and by strategy",
                panel.probe, panel.dataset
            );
            figures.push(Figure::new(out, &exp.name, caption, &draw::box_panel(panel, &dir)?));
        }
        for panel in &p.lines {
            let caption = format!(
                "{} on {}: median and 25-75 % band over trained seeds{}{}",
                panel.name(),
                panel.dataset,
                if panel.has_signed() { "; dashed = signed" } else { "" },
                if panel.log_x { "; log axis" } else { "" }
            );
            figures.push(Figure::new(out, &exp.name, caption, &draw::line_panel(panel, &dir)?));
        }
        if let Some(r) = &run.resonance {
            for (kind, png) in draw::resonance(&exp.name, r, &dir)? {
                let caption =
                    format!("stochastic resonance, {kind} noise: where the sign flips fall at the best level");
                figures.push(Figure::new(out, &exp.name, caption, &png));
            }
        }
    }
    Ok(figures)
}

/// What [`write_report`] wrote.
#[derive(Debug, Clone)]
pub struct Report {
    /// Path of `REPORT.md`.
    pub path: PathBuf,
    /// The claims as they stand in it.
    pub claims: Vec<Judgement>,
}

/// The claims: a verdict table of one line each, then each claim's numbers.
fn write_claims(claims: &[Judgement], md: &mut Markdown) {
    md.heading(2, "The paper's claims, measured");
    let mut table = Table::new(["#", "claim", "verdict", "deciding numbers"]);
    for (i, c) in claims.iter().enumerate() {
        table.row([
            (i + 1).to_string(),
            c.claim.to_string(),
            format!("**{}**", c.verdict.words()),
            c.measured.clone(),
        ]);
    }
    md.table(&table);
    for (i, c) in claims.iter().enumerate().filter(|(_, c)| !c.details.is_empty()) {
        md.heading(3, &format!("Claim {}: {}", i + 1, c.verdict.words()));
        md.table(&c.details);
    }
}

/// The report of one model trained elsewhere: its compression summary,
/// and why the paper's claims are not judged.
fn write_lead(inputs: &[Input<'_>], tolerance: f64, md: &mut Markdown) {
    use sections::compression::{Compression, legend, map_of, prune_grid, summarize, table};
    let map = map_of(inputs);
    for &(exp, run) in inputs.iter().filter(|&&input| Compression.quantizes(input)) {
        let summaries: Vec<_> = (0..exp.tasks.len())
            .map(|t| summarize(exp, run, t, tolerance, &map))
            .collect();
        md.heading(2, &format!("Compression summary ({})", exp.name));
        md.table(&table(&summaries));
        md.para(&legend(tolerance, &map, &prune_grid(run)));
    }
    md.para("The paper's claims compare networks of an easy and a hard task, so one model does not judge them; the sections below give its numbers.");
}

/// Draws the figures and writes `out/REPORT.md` (atomically).
pub fn write_report(out: &Path, inputs: &[Input<'_>], ctx: &Context) -> Result<Report, ReportError> {
    let mut figures = draw_figures(out, inputs)?;
    let mut md = Markdown::new();
    md.raw("# mlprobe report\n\n");
    md.para(&format!(
        "{} Every number below comes from the runs in this folder: `<experiment>/results.csv` has one row per evaluation, `<experiment>/summary.json` and `<experiment>/medians.csv` the statistics.",
        if inputs.iter().any(|(e, _)| e.model.is_some()) {
            "The probes of *Task complexity shapes internal representations and robustness in neural networks* (Jankowski et al., arXiv:2508.05463), run by mlprobe on a model trained elsewhere."
        } else {
            "Reproduction of *Task complexity shapes internal representations and robustness in neural networks* (Jankowski et al., arXiv:2508.05463) with mlprobe."
        }
    ));
    setup::write(inputs, ctx, &mut md);
    let claims = claims::judge_all(inputs);
    if inputs.iter().any(|(e, _)| e.model.is_some()) {
        write_lead(inputs, ctx.tolerance, &mut md);
    } else {
        write_claims(&claims, &mut md);
    }
    figures.extend(sections::render_all(out, inputs, ctx, &mut md)?);
    md.heading(2, "Figures");
    let mut current = None;
    for f in &figures {
        if current != Some(&f.experiment) {
            md.heading(3, &f.experiment);
            current = Some(&f.experiment);
        }
        md.figure(&f.caption, &f.png);
    }
    let path = out.join("REPORT.md");
    atomic_write(&path, md.into_string().as_bytes())?;
    Ok(Report { path, claims })
}
