//! Experiment runner of mlprobe: reads experiment files, trains every task
//! over many seeds in parallel, evaluates every probe on every model, and
//! writes `results.csv`, `medians.csv` and `summary.json` (see
//! `docs/methods.md` for what they hold).
//!
//! The modules form layers, each using only those above it:
//! 1. [`seed`], [`stats`], [`errors`], [`evaluation`]: leaves;
//! 2. [`registry`]: probe kinds by name, open to probes defined anywhere;
//! 3. [`sweep`]: `[[probes]]` entries expanded into [`SweepPoint`]s;
//! 4. [`config`]: experiment files checked into an [`Experiment`];
//! 5. [`cache`] (model and unit keys and paths), [`data`] (task loading),
//!    [`evaluate`] (sweeps on one network), [`output`] (rows and files),
//!    [`shard`] (a run split over machines);
//! 6. [`models`] (train or load), then [`units`] (one task and seed);
//! 7. [`complexity`], [`resonance`]: analyses over the units;
//! 8. [`run`]: plan, compute the units in parallel, write; [`table`]: text.
//!
//! `cargo xtask reproduce` is a thin command line over [`run_experiment`];
//! tests and other crates drive the same code.

pub mod cache;
pub mod complexity;
pub mod config;
pub mod data;
pub mod errors;
pub mod evaluate;
pub mod evaluation;
pub mod models;
pub mod output;
pub mod registry;
pub mod resonance;
pub mod run;
pub mod seed;
pub mod shard;
pub mod stats;
pub mod sweep;
pub mod table;
pub mod units;

pub use complexity::ComplexityMap;
pub use config::{DataSource, Experiment, GivenModel, GivenTask, TaskSpec};
pub use errors::{ConfigError, InvalidKey, RegistryError, RunError, error_chain};
pub use evaluate::{PointResult, evaluate_sweep, evaluate_sweep_on, evaluate_sweep_plain, evaluate_sweep_with};
pub use evaluation::{Biases, EvalActivation, Evaluation};
pub use output::{CSV_HEADER, Medians, Row, Summary, TaskSummary, UnitResult};
pub use registry::{BuildError, ProbeKind, Registry};
pub use resonance::Resonance;
pub use run::{ExperimentRun, RunOptions, UnitsDone, run_experiment, run_experiment_with, run_units};
pub use shard::{Shard, ShardError, UnitRef, partition};
pub use stats::{Quartiles, quantile, spearman};
pub use sweep::{Grid, ProbeSpec, StageSpec, SweepPoint};
pub use table::{medians_table, summary_table};
