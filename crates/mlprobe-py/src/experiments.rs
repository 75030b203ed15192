//! The experiment files of the paper's figures, built into the package so
//! that `probes="pruning"` works without a clone of the repository.

use std::path::{Path, PathBuf};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The built-in experiments: the probes of the paper's Figs. 1-4 and its
/// Fig. 5 protocol on one matrix at a time, and the compression probes.
const BUILTIN: [(&str, &str); 7] = [
    ("binarization", include_str!("../../../experiments/binarization.toml")),
    ("pruning", include_str!("../../../experiments/pruning.toml")),
    ("noise", include_str!("../../../experiments/noise.toml")),
    ("flip", include_str!("../../../experiments/flip.toml")),
    ("randomization", include_str!("../../../experiments/randomization.toml")),
    ("compression", include_str!("../../../experiments/compression.toml")),
    (
        "transformer-layers",
        include_str!("../../../experiments/transformer-layers.toml"),
    ),
];

/// An experiment file's name, text and the path its messages name.
pub(crate) struct ExperimentText {
    pub name: String,
    pub text: String,
    pub path: PathBuf,
}

/// `arg`: the name of a built-in experiment, or the path of a TOML file.
pub(crate) fn experiment_text(arg: &str) -> PyResult<ExperimentText> {
    if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == arg) {
        return Ok(ExperimentText {
            name: name.to_string(),
            text: text.to_string(),
            path: PathBuf::from(format!("{name}.toml (built in)")),
        });
    }
    let path = Path::new(arg);
    let text = std::fs::read_to_string(path).map_err(|e| {
        PyValueError::new_err(format!(
            "{arg}: {e}; give a TOML file or one of the built-in experiments: {}",
            names().join(", ")
        ))
    })?;
    let name = (path.file_stem()).map_or_else(|| "probes".to_string(), |s| s.to_string_lossy().into_owned());
    Ok(ExperimentText {
        name,
        text,
        path: path.to_path_buf(),
    })
}

/// The names of the built-in experiments.
#[pyfunction]
pub(crate) fn names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}
