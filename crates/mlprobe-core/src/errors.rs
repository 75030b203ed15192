//! Typed errors of the core crate.

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
    /// The network would be too large to train on this machine.
    #[error(
        "a {sizes} network has {weights} weights and biases, more than the 50000000 a run may train (training would hold about {megabytes} MB)"
    )]
    TooLarge {
        /// Layer sizes, e.g. `784-64-2`.
        sizes: String,
        /// Its weights and biases.
        weights: u64,
        /// The memory training would need.
        megabytes: u64,
    },
    /// A CNN's shape does not fit itself or the data.
    #[error("{0}")]
    Shape(mlprobe_graph::ShapeError),
    /// The task and the network do not fit together.
    #[error("task does not fit the network: {0}")]
    TaskMismatch(String),
}
