//! Errors of the randomization probe.

/// An invalid randomization parameter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RandomizeError {
    /// A null model is named by one letter, `A` to `G`.
    #[error("unknown null model `{0}`: expected one of A, B, C, D, E, F, G")]
    UnknownModel(String),
    /// The switching budget of model G must be finite and > 0.
    #[error("attempts per edge {0} is out of range: expected a finite number > 0")]
    Attempts(f64),
}
