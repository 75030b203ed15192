//! Pruning probe: remove (set to zero) a fraction `p` of the entries of every
//! layer, chosen by smallest `|w|`, largest `|w|` or at random;
//! `floor(p * n)` entries, separately for the weight matrix and the bias
//! vector of each layer.
//!
//! ```
//! use mlprobe_prune::{probe_rng, Activation, Layer, Selection, Perturbation, WeightStack};
//! use mlprobe_prune::PruneParams;
//!
//! let net = WeightStack::new(
//!     Activation::Relu,
//!     vec![Layer::new(2, 2, vec![0.3, -0.02, 0.5, -1.7], vec![-0.5, 0.1])],
//! );
//! let prune = PruneParams::new(0.5, Selection::Smallest).check()?;
//! let pruned = prune.apply(&net, &mut probe_rng(0));
//! assert_eq!(pruned.layers[0].weights, vec![0.0, 0.0, 0.5, -1.7]);
//! assert_eq!(pruned.layers[0].bias, vec![-0.5, 0.0]);
//! assert!(PruneParams::new(1.5, Selection::Smallest).check().is_err());
//! # Ok::<(), mlprobe_prune::PruneError>(())
//! ```

mod algorithm;
mod errors;
mod hyperparams;

pub use algorithm::prune_slice;
pub use errors::PruneError;
pub use hyperparams::{Prune, PruneParams};
pub use mlprobe_graph;
pub use mlprobe_graph::prelude::*;

/// Bumped whenever this probe's output for the same input and seed changes,
/// so that stored results of older versions are computed again.
pub const VERSION: u32 = 1;
