//! Binarization: every weight and bias replaced by its sign.

use mlprobe_graph::{Perturbation, ProbeRng, WeightStack, map_scoped_stack, scaled_signs};

use crate::hyperparams::Binarize;

/// The sign of `w`: `-1`, `0` or `+1` (also for `-0.0`, which stays a zero).
pub fn sign(w: f32) -> f32 {
    if w > 0.0 {
        1.0
    } else if w < 0.0 {
        -1.0
    } else {
        0.0
    }
}

impl Perturbation for Binarize {
    fn name(&self) -> String {
        let mut name = match self.threshold() {
            0.0 => "binarize".to_string(),
            t => format!("binarize@{t}"),
        };
        if let Some(scope) = self.scale() {
            name = format!("{name}/{scope}");
        }
        name
    }

    fn apply(&self, net: &WeightStack, _rng: &mut ProbeRng) -> WeightStack {
        let t = self.threshold();
        let cut = |w: f32| if w.abs() <= t { 0.0 } else { w };
        match (self.scale(), t == 0.0) {
            (None, true) => net.map(sign),
            (None, false) => net.map(|w| sign(cut(w))),
            (Some(scope), true) => map_scoped_stack(net, scope, scaled_signs),
            // Ternarized first: the survivors are scaled by their own magnitude.
            (Some(scope), false) => map_scoped_stack(&net.map(cut), scope, scaled_signs),
        }
    }

    fn is_deterministic(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BinarizeError, BinarizeParams};
    use mlprobe_graph::Scope;
    use mlprobe_graph::{Activation, Layer, probe_rng};

    fn net() -> WeightStack {
        WeightStack::new(
            Activation::Tanh,
            vec![
                Layer::new(2, 3, vec![0.25, -1e-9, 0.0, -0.0, 3.0, -7.5], vec![1e-30, -2.0, 0.0]),
                Layer::new(3, 1, vec![-0.1, 0.2, 0.0], vec![0.4]),
            ],
        )
    }

    #[test]
    fn signs_with_zeros_kept() {
        let out = Binarize::SIGN.apply(&net(), &mut probe_rng(1));
        assert_eq!(out.layers[0].weights, vec![1.0, -1.0, 0.0, 0.0, 1.0, -1.0]);
        assert_eq!(out.layers[0].bias, vec![1.0, -1.0, 0.0]);
        assert_eq!(out.layers[1].weights, vec![-1.0, 1.0, 0.0]);
        assert_eq!(out.layers[1].bias, vec![1.0]);
        assert_eq!(out.activation, Activation::Tanh);
        assert_eq!(out.layers[0].edge_count(), net().layers[0].edge_count());
    }

    #[test]
    fn input_untouched_and_idempotent() {
        let original = net();
        let copy = original.clone();
        let once = Binarize::SIGN.apply(&original, &mut probe_rng(1));
        assert_eq!(original, copy);
        assert_eq!(Binarize::SIGN.apply(&once, &mut probe_rng(2)), once);
    }

    #[test]
    fn a_threshold_ternarizes_and_is_checked() {
        let t = BinarizeParams {
            threshold: 0.3,
            scale: None,
        }
        .check()
        .unwrap();
        let out = t.apply(&net(), &mut probe_rng(0));
        assert_eq!(out.layers[0].weights, vec![0.0, 0.0, 0.0, 0.0, 1.0, -1.0]);
        assert_eq!(out.layers[1].bias, vec![1.0]);
        assert_eq!(t.name(), "binarize@0.3");
        assert_eq!(BinarizeParams::default().check().unwrap(), Binarize::SIGN);
        for bad in [-0.1, f32::NAN, f32::INFINITY] {
            let err = BinarizeParams {
                threshold: bad,
                scale: None,
            }
            .check()
            .unwrap_err();
            assert!(matches!(err, BinarizeError::Threshold(_)), "{err}");
            assert!(err.to_string().contains("binarize threshold"), "{err}");
        }
    }

    #[test]
    fn a_scale_keeps_the_signs_and_the_mean_magnitude() {
        let by = |scope| {
            BinarizeParams {
                threshold: 0.0,
                scale: Some(scope),
            }
            .check()
            .unwrap()
        };
        let layer = by(Scope::Layer).apply(&net(), &mut probe_rng(0));
        let a = ((0.25 + 1e-9 + 3.0 + 7.5) / 4.0) as f32;
        assert_eq!(layer.layers[0].weights, vec![a, -a, 0.0, 0.0, a, -a]);
        assert_eq!(layer.layers[1].bias, vec![0.4]);
        assert_eq!(by(Scope::Layer).name(), "binarize/layer");
        let channel = by(Scope::Channel).apply(&net(), &mut probe_rng(0));
        // Output 0 gets 0.25 and 0.0 (a zero: left out of the mean), output 2 gets 0.0 and -7.5.
        assert_eq!(channel.layers[0].weights[0], 0.25);
        assert_eq!(channel.layers[0].weights[5], -7.5);
        let signs = |s: &WeightStack| s.map(sign);
        assert_eq!(signs(&channel), Binarize::SIGN.apply(&net(), &mut probe_rng(0)));
    }
}
