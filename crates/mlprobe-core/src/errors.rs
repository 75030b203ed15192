//! Typed errors of the core crate.

use std::path::PathBuf;

/// An invalid training parameter, named.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TrainError {
    /// A parameter is out of its range.
    #[error("{name} = {value} is out of range: {expected}")]
    OutOfRange {
        /// The parameter's name as in configuration files.
        name: &'static str,
        /// The value given, as text.
        value: String,
        /// The valid range.
        expected: &'static str,
    },
    /// The task and the network do not fit together.
    #[error("task does not fit the network: {0}")]
    TaskMismatch(String),
}

/// Why a stored model could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file system error.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a valid model file.
    #[error("{path}: not a valid model file: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}
