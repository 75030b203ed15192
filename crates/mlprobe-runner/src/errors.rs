//! Typed errors of the runner. Each names what it is about (a file, a key,
//! a task, a unit); the underlying cause is its `source`, not repeated in
//! its message.

use std::path::PathBuf;

/// Why an experiment file is not valid. Every variant names the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Not TOML, an unknown key, a missing key or a value of the wrong type.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (it names the key and shows the line).
        message: String,
    },
    /// A value of the right type but out of range.
    #[error("{path}: {invalid}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The key, its value and what would be valid.
        invalid: InvalidKey,
    },
}

/// A value that is not valid for its key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{key}` = {value} is invalid: {expected}")]
pub struct InvalidKey {
    /// The dotted key, e.g. `runs.seeds`, `tasks[1].classes` or `probes[0].levels`.
    pub key: String,
    /// The value given.
    pub value: String,
    /// What would be valid.
    pub expected: String,
}

impl InvalidKey {
    /// The key `key` with `value`, which should have been `expected`.
    pub(crate) fn new(key: impl Into<String>, value: impl Into<String>, expected: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
            expected: expected.into(),
        }
    }

    /// The same error under `prefix.` (e.g. `probes[2].`).
    pub(crate) fn within(mut self, prefix: &str) -> Self {
        self.key = format!("{prefix}.{}", self.key);
        self
    }
}

/// Why an experiment could not run to the end. Results written before the
/// error stay on disk, and a re-run resumes from them.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The data of a task could not be loaded.
    #[error("experiment {experiment}: tasks[{index}] ({dataset} {label})")]
    Data {
        /// The experiment.
        experiment: String,
        /// Index of the task entry.
        index: usize,
        /// Its dataset.
        dataset: String,
        /// Its label.
        label: String,
        /// The cause.
        source: Box<mlprobe_tasks::DataError>,
    },
    /// The run would exceed a limit of the machine (see `docs/methods.md`).
    #[error("experiment {experiment}: {invalid}")]
    Limit {
        /// The experiment.
        experiment: String,
        /// The key, its value and the limit.
        invalid: InvalidKey,
    },
    /// A model could not be trained.
    #[error("training {dataset} {label} seed {seed}")]
    Train {
        /// The task's dataset.
        dataset: String,
        /// The task's label.
        label: String,
        /// The seed.
        seed: u64,
        /// The cause.
        source: Box<mlprobe_core::TrainError>,
    },
    /// A model or result file could not be written or read.
    #[error(transparent)]
    Store(#[from] Box<mlprobe_graph::StoreError>),
    /// An output could not be encoded.
    #[error("encoding {path}: {message}")]
    Encode {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Some units failed; the others' results are kept.
    #[error(
        "experiment {experiment}: {} of {total} units failed (finished units are kept; a re-run resumes):\n  {}",
        failures.len(),
        failures.join("\n  ")
    )]
    Units {
        /// The experiment.
        experiment: String,
        /// Units in the experiment.
        total: usize,
        /// One message per failed unit.
        failures: Vec<String>,
    },
    /// A `[map]` table that cannot be built from the experiment's tasks.
    #[error("experiment {experiment}: [map]: {reason}")]
    Map {
        /// The experiment.
        experiment: String,
        /// What is wrong.
        reason: String,
    },
    /// A model that an analysis needs is missing or invalid.
    #[error("{analysis} needs the model of {dataset} {label} seed {seed}")]
    Analysis {
        /// The analysis, e.g. `resonance analysis`.
        analysis: &'static str,
        /// The task's dataset.
        dataset: String,
        /// The task's label.
        label: String,
        /// The seed.
        seed: u64,
        /// The cause.
        source: Box<mlprobe_graph::StoreError>,
    },
}

impl From<mlprobe_graph::StoreError> for RunError {
    fn from(e: mlprobe_graph::StoreError) -> Self {
        RunError::Store(Box::new(e))
    }
}

/// `err` and its causes, outermost first, joined by `: ` (each distinct
/// message once): the form in which errors are shown to users.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// The values of `results`, or, if any failed, the error that lists every
/// failure (among `total` units of `experiment`).
pub(crate) fn all_or_failures<T>(
    experiment: &str,
    total: usize,
    results: Vec<Result<T, RunError>>,
) -> Result<Vec<T>, RunError> {
    let mut done = Vec::with_capacity(results.len());
    let mut failures = Vec::new();
    for r in results {
        match r {
            Ok(v) => done.push(v),
            Err(e) => failures.push(error_chain(&e)),
        }
    }
    if !failures.is_empty() {
        return Err(RunError::Units {
            experiment: experiment.to_string(),
            total,
            failures,
        });
    }
    Ok(done)
}
