//! The one place that chooses burn's device.

use burn::tensor::Device;

/// The CPU device every burn computation of mlprobe runs on.
///
/// burn 0.22's `ndarray` backend (burn-ndarray), single-threaded: runs are
/// parallelised over (task, seed) units instead, which keeps every run
/// bit-identical whatever the number of threads. Moving to burn's `flex`
/// backend is a change of this line (and of the feature in `Cargo.toml`).
#[allow(deprecated)]
pub fn cpu() -> Device {
    Device::ndarray()
}
