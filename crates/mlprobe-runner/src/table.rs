//! The table printed after a run.

use std::fmt::Write;

use crate::output::{Medians, Summary};
use crate::stats::Quartiles;

fn cell(q: &Option<Quartiles>) -> String {
    match q {
        Some(q) => format!("{:5.1} [{:5.1}, {:5.1}]", q.median, q.q25, q.q75),
        None => "-".to_string(),
    }
}

/// One line per dataset and task: trained/failed counts, then median
/// [25 %, 75 %] over trained seeds of full accuracy and, where the
/// experiment binarizes, binarized accuracy and the gap.
pub fn summary_table(summary: &Summary) -> String {
    let binarizes = summary
        .results
        .values()
        .flat_map(|t| t.values())
        .any(|s| s.binarized.is_some());
    let mut out = String::new();
    let t = &summary.training;
    let mut swept: Vec<&str> = Vec::new();
    for s in summary.results.values().flat_map(|t| t.values()) {
        for k in s.arm.keys() {
            if !swept.contains(&k.as_str()) {
                swept.push(k);
            }
        }
    }
    let _ = writeln!(
        out,
        "{}: {} seeds per task, {} {:?}, {} epochs{} (failed: full accuracy < {}%)",
        summary.experiment,
        summary.seeds.len(),
        t.activation,
        t.hidden,
        t.epochs,
        if swept.is_empty() {
            String::new()
        } else {
            format!("; swept: {}", swept.join(", "))
        },
        summary.failed_below
    );
    let widths = |min: usize, f: &dyn Fn(&str, &str) -> usize| {
        summary
            .results
            .iter()
            .flat_map(|(d, tasks)| tasks.keys().map(move |l| f(d, l)))
            .fold(min, usize::max)
    };
    let (dw, lw) = (widths(14, &|d, _| d.len()), widths(6, &|_, l| l.len()));
    let _ = write!(
        out,
        "{:<dw$} {:<lw$} {:<8} {:>7} {:>6}  {:<21}",
        "dataset", "task", "classes", "trained", "failed", "full %"
    );
    if binarizes {
        let _ = write!(out, " {:<21} {:<21}", "binarized %", "gap (points)");
    }
    out.push('\n');
    for (dataset, tasks) in &summary.results {
        for (label, s) in tasks {
            let _ = write!(
                out,
                "{:<dw$} {:<lw$} {:<8} {:>7} {:>6}  {:<21}",
                dataset,
                label,
                s.classes,
                s.trained,
                s.failed,
                cell(&s.full)
            );
            if binarizes {
                let _ = write!(out, " {:<21} {:<21}", cell(&s.binarized), cell(&s.gap));
            }
            out.push('\n');
        }
    }
    out
}

/// Median accuracy per sweep point and task; `None` when there are more than
/// `max_lines` points (the full table is in `medians.csv`).
pub fn medians_table(medians: &Medians, max_lines: usize) -> Option<String> {
    if medians.lines.len() > max_lines {
        return None;
    }
    let mut out = String::new();
    let _ = write!(out, "{:<22} {:<24} {:>7} {:<6}", "probe", "strategy", "level", "signed");
    for t in &medians.tasks {
        let _ = write!(out, " {:>19}", t);
    }
    out.push('\n');
    for ((probe, strategy, level, signed), values) in &medians.lines {
        let _ = write!(out, "{probe:<22} {strategy:<24} {level:>7.4} {signed:<6}");
        for v in values {
            match v {
                Some(v) => {
                    let _ = write!(out, " {v:>19.1}");
                }
                None => {
                    let _ = write!(out, " {:>19}", "-");
                }
            }
        }
        out.push('\n');
    }
    Some(out)
}
