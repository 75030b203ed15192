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
            let k = 1.0 / (n_in as f32).sqrt();
            let mut draw = |n: usize| (0..n).map(|_| rng.random_range(-k..=k)).collect::<Vec<f32>>();
            let weights = draw(n_in * n_out);
            let bias = draw(n_out);
            Layer::new(n_in, n_out, weights, bias)
        })
        .collect();
    WeightStack::new(activation, layers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe_rng;

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
