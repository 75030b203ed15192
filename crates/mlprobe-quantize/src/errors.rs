//! Errors of the quantization probe.

/// An invalid quantization parameter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuantizeError {
    /// The bit width must be a whole number from 1 to 8.
    #[error("quantize bits {0} is out of range: expected a whole number from 1 to 8")]
    Bits(f64),
}
