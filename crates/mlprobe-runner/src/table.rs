//! The table printed after a run.

use std::fmt::Write;

use crate::output::Summary;
use crate::stats::Quartiles;

fn cell(q: &Option<Quartiles>) -> String {
    match q {
        Some(q) => format!("{:5.1} [{:5.1}, {:5.1}]", q.median, q.q25, q.q75),
        None => "-".to_string(),
    }
}

/// One line per dataset and task: trained/failed counts, then median
/// [25 %, 75 %] over trained seeds of full, binarized and gap.
pub fn summary_table(summary: &Summary) -> String {
    let mut out = String::new();
    let t = &summary.training;
    let _ = writeln!(
        out,
        "{}: {} seeds per task, {} {:?}, {} epochs (failed: full accuracy < {}%)",
        summary.experiment,
        summary.seeds.len(),
        t.activation,
        t.hidden,
        t.epochs,
        summary.failed_below
    );
    let _ = writeln!(
        out,
        "{:<14} {:<6} {:<8} {:>7} {:>6}  {:<21} {:<21} {:<21}",
        "dataset", "task", "classes", "trained", "failed", "full %", "binarized %", "gap (points)"
    );
    for (dataset, tasks) in &summary.results {
        for (label, s) in tasks {
            let _ = writeln!(
                out,
                "{:<14} {:<6} {:<8} {:>7} {:>6}  {:<21} {:<21} {:<21}",
                dataset,
                label,
                s.classes,
                s.trained,
                s.failed,
                cell(&s.full),
                cell(&s.binarized),
                cell(&s.gap)
            );
        }
    }
    out
}
