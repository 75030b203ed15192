//! Pruning: set `floor(p * n)` entries to zero, per layer, separately for
//! the weights and the biases.

use mlprobe_graph::{Perturbation, ProbeRng, Selection, WeightStack, choose, count_of};

use crate::hyperparams::Prune;

/// `values` with `floor(fraction * len)` entries chosen by `strategy` set to zero.
pub fn prune_slice(values: &[f32], fraction: f64, strategy: Selection, rng: &mut ProbeRng) -> Vec<f32> {
    let mut out = values.to_vec();
    for i in choose(values, count_of(fraction, values.len()), strategy, rng) {
        out[i] = 0.0;
    }
    out
}

impl Perturbation for Prune {
    fn name(&self) -> String {
        format!("prune/{}@{}", self.strategy().name(), self.fraction())
    }

    fn apply(&self, net: &WeightStack, rng: &mut ProbeRng) -> WeightStack {
        net.map_vectors(|values| prune_slice(values, self.fraction(), self.strategy(), rng))
    }

    fn is_deterministic(&self) -> bool {
        self.strategy() != Selection::Random || self.fraction() == 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PruneParams;
    use mlprobe_graph::{Activation, initial_weights, probe_rng};
    use proptest::prelude::*;

    fn net(seed: u64) -> WeightStack {
        initial_weights(&[30, 12, 3], Activation::Relu, &mut probe_rng(seed))
    }

    fn zeros(v: &[f32]) -> usize {
        v.iter().filter(|w| **w == 0.0).count()
    }

    #[test]
    fn fraction_out_of_range_is_an_error() {
        for bad in [1.5, -0.1, f64::NAN, f64::INFINITY] {
            let err = PruneParams::new(bad, Selection::Smallest).check().unwrap_err();
            assert!(err.to_string().contains("prune fraction"), "{err}");
        }
    }

    #[test]
    fn zero_fraction_is_the_identity() {
        for s in Selection::ALL {
            let p = PruneParams::new(0.0, s).check().unwrap();
            assert_eq!(p.apply(&net(1), &mut probe_rng(2)), net(1));
        }
    }

    #[test]
    fn random_pruning_follows_the_seed() {
        let p = PruneParams::new(0.5, Selection::Random).check().unwrap();
        assert_eq!(p.apply(&net(1), &mut probe_rng(7)), p.apply(&net(1), &mut probe_rng(7)));
        assert_ne!(p.apply(&net(1), &mut probe_rng(7)), p.apply(&net(1), &mut probe_rng(8)));
        assert!(!p.is_deterministic());
    }

    proptest! {
        #[test]
        fn exact_zero_counts_and_magnitude_order(seed in 0u64..1000, fraction in 0.0f64..=1.0, s in 0usize..3) {
            let strategy = Selection::ALL[s];
            let original = net(seed);
            let pruned = PruneParams::new(fraction, strategy).check().unwrap().apply(&original, &mut probe_rng(seed));
            prop_assert_eq!(&original, &net(seed), "input untouched");
            for (before, after) in original.layers.iter().zip(&pruned.layers) {
                prop_assert_eq!(zeros(&after.weights), count_of(fraction, before.weights.len()));
                prop_assert_eq!(zeros(&after.bias), count_of(fraction, before.bias.len()));
                // Kept entries are unchanged.
                for (a, b) in before.weights.iter().zip(&after.weights) {
                    prop_assert!(*b == 0.0 || a == b);
                }
                let kept: Vec<f32> = after.weights.iter().filter(|w| **w != 0.0).map(|w| w.abs()).collect();
                let removed: Vec<f32> = before.weights.iter().zip(&after.weights)
                    .filter(|(_, b)| **b == 0.0).map(|(a, _)| a.abs()).collect();
                if let (Some(kmin), Some(kmax), Some(rmin), Some(rmax)) = (
                    kept.iter().cloned().reduce(f32::min), kept.iter().cloned().reduce(f32::max),
                    removed.iter().cloned().reduce(f32::min), removed.iter().cloned().reduce(f32::max),
                ) {
                    match strategy {
                        Selection::Smallest => prop_assert!(kmin >= rmax, "smallest keeps exactly the largest |w|"),
                        Selection::Largest => prop_assert!(kmax <= rmin, "largest keeps exactly the smallest |w|"),
                        Selection::Random => {}
                    }
                }
            }
        }
    }
}
