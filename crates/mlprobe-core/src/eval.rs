//! Fast evaluation of any weight stack on a set of examples.
//!
//! The forward pass runs on plain slices with a tuned single-threaded sgemm
//! (`matrixmultiply`), without burn: probes evaluate thousands of perturbed
//! networks, and the same code gives the same bits on every thread.

use std::borrow::Cow;

use mlprobe_tasks::Examples;

use crate::weights::WeightStack;

/// Evaluates networks on a fixed set of examples.
#[derive(Debug, Clone, Copy)]
pub struct Evaluator<'a> {
    examples: &'a Examples,
}

impl<'a> Evaluator<'a> {
    /// An evaluator on these examples.
    pub fn new(examples: &'a Examples) -> Self {
        Self { examples }
    }

    /// Output-layer values (before softmax), row-major `[n, n_classes]`.
    ///
    /// # Panics
    /// If the network's input dimension differs from the examples'.
    pub fn logits(&self, net: &WeightStack) -> Vec<f32> {
        let n = self.examples.len();
        assert_eq!(
            net.input_dim(),
            self.examples.dim,
            "network and examples differ in input dimension"
        );
        let last = net.layers.len() - 1;
        let mut input: Cow<'_, [f32]> = Cow::Borrowed(&self.examples.x);
        for (l, layer) in net.layers.iter().enumerate() {
            let mut out = Vec::with_capacity(n * layer.n_out);
            for _ in 0..n {
                out.extend_from_slice(&layer.bias);
            }
            if n > 0 {
                // SAFETY: `input` is n x n_in, `weights` n_in x n_out and `out`
                // n x n_out, all row-major and contiguous, as the strides say.
                unsafe {
                    matrixmultiply::sgemm(
                        n,
                        layer.n_in,
                        layer.n_out,
                        1.0,
                        input.as_ptr(),
                        layer.n_in as isize,
                        1,
                        layer.weights.as_ptr(),
                        layer.n_out as isize,
                        1,
                        1.0,
                        out.as_mut_ptr(),
                        layer.n_out as isize,
                        1,
                    );
                }
            }
            if l < last {
                net.activation.apply_in_place(&mut out);
            }
            input = Cow::Owned(out);
        }
        input.into_owned()
    }

    /// The predicted class of every example: the index of the largest output,
    /// the first one on ties (as `torch.argmax`).
    pub fn predictions(&self, net: &WeightStack) -> Vec<u32> {
        let k = net.output_dim();
        self.logits(net)
            .chunks_exact(k)
            .map(|row| {
                let mut best = 0;
                for (c, v) in row.iter().enumerate() {
                    if *v > row[best] {
                        best = c;
                    }
                }
                best as u32
            })
            .collect()
    }

    /// Accuracy in percent; 0 for an empty set of examples.
    pub fn accuracy(&self, net: &WeightStack) -> f64 {
        let n = self.examples.len();
        if n == 0 {
            return 0.0;
        }
        let correct = self
            .predictions(net)
            .iter()
            .zip(&self.examples.y)
            .filter(|(p, y)| p == y)
            .count();
        100.0 * correct as f64 / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Activation, Layer};

    /// 2 -> 2 -> 2 network checked by hand.
    #[test]
    fn forward_matches_a_hand_computation() {
        let net = WeightStack::new(
            Activation::Relu,
            vec![
                // h0 = relu(x0 - x1 + 0.5), h1 = relu(2 x1 - 1)
                Layer::new(2, 2, vec![1.0, 0.0, -1.0, 2.0], vec![0.5, -1.0]),
                // o0 = h0, o1 = h1 + 0.25
                Layer::new(2, 2, vec![1.0, 0.0, 0.0, 1.0], vec![0.0, 0.25]),
            ],
        );
        let examples = Examples {
            x: vec![1.0, 0.0, 0.0, 2.0, 0.0, 0.0],
            y: vec![0, 1, 1],
            dim: 2,
        };
        let eval = Evaluator::new(&examples);
        assert_eq!(eval.logits(&net), vec![1.5, 0.25, 0.0, 3.25, 0.5, 0.25]);
        assert_eq!(eval.predictions(&net), vec![0, 1, 0]);
        assert!((eval.accuracy(&net) - 200.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn ties_go_to_the_first_class() {
        let net = WeightStack::new(
            Activation::Identity,
            vec![Layer::new(1, 3, vec![1.0, 1.0, 1.0], vec![0.0; 3])],
        );
        let examples = Examples {
            x: vec![2.0],
            y: vec![0],
            dim: 1,
        };
        assert_eq!(Evaluator::new(&examples).predictions(&net), vec![0]);
    }
}
