//! Binarization probe: `w -> sign(w)` in `{-1, 0, +1}` for every weight and
//! bias of every layer. Zeros (pruned edges) stay zero, so binarization
//! composes with every other probe as its "signed" variant.
//!
//! ```
//! use mlprobe_binarize::Binarize;
//! use mlprobe_core::{probe_rng, Activation, Layer, Perturbation, WeightStack};
//!
//! let net = WeightStack::new(
//!     Activation::Relu,
//!     vec![Layer::new(2, 2, vec![0.3, -0.02, 0.0, 1.7], vec![-0.5, 0.0])],
//! );
//! let signed = Binarize.apply(&net, &mut probe_rng(0));
//! assert_eq!(signed.layers[0].weights, vec![1.0, -1.0, 0.0, 1.0]);
//! assert_eq!(signed.layers[0].bias, vec![-1.0, 0.0]);
//! ```

use mlprobe_core::{Perturbation, ProbeRng, WeightStack};

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

/// Replaces every weight and bias by its sign. Deterministic: ignores the RNG.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Binarize;

impl Perturbation for Binarize {
    fn name(&self) -> String {
        "binarize".to_string()
    }

    fn apply(&self, net: &WeightStack, _rng: &mut ProbeRng) -> WeightStack {
        net.map(sign)
    }

    fn is_deterministic(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlprobe_core::{Activation, Layer, probe_rng};

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
        let out = Binarize.apply(&net(), &mut probe_rng(1));
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
        let once = Binarize.apply(&original, &mut probe_rng(1));
        assert_eq!(original, copy);
        assert_eq!(Binarize.apply(&once, &mut probe_rng(2)), once);
    }
}
