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
    /// A tensor's element type is not a floating-point type mlprobe reads.
    #[error("{path}: tensor `{tensor}` is {dtype}; supported are F32, F16, BF16 and F64")]
    Dtype {
        /// The file.
        path: PathBuf,
        /// The tensor.
        tensor: String,
        /// Its element type.
        dtype: String,
    },
    /// A tensor's shape does not fit an MLP.
    #[error("{path}: tensor `{tensor}`: {reason}")]
    Shape {
        /// The file.
        path: PathBuf,
        /// The tensor.
        tensor: String,
        /// What is wrong.
        reason: String,
    },
    /// The weight matrices do not chain into one network.
    #[error("{path}: {reason}")]
    Chain {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the tensors.
        reason: String,
    },
    /// The first layer's inputs are not the data's.
    #[error("{path}: {tensor} takes {found} inputs, the data has {expected}")]
    InputDim {
        /// The file.
        path: PathBuf,
        /// The first layer's weight tensor.
        tensor: String,
        /// Its number of inputs.
        found: usize,
        /// The data's input dimension.
        expected: usize,
    },
    /// Tensors hold NaN or infinite values.
    #[error("{path}: {tensors}; probes need finite weights")]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// Each tensor with its counts, e.g. `fc1.weight (2 NaN, 1 infinite)`.
        tensors: String,
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
    /// The header's sizes are zero or more than a layer may hold.
    #[error("header `{n_in} {n_out}`: a layer needs 1 to 50000000 entries, and nodes on both sides")]
    TooLarge {
        /// Input nodes of the header.
        n_in: usize,
        /// Output nodes of the header.
        n_out: usize,
    },
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
