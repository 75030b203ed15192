//! Binarization parameters, checked before use.

use mlprobe_graph::Scope;
use mlprobe_graph::params::is_non_negative;

use crate::errors::BinarizeError;

/// Binarization parameters as given (unchecked).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BinarizeParams {
    /// Entries with `|w| <= threshold` become 0 (ternarization); 0, the
    /// default, is plain binarization, where only zeros stay zero.
    pub threshold: f32,
    /// `None`, the default and the paper's probe: plain signs. Otherwise
    /// the signs times the mean `|w|` of each group (one per layer or per
    /// output channel, see [`Scope`]), as binary networks deploy them.
    pub scale: Option<Scope>,
}

impl BinarizeParams {
    /// Whether the parameters are valid.
    fn validate(&self) -> Result<(), BinarizeError> {
        if !is_non_negative(self.threshold as f64) {
            return Err(BinarizeError::Threshold(self.threshold));
        }
        Ok(())
    }
}

mlprobe_graph::checked_params! {
    /// A checked binarization. Deterministic: it ignores the RNG.
    #[derive(Debug, Clone, Copy, PartialEq, Default)]
    pub struct Binarize(BinarizeParams) -> BinarizeError {
        /// The threshold at or below which `|w|` becomes 0.
        threshold: f32,
        /// The groups that share a scale, or `None` for plain signs.
        scale: Option<Scope>,
    }
}

impl Binarize {
    /// Plain binarization, `w -> sign(w)`: the paper's probe and the
    /// "signed" variant of every other probe.
    pub const SIGN: Binarize = Binarize(BinarizeParams {
        threshold: 0.0,
        scale: None,
    });
}
