//! `cargo xtask bench`: the speed of training and of the probe sweeps,
//! straightforward against fast, in one process on the same data, and the
//! end-to-end time of `reproduce`.
//!
//! [`BENCHMARKS`] is the table of benchmarks: each prints its own lines and
//! returns the [`Target`]s it measured, and one loop runs them and prints
//! every target once, with its verdict. The probe sweeps are those of the
//! figures (the experiment files' grids) on one trained MNIST 0-vs-7 model
//! per activation, on one thread.

mod architectures;
mod end_to_end;
mod measure;
mod sweeps;
mod training;

use anyhow::bail;
use mlprobe_core::TrainConfig;
use mlprobe_graph::{Activation, WeightStack};
use mlprobe_runner::Experiment;
use mlprobe_tasks::{Embedded, Task};

use crate::experiments::experiments_dir;
use crate::flags::Bench;

/// What every benchmark reads: the data, the flags, the configurations of
/// the reference experiments, and a trained model per activation.
struct Setup {
    flags: Bench,
    repeat: usize,
    task: Task,
    relu: TrainConfig,
    tanh: TrainConfig,
    net_relu: (u64, WeightStack),
    net_tanh: (u64, WeightStack),
}

impl Setup {
    /// The trained model of the activation.
    fn model_for(&self, activation: Activation) -> &WeightStack {
        if activation == Activation::Tanh {
            &self.net_tanh.1
        } else {
            &self.net_relu.1
        }
    }
}

/// A target a benchmark is held to: what it asks, what was measured, and
/// whether it was met. A check (not a speed) fails the command when unmet.
struct Target {
    what: String,
    measured: String,
    met: bool,
    check: bool,
}

impl Target {
    fn speed(what: impl Into<String>, measured: impl Into<String>, met: bool) -> Self {
        Self {
            what: what.into(),
            measured: measured.into(),
            met,
            check: false,
        }
    }

    fn check(what: impl Into<String>, met: bool) -> Self {
        Self {
            what: what.into(),
            measured: if met { "yes" } else { "no" }.into(),
            met,
            check: true,
        }
    }
}

/// One benchmark: its name and what runs it.
struct Benchmark {
    name: &'static str,
    run: fn(&Setup) -> anyhow::Result<Vec<Target>>,
}

/// Every benchmark, in the order run.
const BENCHMARKS: [Benchmark; 7] = [
    Benchmark {
        name: "training",
        run: training::solo,
    },
    Benchmark {
        name: "stacked training",
        run: training::stacked,
    },
    Benchmark {
        name: "one evaluation",
        run: sweeps::one_evaluation,
    },
    Benchmark {
        name: "probe suite",
        run: sweeps::suite,
    },
    Benchmark {
        name: "experiment sweeps",
        run: sweeps::experiments,
    },
    Benchmark {
        name: "architectures",
        run: architectures::run,
    },
    Benchmark {
        name: "end to end",
        run: end_to_end::run,
    },
];

fn load(name: &str) -> anyhow::Result<Experiment> {
    Ok(Experiment::load(&experiments_dir().join(format!("{name}.toml")))?)
}

/// Runs the command.
pub fn run(flags: Bench) -> anyhow::Result<()> {
    if let Some(unknown) = (flags.only.iter()).find(|n| !BENCHMARKS.iter().any(|b| b.name == n.as_str())) {
        let names: Vec<&str> = BENCHMARKS.iter().map(|b| b.name).collect();
        bail!(
            "--only {unknown}: no such benchmark; the benchmarks are {}",
            names.join(", ")
        );
    }
    let repeat = flags.repeat as usize;
    let task = Task::from_classes(Embedded::Mnist.load(), &[0, 7])?;
    println!(
        "data: embedded MNIST 0 vs 7, {} training and {} test images; one thread; median of {repeat} runs; kernels: {}\n",
        task.train.len(),
        task.test.len(),
        mlprobe_graph::simd::active()
    );
    let (relu, tanh) = (load("binarization")?.training, load("pruning")?.training);
    let setup = Setup {
        net_relu: measure::trained_model(&task, &relu, 0)?,
        net_tanh: measure::trained_model(&task, &tanh, 0)?,
        flags,
        repeat,
        task,
        relu,
        tanh,
    };
    let chosen = |b: &Benchmark| setup.flags.only.is_empty() || setup.flags.only.iter().any(|n| n == b.name);
    let mut targets = Vec::new();
    for b in BENCHMARKS.iter().filter(|b| chosen(b)) {
        println!("== {}", b.name);
        targets.extend((b.run)(&setup)?.into_iter().map(|t| (b.name, t)));
        println!();
    }
    println!("targets");
    for (bench, t) in &targets {
        println!(
            "  {:<18} {:<58} {:>22}  {}",
            bench,
            t.what,
            t.measured,
            if t.met { "met" } else { "NOT met" }
        );
    }
    if let Some((bench, t)) = targets.iter().find(|(_, t)| t.check && !t.met) {
        bail!("{bench}: {} does not hold", t.what);
    }
    Ok(())
}
