//! Typed errors of the report crate.

use std::path::PathBuf;

/// Why a figure or the report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// plotters could not draw a figure.
    #[error("drawing {figure}: {message}")]
    Draw {
        /// The figure's file stem.
        figure: String,
        /// plotters' message.
        message: String,
    },
    /// A file system error.
    #[error("{path}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file could not be written atomically.
    #[error(transparent)]
    Store(#[from] mlprobe_graph::StoreError),
}
