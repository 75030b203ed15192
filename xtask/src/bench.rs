//! `cargo xtask bench`: the speed of training and of the probe sweeps,
//! straightforward against fast, in one process on the same data, and the
//! end-to-end time of `reproduce --quick`.
//!
//! The probe sweeps are those of the figures (the experiment files' grids)
//! on one trained MNIST 0-vs-7 model per activation, on one thread.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use mlprobe_core::{TrainConfig, TrainOutcome, train};
use mlprobe_graph::{Activation, Evaluator, SweepEvaluator, WeightStack, probe_rng};
use mlprobe_runner::{Experiment, PointResult, SweepPoint, evaluate_points, from_scratch, incremental};
use mlprobe_tasks::{Embedded, Task};

use crate::experiments::experiments_dir;
use crate::flags::Bench;

/// The speed targets of the project (see the README's Speed section).
const SUITE_TARGET: Duration = Duration::from_millis(250);
const STEP_TARGET: Duration = Duration::from_millis(1);
const TEN_EPOCH_TARGET: Duration = Duration::from_millis(150);
const QUICK_TARGET: Duration = Duration::from_secs(40);
const FULL_TARGET: Duration = Duration::from_secs(300);

/// The median of `repeat` timings of `f`, and its last result.
fn timed<T>(repeat: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(repeat);
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        last = Some(f());
        times.push(start.elapsed());
    }
    times.sort();
    (times[times.len() / 2], last.expect("at least one run"))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

/// Adam steps of one training run.
fn steps(task: &Task, config: &TrainConfig) -> usize {
    config.epochs * task.train.len().div_ceil(config.batch_size)
}

/// The first seed from `from` whose model trains (reaches the configuration's threshold).
fn trained_model(task: &Task, config: &TrainConfig, from: u64) -> anyhow::Result<(u64, WeightStack)> {
    for seed in from..from + 20 {
        if let TrainOutcome::Trained(model) = train(task, config, seed)? {
            return Ok((seed, model.weights));
        }
    }
    bail!("no seed in {from}..{} trained", from + 20)
}

fn load(name: &str) -> anyhow::Result<Experiment> {
    Ok(Experiment::load(&experiments_dir().join(format!("{name}.toml")))?)
}

/// One sweep of the per-model suite: its points and the activation of the
/// model it runs on (as in its experiment file).
struct Sweep {
    name: &'static str,
    points: Vec<SweepPoint>,
    activation: Activation,
}

/// The suite of the issue: the first sweep of each figure's experiment, one
/// draw per point: prune 37 x 6, flip 30 x 6, noise 30 x 2 per kind,
/// randomizations A-G full and signed.
fn suite() -> anyhow::Result<Vec<Sweep>> {
    [
        ("prune", "pruning"),
        ("flip", "flip"),
        ("noise", "noise"),
        ("randomize", "randomization"),
    ]
    .into_iter()
    .map(|(name, file)| {
        let exp = load(file)?;
        let mut spec = exp.probes[0].clone();
        spec.draws = 1;
        Ok(Sweep {
            name,
            points: spec.points(&exp.registry, false)?,
            activation: exp.training.activation,
        })
    })
    .collect()
}

/// Accuracy (%) of `net` on the test set by burn's own forward pass: the
/// network loaded into a burn model, as a script would.
fn burn_accuracy(task: &Task, net: &WeightStack) -> f64 {
    use burn::tensor::{Tensor, TensorData};
    let device = mlprobe_core::device::cpu();
    let (n, dim) = (task.test.len(), task.test.dim);
    let model = mlprobe_core::Mlp::from_weights(net, &device);
    let x = Tensor::<2>::from_data(TensorData::new(task.test.x.clone(), [n, dim]), &device);
    let predicted: Vec<i64> = model
        .forward(x)
        .argmax(1)
        .into_data()
        .convert::<i64>()
        .try_into_vec::<i64>()
        .unwrap_or_default();
    let correct = predicted
        .iter()
        .zip(&task.test.y)
        .filter(|(p, y)| **p == **y as i64)
        .count();
    100.0 * correct as f64 / n.max(1) as f64
}

/// The cost of evaluating one network on the test set, by burn and by the
/// evaluator, full precision and binarized.
fn one_evaluation(task: &Task, eval: &Evaluator, relu: &WeightStack, tanh: &WeightStack, repeat: usize) {
    let reps = 20 * repeat;
    let per = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1e3 / reps as f64);
    println!("one evaluation of {} test images", task.test.len());
    for (label, net) in [("relu", relu), ("tanh", tanh)] {
        let signed = net.map(|w| if w == 0.0 { 0.0 } else { w.signum() });
        let (burn, _) = timed(1, || (0..reps).map(|_| burn_accuracy(task, net)).sum::<f64>());
        let (full, _) = timed(1, || (0..reps).map(|_| eval.accuracy(net)).sum::<f64>());
        let (exact, _) = timed(1, || (0..reps).map(|_| eval.accuracy(&signed)).sum::<f64>());
        println!(
            "  {label}: burn forward {}, evaluator {}, evaluator on the binarized network (exact) {}",
            per(burn),
            per(full),
            per(exact)
        );
    }
    println!();
}

/// Stack sizes measured by [`stacked_training`].
const STACKS: [usize; 5] = [1, 4, 8, 16, 32];

/// Floating-point operations of one Adam step of one model: the forward
/// products, the weight gradients and the input gradients of every layer
/// but the first (the products dominate; elementwise work is left out).
fn step_flops(sizes: &[usize], batch: usize) -> f64 {
    let products: Vec<f64> = sizes.windows(2).map(|w| (w[0] * w[1]) as f64).collect();
    let all: f64 = products.iter().sum();
    2.0 * batch as f64 * (2.0 * all + products[1..].iter().sum::<f64>())
}

/// The GFLOP/s of one 512 x 512 x 512 matrix product on burn's CPU backend
/// (the sgemm kernel every training product runs on), the best of a few.
fn sgemm_peak() -> f64 {
    use burn::tensor::{Tensor, TensorData};
    let device = mlprobe_core::device::cpu();
    let n = 512;
    let a = Tensor::<2>::from_data(TensorData::new(vec![0.5f32; n * n], [n, n]), &device);
    let b = Tensor::<2>::from_data(TensorData::new(vec![0.25f32; n * n], [n, n]), &device);
    let (t, _) = timed(5, || a.clone().matmul(b.clone()).into_data());
    2.0 * (n * n * n) as f64 / t.as_secs_f64() / 1e9
}

/// Training per model-step, alone and in stacks of several sizes, with the
/// arithmetic rate beside the sgemm peak; checks that stacked weights are
/// those trained alone.
fn stacked_training(task: &Task, config: &TrainConfig, repeat: usize) -> anyhow::Result<()> {
    let sizes = config.sizes(task.input_dim(), task.n_classes);
    let flops = step_flops(&sizes, config.batch_size);
    let steps = steps(task, config);
    let peak = sgemm_peak();
    println!(
        "stacked training (relu {:?}, {} epochs = {steps} steps; {:.1} MFLOP per model-step; sgemm peak here {peak:.0} GFLOP/s)",
        sizes,
        config.epochs,
        flops / 1e6
    );
    println!(
        "  {:<8} {:>16} {:>10} {:>9} {:>14}",
        "stack", "per model-step", "GFLOP/s", "vs solo", "weights"
    );
    let alone: Vec<WeightStack> = (0..STACKS[STACKS.len() - 1] as u64)
        .map(|s| Ok(train(task, config, s)?.into_model().weights))
        .collect::<anyhow::Result<_>>()?;
    let (mut solo, mut best) = (None, (f64::MAX, 1));
    for size in STACKS {
        let seeds: Vec<u64> = (0..size as u64).collect();
        let (t, out) = timed(repeat.min(3), || mlprobe_core::train_stack(task, config, &seeds));
        let same = out?.iter().zip(&alone).all(|(o, w)| o.model().weights == *w);
        let per_step = t.as_secs_f64() / (size * steps) as f64;
        let solo_step = *solo.get_or_insert(per_step);
        if per_step < best.0 {
            best = (per_step, size);
        }
        println!(
            "  {size:<8} {:>13.3} ms {:>10.1} {:>8.1}x {:>14}",
            per_step * 1e3,
            flops / per_step / 1e9,
            solo_step / per_step,
            if same { "same as alone" } else { "DIFFER" }
        );
        if !same {
            bail!("stacked training of {size} models gave other weights than training alone");
        }
    }
    let products = step_products(&sizes, config.batch_size);
    println!(
        "  the step's matrix products alone (forward, weight and input gradients, one model): {:.3} ms, {:.1} GFLOP/s",
        products * 1e3,
        flops / products / 1e9
    );
    println!(
        "  target <= 0.25 ms per model-step: {} (best {:.3} ms at a stack of {})",
        verdict(best.0 <= 0.25e-3),
        best.0 * 1e3,
        best.1
    );
    println!(
        "  of the best step: {:.3} ms in the products as burn-ndarray runs them (operands packed, the batch\n  \
         transposed for the weight gradient), {:.3} ms in the rest (activations, loss, Adam, gathering the batch)\n",
        products.min(best.0) * 1e3,
        (best.0 - products).max(0.0) * 1e3
    );
    Ok(())
}

/// Seconds of the matrix products of one Adam step of one model on burn's
/// CPU backend, in the shapes training runs them (the best of a few).
fn step_products(sizes: &[usize], batch: usize) -> f64 {
    use burn::tensor::{Tensor, TensorData};
    let device = mlprobe_core::device::cpu();
    let ones = |r: usize, c: usize| Tensor::<2>::from_data(TensorData::new(vec![0.5f32; r * c], [r, c]), &device);
    let layers: Vec<_> = sizes
        .windows(2)
        .map(|w| (ones(batch, w[0]), ones(w[0], w[1]), ones(batch, w[1])))
        .collect();
    let (t, _) = timed(20, || {
        for (l, (x, w, dy)) in layers.iter().enumerate() {
            x.clone().matmul(w.clone()).into_data();
            x.clone().transpose().matmul(dy.clone()).into_data();
            if l > 0 {
                dy.clone().matmul(w.clone().transpose()).into_data();
            }
        }
    });
    t.as_secs_f64()
}

/// Time spent making the perturbed networks alone (no evaluation).
fn perturb_only(net: &WeightStack, points: &[SweepPoint]) -> usize {
    let mut edges = 0;
    for (i, p) in points.iter().enumerate() {
        let out = p.perturbation().apply(net, &mut probe_rng(i as u64));
        edges += out.layers[0].edge_count();
    }
    edges
}

/// How many points have different accuracies.
fn differing(a: &[PointResult], b: &[PointResult]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x.accuracy != y.accuracy).count()
}

/// Runs the command.
pub fn run(flags: Bench) -> anyhow::Result<()> {
    let repeat = flags.repeat as usize;
    let task = Task::from_classes(Embedded::Mnist.load(), &[0, 7])?;
    println!(
        "data: embedded MNIST 0 vs 7, {} training and {} test images; one thread; median of {repeat} runs\n",
        task.train.len(),
        task.test.len()
    );

    // Training.
    let relu = load("binarization")?.training;
    let tanh = load("pruning")?.training;
    let ten = mlprobe_core::TrainParams {
        epochs: 10,
        ..relu.params().clone()
    }
    .check()?;
    println!("training (burn {}, ndarray backend)", mlprobe_report::BURN_VERSION);
    println!("  {:<26} {:>7} {:>12} {:>12}", "run", "steps", "per model", "per step");
    let mut train_ok = true;
    for (label, config) in [
        ("relu, 10 epochs", &ten),
        ("relu, 75 epochs (default)", &relu),
        ("tanh, 75 epochs (default)", &tanh),
    ] {
        let (t, _) = timed(repeat.min(3), || train(&task, config, 0));
        let n = steps(&task, config);
        let per_step = t / n as u32;
        train_ok &= per_step <= STEP_TARGET && (config.epochs != 10 || t <= TEN_EPOCH_TARGET);
        println!(
            "  {label:<26} {n:>7} {:>12} {:>9.3} ms",
            ms(t),
            per_step.as_secs_f64() * 1e3
        );
    }
    println!(
        "  target <= 1 ms per Adam step, <= 150 ms per 10-epoch model: {}\n",
        verdict(train_ok)
    );

    stacked_training(&task, &ten, repeat)?;

    // Probe sweeps.
    let (seed_relu, net_relu) = trained_model(&task, &relu, 0)?;
    let (seed_tanh, net_tanh) = trained_model(&task, &tanh, 0)?;
    let model_for = |activation: Activation| {
        if activation == Activation::Tanh {
            &net_tanh
        } else {
            &net_relu
        }
    };
    let eval = Evaluator::new(&task.test);
    one_evaluation(&task, &eval, &net_relu, &net_tanh, repeat);
    println!("probe suite per model (relu seed {seed_relu}, tanh seed {seed_tanh}), one thread");
    println!("  burn: every perturbed network loaded into burn and run forward");
    println!("  straightforward: every perturbed network evaluated from scratch by the evaluator");
    println!("  fast: the incremental sweep evaluator (accuracies compared with straightforward)");
    println!(
        "  {:<10} {:>6} {:>10} {:>16} {:>9} {:>8} {:>8} {:>10} {:>10}  networks incremental/full",
        "sweep", "points", "burn", "straightforward", "fast", "vs burn", "vs str.", "accuracies", "probes alone"
    );
    let (mut totals, mut all_same) = ([Duration::ZERO; 3], true);
    for sweep in suite()? {
        let net = model_for(sweep.activation);
        let (burn, _) = timed(repeat.min(2), || {
            evaluate_points(net, &sweep.points, 0, |_, _, perturbed| burn_accuracy(&task, perturbed))
        });
        let (plain, reference) = timed(repeat, || evaluate_points(net, &sweep.points, 0, from_scratch(&eval)));
        let (fast, (results, stats)) = timed(repeat, || {
            let mut s = SweepEvaluator::new(eval.clone());
            let r = evaluate_points(net, &sweep.points, 0, incremental(&mut s));
            (r, s.stats())
        });
        let (perturb, _) = timed(repeat, || perturb_only(net, &sweep.points));
        let differ = differing(&reference, &results);
        all_same &= differ == 0;
        for (total, t) in totals.iter_mut().zip([burn, plain, fast]) {
            *total += t;
        }
        println!(
            "  {:<10} {:>6} {:>10} {:>16} {:>9} {:>7.1}x {:>7.1}x {:>10} {:>10}  {}/{}",
            sweep.name,
            sweep.points.len(),
            ms(burn),
            ms(plain),
            ms(fast),
            burn.as_secs_f64() / fast.as_secs_f64(),
            plain.as_secs_f64() / fast.as_secs_f64(),
            if differ == 0 {
                "same".to_string()
            } else {
                format!("{differ} differ")
            },
            ms(perturb),
            stats.incremental,
            stats.full,
        );
    }
    let [burn, plain, fast] = totals;
    println!(
        "  {:<10} {:>6} {:>10} {:>16} {:>9} {:>7.1}x {:>7.1}x",
        "suite",
        "",
        ms(burn),
        ms(plain),
        ms(fast),
        burn.as_secs_f64() / fast.as_secs_f64(),
        plain.as_secs_f64() / fast.as_secs_f64()
    );
    println!(
        "  target <= 250 ms per model on one core: {}\n",
        verdict(fast <= SUITE_TARGET)
    );

    // Every experiment's sweep on one model, as `reproduce` runs it.
    println!("every experiment's sweep on one model, fast (as reproduce runs it)");
    for name in [
        "binarization",
        "pruning",
        "flip",
        "noise",
        "randomization",
        "complexity-map",
    ] {
        let exp = load(name)?;
        let points = exp.sweep(false);
        let net = model_for(exp.training.activation);
        let (t, _) = timed(repeat, || {
            evaluate_points(net, &points, 0, incremental(&mut SweepEvaluator::new(eval.clone())))
        });
        let evaluations: usize = points.iter().map(|p| p.draws).sum();
        println!("  {name:<16} {evaluations:>6} evaluations {:>12}", ms(t));
    }
    println!();

    if flags.no_reproduce {
        if !all_same {
            bail!("the fast sweeps disagree with the straightforward ones");
        }
        return Ok(());
    }
    let mut runs = vec![("reproduce --quick", "quick", true)];
    if flags.full {
        runs.push(("reproduce (default, paper scale)", "full", false));
    }
    let temporary = tempfile::tempdir().context("making a temporary output folder")?;
    let root = flags.out.clone().unwrap_or_else(|| temporary.path().to_path_buf());
    for (label, folder, quick) in runs {
        let out = root.join(folder);
        if out.exists() {
            bail!("{} exists: the end-to-end runs start from scratch", out.display());
        }
        let (wall, last) = reproduce(&out, quick)?;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let target = if quick { QUICK_TARGET } else { FULL_TARGET };
        println!(
            "end to end, {label}, {threads} threads, from scratch: {:.1} s; target <= {} s: {}\n  ({last})",
            wall.as_secs_f64(),
            target.as_secs(),
            verdict(wall <= target)
        );
    }
    if !all_same {
        bail!("the fast sweeps disagree with the straightforward ones");
    }
    Ok(())
}

/// Runs this binary's `reproduce` into `out`; returns its wall time and the
/// last line it printed (its time split into training, probing and report).
fn reproduce(out: &Path, quick: bool) -> anyhow::Result<(Duration, String)> {
    let exe = std::env::current_exe().context("finding the xtask binary")?;
    let mut cmd = Command::new(exe);
    cmd.arg("reproduce").arg("--out").arg(out);
    if quick {
        cmd.arg("--quick");
    }
    let start = Instant::now();
    let output = cmd.output().context("running reproduce")?;
    let wall = start.elapsed();
    if !output.status.success() {
        bail!("reproduce failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default().to_string();
    Ok((wall, last))
}
