//! Synthetic tasks whose difficulty is a knob, for tests and complexity
//! curves without any dataset.

use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::errors::DataError;
use crate::task::{Examples, Task};

/// Largest input dimension of a synthetic task.
const MAX_DIM: usize = 100_000;
/// Most training (or test) examples of a synthetic task.
const MAX_EXAMPLES: usize = 1_000_000;
/// Most input values (`dim` times examples) of a synthetic task: 1 GB of `f32`.
const MAX_VALUES: u64 = 250_000_000;

/// Two Gaussian classes in `dim` dimensions.
///
/// Each coordinate has standard deviation `sigma`; the class means lie at
/// `-separation/2` and `+separation/2` standard deviations along a random unit
/// direction. The best possible accuracy is `Phi(separation / 2)`: the knob
/// runs from hopeless (`0`) to trivial (`>= 6`).
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianPair {
    /// Input dimension (784 matches the image tasks).
    pub dim: usize,
    /// Distance between the class means, in standard deviations.
    pub separation: f64,
    /// Standard deviation of every coordinate.
    pub sigma: f64,
    /// Training examples (half per class).
    pub n_train: usize,
    /// Test examples (half per class).
    pub n_test: usize,
    /// Seed of the generator: same seed, same task.
    pub seed: u64,
}

impl Default for GaussianPair {
    /// Sizes like a class pair of the embedded datasets.
    fn default() -> Self {
        Self {
            dim: 784,
            separation: 3.0,
            sigma: 0.5,
            n_train: 1_600,
            n_test: 400,
            seed: 0,
        }
    }
}

impl GaussianPair {
    /// The default task with the given separation.
    pub fn with_separation(separation: f64) -> Self {
        Self {
            separation,
            ..Self::default()
        }
    }

    /// The best accuracy any classifier can reach on this task, in `[0.5, 1]`.
    pub fn bayes_accuracy(&self) -> f64 {
        0.5 * (1.0 + erf(self.separation / 2.0 / std::f64::consts::SQRT_2))
    }

    /// Checks every parameter; the error names the first one out of range.
    pub fn validate(&self) -> Result<(), DataError> {
        let bad = |name, value: f64, expected| Err(DataError::InvalidSynthetic { name, value, expected });
        if !(self.separation.is_finite() && self.separation >= 0.0) {
            return bad("separation", self.separation, "finite and >= 0");
        }
        if !(self.sigma.is_finite() && self.sigma > 0.0) {
            return bad("sigma", self.sigma, "finite and > 0");
        }
        if self.dim == 0 {
            return bad("dim", 0.0, ">= 1");
        }
        if self.n_train < 2 {
            return bad("n_train", self.n_train as f64, ">= 2");
        }
        if self.n_test < 2 {
            return bad("n_test", self.n_test as f64, ">= 2");
        }
        if self.dim > MAX_DIM {
            return bad("dim", self.dim as f64, "<= 100000");
        }
        for (name, n) in [("n_train", self.n_train), ("n_test", self.n_test)] {
            if n > MAX_EXAMPLES {
                return bad(name, n as f64, "<= 1000000");
            }
        }
        let values = self.dim as u64 * (self.n_train + self.n_test) as u64;
        if values > MAX_VALUES {
            return bad(
                "dim * (n_train + n_test)",
                values as f64,
                "<= 250000000 input values (1 GB)",
            );
        }
        Ok(())
    }

    /// Draws the task.
    pub fn generate(&self) -> Result<Task, DataError> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut direction: Vec<f64> = (0..self.dim).map(|_| StandardNormal.sample(&mut rng)).collect();
        let norm = direction.iter().map(|v| v * v).sum::<f64>().sqrt();
        direction.iter_mut().for_each(|v| *v /= norm);
        let shift = self.separation / 2.0 * self.sigma;
        let mut draw = |n: usize| {
            let mut x = Vec::with_capacity(n * self.dim);
            let mut y = Vec::with_capacity(n);
            for i in 0..n {
                let label = (i % 2) as u32;
                let sign = if label == 0 { -1.0 } else { 1.0 };
                for d in &direction {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    x.push((sign * shift * d + self.sigma * z) as f32);
                }
                y.push(label);
            }
            Examples { x, y, dim: self.dim }
        };
        let train = draw(self.n_train);
        let test = draw(self.n_test);
        Ok(Task {
            dataset: "synthetic-gaussian".to_string(),
            classes: Vec::new(),
            n_classes: 2,
            train,
            test,
        })
    }
}

/// The error function (Abramowitz and Stegun 7.1.26, |error| < 1.5e-7).
fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let y = 1.0 - poly * (-x * x).exp();
    if x >= 0.0 { y } else { -y }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_task_and_balanced_labels() {
        let a = GaussianPair::default().generate().unwrap();
        let b = GaussianPair::default().generate().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.train.len(), 1_600);
        assert_eq!(a.train.y.iter().filter(|&&y| y == 1).count(), 800);
        let c = GaussianPair {
            seed: 1,
            ..Default::default()
        }
        .generate()
        .unwrap();
        assert_ne!(a.train.x, c.train.x);
    }

    #[test]
    fn bayes_accuracy_follows_the_knob() {
        assert!((GaussianPair::with_separation(0.0).bayes_accuracy() - 0.5).abs() < 1e-9);
        assert!((GaussianPair::with_separation(2.0).bayes_accuracy() - 0.841_344_7).abs() < 1e-6);
        assert!(GaussianPair::with_separation(8.0).bayes_accuracy() > 0.9999);
    }

    #[test]
    fn class_means_are_separation_apart() {
        let task = GaussianPair {
            n_train: 4_000,
            dim: 16,
            ..GaussianPair::with_separation(2.0)
        }
        .generate()
        .unwrap();
        let mut mean = [vec![0.0f64; 16], vec![0.0f64; 16]];
        for i in 0..task.train.len() {
            let c = task.train.y[i] as usize;
            for (m, v) in mean[c].iter_mut().zip(task.train.row(i)) {
                *m += *v as f64 / 2_000.0;
            }
        }
        let dist: f64 = mean[0]
            .iter()
            .zip(&mean[1])
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        // 2 standard deviations of 0.5, up to sampling noise of the 16-dimensional mean.
        assert!((dist - 1.0).abs() < 0.1, "distance between means {dist}");
    }

    #[test]
    fn invalid_knob_is_named() {
        let err = GaussianPair::with_separation(f64::NAN)
            .generate()
            .unwrap_err()
            .to_string();
        assert!(err.contains("separation"), "{err}");
        let err = GaussianPair {
            sigma: -1.0,
            ..Default::default()
        }
        .generate()
        .unwrap_err()
        .to_string();
        assert!(err.contains("sigma"), "{err}");
    }
}
