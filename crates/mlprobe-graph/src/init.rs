//! Initial weights of a fresh network, as PyTorch draws them.

use rand::RngExt;

use crate::activation::Activation;
use crate::perturb::ProbeRng;
use crate::weights::{Layer, WeightStack};

/// Initial weights as PyTorch's `nn.Linear`: weights and biases uniform in
/// `[-1/sqrt(fan_in), 1/sqrt(fan_in)]`, drawn layer by layer, weights then
/// bias. `sizes` are the node counts from input to output, e.g. `[784, 64, 2]`.
pub fn initial_weights(sizes: &[usize], activation: Activation, rng: &mut ProbeRng) -> WeightStack {
    let layers = sizes
        .windows(2)
        .map(|w| {
            let (n_in, n_out) = (w[0], w[1]);
            let weights = pytorch_uniform(n_in, n_in * n_out, rng);
            let bias = pytorch_uniform(n_in, n_out, rng);
            Layer::new(n_in, n_out, weights, bias)
        })
        .collect();
    WeightStack::new(activation, layers)
}

/// `n` values drawn as PyTorch's `nn.Linear` draws them for a layer of
/// `fan_in` inputs: uniform in `[-1/sqrt(fan_in), 1/sqrt(fan_in)]`.
fn pytorch_uniform(fan_in: usize, n: usize, rng: &mut ProbeRng) -> Vec<f32> {
    let k = 1.0 / (fan_in as f32).sqrt();
    (0..n).map(|_| rng.random_range(-k..=k)).collect()
}

/// `net` with every bias redrawn as PyTorch initialises it (uniform in
/// `[-1/sqrt(fan_in), 1/sqrt(fan_in)]`, layer by layer): what a network
/// rebuilt from weights alone, without its trained biases, computes with.
pub fn fresh_biases(net: &WeightStack, rng: &mut ProbeRng) -> WeightStack {
    let mut out = net.clone();
    for layer in &mut out.layers {
        layer.bias = pytorch_uniform(layer.n_in, layer.n_out, rng);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe_rng;

    #[test]
    fn fresh_biases_change_only_biases() {
        let net = initial_weights(&[9, 4, 2], Activation::Tanh, &mut probe_rng(1));
        let fresh = fresh_biases(&net, &mut probe_rng(2));
        for (a, b) in net.layers.iter().zip(&fresh.layers) {
            assert_eq!(a.weights, b.weights);
            assert_ne!(a.bias, b.bias);
            let k = 1.0 / (a.n_in as f32).sqrt();
            assert!(b.bias.iter().all(|v| v.abs() <= k));
        }
        assert_eq!(
            fresh.layers[1].bias,
            fresh_biases(&net, &mut probe_rng(2)).layers[1].bias
        );
    }

    #[test]
    fn initial_weights_lie_in_the_pytorch_range() {
        let net = initial_weights(&[784, 64, 2], Activation::Relu, &mut probe_rng(1));
        let k = 1.0 / 28.0;
        assert!(
            net.layers[0]
                .weights
                .iter()
                .chain(&net.layers[0].bias)
                .all(|w| w.abs() <= k)
        );
        let spread = net.layers[0].weights.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        assert!(spread > 0.99 * k);
        assert!(net.layers[1].weights.iter().all(|w| w.abs() <= 0.125));
    }
}
