//! The set-up section: the command, versions, data, model and training as
//! the experiments configured them, and one line per experiment.

use mlprobe_core::TrainParams;
use mlprobe_graph::ArchitectureKind;
use mlprobe_runner::{ExperimentRun, TaskSpec};

use crate::claims::Input;
use crate::markdown::{Markdown, Table, distinct};
use crate::panels::network;

/// The burn release mlprobe is built on (pinned in the workspace manifest).
pub const BURN_VERSION: &str = "0.22.1";

/// Failed tasks named in an experiment's row, at most; the rest are counted.
const MAX_NAMED_FAILURES: usize = 4;

/// Facts about the invocation, for the set-up section.
#[derive(Debug, Clone)]
pub struct Context {
    /// The command that was run.
    pub command: String,
    /// Worker threads.
    pub threads: usize,
    /// `rustc --version`, if known.
    pub rustc: String,
    /// Wall time of all experiments.
    pub wall: std::time::Duration,
    /// Accuracy points a compressed model may lose and still count as
    /// intact, in the compression summary.
    pub tolerance: f64,
}

/// The default of [`Context::tolerance`]: one point of accuracy.
pub const DEFAULT_TOLERANCE: f64 = 1.0;

/// Every distinct value of `value` over the tasks, in order, joined by ` / `.
fn values<'a>(tasks: impl IntoIterator<Item = &'a TaskSpec>, value: impl Fn(&TrainParams) -> String) -> String {
    distinct(tasks.into_iter().map(|t| value(t.training.params()))).join(" / ")
}

/// The network sizes of every task of the runs, each once, e.g. `784-64-2`.
fn networks(inputs: &[Input<'_>]) -> String {
    let all = inputs
        .iter()
        .flat_map(|&(exp, run)| (0..exp.tasks.len()).map(move |t| network(exp, run, t)));
    distinct(all).join(" / ")
}

/// `N of M trained`, naming the tasks with failed runs (the arms of a
/// swept task counted together).
fn trained(run: &ExperimentRun) -> String {
    let mut tasks: Vec<(String, usize, usize)> = Vec::new();
    let first = run.experiment.statistics.first().copied().unwrap_or_default();
    for (d, by_label) in &run.summary.results {
        // A list of statistics summarises the same runs once per value.
        for (label, t) in by_label.iter().filter(|(_, t)| t.statistics == first) {
            // A swept task's label is `<label> <key>=<value>...`.
            let name = format!("{d} {}", label.split(' ').next().unwrap_or(label));
            match tasks.iter_mut().find(|(n, _, _)| *n == name) {
                Some(entry) => {
                    entry.1 += t.trained;
                    entry.2 += t.failed;
                }
                None => tasks.push((name, t.trained, t.failed)),
            }
        }
    }
    let (trained, failed): (usize, usize) = tasks.iter().fold((0, 0), |(a, b), t| (a + t.1, b + t.2));
    let arms: usize =
        run.summary.results.values().map(|m| m.len()).sum::<usize>() / run.experiment.statistics.len().max(1);
    let count = match (tasks.len(), arms) {
        (1, 1) => format!("{trained} of {} runs trained", trained + failed),
        (n, a) if a > n => format!(
            "{n} tasks x {} arms: {trained} of {} runs trained",
            a / n.max(1),
            trained + failed
        ),
        (n, _) => format!("{n} tasks: {trained} of {} runs trained", trained + failed),
    };
    let failing: Vec<String> = (tasks.iter())
        .filter(|t| t.2 > 0)
        .map(|(name, t, f)| format!("{name} {f} of {}", t + f))
        .collect();
    match failing.len() {
        0 => count,
        n if n <= MAX_NAMED_FAILURES => format!("{count}; failed: {}", failing.join(", ")),
        n => format!(
            "{count}; failed: {} and {} more tasks",
            failing[..MAX_NAMED_FAILURES].join(", "),
            n - MAX_NAMED_FAILURES
        ),
    }
}

/// Writes the set-up section.
pub(crate) fn write(inputs: &[Input<'_>], ctx: &Context, md: &mut Markdown) {
    md.heading(2, "Set-up");
    md.item(&format!(
        "Command: `{}`; {} worker threads; wall time {:.1} s.",
        ctx.command,
        ctx.threads,
        ctx.wall.as_secs_f64()
    ));
    md.item(&format!(
        "Versions: mlprobe {}, burn {BURN_VERSION} (CPU, ndarray backend), {}.",
        env!("CARGO_PKG_VERSION"),
        ctx.rustc
    ));
    match inputs.iter().find_map(|(e, _)| e.model.as_ref()) {
        None => {
            let tasks = || inputs.iter().flat_map(|(e, _)| e.tasks.iter());
            md.item("Data: unless a task names a `data_dir`, the embedded 10,000-image subsets of MNIST and Fashion-MNIST (7,996 training and 2,004 test images, 80/20 per class), so a class pair has about 1,650 training and 400 test images.");
            md.item(&format!(
                "Model and training, as the experiments configure them: {} {} with {} hidden activations{}, PyTorch-style initialisation, Adam (learning rate {}, cosine annealing per epoch), batch {}, NLL on log-softmax; trained biases and the training activation kept in every probe unless an experiment's `[evaluation]` says otherwise. A run whose full-precision test accuracy is below its experiment's threshold ({} %) counts as failed and is left out of every statistic.",
                if tasks().all(|t| t.training.params().architecture == ArchitectureKind::Mlp) {
                    "MLP"
                } else {
                    "networks"
                },
                networks(inputs),
                values(tasks(), |p| p.activation.to_string()),
                if tasks().any(|t| t.training.params().architecture == ArchitectureKind::Vit) {
                    " (GELU in a ViT's feed-forward layers)"
                } else {
                    ""
                },
                values(tasks(), |p| p.learning_rate.to_string()),
                values(tasks(), |p| p.batch_size.to_string()),
                values(tasks(), |p| p.failed_below.to_string()),
            ));
        }
        Some(model) => {
            let (exp, run) = inputs[0];
            let task = &exp.tasks[0];
            let kind = match model.weights.architecture {
                mlprobe_graph::Architecture::Mlp => "an MLP",
                mlprobe_graph::Architecture::Cnn(_) => "a CNN",
                mlprobe_graph::Architecture::Vit(_) => "a ViT",
            };
            md.item(&format!(
                "Model: `{}`, trained elsewhere: {kind} {} with {} activations, probed as given (its own accuracy is the row `none`; nothing is trained, no run counts as failed).",
                model.path.display(),
                model.weights.label(),
                model.weights.activation
            ));
            for note in &model.notes {
                md.raw(&format!("  - read: {note}\n"));
            }
            md.item(&format!(
                "Data: the test split of {} (classes {}, in the model's label order), {} images; random draws seeded by seed {}.",
                task.dataset,
                task.classes_label(),
                run.units.first().map_or(0, |u| u.test_images),
                exp.first_seed
            ));
        }
    }
    md.raw("\n");
    let mut table = Table::new([
        "experiment",
        "network",
        "activation",
        "epochs",
        "seeds per task",
        "sweep points per model",
        "runs",
        "wall time",
    ]);
    for (exp, run) in inputs {
        table.row([
            exp.name.clone(),
            networks(&[(exp, run)]),
            values(&exp.tasks, |p| p.activation.to_string()),
            if exp.model.is_some() {
                "given".to_string()
            } else {
                values(&exp.tasks, |p| p.epochs.to_string())
            },
            run.summary.seeds.len().to_string(),
            run.units.first().map_or(0, |u| u.rows.len() - 1).to_string(),
            trained(run),
            format!("{:.1} s", run.wall.as_secs_f64()),
        ]);
    }
    md.table(&table);
}
