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
    /// The task and the network do not fit together.
    #[error("task does not fit the network: {0}")]
    TaskMismatch(String),
}
