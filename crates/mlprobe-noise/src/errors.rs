//! Errors of the noise probe.

/// An invalid noise parameter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NoiseError {
    /// The noise level must be finite and `>= 0`.
    #[error("noise level {0} is out of range: expected a finite number >= 0")]
    Level(f64),
}
