//! Quantization probe: every weight rounded to `k`-bit symmetric uniform
//! levels (`k` = 1..8, the level of a sweep), with one scale per layer or
//! per output channel (the strategies `layer`, `channel`), as post-training
//! quantization deploys a model. A layer's biases share one scale. Zeros
//! stay zero, so quantization composes with pruning; one bit is the scaled
//! sign, `sign(w) * mean|w|`.
//!
//! ```
//! use mlprobe_quantize::{probe_rng, Activation, Layer, Perturbation, QuantizeParams, Scope, WeightStack};
//!
//! let net = WeightStack::new(
//!     Activation::Relu,
//!     vec![Layer::new(2, 2, vec![0.8, -0.02, 0.0, -1.6], vec![0.5, 0.0])],
//! );
//! let two_bits = QuantizeParams::new(2.0, Scope::Layer).check()?; // levels -1.6, 0, 1.6
//! let q = two_bits.apply(&net, &mut probe_rng(0));
//! assert_eq!(q.layers[0].weights, vec![1.6, 0.0, 0.0, -1.6]);
//! assert!(QuantizeParams::new(2.5, Scope::Layer).check().is_err());
//! # Ok::<(), mlprobe_quantize::QuantizeError>(())
//! ```

mod algorithm;
mod errors;
mod hyperparams;

pub use algorithm::quantize_slice;
pub use errors::QuantizeError;
pub use hyperparams::{BITS, Quantize, QuantizeParams};
pub use mlprobe_graph;
pub use mlprobe_graph::Scope;
pub use mlprobe_graph::prelude::*;

/// Bumped whenever this probe's output for the same input changes, so that
/// stored results of older versions are computed again.
pub const VERSION: u32 = 1;

/// The probe's name in experiment files and in the `probe` column.
pub const NAME: &str = "quantize";

/// The probe as experiment files name it: `quantize`, strategies `layer`
/// and `channel`, the level the bits per weight.
pub fn kind() -> ProbeKind {
    ProbeKind::new(NAME, VERSION, |s, bits| {
        Ok(QuantizeParams::new(bits, s.parse()?).check()?)
    })
    .with_strategies(Scope::ALL)
    .with_level("bits per weight")
    .matrix_only([Scope::Channel], "a per-channel scale needs output channels")
}
