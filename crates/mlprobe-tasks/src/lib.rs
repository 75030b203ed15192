//! Task generator of mlprobe.
//!
//! - [`idx`]: the IDX format of MNIST-style datasets (plain or gzip), checked
//!   against the bytes present;
//! - [`Dataset`]: labelled images with train and test splits, from a folder of
//!   the four standard files or from the datasets compiled in ([`Embedded`]);
//! - [`Task`]: the classes of a dataset relabelled `0..k-1`, with inputs
//!   normalised to `[-1, 1]`;
//! - [`GaussianPair`]: a synthetic two-class task whose difficulty is a knob;
//! - [`ssim`]: SSIM as scikit-image computes it, and mean SSIM distances between classes;
//! - `npz` (feature `npz`): a test set from a NumPy `.npz` file.
//!
//! ```
//! use mlprobe_tasks::{Embedded, Task};
//!
//! let mnist = Embedded::Mnist.load();
//! let hard = Task::from_classes(mnist, &[7, 9])?;
//! assert_eq!(hard.test.len(), 410);
//! # Ok::<(), mlprobe_tasks::DataError>(())
//! ```

pub mod dataset;
pub mod embedded;
pub mod errors;
pub mod idx;
#[cfg(feature = "npz")]
pub mod npz;
pub mod ssim;
pub mod synthetic;
pub mod task;

pub use dataset::{Dataset, Split};
pub use embedded::Embedded;
pub use errors::{DataError, IdxError};
pub use synthetic::GaussianPair;
pub use task::{Examples, Task, normalize_pixel};
