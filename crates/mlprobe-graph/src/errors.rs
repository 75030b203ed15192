//! Typed errors of the weight-graph crate.

use std::path::PathBuf;

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

/// Why an edge list could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EdgeListError {
    /// The text has no header line.
    #[error("empty edge list")]
    Empty,
    /// The header is not `n_in n_out`.
    #[error("header `{0}` is not `n_in n_out`")]
    Header(String),
    /// A line is not `L<l>_<j> L<l+1>_<i> <weight>`.
    #[error("line {line}: `{text}` is not `L<l>_<j> L<l+1>_<i> <weight>`")]
    Line {
        /// Line number, from 1.
        line: usize,
        /// The line.
        text: String,
    },
    /// An edge names a node outside the header's sizes.
    #[error("line {line}: edge {from} -> {to} outside {n_in} x {n_out}")]
    OutOfRange {
        /// Line number, from 1.
        line: usize,
        /// Input node.
        from: usize,
        /// Output node.
        to: usize,
        /// Input nodes of the header.
        n_in: usize,
        /// Output nodes of the header.
        n_out: usize,
    },
}
