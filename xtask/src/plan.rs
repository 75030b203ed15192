//! `reproduce --plan`: what a run would do and how long it would take on
//! this machine, printed before anything runs (to size a cluster job).
//!
//! The speed is measured on the spot, as the runner trains and evaluates:
//! stacks of 784-64-2 networks on the embedded MNIST images (the first layer
//! on the non-zero pixels) and on dense synthetic inputs, one network alone,
//! and repeated evaluations of one on the embedded MNIST test images give a
//! cost per example and weight for each; every model and evaluation of the
//! plan is priced at its own size and by its own way of training.

use std::time::Instant;

use anyhow::Context;
use mlprobe_core::{TrainConfig, TrainParams};
use mlprobe_graph::{Activation, Evaluator, GaussianPair, initial_weights, probe_rng};
use mlprobe_runner::{Experiment, RunOptions, Shard, TrainingPath, plan};
use mlprobe_tasks::{Embedded, Task};

/// Seconds per example and weight.
#[derive(Debug, Clone, Copy)]
struct Speed {
    /// One training example through one weight (forward, backward, Adam),
    /// per epoch, for each way of training.
    pixel_stack: f64,
    dense_stack: f64,
    alone: f64,
    /// One test example through one weight.
    eval: f64,
}

/// Models per measured stack: the runner's stack size.
const STACK_SEEDS: [u64; 4] = [0, 1, 2, 3];

impl Speed {
    /// Measures this machine (one thread), the best of three tries each.
    fn measure() -> anyhow::Result<Self> {
        let config = TrainParams {
            epochs: 2,
            ..TrainParams::default()
        }
        .check()?;
        let dense = GaussianPair {
            n_train: 1280,
            n_test: 10,
            ..GaussianPair::with_separation(2.0)
        }
        .generate()?;
        let mnist = Task::from_classes(Embedded::Mnist.load(), &[0, 7])?;
        let stacked = |task: &Task| {
            training_speed(task, &config, STACK_SEEDS.len(), || {
                mlprobe_core::train_stack(task, &config, &STACK_SEEDS).map(drop)
            })
        };
        Ok(Self {
            pixel_stack: stacked(&mnist)?,
            dense_stack: stacked(&dense)?,
            alone: training_speed(&dense, &config, 1, || mlprobe_core::train(&dense, &config, 0).map(drop))?,
            eval: evaluation_speed(&mnist.test),
        })
    }

    /// The cost per example and weight of training by `path`.
    fn train(&self, path: TrainingPath) -> f64 {
        match path {
            TrainingPath::PixelStack => self.pixel_stack,
            TrainingPath::DenseStack => self.dense_stack,
            TrainingPath::Alone => self.alone,
        }
    }
}

/// Seconds per example, weight and epoch of `models` models trained on
/// `task` by `run`, the best of three runs.
fn training_speed(
    task: &Task,
    config: &TrainConfig,
    models: usize,
    run: impl Fn() -> Result<(), mlprobe_core::TrainError>,
) -> anyhow::Result<f64> {
    let work = (config.epochs * task.train.len() * models) as f64 * config.weights(task.input_dim(), 2) as f64;
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        run()?;
        best = best.min(start.elapsed().as_secs_f64() / work);
    }
    Ok(best)
}

/// Seconds per example and weight of evaluating a 784-64-2 network on
/// `test`, the best of three rounds of 20 evaluations.
fn evaluation_speed(test: &mlprobe_tasks::Examples) -> f64 {
    let net = initial_weights(&[784, 64, 2], Activation::Relu, &mut probe_rng(0));
    let eval = Evaluator::new(test);
    let per_net = (784.0 + 1.0) * 64.0 + 65.0 * 2.0;
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        for _ in 0..20 {
            std::hint::black_box(eval.accuracy(&net));
        }
        best = best.min(start.elapsed().as_secs_f64() / (20.0 * test.len() as f64 * per_net));
    }
    best
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
        "measured here (one thread), ns per example and weight: training {:.2} (MLP stack on pixels), {:.2} (MLP stack on dense inputs), {:.2} (one model alone, as a CNN trains); evaluation {:.3}\n",
        speed.pixel_stack * 1e9,
        speed.dense_stack * 1e9,
        speed.alone * 1e9,
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
            .map(|u| u.epochs as f64 * u.train_examples as f64 * u.weights as f64 * speed.train(u.training))
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
