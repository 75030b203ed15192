//! A model trained elsewhere and the test data to probe it on, read and
//! checked against each other before anything runs (what `cargo xtask
//! probe` and `mlprobe.probe_mlp` share).

use std::path::{Path, PathBuf};

use mlprobe_graph::store::{
    MODEL_FORMAT, conv_shape_of, decode_model, read_edge_lists, read_modules, read_safetensors, safetensors_metadata,
    vit_shape_of,
};
use mlprobe_graph::{Activation, Architecture, ArchitectureKind, ShapeError, StoreError, WeightStack};
use mlprobe_tasks::{DataError, Dataset, Task};

use crate::config::DataSource;

/// Why a model or its data could not be probed.
#[derive(Debug, thiserror::Error)]
pub enum GivenError {
    /// The data could not be read.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The model could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The images are not square, or the model's shape is not valid.
    #[error(transparent)]
    Shape(#[from] ShapeError),
    /// The model file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A source that holds no test split to probe on.
    #[error("give the data: an embedded dataset, a folder of IDX files or an .npz file")]
    NoData,
    /// A model file of mlprobe trained with another activation.
    #[error("{path} is a model of mlprobe trained with {trained}, not {given}: give the activation {trained}")]
    Activation {
        /// The model file.
        path: PathBuf,
        /// Its activation.
        trained: Activation,
        /// The one given.
        given: Activation,
    },
    /// The model's inputs are not the data's.
    #[error("{path} takes {model} inputs, the data has {data}")]
    Inputs {
        /// The model file.
        path: PathBuf,
        /// The model's inputs.
        model: usize,
        /// The data's.
        data: usize,
    },
    /// The model's outputs are not the data's classes.
    #[error(
        "the data's labels are {labels} ({classes} classes) but the model has {outputs} outputs; pick its classes in its label order (`--classes`, or `classes=` from Python)"
    )]
    Outputs {
        /// The labels, comma-separated.
        labels: String,
        /// How many.
        classes: usize,
        /// The model's outputs.
        outputs: usize,
    },
    /// No test example of the classes asked for.
    #[error("the data has no test example of the classes asked for")]
    Empty,
}

/// The test data a model is probed on.
#[derive(Debug, Clone)]
pub struct GivenData {
    /// Its name (the `dataset` column).
    pub name: String,
    /// Where it comes from.
    pub source: DataSource,
    /// Its test split, with the classes picked.
    pub task: Task,
}

impl GivenData {
    /// The test split of `source` with `classes` (default: all, in order).
    pub fn load(source: DataSource, classes: Option<&[u8]>) -> Result<Self, GivenError> {
        let from_dataset = |dataset: &Dataset, name: String, source: DataSource| -> Result<Self, GivenError> {
            let all: Vec<u8> = dataset.test.class_counts().into_iter().map(|(c, _)| c).collect();
            let task = Task::from_classes(dataset, classes.unwrap_or(&all))?;
            Ok(Self { name, source, task })
        };
        match &source {
            DataSource::Embedded(e) => from_dataset(e.load(), e.name().to_string(), source.clone()),
            DataSource::Dir(dir) => from_dataset(&Dataset::from_dir(dir)?, label_of(dir), source.clone()),
            DataSource::Npz(npz) => {
                let name = label_of(npz);
                let task = mlprobe_tasks::npz::load_npz(npz, &name, classes)?;
                Ok(Self { name, source, task })
            }
            DataSource::Synthetic(_) => Err(GivenError::NoData),
        }
    }
}

/// How to read a model file that does not say its own architecture.
#[derive(Debug, Clone)]
pub struct ModelReading {
    /// The hidden activation.
    pub activation: Activation,
    /// The architecture of a file not written by mlprobe.
    pub architecture: ArchitectureKind,
    /// A ViT's attention heads per block.
    pub heads: usize,
    /// An MLP's weight tensors in order, where shapes do not chain one way only.
    pub layers: Vec<String>,
}

impl ModelReading {
    /// Reads the model at `path` (a model file of mlprobe, a safetensors
    /// file saved by PyTorch, or a folder of edge lists) for `data`, whose
    /// classes were picked when `classes_picked`; checks that they fit and
    /// returns the network and notes on what was read.
    pub fn read(
        &self,
        path: &Path,
        data: &GivenData,
        classes_picked: bool,
    ) -> Result<(WeightStack, Vec<String>), GivenError> {
        let outputs = classes_picked.then_some(data.task.n_classes);
        let (net, notes) = self.read_file(path, data.task.test.dim, outputs)?;
        if net.input_dim() != data.task.test.dim {
            return Err(GivenError::Inputs {
                path: path.to_path_buf(),
                model: net.input_dim(),
                data: data.task.test.dim,
            });
        }
        if net.output_dim() != data.task.n_classes {
            let labels: Vec<String> = data.task.classes.iter().map(|c| c.to_string()).collect();
            return Err(GivenError::Outputs {
                labels: labels.join(", "),
                classes: data.task.n_classes,
                outputs: net.output_dim(),
            });
        }
        if data.task.test.is_empty() {
            return Err(GivenError::Empty);
        }
        Ok((net, notes))
    }

    fn read_file(
        &self,
        path: &Path,
        input: usize,
        outputs: Option<usize>,
    ) -> Result<(WeightStack, Vec<String>), GivenError> {
        if path.is_dir() {
            let imported = read_edge_lists(path)?;
            return Ok((WeightStack::new(self.activation, imported.layers), imported.notes));
        }
        let bytes = std::fs::read(path).map_err(|source| GivenError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        // A file that is not safetensors fails below, with the reader's message.
        let metadata = safetensors_metadata(&bytes).unwrap_or_default();
        if metadata.get("format").map(String::as_str) == Some(MODEL_FORMAT) {
            let (net, _) = decode_model(&bytes, path)?;
            if net.activation != self.activation {
                return Err(GivenError::Activation {
                    path: path.to_path_buf(),
                    trained: net.activation,
                    given: self.activation,
                });
            }
            return Ok((net, Vec::new()));
        }
        let side = || Architecture::square_side(input);
        let architecture = match self.architecture {
            ArchitectureKind::Mlp => None,
            ArchitectureKind::Cnn => Some(Architecture::Cnn(conv_shape_of(&bytes, path, side()?)?)),
            ArchitectureKind::Vit => Some(Architecture::Vit(vit_shape_of(&bytes, path, side()?, self.heads)?)),
        };
        if let Some(architecture) = architecture {
            return Ok(read_modules(&bytes, path, &architecture, self.activation)?);
        }
        let layers = (!self.layers.is_empty()).then_some(&self.layers[..]);
        let imported = read_safetensors(&bytes, path, input, outputs, layers)?;
        Ok((WeightStack::new(self.activation, imported.layers), imported.notes))
    }
}

/// A file or folder name as a label: letters, digits, `-` and `_`.
pub fn label_of(path: &Path) -> String {
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
