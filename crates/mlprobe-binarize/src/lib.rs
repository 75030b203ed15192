//! Binarization probe: `w -> sign(w)` in `{-1, 0, +1}` for every weight and
//! bias of every layer. Zeros (pruned edges) stay zero, so binarization
//! composes with every other probe as its "signed" variant. A threshold
//! turns it into ternarization: entries with `|w| <= threshold` become 0.
//!
//! ```
//! use mlprobe_binarize::{Binarize, BinarizeParams};
//! use mlprobe_binarize::{probe_rng, Activation, Layer, Perturbation, WeightStack};
//!
//! let net = WeightStack::new(
//!     Activation::Relu,
//!     vec![Layer::new(2, 2, vec![0.3, -0.02, 0.0, 1.7], vec![-0.5, 0.0])],
//! );
//! let signed = Binarize::SIGN.apply(&net, &mut probe_rng(0));
//! assert_eq!(signed.layers[0].weights, vec![1.0, -1.0, 0.0, 1.0]);
//! assert_eq!(signed.layers[0].bias, vec![-1.0, 0.0]);
//! let ternary = BinarizeParams { threshold: 0.1 }.check()?.apply(&net, &mut probe_rng(0));
//! assert_eq!(ternary.layers[0].weights, vec![1.0, 0.0, 0.0, 1.0]);
//! # Ok::<(), mlprobe_binarize::BinarizeError>(())
//! ```

mod algorithm;
mod errors;
mod hyperparams;

pub use algorithm::sign;
pub use errors::BinarizeError;
pub use hyperparams::{Binarize, BinarizeParams};
pub use mlprobe_graph;
pub use mlprobe_graph::prelude::*;

/// Bumped whenever this probe's output for the same input changes, so that
/// stored results of older versions are computed again.
pub const VERSION: u32 = 1;

/// The probe's name in experiment files and in the `probe` column.
pub const NAME: &str = "binarize";

/// The probe as experiment files name it: `binarize`, no strategy and no
/// level; its rows are signed.
pub fn kind() -> ProbeKind {
    ProbeKind::new(NAME, VERSION, |_, _| Ok(Binarize::SIGN)).binarizing()
}
