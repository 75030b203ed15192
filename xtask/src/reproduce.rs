//! `cargo xtask reproduce`: run experiments from `experiments/*.toml`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use mlprobe_runner::{Experiment, RunOptions, medians_table, run_experiment, summary_table};

use crate::flags::Reproduce;

/// The workspace's `experiments/` folder.
pub fn experiments_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .join("experiments")
}

/// Every `*.toml` in `dir`, sorted by name.
fn all_experiment_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Resolves `--experiment` values: names in `experiments/` or paths.
fn resolve(names: &[String], dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if names.is_empty() {
        return all_experiment_files(dir);
    }
    names
        .iter()
        .map(|n| {
            let as_path = PathBuf::from(n);
            if n.ends_with(".toml") && as_path.is_file() {
                return Ok(as_path);
            }
            let in_dir = dir.join(format!("{n}.toml"));
            if in_dir.is_file() {
                return Ok(in_dir);
            }
            let known: Vec<String> = all_experiment_files(dir)?
                .iter()
                .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .collect();
            bail!("unknown experiment `{n}` (known: {})", known.join(", "))
        })
        .collect()
}

/// Runs the command.
pub fn run(flags: Reproduce) -> anyhow::Result<()> {
    let files = resolve(&flags.experiments, &experiments_dir())?;
    // Check every file before running any, so a typo fails fast.
    let experiments: Vec<Experiment> = files.iter().map(|f| Experiment::load(f)).collect::<Result<_, _>>()?;
    if flags.list {
        for e in &experiments {
            println!("{:<20} {}", e.name, e.description);
        }
        return Ok(());
    }
    if let Some(n) = flags.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n as usize)
            .build_global()
            .context("setting the number of threads")?;
    }
    let opts = RunOptions {
        out: flags.out.clone(),
        quick: flags.quick,
        seeds: flags.seeds.map(|n| n as usize),
        progress: true,
    };
    let start = Instant::now();
    let mut runs = Vec::new();
    for exp in &experiments {
        let run = run_experiment(exp, &opts)?;
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
        runs.push(run);
    }
    let inputs: Vec<(&Experiment, &mlprobe_runner::ExperimentRun)> = experiments.iter().zip(&runs).collect();
    let context = mlprobe_report::Context {
        command: std::env::args()
            .skip(1)
            .fold("cargo xtask".to_string(), |a, b| a + " " + &b),
        threads: rayon::current_num_threads(),
        rustc: rustc_version(),
        wall: start.elapsed(),
    };
    let report = mlprobe_report::write_report(&flags.out, &inputs, &context)?;
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
