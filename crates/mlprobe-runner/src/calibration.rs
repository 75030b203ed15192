//! The 45-pair map as a yardstick: where a binarization gap falls among the
//! pairs' gaps, and a data-only estimate of the gap from the SSIM distance
//! between two classes, a line fitted on the pairs by least squares, with
//! its leave-one-out error.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::complexity::ComplexityMap;
use crate::config::Experiment;

/// One class pair of a calibration: its data-side distances and its gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationPair {
    /// The two classes.
    pub classes: [u8; 2],
    /// Mean SSIM distance between images of the two classes.
    pub between: f64,
    /// Mean of the two classes' within-class SSIM distances.
    pub within: f64,
    /// Median binarization gap over trained seeds (points).
    pub gap: f64,
}

/// The pairs of a complexity map, with where they were measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The dataset of the pairs.
    pub dataset: String,
    /// Where the gaps were measured, e.g. the command and experiment.
    pub source: String,
    /// The networks the gaps belong to, e.g. `784-64-2 relu, 10 seeds`.
    pub network: String,
    /// Every pair with a gap.
    pub pairs: Vec<CalibrationPair>,
}

/// Why a calibration file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    /// The file could not be read.
    #[error("cannot read the calibration {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a calibration.
    #[error("{path} is not a calibration file: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// The fewest pairs a calibration file must hold (a line through fewer
/// says nothing, and leave-one-out needs some left).
const MIN_PAIRS: usize = 6;

/// A linear estimate of the gap from the distance between two classes,
/// `intercept + slope * between`, never below zero. (The within-class
/// distances, tried as a second variable on the 45 MNIST pairs, made the
/// leave-one-out error larger, not smaller.)
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GapPredictor {
    /// The gap at distance 0 (points).
    pub intercept: f64,
    /// Points of gap per unit of SSIM distance.
    pub slope: f64,
}

impl GapPredictor {
    /// The gap it estimates for two classes this far apart (points, >= 0).
    pub fn predict(&self, between: f64) -> f64 {
        (self.intercept + self.slope * between).max(0.0)
    }
}

/// How well a predictor does on pairs it was not fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LeaveOneOut {
    /// Root mean squared error over the pairs, each left out in turn (points).
    pub rmse: f64,
    /// Mean absolute error likewise (points).
    pub mae: f64,
    /// The RMSE of guessing the mean gap of the other pairs: what the
    /// distances must beat to tell anything.
    pub baseline_rmse: f64,
}

/// The calibration mlprobe ships: the default `complexity-map` run of
/// `cargo xtask reproduce`, kept in `experiments/calibration/`.
const SHIPPED: &str = include_str!("../../../experiments/calibration/mnist-pairs.json");

impl Calibration {
    /// The calibration mlprobe ships (the 45 MNIST pairs of the default
    /// `complexity-map` run).
    pub fn shipped() -> Self {
        serde_json::from_str(SHIPPED).expect("the shipped calibration is a calibration (a test reads it)")
    }

    /// The pairs of `map` that have a gap.
    pub fn of_map(map: &ComplexityMap, source: &str, network: &str) -> Self {
        let k = map.classes.len();
        let index = |c: u8| map.classes.iter().position(|x| *x == c);
        let pairs = map
            .pairs
            .iter()
            .filter_map(|p| {
                let (a, b) = (index(p.classes[0])?, index(p.classes[1])?);
                Some(CalibrationPair {
                    classes: p.classes,
                    between: p.ssim_distance,
                    within: (map.ssim_distance[a * k + a] + map.ssim_distance[b * k + b]) / 2.0,
                    gap: p.gap_binarized?,
                })
            })
            .collect();
        Self {
            dataset: map.dataset.clone(),
            source: source.to_string(),
            network: network.to_string(),
            pairs,
        }
    }

    /// The pairs of the map of `exp`, whose networks read `inputs` values
    /// (the network label and seed count say which networks the gaps are of).
    pub fn of_experiment(exp: &Experiment, map: &ComplexityMap, inputs: usize, source: &str) -> Option<Self> {
        let spec = exp.tasks.first()?;
        let network = format!(
            "{} {}, {} seeds",
            spec.training.network_label(inputs, spec.classes.len()),
            spec.training.params().activation,
            exp.seeds
        );
        Some(Self::of_map(map, source, &network))
    }

    /// Reads a calibration written by [`Calibration::to_json`].
    pub fn load(path: &Path) -> Result<Self, CalibrationError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CalibrationError::Read {
            path: shown.clone(),
            source,
        })?;
        let invalid = |reason: String| CalibrationError::Invalid {
            path: shown.clone(),
            reason,
        };
        let cal: Self = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        let finite = |p: &CalibrationPair| [p.between, p.within, p.gap].iter().all(|v| v.is_finite());
        if cal.pairs.len() < MIN_PAIRS || !cal.pairs.iter().all(finite) {
            return Err(invalid(format!(
                "expected at least {MIN_PAIRS} pairs with finite distances and gaps"
            )));
        }
        Ok(cal)
    }

    /// The calibration as pretty JSON, with a final newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a calibration serialises") + "\n"
    }

    /// The share of pairs (%) whose gap is at most `gap`: 0 below the
    /// easiest pair, 100 at or above the hardest.
    pub fn percentile(&self, gap: f64) -> f64 {
        let below = self.pairs.iter().filter(|p| p.gap <= gap).count();
        100.0 * below as f64 / self.pairs.len().max(1) as f64
    }

    /// The least-squares predictor over every pair; `None` with too few
    /// pairs or distances that do not vary.
    pub fn fit(&self) -> Option<GapPredictor> {
        fit(&self.pairs.iter().collect::<Vec<_>>())
    }

    /// The error of [`Calibration::fit`] on each pair fitted without it.
    pub fn leave_one_out(&self) -> Option<LeaveOneOut> {
        let n = self.pairs.len();
        let (mut sq, mut abs, mut base) = (0.0, 0.0, 0.0);
        for (i, held) in self.pairs.iter().enumerate() {
            let rest: Vec<&CalibrationPair> = (self.pairs.iter().enumerate())
                .filter(|(j, _)| *j != i)
                .map(|(_, p)| p)
                .collect();
            let error = fit(&rest)?.predict(held.between) - held.gap;
            let mean = rest.iter().map(|p| p.gap).sum::<f64>() / rest.len() as f64;
            sq += error * error;
            abs += error.abs();
            base += (mean - held.gap).powi(2);
        }
        Some(LeaveOneOut {
            rmse: (sq / n as f64).sqrt(),
            mae: abs / n as f64,
            baseline_rmse: (base / n as f64).sqrt(),
        })
    }
}

/// Least squares of `gap` on `between`; `None` for fewer than two pairs
/// or distances that do not vary.
fn fit(pairs: &[&CalibrationPair]) -> Option<GapPredictor> {
    let n = pairs.len() as f64;
    let mean_b = pairs.iter().map(|p| p.between).sum::<f64>() / n;
    let mean_g = pairs.iter().map(|p| p.gap).sum::<f64>() / n;
    let sxx: f64 = pairs.iter().map(|p| (p.between - mean_b).powi(2)).sum();
    let sxy: f64 = pairs.iter().map(|p| (p.between - mean_b) * (p.gap - mean_g)).sum();
    if pairs.len() < 2 || sxx <= f64::EPSILON * n {
        return None;
    }
    let slope = sxy / sxx;
    Some(GapPredictor {
        intercept: mean_g - slope * mean_b,
        slope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calibration(gap: impl Fn(f64, f64) -> f64) -> Calibration {
        let pairs = (0..12)
            .map(|i| {
                let (between, within) = (0.2 + 0.05 * i as f64, 0.5 + 0.03 * ((i * 7) % 5) as f64);
                CalibrationPair {
                    classes: [i as u8, i as u8 + 1],
                    between,
                    within,
                    gap: gap(between, within),
                }
            })
            .collect();
        Calibration {
            dataset: "mnist".into(),
            source: "test".into(),
            network: "784-64-2".into(),
            pairs,
        }
    }

    #[test]
    fn an_exact_linear_law_is_recovered_with_no_error() {
        let cal = calibration(|b, _| 60.0 - 50.0 * b);
        let p = cal.fit().unwrap();
        assert!((p.predict(0.3) - 45.0).abs() < 1e-9, "{p:?}");
        assert_eq!(p.predict(5.0), 0.0, "a gap is never negative");
        let loo = cal.leave_one_out().unwrap();
        assert!(loo.rmse < 1e-9 && loo.baseline_rmse > 1.0, "{loo:?}");
    }

    #[test]
    fn percentiles_count_the_pairs_at_or_below() {
        let cal = calibration(|b, _| 100.0 * b);
        assert_eq!(cal.percentile(-1.0), 0.0);
        assert_eq!(cal.percentile(1e9), 100.0);
        assert_eq!(cal.percentile(cal.pairs[5].gap), 50.0);
    }

    #[test]
    fn the_shipped_calibration_has_the_45_pairs() {
        let cal = Calibration::shipped();
        assert_eq!((cal.dataset.as_str(), cal.pairs.len()), ("mnist", 45));
        assert!(cal.fit().is_some() && cal.leave_one_out().is_some());
    }

    #[test]
    fn bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(&path, "{\"dataset\": 3}").unwrap();
        let err = Calibration::load(&path).unwrap_err().to_string();
        assert!(err.contains("c.json is not a calibration file"), "{err}");
        let mut few = calibration(|b, _| b);
        few.pairs.truncate(2);
        std::fs::write(&path, few.to_json()).unwrap();
        let err = Calibration::load(&path).unwrap_err().to_string();
        assert!(err.contains("at least 6 pairs"), "{err}");
        std::fs::write(&path, calibration(|b, _| b).to_json()).unwrap();
        assert_eq!(Calibration::load(&path).unwrap(), calibration(|b, _| b));
    }
}
