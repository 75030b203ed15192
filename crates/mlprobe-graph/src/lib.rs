//! The weight graph of mlprobe: a trained network as plain data, and what
//! every probe needs to work on it. No burn: a crate that probes networks
//! builds in seconds.
//!
//! - [`WeightStack`]: a network as a stack of signed, weighted bipartite
//!   graphs, one [`Layer`] per linear layer or convolution kernel (weights
//!   `[n_in, n_out]`, biases as attributes of the output nodes), with its
//!   [`Activation`] and the [`Architecture`] that wires them (an MLP, a
//!   CNN or a ViT, whose LayerNorms are [`Norm`]s that probes leave alone);
//! - [`Perturbation`]: the one trait every probe implements, seeded by a
//!   [`ProbeRng`]; [`Chain`] composes them, [`OnLayers`] restricts one to
//!   some layers; a [`ProbeKind`] says how an experiment file names and
//!   builds one, and a [`Registry`] holds the kinds a file may name;
//! - [`Selection`], [`choose`] and [`count_of`]: which entries a probe acts on;
//! - [`Evaluator`]: fast, bit-reproducible accuracy of any network on a set
//!   of examples, and [`SweepEvaluator`] for the many related networks of a
//!   probe sweep; [`simd`] compiles their kernels for every vector width
//!   from one definition;
//! - [`linear_cka`]: how alike two layers' activations are (linear CKA),
//!   with [`Evaluator::activations`] giving any layer's;
//! - [`TensorKind`]: arrays as PyTorch stores them (linear, conv, embedding,
//!   vector) seen as the layers probes act on;
//! - [`store`]: model files (safetensors), MLPs saved by PyTorch, and the
//!   reference implementation's edge lists;
//! - the data types of `mlprobe-tasks` ([`Task`], [`Embedded`], [`Examples`]),
//!   re-exported so that a user of one probe crate needs no other import.
//!
//! ```
//! use mlprobe_graph::{initial_weights, probe_rng, Activation, Evaluator, GaussianPair};
//!
//! let task = GaussianPair { dim: 16, n_train: 10, n_test: 200, ..GaussianPair::with_separation(6.0) }.generate()?;
//! let net = initial_weights(&[16, 8, 2], Activation::Relu, &mut probe_rng(7));
//! let accuracy = Evaluator::new(&task.test).accuracy(&net);
//! assert!((0.0..=100.0).contains(&accuracy));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod activation;
pub mod architecture;
pub mod cka;
mod conv;
pub mod errors;
pub mod eval;
pub mod incremental;
pub mod init;
pub mod layers;
pub mod named;
pub mod params;
pub mod perturb;
pub mod probe_kind;
pub mod scope;
pub mod select;
mod shape_error;
pub mod simd;
pub mod store;
pub mod tensor;
mod vit;
pub mod vit_shape;
pub mod weights;

pub use activation::Activation;
pub use architecture::{Architecture, ArchitectureKind, ConvShape, ShapeError};
pub use cka::{CkaError, linear_cka};
pub use errors::{EdgeListError, StoreError};
pub use eval::Evaluator;
pub use incremental::{SweepEvaluator, SweepStats};
pub use init::{fresh_biases, initial_network, initial_weights};
pub use layers::{LayerRef, OnLayers};
pub use mlprobe_tasks::{Embedded, Examples, GaussianPair, Task};
pub use named::{PLAIN_NAME, UnknownName, is_plain_name};
pub use perturb::{Chain, Identity, Measure, Perturbation, ProbeRng, probe_rng};
pub use probe_kind::{BuildError, ProbeKind, Registry, RegistryError};
pub use scope::{Scope, map_scoped, map_scoped_stack, scaled_signs};
pub use select::{Selection, choose, count_of};
pub use simd::SimdLevel;
pub use store::{load_model, save_model};
pub use tensor::{TensorError, TensorKind};
pub use vit_shape::VitShape;
pub use weights::{Layer, Norm, WeightStack};

/// What a user of a probe crate needs in scope; every probe crate re-exports it.
pub mod prelude {
    pub use crate::{
        Activation, Embedded, Evaluator, Examples, Layer, Perturbation, ProbeKind, ProbeRng, Registry, Selection,
        SweepEvaluator, Task, WeightStack, load_model, probe_rng, save_model,
    };
}
