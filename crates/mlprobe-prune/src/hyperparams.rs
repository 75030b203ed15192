//! Pruning parameters, checked before use.

use mlprobe_graph::Selection;

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

    /// Checks the parameters into a ready [`Prune`].
    pub fn check(self) -> Result<Prune, PruneError> {
        if !(self.fraction.is_finite() && (0.0..=1.0).contains(&self.fraction)) {
            return Err(PruneError::Fraction(self.fraction));
        }
        Ok(Prune(self))
    }
}

/// A checked pruning perturbation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prune(pub(crate) PruneParams);

impl Prune {
    /// The fraction removed.
    pub fn fraction(&self) -> f64 {
        self.0.fraction
    }

    /// The strategy.
    pub fn strategy(&self) -> Selection {
        self.0.strategy
    }
}
