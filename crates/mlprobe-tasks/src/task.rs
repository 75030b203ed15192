//! Classification tasks: examples as normalised `f32` vectors with labels 0..k-1.

use crate::dataset::{Dataset, Split};
use crate::errors::DataError;

/// Maps a pixel byte to the network's input range, as the reference does:
/// `x / 255`, then `(x - 0.5) / 0.5`, so inputs lie in `[-1, 1]`.
pub fn normalize_pixel(p: u8) -> f32 {
    (p as f32 / 255.0 - 0.5) / 0.5
}

/// A set of labelled examples, row-major `n x dim`.
#[derive(Debug, Clone, PartialEq)]
pub struct Examples {
    /// Input vectors, `len() * dim` values.
    pub x: Vec<f32>,
    /// Labels in `0..n_classes`.
    pub y: Vec<u32>,
    /// Length of one input vector.
    pub dim: usize,
}

impl Examples {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// True when there is no example.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// The input vector of example `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.x[i * self.dim..(i + 1) * self.dim]
    }
}

/// A classification task: training and test examples with `n_classes` labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// The data source's name, e.g. `mnist` or `synthetic-gaussian`.
    pub dataset: String,
    /// The original classes in label order (label `i` is `classes[i]`); empty
    /// for synthetic tasks, whose labels have no other name.
    pub classes: Vec<u8>,
    /// Number of labels.
    pub n_classes: usize,
    /// Training examples.
    pub train: Examples,
    /// Test examples.
    pub test: Examples,
}

impl Task {
    /// Checks that `classes` can make a task of `dataset` (at least two,
    /// each once, each present in both splits) without building it: the
    /// errors of [`Task::from_classes`].
    pub fn check_classes(dataset: &Dataset, classes: &[u8]) -> Result<(), DataError> {
        if classes.len() < 2 {
            return Err(DataError::TooFewClasses(classes.to_vec()));
        }
        for (i, c) in classes.iter().enumerate() {
            if classes[..i].contains(c) {
                return Err(DataError::DuplicateClass(*c));
            }
        }
        for (split, name) in [(&dataset.train, "train"), (&dataset.test, "test")] {
            let present: Vec<u8> = split.class_counts().into_iter().map(|(c, _)| c).collect();
            if let Some(&class) = classes.iter().find(|c| !present.contains(c)) {
                return Err(DataError::UnknownClass {
                    class,
                    dataset: dataset.name.clone(),
                    split: name,
                    present,
                });
            }
        }
        Ok(())
    }

    /// A task on the given classes of a dataset: every training and test
    /// image of those classes, relabelled `0..k-1` in the order given.
    pub fn from_classes(dataset: &Dataset, classes: &[u8]) -> Result<Self, DataError> {
        Self::check_classes(dataset, classes)?;
        let select = |split: &Split| -> Examples {
            let dim = split.images.rows * split.images.cols;
            let mut x = Vec::new();
            let mut y = Vec::new();
            for (i, label) in split.labels.iter().enumerate() {
                if let Some(k) = classes.iter().position(|c| c == label) {
                    x.extend(split.images.image(i).iter().map(|&p| normalize_pixel(p)));
                    y.push(k as u32);
                }
            }
            Examples { x, y, dim }
        };
        Ok(Self {
            dataset: dataset.name.clone(),
            classes: classes.to_vec(),
            n_classes: classes.len(),
            train: select(&dataset.train),
            test: select(&dataset.test),
        })
    }

    /// The classes joined by `-`, e.g. `7-9`, as written in outputs.
    pub fn classes_label(&self) -> String {
        self.classes.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("-")
    }

    /// Length of one input vector.
    pub fn input_dim(&self) -> usize {
        self.train.dim
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::Embedded;

    #[test]
    fn normalisation_maps_bytes_to_unit_interval() {
        assert_eq!(normalize_pixel(0), -1.0);
        assert_eq!(normalize_pixel(255), 1.0);
        assert!((normalize_pixel(128) - 0.003_921_628).abs() < 1e-6);
    }

    #[test]
    fn class_pair_is_relabelled_in_the_order_given() {
        let ds = Embedded::Mnist.load();
        let task = Task::from_classes(ds, &[7, 9]).unwrap();
        assert_eq!(task.test.len(), 214 + 196);
        assert_eq!(task.train.len(), 856 + 782);
        assert_eq!(task.test.y.iter().filter(|&&y| y == 0).count(), 214);
        assert_eq!(task.classes_label(), "7-9");
        assert_eq!(task.input_dim(), 784);
        assert!(task.train.x.iter().all(|v| (-1.0..=1.0).contains(v)));
        let swapped = Task::from_classes(ds, &[9, 7]).unwrap();
        assert_eq!(swapped.test.y.iter().filter(|&&y| y == 0).count(), 196);
    }

    #[test]
    fn bad_class_lists_are_errors() {
        let ds = Embedded::FashionMnist.load();
        let err = Task::from_classes(ds, &[3, 12]).unwrap_err().to_string();
        assert!(err.contains("class 12 is not in dataset fashion-mnist"), "{err}");
        assert!(matches!(Task::from_classes(ds, &[3]), Err(DataError::TooFewClasses(_))));
        assert!(matches!(
            Task::from_classes(ds, &[3, 3]),
            Err(DataError::DuplicateClass(3))
        ));
    }
}
