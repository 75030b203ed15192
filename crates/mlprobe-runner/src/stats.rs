//! Order statistics over seeds.

use serde::Serialize;

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
}
