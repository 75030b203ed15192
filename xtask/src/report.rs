//! What `reproduce` and `probe` print after each experiment, and the report
//! they write at the end.

use std::path::Path;
use std::time::Instant;

use mlprobe_runner::{Experiment, ExperimentRun, medians_table, summary_table};

/// Prints the summary table of a run, its medians (or where they are), and
/// what was computed now.
pub fn print_run(run: &ExperimentRun) {
    println!("{}", summary_table(&run.summary));
    match medians_table(&run.medians, 60).filter(|_| run.medians.tasks.len() <= 6) {
        Some(table) => println!("median accuracy (%) over trained seeds:\n{table}"),
        None => println!(
            "median accuracy (%) of {} sweep points: {}",
            run.medians.lines.len(),
            run.dir.join("medians.csv").display()
        ),
    }
    println!(
        "{} units ({} evaluated now, {} of them trained now; {} resumed from earlier runs) in {:.1} s -> {}\n",
        run.units.len(),
        run.computed_now,
        run.trained_now,
        run.units.len() - run.computed_now,
        run.wall.as_secs_f64(),
        run.dir.display()
    );
}

/// Draws the figures, writes `out/REPORT.md` and prints the claims.
pub fn write(out: &Path, inputs: &[(&Experiment, &ExperimentRun)], start: Instant) -> anyhow::Result<()> {
    let context = mlprobe_report::Context {
        command: std::env::args()
            .skip(1)
            .fold("cargo xtask".to_string(), |a, b| a + " " + &b),
        threads: rayon::current_num_threads(),
        rustc: rustc_version(),
        wall: start.elapsed(),
    };
    let report = mlprobe_report::write_report(out, inputs, &context)?;
    for c in &report.claims {
        println!("[{}] {}\n    {}\n", c.verdict.words(), c.claim, c.measured);
    }
    println!("report: {}", report.path.display());
    println!("done in {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// `rustc --version`, or a note that it is unknown.
fn rustc_version() -> String {
    std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "rustc (version unknown)".to_string())
}
