//! Sign-flipping probe: flip the signs of a fraction `q` of the entries of
//! every layer, chosen by smallest `|w|`, largest `|w|` or at random;
//! `floor(q * n)` entries, separately for the weight matrix and the bias
//! vector of each layer; magnitudes are kept (SPEC 3.4).
//!
//! ```
//! use mlprobe_core::{probe_rng, Activation, Layer, Magnitude, Perturbation, WeightStack};
//! use mlprobe_flip::FlipParams;
//!
//! let net = WeightStack::new(
//!     Activation::Tanh,
//!     vec![Layer::new(2, 2, vec![0.3, -0.02, 0.5, -1.7], vec![-0.5, 0.1])],
//! );
//! let flip = FlipParams::new(0.5, Magnitude::Largest).check()?;
//! let flipped = flip.apply(&net, &mut probe_rng(0));
//! assert_eq!(flipped.layers[0].weights, vec![0.3, -0.02, -0.5, 1.7]);
//! assert_eq!(flipped.layers[0].bias, vec![0.5, 0.1]);
//! # Ok::<(), mlprobe_flip::FlipError>(())
//! ```

mod algorithm;
mod errors;
mod hyperparams;

pub use algorithm::flip_slice;
pub use errors::FlipError;
pub use hyperparams::{Flip, FlipParams};
