//! mlprobe from Python: the `mlprobe._native` extension module under the
//! `mlprobe` package (`python/mlprobe`), built by maturin.
//!
//! A thin layer over the Rust crates, numpy arrays at the boundary:
//! - `probes`: `perturb`, the probes of the registry as functions from
//!   arrays to arrays, with the Rust crates' bits for the same seed;
//! - `experiments`: the figures' experiment files, built in;
//! - `model`: mlprobe's model files, MLPs from arrays, the fast evaluator,
//!   the linear CKA;
//! - `sweep`: the harness (`mlprobe_runner::run_tensor_sweep` with the
//!   caller's function as the scorer) and `probe_mlp` (`cargo xtask probe`
//!   on an MLP).
//!
//! Rust errors become `ValueError`, `TypeError` or `OSError`; long work
//! runs with the GIL released. Modules, each using only those above it:
//! `arrays`, `errors`, `experiments`; `probes`, `model`; `sweep`.

mod arrays;
mod errors;
mod experiments;
mod model;
mod probes;
mod sweep;

use pyo3::prelude::*;

/// The native half of the `mlprobe` package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(probes::perturb, m)?)?;
    m.add_function(wrap_pyfunction!(probes::probe_kinds, m)?)?;
    m.add_function(wrap_pyfunction!(model::linear_cka, m)?)?;
    m.add_function(wrap_pyfunction!(model::load_model, m)?)?;
    m.add_function(wrap_pyfunction!(model::save_model, m)?)?;
    m.add_function(wrap_pyfunction!(model::read_safetensors, m)?)?;
    m.add_function(wrap_pyfunction!(model::load_dataset, m)?)?;
    m.add_class::<model::Model>()?;
    m.add_class::<model::Evaluator>()?;
    m.add_function(wrap_pyfunction!(experiments::names, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::probe_mlp, m)?)?;
    Ok(())
}
