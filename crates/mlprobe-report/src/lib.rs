//! Figures and `REPORT.md` for mlprobe runs.
//!
//! From the runs of one `cargo xtask reproduce`, [`write_report`] draws every
//! panel into `figures/` (PNG and SVG: curves as the median with a 25-75 %
//! band over seeds, easy and hard in two colours, signed dashed, noise on a
//! log axis; box plots for single-level probes such as the null models) and
//! writes `REPORT.md`: the set-up, the paper's claims checked against the
//! numbers, and every figure.

pub mod claims;
pub mod draw;
pub mod errors;
pub mod panels;
pub mod sections;
pub mod sweeps;

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mlprobe_graph::store::atomic_write;

pub use claims::{CLAIMS, Claim, Input, Verdict, claims};
pub use errors::ReportError;

/// The burn release mlprobe is built on (pinned in the workspace manifest).
pub const BURN_VERSION: &str = "0.22.1";

/// Facts about the invocation, for the set-up section.
#[derive(Debug, Clone)]
pub struct Context {
    /// The command that was run.
    pub command: String,
    /// Worker threads.
    pub threads: usize,
    /// `rustc --version`, if known.
    pub rustc: String,
    /// Wall time of all experiments.
    pub wall: Duration,
}

/// A figure written to disk.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Experiment it belongs to.
    pub experiment: String,
    /// A caption.
    pub caption: String,
    /// Path of the PNG, relative to the output folder.
    pub png: PathBuf,
}

pub(crate) fn relative(out: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(out)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Draws every figure of the runs into `out/figures/`.
pub fn draw_figures(out: &Path, inputs: &[Input<'_>]) -> Result<Vec<Figure>, ReportError> {
    let dir = out.join("figures");
    let mut figures = Vec::new();
    for (exp, run) in inputs {
        // An experiment with swept keys draws its own figures (crate::sweeps).
        let p = if exp.columns.is_empty() {
            panels::panels(exp, run)
        } else {
            panels::Panels::default()
        };
        for panel in &p.boxes {
            let png = draw::box_panel(panel, &dir)?;
            figures.push(Figure {
                experiment: exp.name.clone(),
                caption: format!(
                    "{} on {}: accuracy over trained seeds, full and by strategy",
                    panel.probe, panel.dataset
                ),
                png: relative(out, &png),
            });
        }
        for panel in &p.lines {
            let png = draw::line_panel(panel, &dir)?;
            figures.push(Figure {
                experiment: exp.name.clone(),
                caption: format!(
                    "{} on {}: median and 25-75 % band over trained seeds{}{}",
                    panel.name(),
                    panel.dataset,
                    if panel.has_signed() { "; dashed = signed" } else { "" },
                    if panel.log_x { "; log axis" } else { "" }
                ),
                png: relative(out, &png),
            });
        }
        if let Some(r) = &run.resonance {
            for (kind, png) in draw::resonance(&exp.name, r, &dir)? {
                figures.push(Figure {
                    experiment: exp.name.clone(),
                    caption: format!("stochastic resonance, {kind} noise: where the sign flips fall at the best level"),
                    png: relative(out, &png),
                });
            }
        }
    }
    Ok(figures)
}

fn setup(inputs: &[Input<'_>], ctx: &Context) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## Set-up\n");
    let _ = writeln!(
        s,
        "- Command: `{}`; {} worker threads; wall time {:.1} s.",
        ctx.command,
        ctx.threads,
        ctx.wall.as_secs_f64()
    );
    let _ = writeln!(
        s,
        "- Versions: mlprobe {}, burn {BURN_VERSION} (CPU, ndarray backend), {}.",
        env!("CARGO_PKG_VERSION"),
        ctx.rustc
    );
    let given: Vec<&mlprobe_runner::GivenModel> = inputs.iter().filter_map(|(e, _)| e.model.as_ref()).collect();
    match given.first() {
        None => {
            let _ = writeln!(
                s,
                "- Data: unless a task names a `data_dir`, the embedded 10,000-image subsets of MNIST and Fashion-MNIST (7,996 training and 2,004 test images, 80/20 per class), so a class pair has about 1,650 training and 400 test images."
            );
            let _ = writeln!(
                s,
                "- Model: MLP 784-64-2 (other sizes where an experiment says so), PyTorch-style initialisation, Adam (lr 0.01, cosine annealing per epoch), batch 128, NLL on log-softmax; trained biases and the training activation kept in every probe unless an experiment's `[evaluation]` says otherwise. A run whose full-precision test accuracy is below the experiment's threshold (70 %) counts as failed and is left out of every statistic.\n"
            );
        }
        Some(model) => {
            let net = &model.weights;
            let sizes: Vec<String> = net.sizes().iter().map(|n| n.to_string()).collect();
            let (exp, run) = inputs[0];
            let task = &exp.tasks[0];
            let _ = writeln!(
                s,
                "- Model: `{}`, trained elsewhere: an MLP {} with {} activations, probed as given (its own accuracy is the row `none`; nothing is trained, no run counts as failed).",
                model.path.display(),
                sizes.join("-"),
                net.activation
            );
            for note in &model.notes {
                let _ = writeln!(s, "  - read: {note}");
            }
            let _ = writeln!(
                s,
                "- Data: the test split of {} (classes {}, in the model's label order), {} images; random draws seeded by seed {}.\n",
                task.dataset,
                task.classes_label(),
                run.units.first().map_or(0, |u| u.test_images),
                exp.first_seed
            );
        }
    }
    let _ = writeln!(
        s,
        "| experiment | activation | epochs | seeds per task | sweep points per model | trained / failed per task | wall time |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    for (exp, run) in inputs {
        let counts: Vec<String> = run
            .summary
            .results
            .iter()
            .flat_map(|(d, tasks)| {
                tasks
                    .iter()
                    .map(move |(l, t)| format!("{d} {l} {}/{}", t.trained, t.failed))
            })
            .collect();
        // Every value the tasks use (a task's own or a swept one), in order.
        let distinct = |value: &dyn Fn(&mlprobe_runner::TaskSpec) -> String| {
            let mut values: Vec<String> = Vec::new();
            for t in &exp.tasks {
                let v = value(t);
                if !values.contains(&v) {
                    values.push(v);
                }
            }
            values.join(" / ")
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {:.1} s |",
            exp.name,
            distinct(&|t| t.training.activation.to_string()),
            if exp.model.is_some() {
                "given".to_string()
            } else {
                distinct(&|t| t.training.epochs.to_string())
            },
            run.summary.seeds.len(),
            run.units.first().map(|u| u.rows.len() - 1).unwrap_or(0),
            counts.join(", "),
            run.wall.as_secs_f64()
        );
    }
    s
}

/// What [`write_report`] wrote.
#[derive(Debug, Clone)]
pub struct Report {
    /// Path of `REPORT.md`.
    pub path: PathBuf,
    /// The claims as they stand in it.
    pub claims: Vec<Claim>,
}

/// Draws the figures and writes `out/REPORT.md` (atomically).
pub fn write_report(out: &Path, inputs: &[Input<'_>], ctx: &Context) -> Result<Report, ReportError> {
    let mut figures = draw_figures(out, inputs)?;
    let (mut extra, extra_figures) = sections::sections(out, inputs)?;
    figures.extend(extra_figures);
    let (swept, swept_figures) = sweeps::sections(out, inputs)?;
    extra.push_str(&swept);
    figures.extend(swept_figures);
    let mut md = String::new();
    let _ = writeln!(md, "# mlprobe report\n");
    let _ = writeln!(
        md,
        "{} Every number below comes from the runs in this folder: `<experiment>/results.csv` has one row per evaluation, `<experiment>/summary.json` and `<experiment>/medians.csv` the statistics.\n",
        if inputs.iter().any(|(e, _)| e.model.is_some()) {
            "The probes of *Task complexity shapes internal representations and robustness in neural networks* (Jankowski et al., arXiv:2508.05463), run by mlprobe on a model trained elsewhere."
        } else {
            "Reproduction of *Task complexity shapes internal representations and robustness in neural networks* (Jankowski et al., arXiv:2508.05463) with mlprobe."
        }
    );
    md.push_str(&setup(inputs, ctx));
    let _ = writeln!(md, "\n## The paper's claims, measured\n");
    let _ = writeln!(md, "| # | claim | measured here | verdict |");
    let _ = writeln!(md, "|---|---|---|---|");
    let claims = claims(inputs);
    for (i, c) in claims.iter().enumerate() {
        let _ = writeln!(
            md,
            "| {} | {} | {} | **{}** |",
            i + 1,
            c.claim,
            c.measured.replace('|', "\\|"),
            c.verdict.words()
        );
    }
    md.push_str(&extra);
    let _ = writeln!(md, "\n## Figures\n");
    let mut current = None;
    for f in &figures {
        if current != Some(&f.experiment) {
            let _ = writeln!(md, "### {}\n", f.experiment);
            current = Some(&f.experiment);
        }
        let _ = writeln!(
            md,
            "![{}]({})\n\n*{}* (SVG beside it)\n",
            f.caption,
            f.png.display(),
            f.caption
        );
    }
    let path = out.join("REPORT.md");
    atomic_write(&path, md.as_bytes())?;
    Ok(Report { path, claims })
}
