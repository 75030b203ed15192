//! Noise-injection probe: noise on the non-zero entries of every weight
//! matrix and bias vector, so pruned entries stay pruned.
//!
//! - `gaussian`: `w + N(0, sigma^2)`;
//! - `uniform`: `w + U(-a, a)`;
//! - `multiplicative`: `w * U(-a, a)` (the paper's definition);
//! - `relative`: `w * (1 + U(-a, a))`.
//!
//! Fresh noise is drawn on every call from the RNG passed in.
//!
//! ```
//! use mlprobe_noise::{probe_rng, Activation, Layer, Perturbation, WeightStack};
//! use mlprobe_noise::{NoiseKind, NoiseParams};
//!
//! let net = WeightStack::new(
//!     Activation::Relu,
//!     vec![Layer::new(2, 2, vec![0.3, 0.0, 0.5, -1.7], vec![-0.5, 0.0])],
//! );
//! let noise = NoiseParams::new(NoiseKind::Gaussian, 0.01).check()?;
//! let noisy = noise.apply(&net, &mut probe_rng(0));
//! assert_eq!(noisy.layers[0].weights[1], 0.0); // zeros stay zero
//! assert!((noisy.layers[0].weights[0] - 0.3).abs() < 0.1);
//! assert!(NoiseParams::new(NoiseKind::Uniform, -1.0).check().is_err());
//! # Ok::<(), mlprobe_noise::NoiseError>(())
//! ```

mod algorithm;
mod draw;
mod errors;
mod hyperparams;

pub use algorithm::add_noise;
pub use errors::NoiseError;
pub use hyperparams::{Noise, NoiseKind, NoiseParams};
pub use mlprobe_graph;
pub use mlprobe_graph::prelude::*;

/// Bumped whenever this probe's output for the same input and seed changes,
/// so that stored results of older versions are computed again.
pub const VERSION: u32 = 2;

/// The probe's name in experiment files and in the `probe` column.
pub const NAME: &str = "noise";

/// The probe as experiment files name it: `noise`, one strategy per
/// [`NoiseKind`], the level the noise's scale.
pub fn kind() -> ProbeKind {
    ProbeKind::new(NAME, VERSION, |s, level| {
        Ok(NoiseParams::new(s.parse::<NoiseKind>()?, level).check()?)
    })
    .with_strategies(NoiseKind::ALL)
    .with_level("noise level")
}
