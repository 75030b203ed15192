//! `reproduce --plan`: what a run would do and how long it would take on
//! this machine, printed before anything runs (to size a cluster job).
//!
//! The speed is measured on the spot: a short training run of a 784-64-2
//! network and repeated evaluations of one on the embedded MNIST test images
//! give a cost per example and weight for training and for evaluation; every
//! model and evaluation of the plan is priced at its own size.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::time::Instant;

use anyhow::Context;
use mlprobe_core::TrainParams;
use mlprobe_graph::{Activation, Evaluator, GaussianPair, initial_weights, probe_rng};
use mlprobe_runner::cache::model_path;
use mlprobe_runner::data::dataset_of;
use mlprobe_runner::units::unit_is_done;
use mlprobe_runner::{DataSource, Experiment, RunOptions, Shard, TaskSpec, partition};
use mlprobe_tasks::{Dataset, Embedded, Task};

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

/// Training and test examples of a task, and its input dimension.
fn sizes(
    spec: &TaskSpec,
    datasets: &mut HashMap<String, Cow<'static, Dataset>>,
) -> anyhow::Result<(usize, usize, usize)> {
    if let DataSource::Synthetic(g) = &spec.source {
        return Ok((g.n_train, g.n_test, g.dim));
    }
    let key = spec.source.identity();
    if !datasets.contains_key(&key) {
        let ds = dataset_of(spec)
            .with_context(|| format!("reading {} for the plan", spec.dataset))?
            .with_context(|| format!("no images to plan with in {key}"))?;
        datasets.insert(key.clone(), ds);
    }
    let ds = &datasets[&key];
    let count = |counts: Vec<(u8, usize)>| {
        counts
            .iter()
            .filter(|(c, _)| spec.classes.contains(c))
            .map(|(_, n)| n)
            .sum::<usize>()
    };
    Ok((
        count(ds.train.class_counts()),
        count(ds.test.class_counts()),
        ds.pixels(),
    ))
}

fn duration(seconds: f64) -> String {
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
    let assignment = partition(experiments, opts.quick, opts.seeds, shard.map_or(1, |s| s.count));
    let mut datasets = HashMap::new();
    let mut to_train: HashSet<std::path::PathBuf> = HashSet::new();
    let (mut total_train, mut total_eval) = (0.0, 0.0);
    let (mut total_units, mut total_models, mut total_evals) = (0usize, 0usize, 0u64);
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
    for (e, exp) in experiments.iter().enumerate() {
        let points = exp.sweep(opts.quick);
        let per_model: u64 = points.iter().map(|p| p.draws as u64).sum::<u64>() + 1;
        let mine: Vec<_> = assignment
            .iter()
            .filter(|(u, k)| u.experiment == e && shard.is_none_or(|s| s.index == *k))
            .map(|(u, _)| *u)
            .collect();
        let (mut done, mut models, mut train, mut eval) = (0, 0, 0.0, 0.0);
        for u in &mine {
            if unit_is_done(exp, &opts.out, u.task, u.seed, &points) {
                done += 1;
                continue;
            }
            let spec = &exp.tasks[u.task];
            let (n_train, n_test, inputs) = sizes(spec, &mut datasets)?;
            let weights = spec.training.weights(inputs, spec.classes.len()) as f64;
            let path = model_path(&opts.out, spec, u.seed);
            if exp.model.is_none() && !path.exists() && to_train.insert(path) {
                models += 1;
                train += spec.training.epochs as f64 * n_train as f64 * weights * speed.train;
            }
            eval += per_model as f64 * n_test as f64 * weights * speed.eval;
        }
        let computing = mine.len() - done;
        let evaluations = per_model * computing as u64;
        println!(
            "{:<22} {:>7} {:>6} {:>10} {:>8} {:>13} {:>10} {:>10}",
            exp.name,
            mine.len(),
            done,
            computing,
            models,
            evaluations,
            duration(train),
            duration(eval)
        );
        total_units += mine.len();
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
