//! Pruning parameters, checked before use.

use mlprobe_graph::Selection;
use mlprobe_graph::params::is_fraction;

use crate::errors::PruneError;

/// Pruning parameters as given (unchecked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PruneParams {
    /// Fraction of entries removed (set to zero) per layer, separately for
    /// the weight matrix and the bias vector.
    pub fraction: f64,
    /// Which entries: smallest `|w|`, largest `|w|` or random.
    pub strategy: Selection,
}

impl PruneParams {
    /// Parameters for removing `fraction` of the entries chosen by `strategy`.
    pub fn new(fraction: f64, strategy: Selection) -> Self {
        Self { fraction, strategy }
    }

    /// Whether the parameters are valid.
    fn validate(&self) -> Result<(), PruneError> {
        if !is_fraction(self.fraction) {
            return Err(PruneError::Fraction(self.fraction));
        }
        Ok(())
    }
}

mlprobe_graph::checked_params! {
    /// A checked pruning perturbation.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Prune(PruneParams) -> PruneError {
        /// The fraction removed.
        fraction: f64,
        /// The strategy.
        strategy: Selection,
    }
}
