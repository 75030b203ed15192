//! What the command-line tests share: a small experiment.

/// A small experiment: easy and hard MNIST, three seeds, binarization and a
/// short pruning sweep (with a signed noise sweep, for the resonance analysis).
pub const EXPERIMENT: &str = r#"
description = "reliability test"
[training]
hidden = [16]
activation = "relu"
epochs = 20
batch_size = 128
learning_rate = 0.01
[runs]
seeds = 3
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
[[probes]]
probe = "prune"
levels = [0.0, 0.5, 0.9]
signed = [false, true]
[[probes]]
probe = "noise"
strategies = ["gaussian"]
levels = [0.01, 0.1]
signed = [true]
"#;
