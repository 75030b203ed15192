//! The sweep harness over named tensors with the caller's function as the
//! scorer, and `cargo xtask probe` on an MLP from Python.

use std::path::PathBuf;
use std::time::Instant;

use mlprobe_graph::{Embedded, TensorKind};
use mlprobe_runner::{
    DataSource, Experiment, ExperimentRun, GivenData, GivenModel, GivenTask, Labels, ModelReading, NamedTensor, Row,
    RunOptions, Scores, Targets, TensorSweep, TensorSweepError, builtin_probes, label_of, probe_points_of_text,
    run_experiment, run_tensor_sweep,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt};

use crate::arrays::{Dtype, read_array, to_numpy};
use crate::errors::{os_error, value_error};
use crate::experiments::experiment_text;
use crate::probes::tensor_kind;

/// The tensors handed in: `(name, array, kind or None)`, with their dtypes.
fn named_tensors(tensors: Vec<(String, Bound<'_, PyAny>, Option<String>)>) -> PyResult<(Vec<NamedTensor>, Vec<Dtype>)> {
    let mut out = Vec::new();
    let mut dtypes = Vec::new();
    for (name, array, kind) in tensors {
        let a = read_array(&format!("tensors[{name:?}]"), &array)?;
        let kind: TensorKind = tensor_kind(&name, &a.shape, kind.as_deref())?;
        dtypes.push(a.dtype);
        out.push(NamedTensor {
            name,
            shape: a.shape,
            kind,
            values: a.values,
        });
    }
    Ok((out, dtypes))
}

/// `v` as a number: a Python int or float (or anything with `__float__`), not a bool.
fn number(key: &str, v: &Bound<'_, PyAny>) -> PyResult<f64> {
    let numeric = v.is_instance_of::<PyFloat>() || v.is_instance_of::<PyInt>() || v.hasattr("__float__")?;
    if numeric && !v.is_instance_of::<PyBool>() {
        return v.extract::<f64>();
    }
    Err(PyTypeError::new_err(format!(
        "evaluate returned {key}{} ({}); return a number, or a dict of numbers",
        v.repr()?,
        v.get_type().name()?
    )))
}

/// The scorer's return value as scores: a number, or a dict of numbers
/// whose `accuracy` (else first) entry is the headline.
fn scores_of(value: &Bound<'_, PyAny>) -> PyResult<Scores> {
    let Ok(dict) = value.cast::<PyDict>() else {
        return Ok(Scores {
            score: number("", value)?,
            extra: Vec::new(),
        });
    };
    let mut entries = Vec::new();
    for (k, v) in dict.iter() {
        let key: String = (k.extract())
            .map_err(|_| PyTypeError::new_err("evaluate returned a dict whose keys are not all strings"))?;
        let value = number(&format!("{key} = "), &v)?;
        entries.push((key, value));
    }
    if entries.is_empty() {
        return Err(PyValueError::new_err(
            "evaluate returned an empty dict; return at least one measure",
        ));
    }
    let headline = entries.iter().position(|(k, _)| k == "accuracy").unwrap_or(0);
    let (_, score) = entries.remove(headline);
    Ok(Scores { score, extra: entries })
}

/// The exception to raise for a failed sweep: the scorer's own (with a
/// note naming the point), else a `ValueError` or an `OSError`.
fn sweep_error(py: Python<'_>, e: TensorSweepError<PyErr>) -> PyErr {
    match e {
        TensorSweepError::Score { unit, point, source } => {
            let note = format!(
                "raised by evaluate at {point} (unit {unit}); the points scored before are kept, and a re-run resumes here"
            );
            let _ = source.value(py).call_method1("add_note", (note,));
            source
        }
        TensorSweepError::Run(e) => os_error(e),
        e => value_error(e),
    }
}

/// Runs a sweep (see `mlprobe.sweep`); returns the rows.
#[pyfunction]
#[pyo3(signature = (tensors, probes, evaluate, *, out, targets="each", seeds=vec![0], name=None, dataset="data", task="model", classes="", quick=false, progress=true))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn sweep<'py>(
    py: Python<'py>,
    tensors: Vec<(String, Bound<'py, PyAny>, Option<String>)>,
    probes: &str,
    evaluate: Py<PyAny>,
    out: PathBuf,
    targets: &str,
    seeds: Vec<u64>,
    name: Option<String>,
    dataset: &str,
    task: &str,
    classes: &str,
    quick: bool,
    progress: bool,
) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let targets: Targets = targets.parse().map_err(value_error)?;
    let (tensors, dtypes) = named_tensors(tensors)?;
    let registry = builtin_probes();
    let file = experiment_text(probes)?;
    let points = (probe_points_of_text(&file.name, &file.text, &file.path, &registry, quick)).map_err(value_error)?;
    let sweep = TensorSweep {
        name: name.unwrap_or(file.name),
        points,
        tensors,
        targets,
        seeds,
        labels: Labels {
            dataset: dataset.into(),
            task: task.into(),
            classes: classes.into(),
        },
    };
    let call = |perturbed: &[NamedTensor]| -> Result<Scores, PyErr> {
        Python::attach(|py| {
            py.check_signals()?;
            let weights = PyDict::new(py);
            for t in perturbed {
                let i = sweep
                    .tensors
                    .iter()
                    .position(|s| s.name == t.name)
                    .expect("a tensor of the sweep");
                weights.set_item(&t.name, to_numpy(py, t.values.clone(), &t.shape, dtypes[i])?)?;
            }
            scores_of(&evaluate.bind(py).call1((weights,))?)
        })
    };
    let run = py
        .detach(|| run_tensor_sweep(&sweep, &out, progress, call))
        .map_err(|e| sweep_error(py, e))?;
    mlprobe_report::write_tensor_report(&out, &run, &sweep, &registry).map_err(os_error)?;
    rows_to_dicts(py, &run.rows, &run.columns)
}

/// The rows as dicts of the CSV's columns, typed.
fn rows_to_dicts<'py>(py: Python<'py>, rows: &[Row], columns: &[String]) -> PyResult<Vec<Bound<'py, PyDict>>> {
    rows.iter()
        .map(|r| {
            let d = PyDict::new(py);
            d.set_item("dataset", &r.dataset)?;
            d.set_item("task", &r.task)?;
            d.set_item("classes", &r.classes)?;
            d.set_item("seed", r.seed)?;
            d.set_item("probe", &r.probe)?;
            d.set_item("strategy", &r.strategy)?;
            d.set_item("level", r.level)?;
            d.set_item("signed", r.signed)?;
            d.set_item("accuracy", r.accuracy)?;
            for (c, v) in columns.iter().zip(&r.extra) {
                match (c.as_str(), v.parse::<f64>()) {
                    ("layer", _) | (_, Err(_)) if !v.is_empty() || c == "layer" => d.set_item(c, v)?,
                    (_, Ok(x)) => d.set_item(c, x)?,
                    _ => d.set_item(c, py.None())?,
                }
            }
            Ok(d)
        })
        .collect()
}

/// `cargo xtask probe` on a model trained elsewhere (see `mlprobe.probe_mlp`); returns the rows.
#[pyfunction]
#[pyo3(signature = (model, experiments, *, out, activation="relu", dataset=None, data_dir=None, data_npz=None, classes=None, layers=None, seed=0, quick=false, progress=true))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn probe_mlp<'py>(
    py: Python<'py>,
    model: PathBuf,
    experiments: Vec<String>,
    out: PathBuf,
    activation: &str,
    dataset: Option<&str>,
    data_dir: Option<PathBuf>,
    data_npz: Option<PathBuf>,
    classes: Option<Vec<u8>>,
    layers: Option<Vec<String>>,
    seed: u64,
    quick: bool,
    progress: bool,
) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let start = Instant::now();
    let source = match (dataset, data_dir, data_npz) {
        (Some(d), None, None) => DataSource::Embedded(d.parse::<Embedded>().map_err(value_error)?),
        (None, Some(dir), None) => DataSource::Dir(dir),
        (None, None, Some(npz)) => DataSource::Npz(npz),
        _ => {
            return Err(PyValueError::new_err(
                "give the data: one of dataset=, data_dir= or data_npz=",
            ));
        }
    };
    let reading = ModelReading {
        activation: activation.parse().map_err(value_error)?,
        architecture: mlprobe_graph::ArchitectureKind::Mlp,
        heads: 0,
        layers: layers.unwrap_or_default(),
    };
    let runs = py.detach(|| -> Result<Vec<ExperimentRun>, PyErr> {
        let data = GivenData::load(source, classes.as_deref()).map_err(value_error)?;
        let (net, notes) = reading.read(&model, &data, classes.is_some()).map_err(value_error)?;
        let given = GivenModel::new(&model, net, notes);
        let spec = GivenTask {
            label: label_of(&model),
            dataset: data.name.clone(),
            source: data.source.clone(),
            classes: data.task.classes.clone(),
        };
        let opts = RunOptions {
            out: out.clone(),
            quick,
            seeds: None,
            progress,
        };
        let mut runs = Vec::new();
        for arg in &experiments {
            let file = experiment_text(arg)?;
            let exp = Experiment::from_toml(&file.name, &file.text, &file.path).map_err(value_error)?;
            let exp = exp.probing(given.clone(), spec.clone(), seed).map_err(value_error)?;
            runs.push(run_experiment(&exp, &opts).map_err(os_error)?);
        }
        Ok(runs)
    })?;
    let inputs: Vec<(&Experiment, &ExperimentRun)> = runs.iter().map(|r| (&r.experiment, r)).collect();
    let context = mlprobe_report::Context {
        command: format!("mlprobe.probe_mlp({})", model.display()),
        threads: rayon::current_num_threads(),
        rustc: "rustc (the version that built this package)".into(),
        wall: start.elapsed(),
        tolerance: mlprobe_report::DEFAULT_TOLERANCE,
    };
    py.detach(|| mlprobe_report::write_report(&out, &inputs, &context))
        .map_err(os_error)?;
    let mut rows = Vec::new();
    for run in &runs {
        let exp = &run.experiment;
        let all: Vec<Row> = run.rows().cloned().collect();
        let mut dicts = rows_to_dicts(py, &all, &exp.columns)?;
        for d in &mut dicts {
            d.set_item("experiment", &exp.name)?;
        }
        rows.extend(dicts);
    }
    Ok(rows)
}
