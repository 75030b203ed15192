//! Choosing which entries of a weight vector a probe acts on.

use crate::perturb::ProbeRng;
use rand::{Rng, RngExt, SeedableRng};

crate::named_enum! {
    /// Which entries of a weight vector a probe acts on: those of smallest
    /// or largest magnitude, or entries drawn at random.
    pub enum Selection("selection") {
        /// The entries of smallest `|w|` (ties: lower index first).
        Smallest => "smallest",
        /// Entries drawn uniformly at random without replacement.
        Random => "random",
        /// The entries of largest `|w|` (ties: lower index first).
        Largest => "largest",
    }
}

/// The number of entries a fraction of `n` stands for: `floor(fraction * n)`,
/// computed in `f64` as the reference does.
pub fn count_of(fraction: f64, n: usize) -> usize {
    ((fraction * n as f64).floor() as usize).min(n)
}

/// The indices of `count` entries of `values` chosen by `by`, in no
/// particular order. Deterministic for `Smallest` and `Largest`; `Random`
/// takes exactly one `u64` from `rng` (and only then) and chooses the first
/// `count` entries of a random order seeded by it, so that with `rng` in the
/// same state a larger count extends the choice of a smaller one.
pub fn choose(values: &[f32], count: usize, by: Selection, rng: &mut ProbeRng) -> Vec<usize> {
    let n = values.len();
    let count = count.min(n);
    match by {
        Selection::Random => {
            let mut order = ProbeRng::seed_from_u64(rng.next_u64());
            let mut idx: Vec<usize> = (0..n).collect();
            for i in 0..count {
                let j = order.random_range(i..n);
                idx.swap(i, j);
            }
            idx.truncate(count);
            idx
        }
        Selection::Smallest | Selection::Largest => {
            if count == 0 {
                return Vec::new();
            }
            assert!(n <= u32::MAX as usize, "too many entries to rank");
            // |w| as its bit pattern orders like |w| (NaN above infinity, as
            // `total_cmp`); the index below it breaks ties, lower first.
            let mut keys: Vec<u64> = values
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let size = w.to_bits() & 0x7fff_ffff;
                    let size = if by == Selection::Largest {
                        u32::MAX - size
                    } else {
                        size
                    };
                    (size as u64) << 32 | i as u64
                })
                .collect();
            if count < n {
                keys.select_nth_unstable(count - 1);
            }
            keys[..count].iter().map(|k| (k & 0xffff_ffff) as usize).collect()
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
        let mut s = choose(&v, 3, Selection::Smallest, &mut rng);
        s.sort();
        assert_eq!(s, vec![1, 2, 5]);
        let mut l = choose(&v, 2, Selection::Largest, &mut rng);
        l.sort();
        assert_eq!(l, vec![0, 3]);
        let mut tie = choose(&v, 4, Selection::Smallest, &mut rng);
        tie.sort();
        assert_eq!(tie, vec![0, 1, 2, 5], "|0.5| tie goes to the lower index");
        let mut r = choose(&v, 6, Selection::Random, &mut rng);
        r.sort();
        assert_eq!(r, (0..6).collect::<Vec<_>>());
        let mut r = choose(&v, 6, Selection::Random, &mut rng);
        r.sort();
        assert_eq!(r, (0..6).collect::<Vec<_>>());
        assert!(choose(&v, 0, Selection::Random, &mut rng).is_empty());
    }

    #[test]
    fn random_choices_of_larger_counts_extend_smaller_ones() {
        let v = vec![1.0f32; 1000];
        let mut previous: Vec<usize> = Vec::new();
        for count in [0, 1, 10, 400, 999, 1000] {
            let chosen = choose(&v, count, Selection::Random, &mut probe_rng(3));
            assert_eq!(chosen.len(), count);
            assert_eq!(chosen[..previous.len()], previous[..]);
            previous = chosen;
        }
        let mut a = probe_rng(3);
        let mut b = probe_rng(3);
        choose(&v, 10, Selection::Random, &mut a);
        choose(&v, 900, Selection::Random, &mut b);
        assert_eq!(a.next_u64(), b.next_u64(), "one u64 taken whatever the count");
    }
}
