//! Symmetric uniform quantization of a group of weights.

use mlprobe_graph::{Perturbation, ProbeRng, WeightStack, map_scoped_stack, scaled_signs};

use crate::hyperparams::Quantize;

/// `values` rounded to `bits`-bit symmetric uniform levels: with
/// `m = 2^(bits-1) - 1` steps each side of zero and the step `max|w| / m`,
/// every entry becomes `clamp(round(w / step), -m, m) * step` (ties away
/// from zero). Zero stays zero, so pruned edges stay missing. One bit has
/// no zero level to round to: it is the scaled sign, `sign(w) * mean|w|`
/// over the non-zero entries. All zeros come back unchanged.
pub fn quantize_slice(values: &[f32], bits: u32) -> Vec<f32> {
    if bits <= 1 {
        return scaled_signs(values);
    }
    let top = values.iter().fold(0.0f32, |m, w| m.max(w.abs()));
    if top == 0.0 {
        return values.to_vec();
    }
    let steps = ((1u32 << (bits - 1)) - 1) as f32;
    let step = top / steps;
    values
        .iter()
        .map(|&w| (w / step).round().clamp(-steps, steps) * step)
        .collect()
}

impl Perturbation for Quantize {
    fn name(&self) -> String {
        format!("quantize/{}@{}", self.scope(), self.bits())
    }

    fn apply(&self, net: &WeightStack, _rng: &mut ProbeRng) -> WeightStack {
        let bits = self.bits();
        map_scoped_stack(net, self.scope(), |group| quantize_slice(group, bits))
    }

    fn is_deterministic(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{QuantizeError, QuantizeParams};
    use mlprobe_graph::{Activation, Layer, Scope, probe_rng};

    fn net() -> WeightStack {
        WeightStack::new(
            Activation::Relu,
            vec![Layer::new(2, 2, vec![0.7, -0.01, 0.0, 0.1], vec![0.5, -0.2])],
        )
    }

    #[test]
    fn two_bits_round_to_minus_one_zero_and_one_step() {
        assert_eq!(
            quantize_slice(&[0.8, -0.3, 0.6, 0.0, -1.4], 2),
            vec![1.4, 0.0, 0.0, 0.0, -1.4]
        );
        let three = quantize_slice(&[0.9, -0.5, 0.1, 0.0], 3);
        // Three steps of 0.3 each side: 0.9 -> 3, -0.5 -> -2 (-1.67), 0.1 -> 0.
        let step = 0.9f32 / 3.0;
        assert_eq!(three, vec![3.0 * step, -2.0 * step, 0.0, 0.0]);
    }

    #[test]
    fn eight_bits_stay_within_half_a_step_and_keep_zeros() {
        let values: Vec<f32> = (0..200).map(|i| ((i * 37 % 101) as f32 - 50.0) / 17.0).collect();
        let step = values.iter().fold(0.0f32, |m, w| m.max(w.abs())) / 127.0;
        for (w, q) in values.iter().zip(quantize_slice(&values, 8)) {
            assert!((w - q).abs() <= step / 2.0 * 1.0001, "{w} -> {q}");
            assert_eq!(*w == 0.0, q == 0.0, "{w} -> {q}");
        }
        assert_eq!(quantize_slice(&[0.0, 0.0], 4), vec![0.0, 0.0]);
    }

    #[test]
    fn one_bit_is_the_scaled_sign() {
        assert_eq!(quantize_slice(&[0.5, -1.5, 0.0], 1), scaled_signs(&[0.5, -1.5, 0.0]));
        assert_eq!(quantize_slice(&[0.5, -1.5, 0.0], 1), vec![1.0, -1.0, 0.0]);
    }

    #[test]
    fn scopes_set_the_groups() {
        let q = |scope| {
            QuantizeParams::new(2.0, scope)
                .check()
                .unwrap()
                .apply(&net(), &mut probe_rng(0))
        };
        // One scale for the layer (0.7): 0.1 and -0.01 round to zero.
        assert_eq!(q(Scope::Layer).layers[0].weights, vec![0.7, 0.0, 0.0, 0.0]);
        // Output 1 has its own scale (0.1): its 0.1 survives.
        assert_eq!(q(Scope::Channel).layers[0].weights, vec![0.7, 0.0, 0.0, 0.1]);
        assert_eq!(q(Scope::Channel).layers[0].bias, vec![0.5, 0.0]);
        assert_eq!(
            QuantizeParams::new(4.0, Scope::Channel).check().unwrap().name(),
            "quantize/channel@4"
        );
    }

    #[test]
    fn bits_are_whole_numbers_from_one_to_eight() {
        for bad in [0.0, 9.0, 2.5, -1.0, f64::NAN, f64::INFINITY] {
            let err = QuantizeParams::new(bad, Scope::Layer).check().unwrap_err();
            assert!(matches!(err, QuantizeError::Bits(_)), "{err}");
            assert!(err.to_string().contains("whole number from 1 to 8"), "{err}");
        }
        assert_eq!(QuantizeParams::new(8.0, Scope::Layer).check().unwrap().bits(), 8);
    }
}
