//! Shared helpers of the end-to-end tests.

use std::path::Path;

use mlprobe_runner::Experiment;

/// A small experiment on the embedded MNIST: easy (0 vs 7) and hard (7 vs 9),
/// step-matched ReLU training, binarization, `seeds` seeds.
pub fn tiny_experiment(seeds: usize) -> Experiment {
    let text = format!(
        r#"
description = "end-to-end test"
[training]
hidden = [64]
activation = "relu"
epochs = 75
batch_size = 128
learning_rate = 0.01
[runs]
seeds = {seeds}
quick_seeds = 1
[[tasks]]
label = "easy"
dataset = "mnist"
classes = [0, 7]
[[tasks]]
label = "hard"
dataset = "mnist"
classes = [7, 9]
[[probes]]
probe = "binarize"
"#
    );
    Experiment::from_toml("tiny", &text, Path::new("tiny.toml")).expect("valid experiment")
}
