//! Errors of the randomization probe.

/// An invalid randomization parameter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RandomizeError {
    /// The switching budget of model G must be finite and > 0.
    #[error("attempts per edge {0} is out of range: expected a finite number > 0")]
    Attempts(f64),
}
