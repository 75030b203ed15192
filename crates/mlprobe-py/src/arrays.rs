//! numpy arrays at the boundary: float32 or float64 in, the same dtype out;
//! the weight graph computes in float32.

use numpy::{PyArray1, PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

/// The element type of an array handed in, given back on the way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dtype {
    F32,
    F64,
}

/// An array's shape, values (row-major, as float32) and dtype.
pub(crate) struct Array {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
    pub dtype: Dtype,
}

/// Reads `obj` (the argument `arg`) as a float32 or float64 numpy array.
pub(crate) fn read_array(arg: &str, obj: &Bound<'_, PyAny>) -> PyResult<Array> {
    if let Ok(a) = obj.cast::<PyArrayDyn<f32>>() {
        let a = a.readonly();
        let values = a.as_array().iter().copied().collect();
        return Ok(Array {
            shape: a.shape().to_vec(),
            values,
            dtype: Dtype::F32,
        });
    }
    if let Ok(a) = obj.cast::<PyArrayDyn<f64>>() {
        let a = a.readonly();
        let values = a.as_array().iter().map(|&v| v as f32).collect();
        return Ok(Array {
            shape: a.shape().to_vec(),
            values,
            dtype: Dtype::F64,
        });
    }
    Err(PyTypeError::new_err(format!(
        "{arg} must be a float32 or float64 numpy array, not {}",
        describe(obj)
    )))
}

/// What `obj` is, for messages: an array's dtype, else its type's name.
fn describe(obj: &Bound<'_, PyAny>) -> String {
    match obj.getattr("dtype") {
        Ok(dtype) => format!("an array of dtype {dtype}"),
        Err(_) => obj
            .get_type()
            .name()
            .map_or_else(|_| "an object".to_string(), |n| format!("a {n}")),
    }
}

/// `values` as a numpy array of `shape` and `dtype`.
pub(crate) fn to_numpy<'py>(
    py: Python<'py>,
    values: Vec<f32>,
    shape: &[usize],
    dtype: Dtype,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match dtype {
        Dtype::F32 => PyArray1::from_vec(py, values).reshape(shape.to_vec())?.into_any(),
        Dtype::F64 => {
            let wide: Vec<f64> = values.into_iter().map(f64::from).collect();
            PyArray1::from_vec(py, wide).reshape(shape.to_vec())?.into_any()
        }
    })
}
