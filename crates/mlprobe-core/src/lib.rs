//! The model crate of mlprobe, on burn's CPU backend: the MLP ([`Mlp`],
//! on [`device::cpu`]), a small CNN ([`Cnn`]) and a small vision
//! transformer ([`Vit`]), their training ([`train()`], from [`TrainParams`] checked
//! into a [`TrainConfig`]), and conversion to and from the burn-free weight
//! graph of `mlprobe-graph` ([`Mlp::from_weights`], [`Mlp::to_weights`]),
//! which every probe works on.
//!
//! ```
//! use mlprobe_core::{train, TrainParams};
//! use mlprobe_graph::GaussianPair;
//!
//! let task = GaussianPair { dim: 16, n_train: 200, n_test: 200, ..GaussianPair::with_separation(6.0) }.generate()?;
//! let config = TrainParams { hidden: vec![8], epochs: 5, ..TrainParams::default() }.check()?;
//! let outcome = train(&task, &config, 7)?;
//! assert!(outcome.is_trained(), "accuracy {}", outcome.model().test_accuracy);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod adam;
mod batch;
pub mod cnn;
pub mod device;
pub mod errors;
pub mod hyperparams;
pub mod model;
mod pixels;
pub mod train;
pub mod vit;

pub use cnn::Cnn;
pub use errors::TrainError;
pub use hyperparams::{ConvParams, TrainConfig, TrainParams, VitParams};
pub use model::Mlp;
pub use train::{RunStatus, TrainOutcome, TrainedModel, train, train_stack, trains_on_pixels};
pub use vit::Vit;
