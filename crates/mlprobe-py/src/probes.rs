//! The probes as functions from arrays to arrays.

use mlprobe_binarize::Binarize;
use mlprobe_graph::{Perturbation, ProbeKind, TensorKind, WeightStack, probe_rng};
use mlprobe_runner::builtin_probes;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::{read_array, to_numpy};
use crate::errors::value_error;

/// The strategy a probe without strategies is built with.
const NO_STRATEGY: &str = "none";

/// The probe kind named `probe`, or a `ValueError` listing the known ones.
fn kind_of(probe: &str) -> PyResult<ProbeKind> {
    let registry = builtin_probes();
    registry.get(probe).cloned().ok_or_else(|| {
        let known: Vec<&str> = registry.kinds().iter().map(|k| k.name()).collect();
        PyValueError::new_err(format!("unknown probe `{probe}`: expected one of {}", known.join(", ")))
    })
}

/// The strategy to build `kind` with: the one given, or its first.
fn strategy_for(kind: &ProbeKind, strategy: Option<&str>) -> PyResult<String> {
    match (kind.strategies().first(), strategy) {
        (None, None) => Ok(NO_STRATEGY.into()),
        (None, Some(s)) => Err(PyValueError::new_err(format!(
            "strategy `{s}`: {} takes no strategy",
            kind.name()
        ))),
        (Some(first), None) => Ok(first.clone()),
        (Some(_), Some(s)) => Ok(s.to_string()),
    }
}

/// How `shape` is viewed: the kind named, or the one inferred from `name` and rank.
pub(crate) fn tensor_kind(name: &str, shape: &[usize], kind: Option<&str>) -> PyResult<TensorKind> {
    match kind {
        Some(k) => k.parse::<TensorKind>().map_err(value_error),
        None => TensorKind::infer(name, shape).map_err(value_error),
    }
}

/// The perturbed copy of `w` (see `mlprobe.perturb`).
#[pyfunction]
#[pyo3(signature = (w, probe, strategy=None, level=0.0, *, seed=0, signed=false, kind=None, name="w"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn perturb<'py>(
    py: Python<'py>,
    w: &Bound<'py, PyAny>,
    probe: &str,
    strategy: Option<&str>,
    level: f64,
    seed: u64,
    signed: bool,
    kind: Option<&str>,
    name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let array = read_array(name, w)?;
    let tensor_kind = tensor_kind(name, &array.shape, kind)?;
    let probe_kind = kind_of(probe)?;
    let strategy = strategy_for(&probe_kind, strategy)?;
    if let (Some(reason), TensorKind::Vector) = (probe_kind.needs_matrix(&strategy), tensor_kind) {
        return Err(PyValueError::new_err(format!(
            "{name} has shape {:?}: {probe} {strategy}: {reason}; give a 2-D or 4-D array",
            array.shape
        )));
    }
    let perturbation = (probe_kind.build(&strategy, level)).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let layer = (tensor_kind.to_layer(name, &array.shape, &array.values, Vec::new())).map_err(value_error)?;
    let net = WeightStack::unwired(vec![layer]);
    let out = py.detach(|| {
        let out = perturbation.apply(&net, &mut probe_rng(seed));
        match signed {
            true => Binarize::SIGN.apply(&out, &mut probe_rng(0)),
            false => out,
        }
    });
    to_numpy(py, tensor_kind.values_of(&out.layers[0]), &array.shape, array.dtype)
}

/// Every probe mlprobe knows, as dicts (see `mlprobe.probes`).
#[pyfunction]
pub(crate) fn probe_kinds(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    let registry = builtin_probes();
    registry
        .kinds()
        .iter()
        .map(|k| {
            let d = PyDict::new(py);
            d.set_item("name", k.name())?;
            d.set_item("strategies", k.strategies().to_vec())?;
            d.set_item("level", k.level_label())?;
            d.set_item("binarizes", k.binarizes())?;
            Ok(d)
        })
        .collect()
}
