//! Noise injection on the non-zero entries of every weight matrix and bias
//! vector; zero (pruned) entries stay zero. Fresh noise on every call.

use mlprobe_graph::{Perturbation, ProbeRng, WeightStack};

use crate::draw::Bits;
use crate::hyperparams::{Noise, NoiseKind};

/// Adds noise of `kind` at `level` to the non-zero entries of `values`; only
/// non-zero entries consume random bits.
pub fn add_noise(values: &[f32], kind: NoiseKind, level: f64, rng: &mut ProbeRng) -> Vec<f32> {
    let mut bits = Bits::new(rng);
    // One loop per kind, so that the kind is not matched per weight.
    match kind {
        NoiseKind::Gaussian => perturb(values, |w| w + level * bits.normal()),
        NoiseKind::Uniform => perturb(values, |w| w + bits.symmetric(level)),
        NoiseKind::Multiplicative => perturb(values, |w| w * bits.symmetric(level)),
        NoiseKind::Relative => perturb(values, |w| w * (1.0 + bits.symmetric(level))),
    }
}

/// `noisy` applied, in f64, to the non-zero entries of `values`.
#[inline]
fn perturb(values: &[f32], mut noisy: impl FnMut(f64) -> f64) -> Vec<f32> {
    values
        .iter()
        .map(|&w| if w == 0.0 { 0.0 } else { noisy(w as f64) as f32 })
        .collect()
}

impl Perturbation for Noise {
    fn name(&self) -> String {
        format!("noise/{}@{}", self.kind().name(), self.level())
    }

    fn apply(&self, net: &WeightStack, rng: &mut ProbeRng) -> WeightStack {
        net.map_vectors(|values| add_noise(values, self.kind(), self.level(), rng))
    }

    fn is_deterministic(&self) -> bool {
        self.level() == 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoiseParams;
    use mlprobe_graph::{Activation, Layer, initial_weights, probe_rng};
    use proptest::prelude::*;

    fn net() -> WeightStack {
        let mut net = initial_weights(&[200, 64, 2], Activation::Relu, &mut probe_rng(3));
        // A pruned corner: every third weight of the first layer is zero.
        for (i, w) in net.layers[0].weights.iter_mut().enumerate() {
            if i % 3 == 0 {
                *w = 0.0;
            }
        }
        net
    }

    fn std(v: &[f64]) -> f64 {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    }

    #[test]
    fn negative_or_nan_level_is_an_error() {
        for bad in [-0.1, f64::NAN, f64::INFINITY] {
            let err = NoiseParams::new(NoiseKind::Gaussian, bad).check().unwrap_err();
            assert!(err.to_string().contains("noise level"), "{err}");
        }
    }

    #[test]
    fn level_zero_is_the_identity_except_for_the_spec_multiplicative_kind() {
        for kind in [NoiseKind::Gaussian, NoiseKind::Uniform, NoiseKind::Relative] {
            let noise = NoiseParams::new(kind, 0.0).check().unwrap();
            assert_eq!(noise.apply(&net(), &mut probe_rng(1)), net(), "{kind:?}");
            assert!(noise.is_deterministic());
        }
        let mult = NoiseParams::new(NoiseKind::Multiplicative, 0.0).check().unwrap();
        let out = mult.apply(&net(), &mut probe_rng(1));
        assert!(out.layers.iter().all(|l| l.weights.iter().all(|w| *w == 0.0)));
    }

    #[test]
    fn empirical_spread_matches_the_level() {
        let level = 0.05;
        let original = net();
        let ws: Vec<f64> = original.layers[0].weights.iter().map(|w| *w as f64).collect();
        for kind in NoiseKind::ALL {
            let out = NoiseParams::new(kind, level)
                .check()
                .unwrap()
                .apply(&original, &mut probe_rng(9));
            let noisy: Vec<f64> = out.layers[0].weights.iter().map(|w| *w as f64).collect();
            let effect: Vec<f64> = ws
                .iter()
                .zip(&noisy)
                .filter(|(w, _)| **w != 0.0)
                .map(|(w, n)| match kind {
                    NoiseKind::Gaussian | NoiseKind::Uniform => n - w,
                    NoiseKind::Multiplicative => n / w,
                    NoiseKind::Relative => n / w - 1.0,
                })
                .collect();
            let expected = match kind {
                NoiseKind::Gaussian => level,
                _ => level / 3f64.sqrt(),
            };
            let measured = std(&effect);
            assert!(
                (measured / expected - 1.0).abs() < 0.03,
                "{kind:?}: std {measured} vs {expected}"
            );
            assert!(
                effect
                    .iter()
                    .all(|e| kind == NoiseKind::Gaussian || e.abs() <= level * 1.0001 + 1e-6)
            );
        }
    }

    #[test]
    fn fresh_noise_per_draw_same_noise_per_seed() {
        let noise = NoiseParams::new(NoiseKind::Gaussian, 0.1).check().unwrap();
        let net = WeightStack::new(Activation::Tanh, vec![Layer::new(2, 1, vec![1.0, -1.0], vec![0.5])]);
        let mut rng = probe_rng(4);
        let a = noise.apply(&net, &mut rng);
        let b = noise.apply(&net, &mut rng);
        assert_ne!(a, b);
        assert_eq!(a, noise.apply(&net, &mut probe_rng(4)));
    }

    proptest! {
        #[test]
        fn zeros_stay_zero_and_input_is_untouched(seed in 0u64..500, level in 0.0f64..2.0, k in 0usize..4) {
            let original = net();
            let out = NoiseParams::new(NoiseKind::ALL[k], level).check().unwrap().apply(&original, &mut probe_rng(seed));
            prop_assert_eq!(&original, &net());
            for (a, b) in original.layers.iter().zip(&out.layers) {
                for (x, y) in a.weights.iter().zip(&b.weights).chain(a.bias.iter().zip(&b.bias)) {
                    if *x == 0.0 {
                        prop_assert_eq!(*y, 0.0);
                    }
                }
            }
        }
    }
}
