//! Noise parameters, checked before use.

use crate::errors::NoiseError;

mlprobe_graph::named_enum! {
    /// The kind of noise added to every non-zero entry `w`.
    pub enum NoiseKind("noise kind") {
        /// `w + N(0, sigma^2)`; the level is `sigma`.
        Gaussian => "gaussian",
        /// `w + U(-a, a)`; the level is `a`.
        Uniform => "uniform",
        /// `w * U(-a, a)`, the paper's definition; the level is `a`. Note that
        /// it is not the identity at `a = 0` (every entry becomes 0) and that it
        /// flips the sign of about half the entries at every level.
        Multiplicative => "multiplicative",
        /// `w * (1 + U(-a, a))`: relative noise, the identity at `a = 0`.
        Relative => "relative",
    }
}

/// Noise parameters as given (unchecked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseParams {
    /// The kind of noise.
    pub kind: NoiseKind,
    /// `sigma` for Gaussian noise, `a` for the uniform kinds.
    pub level: f64,
}

impl NoiseParams {
    /// Noise of `kind` at `level`.
    pub fn new(kind: NoiseKind, level: f64) -> Self {
        Self { kind, level }
    }

    /// Checks the parameters into a ready [`Noise`].
    pub fn check(self) -> Result<Noise, NoiseError> {
        if !(self.level.is_finite() && self.level >= 0.0) {
            return Err(NoiseError::Level(self.level));
        }
        Ok(Noise(self))
    }
}

/// A checked noise perturbation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Noise(pub(crate) NoiseParams);

impl Noise {
    /// The kind of noise.
    pub fn kind(&self) -> NoiseKind {
        self.0.kind
    }

    /// The level.
    pub fn level(&self) -> f64 {
        self.0.level
    }
}
