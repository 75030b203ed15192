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
//!
//! # Use as a library
//!
//! A model file written by mlprobe (`results/models/...`), pruned, binarized
//! and evaluated on an embedded task; the README shows the same lines.
//!
//! ```
//! # use std::path::Path;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/mnist-0-7-relu.safetensors"));
//! use mlprobe_binarize::Binarize;
//! use mlprobe_prune::{Embedded, Evaluator, Perturbation, PruneParams, Selection, Task, load_model, probe_rng};
//!
//! let (net, _meta) = load_model(path)?; // weights, biases, activation
//! let task = Task::from_classes(Embedded::Mnist.load(), &[0, 7])?; // label order as trained
//! let eval = Evaluator::new(&task.test);
//!
//! let prune = PruneParams::new(0.5, Selection::Smallest).check()?; // an error names a bad value
//! let pruned = prune.apply(&net, &mut probe_rng(0));
//! let signed = Binarize::SIGN.apply(&pruned, &mut probe_rng(0));
//!
//! let (full, half, both) = (eval.accuracy(&net), eval.accuracy(&pruned), eval.accuracy(&signed));
//! println!("full {full:.1} %, pruned {half:.1} %, pruned and binarized {both:.1} %");
//! assert!(full > 95.0 && half > 95.0 && both > 50.0);
//! # Ok(())
//! # }
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

/// The probe's name in experiment files and in the `probe` column.
pub const NAME: &str = "prune";

/// The probe as experiment files name it: `prune`, strategies `smallest`,
/// `random`, `largest`, the level a fraction; nested across levels.
pub fn kind() -> ProbeKind {
    ProbeKind::new(NAME, VERSION, |s, level| {
        Ok(PruneParams::new(level, s.parse()?).check()?)
    })
    .with_strategies(Selection::ALL)
    .with_level("fraction of weights removed")
    .nested()
}
