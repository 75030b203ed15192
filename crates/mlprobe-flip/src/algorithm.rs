//! Sign flipping: negate `floor(q * n)` entries, per layer, separately for
//! the weights and the biases.

use mlprobe_graph::{Perturbation, ProbeRng, Selection, WeightStack, choose, count_of};

use crate::hyperparams::Flip;

/// `values` with the signs of `floor(fraction * len)` entries chosen by `strategy` flipped.
pub fn flip_slice(values: &[f32], fraction: f64, strategy: Selection, rng: &mut ProbeRng) -> Vec<f32> {
    let mut out = values.to_vec();
    for i in choose(values, count_of(fraction, values.len()), strategy, rng) {
        out[i] = -out[i];
    }
    out
}

impl Perturbation for Flip {
    fn name(&self) -> String {
        format!("flip/{}@{}", self.strategy().name(), self.fraction())
    }

    fn apply(&self, net: &WeightStack, rng: &mut ProbeRng) -> WeightStack {
        net.map_vectors(|values| flip_slice(values, self.fraction(), self.strategy(), rng))
    }

    fn is_deterministic(&self) -> bool {
        self.strategy() != Selection::Random || self.fraction() == 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FlipParams;
    use mlprobe_graph::{Activation, initial_weights, probe_rng};
    use proptest::prelude::*;

    fn net(seed: u64) -> WeightStack {
        initial_weights(&[30, 12, 3], Activation::Tanh, &mut probe_rng(seed))
    }

    #[test]
    fn fraction_out_of_range_is_an_error() {
        for bad in [1.5, -0.5, f64::NAN] {
            let err = FlipParams::new(bad, Selection::Random).check().unwrap_err();
            assert!(err.to_string().contains("flip fraction"), "{err}");
        }
    }

    #[test]
    fn flipping_everything_negates_the_network() {
        let out = FlipParams::new(1.0, Selection::Largest)
            .check()
            .unwrap()
            .apply(&net(2), &mut probe_rng(0));
        assert_eq!(out, net(2).map(|w| -w));
    }

    proptest! {
        #[test]
        fn exact_flip_counts_with_magnitudes_kept(seed in 0u64..1000, fraction in 0.0f64..=1.0, s in 0usize..3) {
            let strategy = Selection::ALL[s];
            let original = net(seed);
            let flipped = FlipParams::new(fraction, strategy).check().unwrap().apply(&original, &mut probe_rng(seed));
            prop_assert_eq!(&original, &net(seed), "input untouched");
            for (a, b) in original.layers.iter().zip(&flipped.layers) {
                for (xs, ys) in [(&a.weights, &b.weights), (&a.bias, &b.bias)] {
                    let changed: Vec<usize> = (0..xs.len()).filter(|&i| xs[i] != ys[i]).collect();
                    prop_assert_eq!(changed.len(), count_of(fraction, xs.len()));
                    prop_assert!(xs.iter().zip(ys.iter()).all(|(x, y)| x.abs() == y.abs()));
                    if strategy == Selection::Smallest && !changed.is_empty() {
                        let max_flipped = changed.iter().map(|&i| xs[i].abs()).fold(0.0f32, f32::max);
                        let min_kept = (0..xs.len()).filter(|i| !changed.contains(i)).map(|i| xs[i].abs()).fold(f32::INFINITY, f32::min);
                        prop_assert!(max_flipped <= min_kept);
                    }
                }
            }
        }
    }
}
