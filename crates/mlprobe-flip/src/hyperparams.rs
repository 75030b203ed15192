//! Sign-flipping parameters, checked before use.

use mlprobe_graph::Selection;

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

    /// Checks the parameters into a ready [`Flip`].
    pub fn check(self) -> Result<Flip, FlipError> {
        if !(self.fraction.is_finite() && (0.0..=1.0).contains(&self.fraction)) {
            return Err(FlipError::Fraction(self.fraction));
        }
        Ok(Flip(self))
    }
}

/// A checked sign-flipping perturbation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flip(pub(crate) FlipParams);

impl Flip {
    /// The fraction flipped.
    pub fn fraction(&self) -> f64 {
        self.0.fraction
    }

    /// The strategy.
    pub fn strategy(&self) -> Selection {
        self.0.strategy
    }
}
