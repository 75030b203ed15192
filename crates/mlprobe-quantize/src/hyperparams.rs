//! Quantization parameters, checked before use.

use mlprobe_graph::Scope;

use crate::errors::QuantizeError;

/// The bit widths the probe accepts: 1 (scaled signs) up to 8 (int8).
pub const BITS: std::ops::RangeInclusive<u32> = 1..=8;

/// Quantization parameters as given (unchecked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantizeParams {
    /// Bits per weight: a whole number in [`BITS`] (the level of a sweep).
    pub bits: f64,
    /// The weights that share one scale.
    pub scope: Scope,
}

impl QuantizeParams {
    /// `bits`-bit quantization with one scale per `scope`.
    pub fn new(bits: f64, scope: Scope) -> Self {
        Self { bits, scope }
    }

    /// Whether the parameters are valid.
    fn validate(&self) -> Result<(), QuantizeError> {
        let whole = self.bits.fract() == 0.0 && self.bits >= 1.0 && self.bits <= 8.0;
        if !whole {
            return Err(QuantizeError::Bits(self.bits));
        }
        Ok(())
    }
}

mlprobe_graph::checked_params! {
    /// A checked quantization. Deterministic: it ignores the RNG.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Quantize(QuantizeParams) -> QuantizeError {
        /// The weights that share one scale.
        scope: Scope,
    }
}

impl Quantize {
    /// Bits per weight, in [`BITS`].
    pub fn bits(&self) -> u32 {
        self.0.bits as u32
    }
}
