//! mlprobe's model files, MLPs built from arrays, the fast evaluator and the
//! linear CKA.

use std::path::PathBuf;

use mlprobe_graph::{Activation, Evaluator as RustEvaluator, Examples, TensorKind, WeightStack};
use numpy::PyReadonlyArray1;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::arrays::{Dtype, read_array, to_numpy};
use crate::errors::{os_error, value_error};

/// A network as mlprobe holds it: an MLP, a CNN or a ViT.
#[pyclass(module = "mlprobe", frozen)]
pub(crate) struct Model {
    pub(crate) net: WeightStack,
}

#[pymethods]
impl Model {
    /// An MLP from `(weight [out, in], bias [out])` pairs, input layer first.
    #[staticmethod]
    #[pyo3(signature = (layers, activation="relu"))]
    fn from_layers(layers: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)>, activation: &str) -> PyResult<Self> {
        let activation: Activation = activation.parse().map_err(value_error)?;
        let mut out = Vec::new();
        for (l, (w, b)) in layers.iter().enumerate() {
            let (w, b) = (
                read_array(&format!("layers[{l}][0]"), w)?,
                read_array(&format!("layers[{l}][1]"), b)?,
            );
            let name = format!("layers[{l}]");
            out.push((TensorKind::Linear.to_layer(&name, &w.shape, &w.values, b.values)).map_err(value_error)?);
        }
        let net =
            WeightStack::with_architecture(mlprobe_graph::Architecture::Mlp, activation, out).map_err(value_error)?;
        Ok(Self { net })
    }

    /// The layers as `(weight [out, in], bias [out])` float32 pairs, input
    /// layer first (an empty bias where a layer has none).
    fn layers<'py>(&self, py: Python<'py>) -> PyResult<Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
        (self.net.layers.iter())
            .map(|l| {
                let w = to_numpy(py, l.out_in(), &[l.n_out, l.n_in], Dtype::F32)?;
                let b = to_numpy(py, l.bias.clone(), &[l.bias.len()], Dtype::F32)?;
                Ok((w, b))
            })
            .collect()
    }

    /// The hidden activation, e.g. `relu`.
    #[getter]
    fn activation(&self) -> String {
        self.net.activation.to_string()
    }

    /// The network in words: `784-64-2`, `cnn 8-16 5x5`, `vit 2x32 7x7`.
    #[getter]
    fn label(&self) -> String {
        self.net.label()
    }

    /// The name of every probed layer, in order.
    #[getter]
    fn layer_names(&self) -> Vec<String> {
        self.net.layer_names()
    }

    fn __repr__(&self) -> String {
        format!("Model({}, activation={})", self.net.label(), self.net.activation)
    }
}

/// Reads a model file of mlprobe; returns the model and its metadata (a dict).
#[pyfunction]
pub(crate) fn load_model(py: Python<'_>, path: PathBuf) -> PyResult<(Model, Bound<'_, PyAny>)> {
    let (net, meta) = py.detach(|| mlprobe_graph::load_model(&path)).map_err(os_error)?;
    let json = py.import("json")?;
    let meta = json.call_method1("loads", (meta.to_string(),))?;
    Ok((Model { net }, meta))
}

/// Writes `model` to `path` atomically, with `meta` (a JSON-serialisable dict).
#[pyfunction]
#[pyo3(signature = (path, model, meta=None))]
pub(crate) fn save_model(py: Python<'_>, path: PathBuf, model: &Model, meta: Option<Bound<'_, PyAny>>) -> PyResult<()> {
    let meta: serde_json::Value = match meta {
        None => serde_json::json!({}),
        Some(m) => {
            let text: String = py.import("json")?.call_method1("dumps", (m,))?.extract()?;
            serde_json::from_str(&text).map_err(value_error)?
        }
    };
    py.detach(|| mlprobe_graph::save_model(&path, &model.net, &meta))
        .map_err(os_error)
}

/// Test examples and mlprobe's bit-reproducible evaluation of any model on them.
#[pyclass(module = "mlprobe", frozen)]
pub(crate) struct Evaluator {
    examples: Examples,
}

#[pymethods]
impl Evaluator {
    /// Examples `x` (float32 or float64, `[n, features]`) with labels `y`
    /// (integers in `0..classes`, `[n]`).
    #[new]
    fn new(x: &Bound<'_, PyAny>, y: &Bound<'_, PyAny>) -> PyResult<Self> {
        let x = read_array("x", x)?;
        let [n, dim] = x.shape[..] else {
            return Err(PyValueError::new_err(format!(
                "x has shape {:?}: give [examples, features]",
                x.shape
            )));
        };
        let labels = read_labels(y)?;
        if labels.len() != n {
            return Err(PyValueError::new_err(format!(
                "x has {n} examples but y has {} labels",
                labels.len()
            )));
        }
        mlprobe_graph::tensor::check_finite("x", &x.values).map_err(value_error)?;
        Ok(Self {
            examples: Examples {
                x: x.values,
                y: labels,
                dim,
            },
        })
    }

    /// Test accuracy (%) of `model` on the examples.
    fn accuracy(&self, py: Python<'_>, model: &Model) -> PyResult<f64> {
        self.check(model)?;
        Ok(py.detach(|| RustEvaluator::new(&self.examples).accuracy(&model.net)))
    }

    /// The outputs of layer `layer` (an index) on every example, `[n, width]` float32.
    fn activations<'py>(&self, py: Python<'py>, model: &Model, layer: usize) -> PyResult<Bound<'py, PyAny>> {
        self.check(model)?;
        if layer >= model.net.layers.len() {
            return Err(PyValueError::new_err(format!(
                "layer {layer}: the model has {} layers",
                model.net.layers.len()
            )));
        }
        let a = py.detach(|| RustEvaluator::new(&self.examples).activations(&model.net, layer));
        let n = self.examples.len();
        to_numpy(py, a.clone(), &[n, a.len() / n.max(1)], Dtype::F32)
    }

    /// Number of examples.
    fn __len__(&self) -> usize {
        self.examples.len()
    }
}

impl Evaluator {
    fn check(&self, model: &Model) -> PyResult<()> {
        if model.net.input_dim() != self.examples.dim {
            return Err(PyValueError::new_err(format!(
                "the model takes {} inputs, the examples have {}",
                model.net.input_dim(),
                self.examples.dim
            )));
        }
        if let Some(y) = self.examples.y.iter().find(|&&y| y as usize >= model.net.output_dim()) {
            return Err(PyValueError::new_err(format!(
                "label {y} is not a class of a model of {} outputs",
                model.net.output_dim()
            )));
        }
        Ok(())
    }
}

/// Labels as `u32`, from any integer array of rank 1.
fn read_labels(y: &Bound<'_, PyAny>) -> PyResult<Vec<u32>> {
    let np = y.py().import("numpy")?;
    let array = np.call_method1("asarray", (y,))?;
    let kind: String = array.getattr("dtype")?.getattr("kind")?.extract()?;
    if kind != "i" && kind != "u" {
        return Err(PyTypeError::new_err(format!(
            "y must hold integers, not dtype {}",
            array.getattr("dtype")?
        )));
    }
    let labels: PyReadonlyArray1<'_, i64> = array
        .call_method1("astype", ("int64",))?
        .extract()
        .map_err(|_| PyValueError::new_err("y must be one label per example, a 1-D array"))?;
    let labels = labels.as_array();
    if let Some(bad) = labels.iter().find(|&&v| v < 0 || v > u32::MAX as i64) {
        return Err(PyValueError::new_err(format!("label {bad} is not a class index")));
    }
    Ok(labels.iter().map(|&v| v as u32).collect())
}

/// The linear CKA of activations `x` `[n, p]` and `y` `[n, q]` of the same `n` examples.
#[pyfunction]
pub(crate) fn linear_cka(py: Python<'_>, x: &Bound<'_, PyAny>, y: &Bound<'_, PyAny>) -> PyResult<f64> {
    let (x, y) = (read_array("x", x)?, read_array("y", y)?);
    let rows = |a: &crate::arrays::Array, name: &str| match a.shape[..] {
        [n, p] => Ok((n, p)),
        _ => Err(PyValueError::new_err(format!(
            "{name} has shape {:?}: give [examples, features]",
            a.shape
        ))),
    };
    let ((n, p), (m, q)) = (rows(&x, "x")?, rows(&y, "y")?);
    if n != m {
        return Err(PyValueError::new_err(format!("x has {n} examples, y has {m}")));
    }
    mlprobe_graph::tensor::check_finite("x", &x.values).map_err(value_error)?;
    mlprobe_graph::tensor::check_finite("y", &y.values).map_err(value_error)?;
    py.detach(|| mlprobe_graph::linear_cka(&x.values, p, &y.values, q, n))
        .map_err(value_error)
}

/// Every floating-point tensor of a safetensors file, as float32 arrays by name.
#[pyfunction]
pub(crate) fn read_safetensors(py: Python<'_>, path: PathBuf) -> PyResult<Bound<'_, pyo3::types::PyDict>> {
    let bytes = std::fs::read(&path)
        .map_err(|e| os_error(std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))))?;
    let tensors = py
        .detach(|| mlprobe_graph::store::read_tensors(&bytes, &path))
        .map_err(value_error)?;
    let out = pyo3::types::PyDict::new(py);
    for (name, shape, values) in tensors {
        out.set_item(name, to_numpy(py, values, &shape, Dtype::F32)?)?;
    }
    Ok(out)
}

/// The test split of an embedded dataset with `classes` (default all):
/// images `[n, 784]` float32 in [0, 1] and labels `[n]` int64 (the index of
/// each class in `classes`).
#[pyfunction]
#[pyo3(signature = (name, classes=None))]
pub(crate) fn load_dataset<'py>(
    py: Python<'py>,
    name: &str,
    classes: Option<Vec<u8>>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let embedded: mlprobe_graph::Embedded = name.parse().map_err(value_error)?;
    let source = mlprobe_runner::DataSource::Embedded(embedded);
    let data = mlprobe_runner::GivenData::load(source, classes.as_deref()).map_err(value_error)?;
    let test = &data.task.test;
    let x = to_numpy(py, test.x.clone(), &[test.len(), test.dim], Dtype::F32)?;
    let labels: Vec<i64> = test.y.iter().map(|&y| i64::from(y)).collect();
    let y = numpy::PyArray1::from_vec(py, labels).into_any();
    Ok((x, y))
}
