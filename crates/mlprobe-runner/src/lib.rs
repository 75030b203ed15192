//! Experiment runner of mlprobe: reads experiment files, trains every task
//! over many seeds in parallel, evaluates every probe on every model, and
//! writes `results.csv` and `summary.json` (the contract of SPEC section 7).
//!
//! `cargo xtask reproduce` is a thin command line over [`run_experiment`];
//! tests drive the same code.

pub mod complexity;
pub mod config;
pub mod output;
pub mod probes;
pub mod resonance;
pub mod run;
pub mod stats;
pub mod table;

pub use complexity::ComplexityMap;
pub use config::{ConfigError, DataSource, Experiment, TaskSpec};
pub use output::{CSV_HEADER, Medians, Row, Summary, TaskSummary, UnitResult};
pub use probes::{Grid, ProbeKind, ProbeSpec, REGISTRY, StageSpec, SweepPoint, probe_kind};
pub use resonance::Resonance;
pub use run::{
    ExperimentRun, PointResult, RunOptions, evaluate_sweep, evaluate_sweep_on, evaluate_sweep_plain,
    evaluate_sweep_with, run_experiment, run_experiment_with,
};
pub use stats::{Quartiles, quantile, spearman};
pub use table::{medians_table, summary_table};
