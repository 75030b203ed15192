//! Timing helpers of the benchmarks, and the machine's sgemm peak.

use std::time::{Duration, Instant};

use anyhow::bail;
use mlprobe_core::{TrainConfig, TrainOutcome, train};
use mlprobe_graph::WeightStack;
use mlprobe_tasks::Task;

/// The median of `repeat` timings of `f`, and its last result.
pub(super) fn timed<T>(repeat: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
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

pub(super) fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Adam steps of one training run.
pub(super) fn steps(task: &Task, config: &TrainConfig) -> usize {
    config.epochs * task.train.len().div_ceil(config.batch_size)
}

/// The first seed from `from` whose model trains (reaches the configuration's threshold).
pub(super) fn trained_model(task: &Task, config: &TrainConfig, from: u64) -> anyhow::Result<(u64, WeightStack)> {
    for seed in from..from + 20 {
        if let TrainOutcome::Trained(model) = train(task, config, seed)? {
            return Ok((seed, model.weights));
        }
    }
    bail!("no seed in {from}..{} trained", from + 20)
}

/// The GFLOP/s of one 512 x 512 x 512 matrix product on burn's CPU backend
/// (the sgemm kernel every training product runs on), the best of a few.
pub(super) fn sgemm_peak() -> f64 {
    use burn::tensor::{Tensor, TensorData};
    let device = mlprobe_core::device::cpu();
    let n = 512;
    let a = Tensor::<2>::from_data(TensorData::new(vec![0.5f32; n * n], [n, n]), &device);
    let b = Tensor::<2>::from_data(TensorData::new(vec![0.25f32; n * n], [n, n]), &device);
    let (t, _) = timed(5, || a.clone().matmul(b.clone()).into_data());
    2.0 * (n * n * n) as f64 / t.as_secs_f64() / 1e9
}
