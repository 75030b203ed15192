//! The error of a network's wiring that does not fit its data or its layers.

use std::fmt;

/// A network's wiring that does not fit its data or its layers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key} = {value}: {reason}")]
pub struct ShapeError {
    /// The key or layer at fault.
    pub key: String,
    /// Its value.
    pub value: String,
    /// Why it does not fit.
    pub reason: String,
}

impl ShapeError {
    pub(crate) fn new(key: impl Into<String>, value: impl fmt::Display, reason: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}
