//! Typed errors of the task generator.

use std::path::PathBuf;

/// Why an IDX byte stream could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdxError {
    /// Fewer than the 4 bytes of the magic number, or fewer than the header needs.
    #[error("truncated header: {needed} bytes needed, {present} present")]
    TruncatedHeader {
        /// Bytes the header needs.
        needed: usize,
        /// Bytes present.
        present: usize,
    },
    /// The first two bytes of an IDX file are zero; these were not.
    #[error("wrong magic number {found:#010x}: an IDX file starts with 0x0000 followed by a type byte and a rank byte")]
    BadMagic {
        /// The four magic bytes as a big-endian number.
        found: u32,
    },
    /// Only unsigned bytes (type 0x08) are supported; MNIST-style files use nothing else.
    #[error("unsupported element type {found:#04x}: only unsigned bytes (0x08) are supported")]
    UnsupportedType {
        /// The type byte found.
        found: u8,
    },
    /// The file has another rank than expected (3 for images, 1 for labels).
    #[error("wrong rank: expected {expected} dimensions, found {found}")]
    WrongRank {
        /// Rank expected.
        expected: u8,
        /// Rank found.
        found: u8,
    },
    /// A dimension is zero, or so large that its product cannot be stored.
    #[error("absurd dimensions {dims:?}")]
    AbsurdDimensions {
        /// The dimensions read from the header.
        dims: Vec<u32>,
    },
    /// Images larger than [`crate::idx::MAX_SIDE`] on a side.
    #[error("images of {rows} x {cols} pixels, more than 4096 on a side")]
    ImageTooLarge {
        /// Rows per image.
        rows: usize,
        /// Columns per image.
        cols: usize,
    },
    /// The header promises more or fewer bytes than are present.
    #[error("length mismatch: dimensions {dims:?} need {expected} data bytes, {present} present")]
    LengthMismatch {
        /// The dimensions read from the header.
        dims: Vec<u32>,
        /// Data bytes the dimensions need.
        expected: usize,
        /// Data bytes present after the header.
        present: usize,
    },
    /// A gzip stream that does not decompress.
    #[error("corrupt gzip stream: {0}")]
    Gzip(String),
}

/// Why a dataset or a task could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A file could not be read from disk.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file was read but is not a valid IDX file.
    #[error("{path}: {source}")]
    Idx {
        /// The file (or the name of the embedded file).
        path: PathBuf,
        /// What is wrong with it.
        source: IdxError,
    },
    /// A data directory lacks one of the four standard files.
    #[error("{dir}: missing {file} (plain or .gz)")]
    MissingFile {
        /// The directory searched.
        dir: PathBuf,
        /// The standard file name that was not found.
        file: String,
    },
    /// Image and label files of one split disagree in count.
    #[error("{split} split: {images} images but {labels} labels")]
    CountMismatch {
        /// `train` or `test`.
        split: &'static str,
        /// Number of images.
        images: usize,
        /// Number of labels.
        labels: usize,
    },
    /// The image files of the two splits have different image sizes.
    #[error("train images are {train:?} pixels but test images are {test:?}")]
    ShapeMismatch {
        /// Rows and columns of the training images.
        train: (usize, usize),
        /// Rows and columns of the test images.
        test: (usize, usize),
    },
    /// A task names a class that has no image in one of the splits.
    #[error("class {class} is not in dataset {dataset} ({split} split has classes {present:?})")]
    UnknownClass {
        /// The class asked for.
        class: u8,
        /// The dataset's name.
        dataset: String,
        /// `train` or `test`.
        split: &'static str,
        /// The classes that do occur.
        present: Vec<u8>,
    },
    /// A task needs at least two distinct classes.
    #[error("a task needs at least two distinct classes, got {0:?}")]
    TooFewClasses(Vec<u8>),
    /// A task lists a class twice.
    #[error("class {0} is listed twice in the task")]
    DuplicateClass(u8),
    /// An unknown name of an embedded dataset.
    #[error("unknown embedded dataset `{0}` (known: mnist, fashion-mnist)")]
    UnknownDataset(String),
    /// A parameter of a synthetic task is out of range.
    #[error("synthetic task: {name} = {value} is out of range ({expected})")]
    InvalidSynthetic {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What would be valid.
        expected: &'static str,
    },
    /// A NumPy `.npz` file that does not hold a test set.
    #[error("{path}: {reason}")]
    Npz {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}
