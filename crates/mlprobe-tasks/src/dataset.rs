//! Labelled image datasets with a train and a test split.

use std::path::{Path, PathBuf};

use crate::errors::DataError;
use crate::idx::{self, IdxImages};

/// The four standard file names, without `.gz`.
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
/// Training labels.
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
/// Test images.
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
/// Test labels.
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";

/// One split of a dataset: images and their labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The images.
    pub images: IdxImages,
    /// One label per image.
    pub labels: Vec<u8>,
}

impl Split {
    fn new(split: &'static str, images: IdxImages, labels: Vec<u8>) -> Result<Self, DataError> {
        if images.count != labels.len() {
            return Err(DataError::CountMismatch {
                split,
                images: images.count,
                labels: labels.len(),
            });
        }
        Ok(Self { images, labels })
    }

    /// Number of images of each label value 0..=255 that occurs, as `(label, count)`.
    pub fn class_counts(&self) -> Vec<(u8, usize)> {
        let mut counts = [0usize; 256];
        for &l in &self.labels {
            counts[l as usize] += 1;
        }
        (0..=255u8)
            .filter(|&c| counts[c as usize] > 0)
            .map(|c| (c, counts[c as usize]))
            .collect()
    }
}

/// A labelled image dataset (MNIST-style) with train and test splits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    /// A name for messages and outputs, e.g. `mnist`.
    pub name: String,
    /// Training split.
    pub train: Split,
    /// Test split.
    pub test: Split,
}

impl Dataset {
    /// Builds a dataset from the bytes of the four IDX files (each plain or gzip).
    /// `origin` names where the bytes came from, for error messages.
    pub fn from_idx_bytes(
        name: &str,
        origin: &Path,
        train_images: &[u8],
        train_labels: &[u8],
        test_images: &[u8],
        test_labels: &[u8],
    ) -> Result<Self, DataError> {
        let at = |file: &str| origin.join(file);
        let idx_err = |file: &str| {
            let path = at(file);
            move |source| DataError::Idx { path, source }
        };
        let train = Split::new(
            "train",
            idx::read_images(train_images).map_err(idx_err(TRAIN_IMAGES))?,
            idx::read_labels(train_labels).map_err(idx_err(TRAIN_LABELS))?,
        )?;
        let test = Split::new(
            "test",
            idx::read_images(test_images).map_err(idx_err(TEST_IMAGES))?,
            idx::read_labels(test_labels).map_err(idx_err(TEST_LABELS))?,
        )?;
        let shape = |s: &Split| (s.images.rows, s.images.cols);
        if shape(&train) != shape(&test) {
            return Err(DataError::ShapeMismatch {
                train: shape(&train),
                test: shape(&test),
            });
        }
        Ok(Self {
            name: name.to_string(),
            train,
            test,
        })
    }

    /// Loads the four standard IDX files from a directory; each may be plain
    /// or gzip (`.gz`). The dataset is named after the directory.
    pub fn from_dir(dir: &Path) -> Result<Self, DataError> {
        let read = |stem: &str| -> Result<Vec<u8>, DataError> {
            let path = find_file(dir, stem)?;
            std::fs::read(&path).map_err(|source| DataError::Io { path, source })
        };
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        Self::from_idx_bytes(
            &name,
            dir,
            &read(TRAIN_IMAGES)?,
            &read(TRAIN_LABELS)?,
            &read(TEST_IMAGES)?,
            &read(TEST_LABELS)?,
        )
    }

    /// Pixels per image.
    pub fn pixels(&self) -> usize {
        self.train.images.rows * self.train.images.cols
    }
}

fn find_file(dir: &Path, stem: &str) -> Result<PathBuf, DataError> {
    [stem.to_string(), format!("{stem}.gz")]
        .into_iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .ok_or_else(|| DataError::MissingFile {
            dir: dir.to_path_buf(),
            file: stem.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idx::{gzip, write_images, write_labels};

    fn images(count: usize) -> IdxImages {
        IdxImages {
            count,
            rows: 2,
            cols: 2,
            pixels: (0..count * 4).map(|i| i as u8).collect(),
        }
    }

    #[test]
    fn loads_a_directory_of_mixed_plain_and_gzip_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(TRAIN_IMAGES), write_images(&images(3))).unwrap();
        std::fs::write(
            dir.path().join(format!("{TRAIN_LABELS}.gz")),
            gzip(&write_labels(&[0, 1, 1])),
        )
        .unwrap();
        std::fs::write(dir.path().join(TEST_IMAGES), write_images(&images(2))).unwrap();
        std::fs::write(dir.path().join(TEST_LABELS), write_labels(&[1, 0])).unwrap();
        let ds = Dataset::from_dir(dir.path()).unwrap();
        assert_eq!(ds.train.class_counts(), vec![(0, 1), (1, 2)]);
        assert_eq!(ds.test.images.count, 2);
        assert_eq!(ds.pixels(), 4);
    }

    #[test]
    fn missing_file_and_count_mismatch_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = Dataset::from_dir(dir.path()).unwrap_err();
        assert!(err.to_string().contains(TRAIN_IMAGES), "{err}");

        std::fs::write(dir.path().join(TRAIN_IMAGES), write_images(&images(3))).unwrap();
        std::fs::write(dir.path().join(TRAIN_LABELS), write_labels(&[0, 1])).unwrap();
        std::fs::write(dir.path().join(TEST_IMAGES), write_images(&images(2))).unwrap();
        std::fs::write(dir.path().join(TEST_LABELS), write_labels(&[1, 0])).unwrap();
        let err = Dataset::from_dir(dir.path()).unwrap_err();
        assert_eq!(err.to_string(), "train split: 3 images but 2 labels");
    }

    #[test]
    fn corrupt_file_error_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut bad = write_images(&images(3));
        bad.truncate(20);
        std::fs::write(dir.path().join(TRAIN_IMAGES), bad).unwrap();
        std::fs::write(dir.path().join(TRAIN_LABELS), write_labels(&[0, 1, 1])).unwrap();
        std::fs::write(dir.path().join(TEST_IMAGES), write_images(&images(2))).unwrap();
        std::fs::write(dir.path().join(TEST_LABELS), write_labels(&[1, 0])).unwrap();
        let err = Dataset::from_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains(TRAIN_IMAGES) && err.contains("length mismatch"), "{err}");
    }
}
