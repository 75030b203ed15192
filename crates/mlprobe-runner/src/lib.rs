//! Experiment runner of mlprobe: reads experiment files, trains every task
//! over many seeds in parallel, evaluates every probe on every model, and
//! writes `results.csv`, `medians.csv` and `summary.json` (see
//! `docs/methods.md` for what they hold).
//!
//! The front door, in the order of use:
//! - **load** an [`Experiment`] from a file ([`Experiment::load`], or
//!   [`Experiment::load_with`] a `mlprobe_graph::Registry` of your own
//!   probes beside [`builtin_probes`]); [`Experiment::probing`] points it at a model
//!   trained elsewhere;
//! - **plan** it ([`plan`]), **run** it whole ([`run_experiment`]), or run
//!   some of its units ([`run_units`], e.g. one [`Shard`] of a [`partition`]);
//!   the run folder is a [`Store`];
//! - **read** the typed results: an [`ExperimentRun`] with its
//!   [`UnitResult`]s, [`Summary`], [`Medians`], and the analyses
//!   ([`Resonance`], [`ComplexityMap`]);
//! - **evaluate** sweep points on one network yourself with
//!   [`evaluate_points`];
//! - **sweep a model your own code evaluates**: named arrays perturbed by
//!   a file's `[[probes]]` and scored by your function ([`run_tensor_sweep`]).
//!
//! Inside, the modules form layers, each using only those above it:
//! 1. `seed`, `stats`, `errors`, `evaluation`, `progress`: leaves;
//! 2. `builtin` (the built-in probe kinds), `probes` (`[[probes]]` expanded
//!    into sweep points), then `config` (experiment files checked table by
//!    table);
//! 3. `store` (the run folder), `data` (task loading), `given` (a model
//!    trained elsewhere and its data), `sweep_eval` (sweep
//!    points on one network), `output` (rows and files), `shard`;
//! 4. `training` (models trained in stacks or loaded), then `units` (one
//!    task and seed);
//! 5. `complexity`, `resonance`: analyses over the units; `calibration`
//!    (the map as a yardstick and a data-only gap estimate);
//! 6. `run` (compute the units in parallel, write), `plan`, `table` (text),
//!    `tensor_sweep` (named arrays scored by the caller).

mod builtin;
mod calibration;
mod complexity;
mod config;
mod data;
mod errors;
mod evaluation;
mod given;
mod output;
mod plan;
mod probes;
mod progress;
mod resonance;
mod run;
mod seed;
mod shard;
mod stats;
mod store;
mod sweep_eval;
mod table;
mod tensor_sweep;
mod training;
mod units;

pub use builtin::builtin_probes;
pub use calibration::{Calibration, CalibrationError, CalibrationPair, GapPredictor, LeaveOneOut};
pub use complexity::{BOOTSTRAP_RESAMPLES, ComplexityMap, MapStability, PairResult};
pub use config::{DataSource, Experiment, GivenModel, GivenTask, MapSection, TaskSpec, UnitId};
pub use data::load_tasks;
pub use errors::{ConfigError, InvalidKey, RunError, error_chain};
pub use evaluation::{Biases, EvalActivation, Evaluation};
pub use given::{GivenData, GivenError, ModelReading, label_of};
pub use output::{CSV_HEADER, Medians, PointLabel, Row, Summary, TaskSummary, UnitResult};
pub use plan::{ExperimentPlan, PendingUnit, plan};
pub use probes::{Grid, ProbeSpec, Scale, StageSpec, SweepPoint};
pub use resonance::{BINS, Resonance, ResonanceSummary, ResonanceUnit};
pub use run::{ExperimentRun, RunOptions, UnitsDone, run_experiment, run_experiment_with, run_units};
pub use shard::{Shard, ShardError, UnitRef, partition};
pub use stats::{Quartiles, Statistics, quantile, spearman};
pub use store::Store;
pub use sweep_eval::{
    LayerSimilarity, PointResult, evaluate_points, evaluate_points_measured, from_scratch, incremental,
    try_evaluate_points,
};
pub use table::{medians_table, summary_table};
pub use tensor_sweep::{
    Labels, NamedTensor, Scores, Targets, TensorRun, TensorSweep, TensorSweepError, probe_points, probe_points_of_text,
    run_tensor_sweep,
};
pub use training::TrainingPath;
