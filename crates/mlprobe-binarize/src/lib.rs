//! Binarization probe: `w -> sign(w)` in `{-1, 0, +1}` for every weight and
//! bias of every layer. Zeros (pruned edges) stay zero, so binarization
//! composes with every other probe as its "signed" variant. A threshold
//! turns it into ternarization: entries with `|w| <= threshold` become 0.
//! A scale (strategies `layer`, `channel`) multiplies the signs by the mean
//! `|w|` of the non-zero entries of each layer or each output channel, as
//! deployed binary networks (XNOR-Net) keep it; the biases of a layer share
//! one scale.
//!
//! ```
//! use mlprobe_binarize::{Binarize, BinarizeParams};
//! use mlprobe_binarize::{probe_rng, Activation, Layer, Perturbation, Scope, WeightStack};
//!
//! let net = WeightStack::new(
//!     Activation::Relu,
//!     vec![Layer::new(2, 2, vec![0.3, -0.02, 0.0, 1.7], vec![-0.5, 0.0])],
//! );
//! let signed = Binarize::SIGN.apply(&net, &mut probe_rng(0));
//! assert_eq!(signed.layers[0].weights, vec![1.0, -1.0, 0.0, 1.0]);
//! assert_eq!(signed.layers[0].bias, vec![-1.0, 0.0]);
//! let ternary = BinarizeParams { threshold: 0.1, scale: None }.check()?.apply(&net, &mut probe_rng(0));
//! assert_eq!(ternary.layers[0].weights, vec![1.0, 0.0, 0.0, 1.0]);
//! let scaled = BinarizeParams { threshold: 0.0, scale: Some(Scope::Channel) }.check()?;
//! let w = scaled.apply(&net, &mut probe_rng(0)).layers[0].weights.clone();
//! assert_eq!((w[0], w[2]), (0.3, 0.0)); // output 0: 0.3 alone (its zero is left out)
//! assert!((w[3] - 0.86).abs() < 1e-6 && w[1] == -w[3]); // output 1: the mean of 0.02 and 1.7
//! # Ok::<(), mlprobe_binarize::BinarizeError>(())
//! ```

mod algorithm;
mod errors;
mod hyperparams;

pub use algorithm::sign;
pub use errors::BinarizeError;
pub use hyperparams::{Binarize, BinarizeParams};
pub use mlprobe_graph;
pub use mlprobe_graph::Scope;
pub use mlprobe_graph::prelude::*;

/// Bumped whenever this probe's output for the same input changes, so that
/// stored results of older versions are computed again.
pub const VERSION: u32 = 1;

/// The probe's name in experiment files and in the `probe` column.
pub const NAME: &str = "binarize";

/// The strategy of the paper's plain signs, and the only one a file that
/// names none gets.
pub const UNSCALED: &str = "none";

/// The probe as experiment files name it: `binarize`, no level, strategies
/// `none` (plain signs, the default), `layer` and `channel` (signs scaled
/// by the mean magnitude per layer or per output channel); its rows are signed.
pub fn kind() -> ProbeKind {
    let strategies = std::iter::once(UNSCALED.to_string()).chain(Scope::ALL.iter().map(|s| s.to_string()));
    ProbeKind::new(NAME, VERSION, |s, _| match s {
        UNSCALED => Ok(Binarize::SIGN),
        scope => Ok(BinarizeParams {
            threshold: 0.0,
            scale: Some(scope.parse()?),
        }
        .check()?),
    })
    .with_strategies(strategies)
    .with_default_strategies([UNSCALED])
    .matrix_only([Scope::Channel], "a per-channel scale needs output channels")
    .binarizing()
}
