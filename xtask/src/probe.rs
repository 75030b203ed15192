//! `cargo xtask probe`: the probes of the experiment files, run on a model
//! trained elsewhere, with the outputs and report of `reproduce`.
//!
//! Everything is read and checked (model, data, experiment files) before
//! anything is written, so a bad input leaves the output folder as it was.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use mlprobe_graph::store::{
    MODEL_FORMAT, conv_shape_of, decode_model, read_edge_lists, read_modules, read_safetensors, vit_shape_of,
};
use mlprobe_graph::{Architecture, ArchitectureKind, WeightStack};
use mlprobe_runner::{DataSource, Experiment, GivenModel, GivenTask, RunOptions};
use mlprobe_tasks::{Dataset, Task};

use crate::experiments::{experiments_dir, resolve};
use crate::flags::Probe;
use crate::reproduce::set_threads;
use crate::runs;

/// The experiments whose probes run by default: those of the paper's figures.
const FIGURE_EXPERIMENTS: [&str; 5] = ["binarization", "pruning", "noise", "flip", "randomization"];

/// The data to probe on: its name, source and loaded task.
struct Data {
    name: String,
    source: DataSource,
    task: Task,
}

/// Loads the test split the flags name, with the classes they pick.
fn load_data(flags: &Probe) -> anyhow::Result<Data> {
    let classes = (!flags.classes.is_empty()).then_some(&flags.classes[..]);
    let from_dataset = |dataset: &Dataset, name: String, source: DataSource| -> anyhow::Result<Data> {
        let all: Vec<u8> = dataset.test.class_counts().into_iter().map(|(c, _)| c).collect();
        let task = Task::from_classes(dataset, classes.unwrap_or(&all))?;
        Ok(Data { name, source, task })
    };
    if let Some(embedded) = flags.dataset {
        from_dataset(
            embedded.load(),
            embedded.name().to_string(),
            DataSource::Embedded(embedded),
        )
    } else if let Some(dir) = &flags.data_dir {
        let dataset = Dataset::from_dir(dir)?;
        from_dataset(&dataset, stem(dir), DataSource::Dir(dir.clone()))
    } else if let Some(npz) = &flags.data_npz {
        let name = stem(npz);
        let task = mlprobe_tasks::npz::load_npz(npz, &name, classes)?;
        Ok(Data {
            name,
            source: DataSource::Npz(npz.clone()),
            task,
        })
    } else {
        bail!("give the data: --dataset, --data-dir or --data-npz")
    }
}

/// A file or folder name as a label: letters, digits, `-` and `_`.
fn stem(path: &Path) -> String {
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let label: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    if label.is_empty() { "model".into() } else { label }
}

/// The side of the square images of `input` pixels.
fn square_side(input: usize) -> anyhow::Result<usize> {
    Ok(Architecture::square_side(input)?)
}

/// Reads the model in whichever format `path` holds, for data of `input`
/// features and (when the classes were picked) `outputs` classes.
fn read_model(flags: &Probe, input: usize, outputs: Option<usize>) -> anyhow::Result<(WeightStack, Vec<String>)> {
    let path = &flags.model;
    if path.is_dir() {
        let imported = read_edge_lists(path)?;
        return Ok((WeightStack::new(flags.activation, imported.layers), imported.notes));
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    // A file that is not safetensors fails below, with the reader's message.
    let metadata = (safetensors::SafeTensors::read_metadata(&bytes).ok())
        .and_then(|(_, header)| header.metadata().clone())
        .unwrap_or_default();
    if metadata.get("format").map(String::as_str) == Some(MODEL_FORMAT) {
        let (net, _) = decode_model(&bytes, path)?;
        if net.activation != flags.activation {
            bail!(
                "{} is a model of mlprobe trained with {}, not {}: --activation {}",
                path.display(),
                net.activation,
                flags.activation,
                net.activation
            );
        }
        return Ok((net, Vec::new()));
    }
    let architecture = match flags.architecture {
        ArchitectureKind::Mlp => None,
        ArchitectureKind::Cnn => Some(Architecture::Cnn(conv_shape_of(&bytes, path, square_side(input)?)?)),
        ArchitectureKind::Vit => Some(Architecture::Vit(vit_shape_of(
            &bytes,
            path,
            square_side(input)?,
            flags.heads,
        )?)),
    };
    if let Some(architecture) = architecture {
        return Ok(read_modules(&bytes, path, &architecture, flags.activation)?);
    }
    let layers = (!flags.layers.is_empty()).then_some(&flags.layers[..]);
    let imported = read_safetensors(&bytes, path, input, outputs, layers)?;
    Ok((WeightStack::new(flags.activation, imported.layers), imported.notes))
}

/// Runs the command.
pub fn run(flags: Probe) -> anyhow::Result<()> {
    let data = load_data(&flags)?;
    let classes_given = !flags.classes.is_empty();
    let input = data.task.test.dim;
    let outputs = classes_given.then_some(data.task.n_classes);
    let (net, notes) = read_model(&flags, input, outputs)?;
    if net.input_dim() != input {
        bail!(
            "{} takes {} inputs, the data has {input}",
            flags.model.display(),
            net.input_dim()
        );
    }
    if net.output_dim() != data.task.n_classes {
        bail!(
            "the data's labels are {} ({} classes) but the model has {} outputs; pick its classes, in its label order, with --classes",
            data.task
                .classes
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            data.task.n_classes,
            net.output_dim()
        );
    }
    if data.task.test.is_empty() {
        bail!("the data has no test example of the classes asked for");
    }
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
        label: stem(&flags.model),
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
    runs::run_all(&experiments, &opts)
}
