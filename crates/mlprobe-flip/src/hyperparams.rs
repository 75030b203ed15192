//! Sign-flipping parameters, checked before use.

use mlprobe_graph::Selection;
use mlprobe_graph::params::is_fraction;

use crate::errors::FlipError;

/// Sign-flipping parameters as given (unchecked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlipParams {
    /// Fraction of entries whose sign is flipped, per layer, separately for
    /// the weight matrix and the bias vector.
    pub fraction: f64,
    /// Which entries: smallest `|w|`, largest `|w|` or random.
    pub strategy: Selection,
}

impl FlipParams {
    /// Parameters for flipping `fraction` of the entries chosen by `strategy`.
    pub fn new(fraction: f64, strategy: Selection) -> Self {
        Self { fraction, strategy }
    }

    /// Whether the parameters are valid.
    fn validate(&self) -> Result<(), FlipError> {
        if !is_fraction(self.fraction) {
            return Err(FlipError::Fraction(self.fraction));
        }
        Ok(())
    }
}

mlprobe_graph::checked_params! {
    /// A checked sign-flipping perturbation.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Flip(FlipParams) -> FlipError {
        /// The fraction flipped.
        fraction: f64,
        /// The strategy.
        strategy: Selection,
    }
}
