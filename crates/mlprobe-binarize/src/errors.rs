//! Errors of the binarization probe.

/// An invalid binarization parameter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BinarizeError {
    /// The threshold must be a finite number `>= 0`.
    #[error("binarize threshold {0} is out of range: expected a finite number >= 0")]
    Threshold(f32),
}
