//! Architectures beyond the MLP: a CNN's and a ViT's training step and one
//! evaluation of each, against their FLOPs and the sgemm peak measured in
//! the same run, and the evaluator against burn's forward (burn's own
//! `conv2d` for the CNN, the training model's for the ViT).

use std::time::Duration;

use burn::tensor::{Tensor, TensorData};
use mlprobe_core::{Cnn, TrainConfig, TrainParams, Vit, train_stack};
use mlprobe_graph::{Architecture, ArchitectureKind, Evaluator, WeightStack};
use mlprobe_tasks::Task;

use super::measure::{self, steps};
use super::{Setup, Target};

/// Epochs of the timed training runs: enough steps for a stable median.
const EPOCHS: usize = 2;

/// Models per stack in the stacked timing (the runner's stack size).
const STACK: usize = 4;

/// How far the evaluator's logits may be from burn's.
const LOGIT_TOLERANCE: f32 = 1e-4;

/// Most evaluation time as a multiple of its FLOPs at the sgemm peak.
const EVALUATION_VS_PEAK: f64 = 2.0;

/// The network of `kind` with its default keys on the data of `s`.
fn config(s: &Setup, kind: ArchitectureKind) -> anyhow::Result<TrainConfig> {
    Ok(TrainParams {
        architecture: kind,
        epochs: EPOCHS,
        ..s.relu.params().clone()
    }
    .check()?)
}

/// Floating-point operations of the forward pass of one image, and of one
/// Adam step per image (forward, weight gradients, and input gradients of
/// every layer but the first), from each layer's multiply-adds.
fn flops(macs: &[f64]) -> (f64, f64) {
    let forward: f64 = macs.iter().sum();
    (2.0 * forward, 2.0 * (2.0 * forward + macs[1..].iter().sum::<f64>()))
}

/// Every architecture's lines.
pub(super) fn run(s: &Setup) -> anyhow::Result<Vec<Target>> {
    let peak = measure::sgemm_peak();
    println!("sgemm peak here {peak:.0} GFLOP/s");
    let mut targets = Vec::new();
    for kind in [ArchitectureKind::Cnn, ArchitectureKind::Vit] {
        targets.extend(one(s, kind, peak)?);
    }
    Ok(targets)
}

/// One architecture's training step (alone and stacked) and one evaluation,
/// against its FLOPs at the sgemm peak `peak` (GFLOP/s) and burn's forward.
fn one(s: &Setup, kind: ArchitectureKind, peak: f64) -> anyhow::Result<Vec<Target>> {
    let config = config(s, kind)?;
    let classes = s.task.n_classes;
    let architecture = config.architecture(s.task.input_dim())?;
    let shapes = match &architecture {
        Architecture::Cnn(shape) => shape.layer_shapes(classes),
        Architecture::Vit(shape) => shape.layer_shapes(classes),
        Architecture::Mlp => anyhow::bail!("no MLP here"),
    };
    let macs = architecture.layer_multiply_adds(&shapes);
    let (forward, step) = flops(&macs);
    let batch = config.batch_size as f64;
    println!(
        "{}: {:.1} MFLOP per model-step at batch {}",
        architecture.label().unwrap_or_default(),
        step * batch / 1e6,
        config.batch_size,
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
    let device = mlprobe_core::device::cpu();
    let net = &nets[0];
    let (eval_time, agrees) = match kind {
        ArchitectureKind::Cnn => {
            let model = Cnn::from_weights(net, &device);
            evaluation(&s.task, net, s.repeat, "conv2d", |x| model.forward(x))
        }
        _ => {
            let model = Vit::from_weights(net, &device);
            evaluation(&s.task, net, s.repeat, "attention", |x| model.forward(x))
        }
    };
    let images = s.task.test.len() as f64;
    let ideal = forward * images / (peak * 1e9);
    println!(
        "  one evaluation of {images} test images: {:.2} ms ({:.1} MFLOP, {:.2} GFLOP/s; {:.1}x the time at the sgemm peak)",
        eval_time.as_secs_f64() * 1e3,
        forward * images / 1e6,
        forward * images / eval_time.as_secs_f64() / 1e9,
        eval_time.as_secs_f64() / ideal
    );
    Ok(vec![
        Target::speed(
            format!("{kind} evaluation <= {EVALUATION_VS_PEAK}x its FLOPs at the sgemm peak"),
            format!("{:.1}x", eval_time.as_secs_f64() / ideal),
            eval_time.as_secs_f64() <= EVALUATION_VS_PEAK * ideal,
        ),
        Target::speed(
            format!("{kind} training step <= a dense step at the sgemm peak"),
            format!("{:.1}x", per_step[1] / (step * batch / (peak * 1e9))),
            per_step[1] <= step * batch / (peak * 1e9),
        ),
        Target::check(
            format!("{kind} evaluator = burn's forward (predictions; logits within 1e-4)"),
            agrees,
        ),
    ])
}

/// The evaluator's time for one pass over the test set, beside burn's
/// forward (`forward`, built from `ops`) on the same network, and whether
/// the two agree.
fn evaluation(
    task: &Task,
    net: &WeightStack,
    repeat: usize,
    ops: &str,
    forward: impl Fn(Tensor<2>) -> Tensor<2>,
) -> (Duration, bool) {
    let eval = Evaluator::new(&task.test);
    let device = mlprobe_core::device::cpu();
    let n = task.test.len();
    let x = || Tensor::<2>::from_data(TensorData::new(task.test.x.clone(), [n, task.test.dim]), &device);
    let (burn_time, burn) = measure::timed(repeat.min(3), || forward(x()).into_data());
    let burn: Vec<f32> = burn.try_to_vec().expect("logits are f32");
    let (ours_time, ours) = measure::timed(repeat.max(3), || eval.logits(net));
    let k = task.n_classes;
    let argmax = |v: &[f32]| v.chunks_exact(k).map(mlprobe_graph::eval::argmax).collect::<Vec<_>>();
    let close = burn.iter().zip(&ours).all(|(a, b)| (a - b).abs() <= LOGIT_TOLERANCE);
    println!(
        "  burn's {ops} forward on the test set: {:.2} ms; the evaluator {:.2} ms ({:.1}x faster)",
        burn_time.as_secs_f64() * 1e3,
        ours_time.as_secs_f64() * 1e3,
        burn_time.as_secs_f64() / ours_time.as_secs_f64()
    );
    (ours_time, close && argmax(&burn) == argmax(&ours))
}
