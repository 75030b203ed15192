//! Initial weights of a fresh network, as PyTorch draws them.

use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

use crate::activation::Activation;
use crate::architecture::Architecture;
use crate::perturb::ProbeRng;
use crate::weights::{Layer, WeightStack};

/// Initial weights as PyTorch's `nn.Linear`: weights and biases uniform in
/// `[-1/sqrt(fan_in), 1/sqrt(fan_in)]`, drawn layer by layer, weights then
/// bias. `sizes` are the node counts from input to output, e.g. `[784, 64, 2]`.
pub fn initial_weights(sizes: &[usize], activation: Activation, rng: &mut ProbeRng) -> WeightStack {
    let shapes = sizes.windows(2).map(|w| (w[0], w[1]));
    WeightStack::new(activation, draw_layers(shapes, rng))
}

/// Initial weights of a network of `architecture` with `classes` outputs,
/// drawn as [`initial_weights`] draws an MLP's: layer by layer, weights then
/// bias, each uniform in `[-1/sqrt(fan_in), 1/sqrt(fan_in)]` (PyTorch's
/// default for `nn.Conv2d` as for `nn.Linear`, `fan_in` = `in * k * k` for a
/// kernel). A ViT's positional embeddings are drawn from N(0, 0.02^2) in
/// their place (as ViT implementations draw them), its LayerNorms are the
/// identity. An MLP needs its sizes: use [`initial_weights`].
///
/// # Panics
/// For [`Architecture::Mlp`], or a shape that fails its check.
pub fn initial_network(
    architecture: &Architecture,
    activation: Activation,
    classes: usize,
    rng: &mut ProbeRng,
) -> WeightStack {
    let shapes = match architecture {
        Architecture::Mlp => panic!("an MLP's initial weights need its sizes: use initial_weights"),
        Architecture::Cnn(shape) => shape.layer_shapes(classes),
        Architecture::Vit(shape) => shape.layer_shapes(classes),
    };
    let depth = shapes.len();
    let layers = (shapes.into_iter().enumerate())
        .map(|(l, (n_in, n_out))| {
            if architecture.has_bias(l, depth) {
                draw_layer(n_in, n_out, rng)
            } else {
                let weights = (0..n_in * n_out)
                    .map(|_| POS_EMBED_STD * Distribution::<f32>::sample(&StandardNormal, rng))
                    .collect();
                Layer::new(n_in, n_out, weights, Vec::new())
            }
        })
        .collect();
    WeightStack::with_architecture(architecture.clone(), activation, layers).expect("a checked shape")
}

/// The standard deviation of a ViT's initial positional embeddings (the
/// original ViT's and timm's 0.02).
const POS_EMBED_STD: f32 = 0.02;

/// Layers of these `(n_in, n_out)` shapes, drawn in order, weights then bias.
fn draw_layers(shapes: impl Iterator<Item = (usize, usize)>, rng: &mut ProbeRng) -> Vec<Layer> {
    shapes.map(|(n_in, n_out)| draw_layer(n_in, n_out, rng)).collect()
}

/// A layer drawn as PyTorch's `nn.Linear` draws one, weights then bias.
fn draw_layer(n_in: usize, n_out: usize, rng: &mut ProbeRng) -> Layer {
    let weights = pytorch_uniform(n_in, n_in * n_out, rng);
    let bias = pytorch_uniform(n_in, n_out, rng);
    Layer::new(n_in, n_out, weights, bias)
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
    for layer in out.layers.iter_mut().filter(|l| !l.bias.is_empty()) {
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
