//! How `reproduce` and `probe` run their experiments: what they print after
//! each, and the report they write at the end.

use std::path::Path;
use std::time::Instant;

use mlprobe_runner::{Experiment, ExperimentRun, RunOptions, Statistics, medians_table, run_experiment, summary_table};

/// Runs the experiments one after the other, printing each, then writes the report.
pub fn run_all(experiments: &[Experiment], opts: &RunOptions, tolerance: f64) -> anyhow::Result<()> {
    let start = Instant::now();
    let mut runs = Vec::new();
    for exp in experiments {
        let run = run_experiment(exp, opts)?;
        print_run(&run);
        runs.push(run);
    }
    let inputs: Vec<(&Experiment, &ExperimentRun)> = runs.iter().map(|r| (&r.experiment, r)).collect();
    write(&opts.out, &inputs, start, tolerance)
}

/// Prints the summary table of a run, its medians (or where they are), and
/// what was computed now.
pub fn print_run(run: &ExperimentRun) {
    println!("{}", summary_table(&run.summary));
    match medians_table(&run.medians, 60).filter(|_| run.medians.tasks.len() <= 6) {
        Some(table) => println!("median accuracy (%) over {}:\n{table}", counted_seeds(run)),
        None => println!(
            "median accuracy (%) of {} sweep points: {}",
            run.medians.lines.len(),
            run.dir.join("medians.csv").display()
        ),
    }
    println!(
        "{} units ({} evaluated now, {} of them trained now; {} resumed from earlier runs) in {:.1} s -> {}\n",
        run.evaluated,
        run.computed_now,
        run.trained_now,
        run.evaluated - run.computed_now,
        run.wall.as_secs_f64(),
        run.dir.display()
    );
}

/// Which seeds the medians of a run are over, in words.
fn counted_seeds(run: &ExperimentRun) -> &'static str {
    match run.experiment.statistics.as_slice() {
        [Statistics::Trained] => "trained seeds",
        [Statistics::All] => "all seeds, failed ones included",
        _ => "the seeds of each column's statistics",
    }
}

/// Draws the figures, writes `out/REPORT.md` and prints the claims.
pub fn write(
    out: &Path,
    inputs: &[(&Experiment, &ExperimentRun)],
    start: Instant,
    tolerance: f64,
) -> anyhow::Result<()> {
    let context = mlprobe_report::Context {
        command: std::env::args()
            .skip(1)
            .fold("cargo xtask".to_string(), |a, b| a + " " + &b),
        threads: rayon::current_num_threads(),
        rustc: rustc_version(),
        wall: start.elapsed(),
        tolerance,
    };
    let reporting = Instant::now();
    let report = mlprobe_report::write_report(out, inputs, &context)?;
    let reporting = reporting.elapsed();
    for c in &report.claims {
        println!("[{}] {}\n    {}\n", c.verdict.words(), c.claim, c.measured);
    }
    println!("report: {}", report.path.display());
    let training: f64 = inputs.iter().map(|(_, r)| r.training.as_secs_f64()).sum();
    let runs: f64 = inputs.iter().map(|(_, r)| r.wall.as_secs_f64()).sum();
    let total = start.elapsed().as_secs_f64();
    println!(
        "done in {total:.1} s: training {training:.1} s, probing and analyses {:.1} s, report {:.1} s",
        runs - training,
        reporting.as_secs_f64()
    );
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
