//! Architectures beyond the MLP: a CNN's training step and one evaluation
//! of a CNN, each against its FLOPs and the sgemm peak measured in the same
//! run, and the evaluator against burn's own `conv2d` forward.

use std::time::Duration;

use burn::tensor::{Tensor, TensorData};
use mlprobe_core::{Cnn, TrainConfig, TrainParams, train_stack};
use mlprobe_graph::{Architecture, ArchitectureKind, ConvShape, Evaluator, WeightStack};
use mlprobe_tasks::Task;

use super::measure::{self, steps};
use super::{Setup, Target};

/// Epochs of the timed CNN training runs: enough steps for a stable median.
const EPOCHS: usize = 2;

/// Models per stack in the stacked timing (the runner's stack size).
const STACK: usize = 4;

/// How far the evaluator's logits may be from burn's.
const LOGIT_TOLERANCE: f32 = 1e-4;

/// Most evaluation time as a multiple of its FLOPs at the sgemm peak.
const EVALUATION_VS_PEAK: f64 = 2.0;

/// The LeNet-like CNN of the default `conv` keys on the data of `s`.
fn cnn_config(s: &Setup) -> anyhow::Result<TrainConfig> {
    Ok(TrainParams {
        architecture: ArchitectureKind::Cnn,
        epochs: EPOCHS,
        ..s.relu.params().clone()
    }
    .check()?)
}

/// Multiply-adds of each layer for one image: output positions times the
/// layer's matrix (one position for the dense layer).
fn layer_macs(shape: &ConvShape, classes: usize) -> Vec<f64> {
    let shapes = shape.layer_shapes(classes);
    (shapes.iter().enumerate())
        .map(|(l, &(n_in, n_out))| {
            let positions = if l < shape.channels.len() {
                let o = shape.side_at(l) - shape.kernel + 1;
                o * o
            } else {
                1
            };
            (positions * n_in * n_out) as f64
        })
        .collect()
}

/// Floating-point operations of the forward pass of one image, and of one
/// Adam step per image (forward, weight gradients, and input gradients of
/// every layer but the first).
fn flops(shape: &ConvShape, classes: usize) -> (f64, f64) {
    let macs = layer_macs(shape, classes);
    let forward: f64 = macs.iter().sum();
    (2.0 * forward, 2.0 * (2.0 * forward + macs[1..].iter().sum::<f64>()))
}

/// The CNN's training step (alone and stacked) and one evaluation.
pub(super) fn run(s: &Setup) -> anyhow::Result<Vec<Target>> {
    let config = cnn_config(s)?;
    let Architecture::Cnn(shape) = config.architecture(s.task.input_dim())? else {
        anyhow::bail!("the CNN configuration is not a CNN");
    };
    let peak = measure::sgemm_peak();
    let (forward, step) = flops(&shape, s.task.n_classes);
    let batch = config.batch_size as f64;
    println!(
        "cnn {:?} channels, {k}x{k} kernels; {:.1} MFLOP per model-step at batch {}; sgemm peak here {peak:.0} GFLOP/s",
        shape.channels,
        step * batch / 1e6,
        config.batch_size,
        k = shape.kernel
    );
    let n = steps(&s.task, &config);
    let mut per_step = Vec::new();
    let mut nets: Vec<WeightStack> = Vec::new();
    for size in [1, STACK] {
        let seeds: Vec<u64> = (0..size as u64).collect();
        let (t, out) = measure::timed(s.repeat.min(3), || train_stack(&s.task, &config, &seeds));
        let out = out?;
        let per = t.as_secs_f64() / (size * n) as f64;
        per_step.push(per);
        println!(
            "  training, stack of {size}: {:.2} ms per model-step, {:.2} GFLOP/s",
            per * 1e3,
            step * batch / per / 1e9
        );
        nets = out.into_iter().map(|o| o.into_model().weights).collect();
    }
    let (eval_time, agrees) = evaluation(&s.task, &nets[0], s.repeat);
    let ideal = forward * s.task.test.len() as f64 / (peak * 1e9);
    println!(
        "  one evaluation of {} test images: {:.2} ms ({:.1} MFLOP, {:.2} GFLOP/s; {:.1}x the time at the sgemm peak)",
        s.task.test.len(),
        eval_time.as_secs_f64() * 1e3,
        forward * s.task.test.len() as f64 / 1e6,
        forward * s.task.test.len() as f64 / eval_time.as_secs_f64() / 1e9,
        eval_time.as_secs_f64() / ideal
    );
    Ok(vec![
        Target::speed(
            format!("cnn evaluation <= {EVALUATION_VS_PEAK}x its FLOPs at the sgemm peak"),
            format!("{:.1}x", eval_time.as_secs_f64() / ideal),
            eval_time.as_secs_f64() <= EVALUATION_VS_PEAK * ideal,
        ),
        Target::speed(
            "cnn training step <= a dense step at the sgemm peak",
            format!("{:.1}x", per_step[1] / (step * batch / (peak * 1e9))),
            per_step[1] <= step * batch / (peak * 1e9),
        ),
        Target::check(
            "cnn evaluator = burn's conv2d forward (predictions; logits within 1e-4)",
            agrees,
        ),
    ])
}

/// The evaluator's time for one pass over the test set, beside burn's
/// `conv2d` forward on the same network, and whether the two agree.
fn evaluation(task: &Task, net: &WeightStack, repeat: usize) -> (Duration, bool) {
    let eval = Evaluator::new(&task.test);
    let device = mlprobe_core::device::cpu();
    let model = Cnn::from_weights(net, &device);
    let n = task.test.len();
    let x = || Tensor::<2>::from_data(TensorData::new(task.test.x.clone(), [n, task.test.dim]), &device);
    let (burn_time, burn) = measure::timed(repeat.min(3), || model.forward(x()).into_data());
    let burn: Vec<f32> = burn.try_to_vec().expect("logits are f32");
    let (ours_time, ours) = measure::timed(repeat.max(3), || eval.logits(net));
    let k = task.n_classes;
    let argmax = |v: &[f32]| v.chunks_exact(k).map(mlprobe_graph::eval::argmax).collect::<Vec<_>>();
    let close = burn.iter().zip(&ours).all(|(a, b)| (a - b).abs() <= LOGIT_TOLERANCE);
    println!(
        "  burn's conv2d forward on the test set: {:.2} ms; the evaluator {:.2} ms ({:.1}x faster)",
        burn_time.as_secs_f64() * 1e3,
        ours_time.as_secs_f64() * 1e3,
        burn_time.as_secs_f64() / ours_time.as_secs_f64()
    );
    (ours_time, close && argmax(&burn) == argmax(&ours))
}
