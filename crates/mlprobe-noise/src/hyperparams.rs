//! Noise parameters, checked before use.

use crate::errors::NoiseError;

/// The kind of noise added to every non-zero entry `w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoiseKind {
    /// `w + N(0, sigma^2)`; the level is `sigma`.
    Gaussian,
    /// `w + U(-a, a)`; the level is `a`.
    Uniform,
    /// `w * U(-a, a)`, as SPEC 3.3 defines it; the level is `a`. Note that
    /// it is not the identity at `a = 0` (every entry becomes 0) and that it
    /// flips the sign of about half the entries at every level.
    Multiplicative,
    /// `w * (1 + U(-a, a))`: relative noise, the identity at `a = 0`.
    Relative,
}

impl NoiseKind {
    /// All kinds.
    pub const ALL: [NoiseKind; 4] = [
        NoiseKind::Gaussian,
        NoiseKind::Uniform,
        NoiseKind::Multiplicative,
        NoiseKind::Relative,
    ];

    /// The name used in configuration files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            NoiseKind::Gaussian => "gaussian",
            NoiseKind::Uniform => "uniform",
            NoiseKind::Multiplicative => "multiplicative",
            NoiseKind::Relative => "relative",
        }
    }

    /// Parses a name written by [`NoiseKind::name`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
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
