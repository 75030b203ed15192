//! Sign-flipping probe: flip the signs of a fraction `q` of the entries of
//! every layer, chosen by smallest `|w|`, largest `|w|` or at random;
//! `floor(q * n)` entries, separately for the weight matrix and the bias
//! vector of each layer; magnitudes are kept.
//!
//! ```
//! use mlprobe_flip::{probe_rng, Activation, Layer, Selection, Perturbation, WeightStack};
//! use mlprobe_flip::FlipParams;
//!
//! let net = WeightStack::new(
//!     Activation::Tanh,
//!     vec![Layer::new(2, 2, vec![0.3, -0.02, 0.5, -1.7], vec![-0.5, 0.1])],
//! );
//! let flip = FlipParams::new(0.5, Selection::Largest).check()?;
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
pub use mlprobe_graph;
pub use mlprobe_graph::prelude::*;

/// Bumped whenever this probe's output for the same input and seed changes,
/// so that stored results of older versions are computed again.
pub const VERSION: u32 = 1;

/// The probe's name in experiment files and in the `probe` column.
pub const NAME: &str = "flip";

/// The probe as experiment files name it: `flip`, strategies `smallest`,
/// `random`, `largest`, the level a fraction; nested across levels.
pub fn kind() -> ProbeKind {
    ProbeKind::new(
        NAME,
        VERSION,
        |s, level| Ok(FlipParams::new(level, s.parse()?).check()?),
    )
    .with_strategies(Selection::ALL)
    .with_level("fraction of signs flipped")
    .nested()
}
