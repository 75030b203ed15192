//! Shared helpers of the end-to-end tests.

use std::path::Path;

use mlprobe_runner::{Experiment, RunOptions};

/// A small experiment file on the embedded MNIST: easy (0 vs 7) and hard
/// (7 vs 9), step-matched ReLU training, `seeds` seeds, the given probes.
pub fn tiny_toml(seeds: usize, probes: &str) -> String {
    format!(
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
{probes}
"#
    )
}

/// The small experiment with binarization only.
pub fn tiny_experiment(seeds: usize) -> Experiment {
    let toml = tiny_toml(seeds, "[[probes]]\nprobe = \"binarize\"\n");
    Experiment::from_toml("tiny", &toml, Path::new("tiny.toml")).expect("valid experiment")
}

/// The TOML of [`tiny_all_probes`].
pub fn tiny_all_probes_toml(seeds: usize) -> String {
    let probes = r#"
[[probes]]
probe = "binarize"
[[probes]]
probe = "prune"
levels = [0.0, 0.5, 0.9]
signed = [false, true]
[[probes]]
probe = "noise"
strategies = ["gaussian"]
levels = { from = -8, to = -2, points = 3, scale = "log2" }
signed = [false, true]
draws = 2
[[probes]]
probe = "flip"
strategies = ["smallest"]
levels = [0.0, 0.2]
signed = [true]
[[probes]]
probe = "randomize"
signed = [false, true]
[[probes]]
probe = "prune"
strategies = ["smallest"]
levels = [0.0, 0.5]
after = [{ probe = "randomize", strategies = ["B"] }]
"#;
    tiny_toml(seeds, probes)
}

/// The small experiment with every probe on short grids.
pub fn tiny_all_probes(seeds: usize) -> Experiment {
    Experiment::from_toml("tiny-all", &tiny_all_probes_toml(seeds), Path::new("tiny-all.toml"))
        .expect("valid experiment")
}

/// Run options writing into `out`, without a progress bar.
pub fn options(out: &Path) -> RunOptions {
    RunOptions {
        out: out.to_path_buf(),
        quick: false,
        seeds: None,
        progress: false,
    }
}

/// A report context for tests (no wall time, so reports compare equal).
pub fn report_context() -> mlprobe_report::Context {
    mlprobe_report::Context {
        command: "test".into(),
        threads: 1,
        rustc: "rustc".into(),
        wall: std::time::Duration::ZERO,
        tolerance: mlprobe_report::DEFAULT_TOLERANCE,
    }
}
