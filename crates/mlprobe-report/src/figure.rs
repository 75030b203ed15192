//! Figures written to disk, as the report refers to them.

use std::path::{Path, PathBuf};

/// A figure written to disk.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Experiment it belongs to.
    pub experiment: String,
    /// A caption.
    pub caption: String,
    /// Path of the PNG, relative to the output folder.
    pub png: PathBuf,
}

impl Figure {
    /// A figure of `experiment` at `png` (made relative to `out`).
    pub fn new(out: &Path, experiment: &str, caption: String, png: &Path) -> Self {
        Self {
            experiment: experiment.to_string(),
            caption,
            png: relative(out, png),
        }
    }
}

/// `path` relative to `out`, where it lies below it.
fn relative(out: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(out)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}
