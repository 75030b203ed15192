//! Choosing which entries of a weight vector a probe acts on.

use rand::seq::index;
use serde::{Deserialize, Serialize};

use crate::perturb::ProbeRng;

/// Which entries to choose: by magnitude or at random.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Magnitude {
    /// The entries of smallest `|w|` (ties: lower index first).
    Smallest,
    /// The entries of largest `|w|` (ties: lower index first).
    Largest,
    /// Entries drawn uniformly at random without replacement.
    Random,
}

impl Magnitude {
    /// All strategies, in the order of the paper's figures.
    pub const ALL: [Magnitude; 3] = [Magnitude::Smallest, Magnitude::Random, Magnitude::Largest];

    /// The name used in configuration files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Magnitude::Smallest => "smallest",
            Magnitude::Largest => "largest",
            Magnitude::Random => "random",
        }
    }

    /// Parses a name written by [`Magnitude::name`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// The number of entries a fraction of `n` stands for: `floor(fraction * n)`,
/// computed in `f64` as the reference does.
pub fn count_of(fraction: f64, n: usize) -> usize {
    ((fraction * n as f64).floor() as usize).min(n)
}

/// The indices of `count` entries of `values` chosen by `by`, in no
/// particular order. Deterministic for `Smallest` and `Largest`; `Random`
/// draws from `rng` (and only then).
pub fn choose(values: &[f32], count: usize, by: Magnitude, rng: &mut ProbeRng) -> Vec<usize> {
    let n = values.len();
    let count = count.min(n);
    if count == 0 {
        return Vec::new();
    }
    match by {
        Magnitude::Random => index::sample(rng, n, count).into_vec(),
        Magnitude::Smallest | Magnitude::Largest => {
            let mut idx: Vec<usize> = (0..n).collect();
            let key = |i: &usize| values[*i].abs();
            let cmp = |a: &usize, b: &usize| {
                let by_size = key(a).total_cmp(&key(b));
                let by_size = if by == Magnitude::Largest {
                    by_size.reverse()
                } else {
                    by_size
                };
                by_size.then(a.cmp(b))
            };
            if count < n {
                idx.select_nth_unstable_by(count - 1, cmp);
            }
            idx.truncate(count);
            idx
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perturb::probe_rng;

    #[test]
    fn counts_are_floored() {
        assert_eq!(count_of(0.5, 7), 3);
        assert_eq!(count_of(1.0, 7), 7);
        assert_eq!(count_of(0.0, 7), 0);
        assert_eq!(count_of(0.999, 64), 63);
    }

    #[test]
    fn chooses_by_magnitude_with_index_ties() {
        let v = [0.5, -0.1, 0.0, 2.0, -0.5, 0.1];
        let mut rng = probe_rng(0);
        let mut s = choose(&v, 3, Magnitude::Smallest, &mut rng);
        s.sort();
        assert_eq!(s, vec![1, 2, 5]);
        let mut l = choose(&v, 2, Magnitude::Largest, &mut rng);
        l.sort();
        assert_eq!(l, vec![0, 3]);
        let mut tie = choose(&v, 4, Magnitude::Smallest, &mut rng);
        tie.sort();
        assert_eq!(tie, vec![0, 1, 2, 5], "|0.5| tie goes to the lower index");
        let mut r = choose(&v, 6, Magnitude::Random, &mut rng);
        r.sort();
        assert_eq!(r, (0..6).collect::<Vec<_>>());
        assert!(choose(&v, 0, Magnitude::Random, &mut rng).is_empty());
    }
}
