//! Errors of the pruning probe.

/// An invalid pruning parameter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PruneError {
    /// The fraction removed must be a finite number in `[0, 1]`.
    #[error("prune fraction {0} is out of range: expected a finite number in [0, 1]")]
    Fraction(f64),
}
