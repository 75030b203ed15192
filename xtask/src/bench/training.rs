//! Training: one model per run at the default budgets, and stacks of
//! models trained together, against the step's FLOPs and the sgemm peak.

use std::time::Duration;

use mlprobe_core::{TrainConfig, train};
use mlprobe_graph::WeightStack;
use mlprobe_tasks::Task;

use super::measure::{self, ms, steps};
use super::{Setup, Target};

/// Most time per Adam step of a model trained alone.
const STEP: Duration = Duration::from_millis(1);

/// Most time to train a 10-epoch model.
const TEN_EPOCHS: Duration = Duration::from_millis(150);

/// One model per run: relu at 10 and 75 epochs, tanh at 75.
pub(super) fn solo(s: &Setup) -> anyhow::Result<Vec<Target>> {
    let ten = ten_epochs(&s.relu)?;
    println!("training (burn {}, ndarray backend)", mlprobe_report::BURN_VERSION);
    println!("  {:<26} {:>7} {:>12} {:>12}", "run", "steps", "per model", "per step");
    let (mut worst_step, mut ten_time) = (Duration::ZERO, Duration::ZERO);
    for (label, config) in [
        ("relu, 10 epochs", &ten),
        ("relu, 75 epochs (default)", &s.relu),
        ("tanh, 75 epochs (default)", &s.tanh),
    ] {
        let (t, _) = measure::timed(s.repeat.min(3), || train(&s.task, config, 0));
        let n = steps(&s.task, config);
        let per_step = t / n as u32;
        worst_step = worst_step.max(per_step);
        if config.epochs == 10 {
            ten_time = t;
        }
        println!(
            "  {label:<26} {n:>7} {:>12} {:>9.3} ms",
            ms(t),
            per_step.as_secs_f64() * 1e3
        );
    }
    Ok(vec![
        Target::speed(
            format!("<= {} per Adam step, alone", ms(STEP)),
            format!("{:.3} ms", worst_step.as_secs_f64() * 1e3),
            worst_step <= STEP,
        ),
        Target::speed(
            format!("<= {} per 10-epoch model", ms(TEN_EPOCHS)),
            ms(ten_time),
            ten_time <= TEN_EPOCHS,
        ),
    ])
}

/// The default ReLU configuration at 10 epochs.
fn ten_epochs(relu: &TrainConfig) -> anyhow::Result<TrainConfig> {
    Ok(mlprobe_core::TrainParams {
        epochs: 10,
        ..relu.params().clone()
    }
    .check()?)
}

/// Stacks of 1 to 32 models of 10 epochs.
pub(super) fn stacked(s: &Setup) -> anyhow::Result<Vec<Target>> {
    stacked_run(&s.task, &ten_epochs(&s.relu)?, s.repeat)
}

/// Stack sizes measured by [`stacked`].
const STACKS: [usize; 5] = [1, 4, 8, 16, 32];

/// Floating-point operations of one Adam step of one model: the forward
/// products, the weight gradients and the input gradients of every layer
/// but the first (the products dominate; elementwise work is left out).
fn step_flops(sizes: &[usize], batch: usize) -> f64 {
    let products: Vec<f64> = sizes.windows(2).map(|w| (w[0] * w[1]) as f64).collect();
    let all: f64 = products.iter().sum();
    2.0 * batch as f64 * (2.0 * all + products[1..].iter().sum::<f64>())
}

/// Training per model-step, alone and in stacks of several sizes, with the
/// arithmetic rate beside the sgemm peak; checks that stacked weights are
/// those trained alone.
fn stacked_run(task: &Task, config: &TrainConfig, repeat: usize) -> anyhow::Result<Vec<Target>> {
    let sizes = config.sizes(task.input_dim(), task.n_classes);
    let flops = step_flops(&sizes, config.batch_size);
    let steps = steps(task, config);
    let peak = measure::sgemm_peak();
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
    let (mut solo, mut best, mut all_same) = (None, (f64::MAX, 1), true);
    for size in STACKS {
        let seeds: Vec<u64> = (0..size as u64).collect();
        let (t, out) = measure::timed(repeat.min(3), || mlprobe_core::train_stack(task, config, &seeds));
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
        all_same &= same;
    }
    // A perfect dense step: every product of the step at the peak just measured.
    let dense_limit = flops / (peak * 1e9);
    let products = step_products(&sizes, config.batch_size);
    println!(
        "  burn's dense products of such a step (forward, weight and input gradients, one model): {:.3} ms, {:.1} GFLOP/s;\n  \
         on pixel inputs the first layer sums the non-zero pixels instead (about a fifth of the entries on MNIST)\n",
        products * 1e3,
        flops / products / 1e9
    );
    Ok(vec![
        Target::speed(
            format!(
                "<= a dense step at the sgemm peak ({:.3} ms), the best stack",
                dense_limit * 1e3
            ),
            format!("{:.3} ms (stack of {})", best.0 * 1e3, best.1),
            best.0 <= dense_limit,
        ),
        Target::check("stacked models are the models trained alone", all_same),
    ])
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
    let (t, _) = measure::timed(20, || {
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
