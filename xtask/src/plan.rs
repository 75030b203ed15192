//! `reproduce --plan`: what a run would do and how long it would take on
//! this machine, printed before anything runs (to size a cluster job).
//!
//! The speed is measured on the spot: a short training run of a 784-64-2
//! network and repeated evaluations of one on the embedded MNIST test images
//! give a cost per example and weight for training and for evaluation; every
//! model and evaluation of the plan is priced at its own size.

use std::time::Instant;

use anyhow::Context;
use mlprobe_core::TrainParams;
use mlprobe_graph::{Activation, Evaluator, GaussianPair, initial_weights, probe_rng};
use mlprobe_runner::{Experiment, RunOptions, Shard, plan};
use mlprobe_tasks::{Embedded, Task};

/// Seconds per example and weight.
#[derive(Debug, Clone, Copy)]
struct Speed {
    /// One training example through one weight (forward, backward, Adam), per epoch.
    train: f64,
    /// One test example through one weight.
    eval: f64,
}

impl Speed {
    /// Measures this machine (one thread), the best of three tries each.
    fn measure() -> anyhow::Result<Self> {
        let task = GaussianPair {
            n_train: 1280,
            n_test: 10,
            ..GaussianPair::with_separation(2.0)
        }
        .generate()?;
        let config = TrainParams {
            epochs: 2,
            ..TrainParams::default()
        }
        .check()?;
        let weights = config.weights(task.input_dim(), 2) as f64;
        let mut train = f64::MAX;
        for seed in 0..3 {
            let start = Instant::now();
            mlprobe_core::train(&task, &config, seed)?;
            train = train.min(start.elapsed().as_secs_f64() / (2.0 * 1280.0 * weights));
        }
        let test = Task::from_classes(Embedded::Mnist.load(), &[0, 7])?.test;
        let net = initial_weights(&[784, 64, 2], Activation::Relu, &mut probe_rng(0));
        let eval = Evaluator::new(&test);
        let per_net = (784.0 + 1.0) * 64.0 + 65.0 * 2.0;
        let mut best = f64::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            for _ in 0..20 {
                std::hint::black_box(eval.accuracy(&net));
            }
            best = best.min(start.elapsed().as_secs_f64() / (20.0 * test.len() as f64 * per_net));
        }
        Ok(Self { train, eval: best })
    }
}

fn duration(seconds: f64) -> String {
    // An empty sum is -0.0, which would print as "-0 s".
    let seconds = seconds + 0.0;
    if seconds < 120.0 {
        format!("{seconds:.0} s")
    } else if seconds < 7200.0 {
        format!("{:.1} min", seconds / 60.0)
    } else {
        format!("{:.1} h", seconds / 3600.0)
    }
}

/// Prints the plan of a run of `experiments` (of one shard, if given).
pub fn print(experiments: &[Experiment], opts: &RunOptions, shard: Option<Shard>) -> anyhow::Result<()> {
    let speed = Speed::measure()?;
    let threads = rayon::current_num_threads();
    let plans = plan(experiments, opts, shard).context("planning the run")?;
    println!(
        "plan of `reproduce{}` into {}{}",
        if opts.quick { " --quick" } else { "" },
        opts.out.display(),
        shard.map(|s| format!(", shard {s}")).unwrap_or_default()
    );
    println!(
        "measured here (one thread): training {:.2} ns and evaluation {:.3} ns per example and weight\n",
        speed.train * 1e9,
        speed.eval * 1e9
    );
    println!(
        "{:<22} {:>7} {:>6} {:>10} {:>8} {:>13} {:>10} {:>10}",
        "experiment", "units", "done", "to compute", "models", "evaluations", "training", "probing"
    );
    let (mut total_train, mut total_eval) = (0.0, 0.0);
    let (mut total_units, mut total_models, mut total_evals) = (0usize, 0usize, 0u64);
    for p in &plans {
        let models = p.pending.iter().filter(|u| u.trains_model).count();
        let train: f64 = (p.pending.iter().filter(|u| u.trains_model))
            .map(|u| u.epochs as f64 * u.train_examples as f64 * u.weights as f64 * speed.train)
            .sum();
        let eval: f64 = (p.pending.iter())
            .map(|u| p.evaluations_per_unit as f64 * u.test_examples as f64 * u.weights as f64 * speed.eval)
            .sum();
        let evaluations = p.evaluations_per_unit * p.pending.len() as u64;
        println!(
            "{:<22} {:>7} {:>6} {:>10} {:>8} {:>13} {:>10} {:>10}",
            p.name,
            p.units,
            p.done,
            p.pending.len(),
            models,
            evaluations,
            duration(train),
            duration(eval)
        );
        total_units += p.units;
        total_models += models;
        total_evals += evaluations;
        total_train += train;
        total_eval += eval;
    }
    println!(
        "\ntotal: {total_units} units, {total_models} models to train, {total_evals} evaluations: about {} of one core ({} training, {} probing); about {} on {threads} threads{}",
        duration(total_train + total_eval),
        duration(total_train),
        duration(total_eval),
        duration((total_train + total_eval) / threads as f64),
        shard.map(|s| format!(" for shard {s}")).unwrap_or_default()
    );
    if shard.is_none() {
        println!(
            "split over N machines sharing the output folder with --shard K/N (see README, Running on a cluster); each shard's plan: --plan --shard K/N"
        );
    }
    Ok(())
}
