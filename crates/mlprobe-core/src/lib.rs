//! Core of mlprobe.
//!
//! - [`Mlp`]: the multi-layer perceptron on burn's CPU backend ([`device::cpu`]);
//! - [`train()`]: training as in the paper, seeded by the run, from [`TrainParams`]
//!   checked into a [`TrainConfig`];
//! - [`WeightStack`]: the plain view of a trained network, a stack of signed,
//!   weighted bipartite graphs ([`Layer`]), evaluated fast by [`Evaluator`],
//!   and whole probe sweeps incrementally by [`SweepEvaluator`];
//! - [`Perturbation`]: the one trait every probe implements, and [`select`]:
//!   choosing entries by magnitude or at random, shared by the probes;
//! - [`store`]: model files and the reference's edge lists.
//!
//! ```
//! use mlprobe_core::{train, Evaluator, TrainParams};
//! use mlprobe_tasks::GaussianPair;
//!
//! let task = GaussianPair { dim: 16, n_train: 200, n_test: 200, ..GaussianPair::with_separation(6.0) }.generate()?;
//! let config = TrainParams { hidden: vec![8], epochs: 5, ..TrainParams::default() }.check()?;
//! let model = train(&task, &config, 7)?;
//! assert!(Evaluator::new(&task.test).accuracy(&model.weights) > 90.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod activation;
pub mod device;
pub mod errors;
pub mod eval;
pub mod hyperparams;
pub mod model;
pub mod perturb;
pub mod select;
pub mod store;
pub mod sweep;
pub mod train;
pub mod weights;

pub use activation::Activation;
pub use errors::{StoreError, TrainError};
pub use eval::Evaluator;
pub use hyperparams::{TrainConfig, TrainParams};
pub use model::Mlp;
pub use perturb::{Chain, Identity, Measure, Perturbation, ProbeRng, probe_rng};
pub use select::{Magnitude, choose, count_of};
pub use sweep::{SweepEvaluator, SweepStats};
pub use train::{RunStatus, TrainedModel, initial_weights, train};
pub use weights::{Layer, WeightStack};
