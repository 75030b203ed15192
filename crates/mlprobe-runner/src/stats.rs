//! Order statistics over seeds, and which seeds they are taken over.

use mlprobe_core::RunStatus;
use serde::Serialize;

mlprobe_graph::named_enum! {
    /// Which runs a task's medians and quartiles are taken over (`[runs]
    /// statistics`). Either way every run keeps its rows in `results.csv`
    /// and is counted as trained or failed.
    #[derive(Default)]
    pub enum Statistics("statistics") {
        /// The runs at or above the failure threshold: the statistics of
        /// networks that learned their task.
        #[default]
        Trained => "trained",
        /// Every run, failed ones included, as the reference notebooks
        /// take them.
        All => "all",
    }
}

impl Statistics {
    /// Whether a run of this status enters the statistics.
    pub fn counts(self, status: RunStatus) -> bool {
        match self {
            Statistics::Trained => status == RunStatus::Trained,
            Statistics::All => true,
        }
    }

    /// Whether this is the default (`trained`), left out of `summary.json`.
    pub fn is_trained(&self) -> bool {
        *self == Statistics::Trained
    }
}

impl Serialize for Statistics {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Statistics {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// The `q` quantile (0..=1) of `values` by linear interpolation between the
/// closest ranks (numpy's default); `None` for no values.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

/// Ranks of `values` from 1, ties given their average rank.
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// Spearman's rank correlation (Pearson correlation of the ranks, ties
/// averaged); `None` for fewer than 3 pairs or a constant sample.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 3 {
        return None;
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    (vx > 0.0 && vy > 0.0).then(|| cov / (vx * vy).sqrt())
}

/// Median and quartiles of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quartiles {
    /// 25 % quantile.
    pub q25: f64,
    /// Median.
    pub median: f64,
    /// 75 % quantile.
    pub q75: f64,
    /// Sample size.
    pub n: usize,
}

impl Quartiles {
    /// The quartiles of `values`; `None` when empty.
    pub fn of(values: &[f64]) -> Option<Self> {
        Some(Self {
            q25: quantile(values, 0.25)?,
            median: quantile(values, 0.5)?,
            q75: quantile(values, 0.75)?,
            n: values.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_linear() {
        let v = [7.0, 1.0, 3.0, 5.0];
        assert_eq!(quantile(&v, 0.5), Some(4.0));
        assert_eq!(quantile(&v, 0.25), Some(2.5));
        assert_eq!(quantile(&v, 0.75), Some(5.5));
        assert_eq!(quantile(&[2.0], 0.25), Some(2.0));
        assert_eq!(quantile(&[], 0.5), None);
        let q = Quartiles::of(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!((q.q25, q.median, q.q75, q.n), (1.5, 2.0, 2.5, 3));
    }

    #[test]
    fn spearman_matches_scipy() {
        // scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.8207826816681233
        let r = spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[5.0, 6.0, 7.0, 8.0, 7.0]).unwrap();
        assert!((r - 0.820_782_681_668_123_3).abs() < 1e-12, "{r}");
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), Some(-1.0));
        assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(ranks(&[10.0, 20.0, 10.0]), vec![1.5, 3.0, 1.5]);
    }
}
