//! Noise parameters, checked before use.

use mlprobe_graph::params::is_non_negative;

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

    /// Whether the parameters are valid.
    fn validate(&self) -> Result<(), NoiseError> {
        if !is_non_negative(self.level) {
            return Err(NoiseError::Level(self.level));
        }
        Ok(())
    }
}

mlprobe_graph::checked_params! {
    /// A checked noise perturbation.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Noise(NoiseParams) -> NoiseError {
        /// The kind of noise.
        kind: NoiseKind,
        /// The level.
        level: f64,
    }
}
