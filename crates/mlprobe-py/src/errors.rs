//! Rust errors as Python exceptions: bad arguments are `ValueError`s with
//! the message (and its causes) of the Rust error.

use pyo3::PyErr;
use pyo3::exceptions::{PyOSError, PyValueError};

/// The message of `e` followed by its causes, `: `-separated.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text = format!("{text}: {next}");
        }
        source = s.source();
    }
    text
}

/// `e` as a `ValueError`.
pub(crate) fn value_error(e: impl std::error::Error) -> PyErr {
    PyValueError::new_err(chain(&e))
}

/// `e` as an `OSError` (a file that could not be read or written).
pub(crate) fn os_error(e: impl std::error::Error) -> PyErr {
    PyOSError::new_err(chain(&e))
}
