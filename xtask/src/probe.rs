//! `cargo xtask probe`: the probes of the experiment files, run on a model
//! trained elsewhere, with the outputs and report of `reproduce`.
//!
//! Everything is read and checked (model, data, experiment files) before
//! anything is written, so a bad input leaves the output folder as it was.

use std::path::PathBuf;

use anyhow::bail;
use mlprobe_runner::{DataSource, Experiment, GivenData, GivenModel, GivenTask, ModelReading, RunOptions, label_of};

use crate::experiments::{experiments_dir, resolve};
use crate::flags::Probe;
use crate::reproduce::set_threads;
use crate::runs;

/// The experiments whose probes run by default: those of the paper's figures.
const FIGURE_EXPERIMENTS: [&str; 6] = [
    "binarization",
    "pruning",
    "noise",
    "flip",
    "randomization",
    "compression",
];

/// Where the flags say the data is.
fn data_source(flags: &Probe) -> anyhow::Result<DataSource> {
    Ok(match (flags.dataset, &flags.data_dir, &flags.data_npz) {
        (Some(embedded), _, _) => DataSource::Embedded(embedded),
        (None, Some(dir), _) => DataSource::Dir(dir.clone()),
        (None, None, Some(npz)) => DataSource::Npz(npz.clone()),
        (None, None, None) => bail!("give the data: --dataset, --data-dir or --data-npz"),
    })
}

/// Runs the command.
pub fn run(flags: Probe) -> anyhow::Result<()> {
    let classes = (!flags.classes.is_empty()).then_some(&flags.classes[..]);
    let data = GivenData::load(data_source(&flags)?, classes)?;
    let reading = ModelReading {
        activation: flags.activation,
        architecture: flags.architecture,
        heads: flags.heads,
        layers: flags.layers.clone(),
    };
    let (net, notes) = reading.read(&flags.model, &data, classes.is_some())?;
    for note in &notes {
        eprintln!("note: {note}");
    }

    let names: Vec<String> = if flags.experiments.is_empty() {
        FIGURE_EXPERIMENTS.iter().map(|s| s.to_string()).collect()
    } else {
        flags.experiments.clone()
    };
    let files: Vec<PathBuf> = resolve(&names, &experiments_dir())?;
    let model = GivenModel::new(&flags.model, net, notes);
    let spec = GivenTask {
        label: label_of(&flags.model),
        dataset: data.name.clone(),
        source: data.source.clone(),
        classes: data.task.classes.clone(),
    };
    let experiments: Vec<Experiment> = files
        .iter()
        .map(|f| Ok(Experiment::load(f)?.probing(model.clone(), spec.clone(), flags.seed)?))
        .collect::<anyhow::Result<_>>()?;

    set_threads(flags.threads)?;
    let opts = RunOptions {
        out: flags.out.clone(),
        quick: flags.quick,
        seeds: None,
        progress: true,
    };
    runs::run_all(&experiments, &opts, flags.tolerance.0)
}
