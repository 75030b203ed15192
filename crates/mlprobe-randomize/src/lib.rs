//! Bipartite network randomization probe: the seven null models A-G,
//! applied to each layer's weight matrix (biases untouched).
//! Zero entries stay in place, so the models compose with pruning.
//!
//! | model | keeps |
//! |---|---|
//! | A shuffle | the multiset of non-zero weights |
//! | B sign-preserving shuffle | the sign pattern, positives and negatives as multisets |
//! | C left strength | each input node's multiset of outgoing weights |
//! | D right strength | each output node's multiset of incoming weights |
//! | E left signed strength | sign pattern, each input node's positive and negative multisets |
//! | F right signed strength | sign pattern, each output node's positive and negative multisets |
//! | G degree-preserving switch | every node's positive in- and out-degree, the multiset of weights |
//!
//! ```
//! use mlprobe_randomize::{probe_rng, Activation, Layer, Perturbation, WeightStack};
//! use mlprobe_randomize::{NullModel, RandomizeParams};
//!
//! let net = WeightStack::new(
//!     Activation::Relu,
//!     vec![Layer::new(2, 3, vec![0.3, -0.2, 0.0, 0.5, -1.7, 0.9], vec![0.1, 0.2, 0.3])],
//! );
//! let shuffled = RandomizeParams::new(NullModel::B).check()?.apply(&net, &mut probe_rng(1));
//! let signs = |n: &WeightStack| n.layers[0].weights.iter().map(|w| w.signum() as i8 * (*w != 0.0) as i8).collect::<Vec<_>>();
//! assert_eq!(signs(&shuffled), signs(&net));
//! assert_eq!(shuffled.layers[0].bias, net.layers[0].bias);
//! # Ok::<(), mlprobe_randomize::RandomizeError>(())
//! ```

mod algorithm;
mod errors;
mod hyperparams;

pub use algorithm::{SwitchReport, switch_positive_edges};
pub use errors::RandomizeError;
pub use hyperparams::{NullModel, Randomize, RandomizeParams};
pub use mlprobe_graph;
pub use mlprobe_graph::prelude::*;

/// Bumped whenever this probe's output for the same input and seed changes,
/// so that stored results of older versions are computed again.
pub const VERSION: u32 = 1;

/// The probe's name in experiment files and in the `probe` column.
pub const NAME: &str = "randomize";

/// The probe as experiment files name it: `randomize`, one strategy per
/// [`NullModel`] (A-G), no level.
pub fn kind() -> ProbeKind {
    ProbeKind::new(NAME, VERSION, |s, _| {
        Ok(RandomizeParams::new(s.parse::<NullModel>()?).check()?)
    })
    .with_strategies(NullModel::ALL)
    .matrix_only(NullModel::ALL, "a null model rewires a matrix")
}
