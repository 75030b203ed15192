//! Errors of the sign-flipping probe.

/// An invalid sign-flipping parameter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FlipError {
    /// The fraction flipped must be a finite number in `[0, 1]`.
    #[error("flip fraction {0} is out of range: expected a finite number in [0, 1]")]
    Fraction(f64),
}
