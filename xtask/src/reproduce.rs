//! `cargo xtask reproduce`: run experiments from `experiments/*.toml`, whole
//! or one shard of them, or print the plan of a run.

use std::collections::HashSet;
use std::time::Instant;

use anyhow::Context;
use mlprobe_runner::{Experiment, RunOptions, Shard, UnitId, UnitRef, partition, run_units};

use crate::experiments::{experiments_dir, resolve};
use crate::flags::Reproduce;
use crate::{plan, runs};

/// Runs the command.
pub fn run(flags: Reproduce) -> anyhow::Result<()> {
    let files = resolve(&flags.experiments, &experiments_dir())?;
    // Check every file before running any, so a typo fails fast.
    let mut experiments: Vec<Experiment> = files.iter().map(|f| Experiment::load(f)).collect::<Result<_, _>>()?;
    if flags.list {
        for e in &experiments {
            println!("{:<20} {}", e.name, e.description);
        }
        return Ok(());
    }
    experiments.retain(|e| match e.missing_data().filter(|_| e.optional) {
        Some(dir) => {
            eprintln!(
                "skipping {}: its data folder {} is not here (an optional experiment; see experiments/{}.toml)",
                e.name,
                dir.display(),
                e.name
            );
            false
        }
        None => true,
    });
    set_threads(flags.threads)?;
    let opts = RunOptions {
        out: flags.out.clone(),
        quick: flags.quick,
        seeds: flags.seeds.map(|n| n as usize),
        progress: true,
    };
    if flags.plan {
        return plan::print(&experiments, &opts, flags.shard);
    }
    match flags.shard {
        Some(shard) => run_shard(&experiments, &opts, shard),
        None => runs::run_all(&experiments, &opts, flags.tolerance.0),
    }
}

/// Computes shard `shard`'s units of the run, then says what it did and
/// what is left of the run.
fn run_shard(experiments: &[Experiment], opts: &RunOptions, shard: Shard) -> anyhow::Result<()> {
    let start = Instant::now();
    let assignment = partition(experiments, opts.quick, opts.seeds, shard.count);
    let (mut mine, mut computed, mut trained) = (0, 0, 0);
    for (e, exp) in experiments.iter().enumerate() {
        let units: HashSet<UnitId> = assignment
            .iter()
            .filter(|(u, k)| u.experiment == e && *k == shard.index)
            .map(|(u, _)| u.unit)
            .collect();
        let done = run_units(exp, opts, &|u| units.contains(&u))?;
        println!(
            "shard {shard}: {:<22} {:>5} units ({} evaluated now, {} of them trained now; {} done before)",
            exp.name,
            done.units,
            done.computed_now,
            done.trained_now,
            done.units - done.computed_now
        );
        mine += done.units;
        computed += done.computed_now;
        trained += done.trained_now;
    }
    let left = pending(experiments, opts, &assignment);
    println!(
        "shard {shard} done in {:.1} s: {mine} units ({computed} evaluated now, {trained} trained now)",
        start.elapsed().as_secs_f64()
    );
    if left.is_empty() {
        println!(
            "every unit of the run is done: run the same command without --shard to assemble results, figures and REPORT.md"
        );
    } else {
        let by_shard: Vec<String> = (1..=shard.count)
            .filter_map(|k| {
                let n = left.iter().filter(|&&(_, s)| s == k).count();
                (n > 0).then(|| format!("shard {k}/{}: {n}", shard.count))
            })
            .collect();
        println!(
            "left: {} of {} units of the run ({})",
            left.len(),
            assignment.len(),
            by_shard.join(", ")
        );
    }
    Ok(())
}

/// The units of the run without a matching unit file in `opts.out`, with their shards.
fn pending(experiments: &[Experiment], opts: &RunOptions, assignment: &[(UnitRef, usize)]) -> Vec<(UnitRef, usize)> {
    let points: Vec<_> = experiments.iter().map(|e| e.sweep(opts.quick)).collect();
    let store = opts.store();
    assignment
        .iter()
        .filter(|(u, _)| !store.unit_is_done(&experiments[u.experiment], u.unit, &points[u.experiment]))
        .copied()
        .collect()
}

/// Sizes rayon's pool (default: one thread per core). Results do not depend on it.
pub fn set_threads(threads: Option<u32>) -> anyhow::Result<()> {
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n as usize)
            .build_global()
            .context("setting the number of threads")?;
    }
    Ok(())
}
