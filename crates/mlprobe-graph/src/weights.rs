//! The plain, backend-free view of a trained network: a stack of signed,
//! weighted bipartite graphs, one per linear layer.

use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::architecture::{Architecture, ShapeError};

/// One linear layer seen as a directed bipartite graph from `n_in` input
/// nodes to `n_out` output nodes.
///
/// `weights[j * n_out + i]` is the weight of the edge from input node `j` to
/// output node `i` (row-major `[n_in, n_out]`, the layout of burn's `Linear`);
/// `bias[i]` is an attribute of output node `i` (a layer without a bias, as
/// a ViT's positional embeddings, has none). A zero weight is a missing edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    /// Number of input (left) nodes.
    pub n_in: usize,
    /// Number of output (right) nodes.
    pub n_out: usize,
    /// Edge weights, row-major `[n_in, n_out]`.
    pub weights: Vec<f32>,
    /// One bias per output node, or none.
    pub bias: Vec<f32>,
}

impl Layer {
    /// A layer from its parts.
    ///
    /// # Panics
    /// If `weights` does not hold `n_in * n_out` values or `bias` holds
    /// neither `n_out` nor none.
    pub fn new(n_in: usize, n_out: usize, weights: Vec<f32>, bias: Vec<f32>) -> Self {
        assert_eq!(weights.len(), n_in * n_out, "weights must be n_in * n_out");
        assert!(
            bias.len() == n_out || bias.is_empty(),
            "bias must have n_out values or none"
        );
        Self {
            n_in,
            n_out,
            weights,
            bias,
        }
    }

    /// The weight of the edge from input node `j` to output node `i`.
    pub fn weight(&self, j: usize, i: usize) -> f32 {
        self.weights[j * self.n_out + i]
    }

    /// Index into [`Layer::weights`] of the edge `j -> i`.
    pub fn index(&self, j: usize, i: usize) -> usize {
        j * self.n_out + i
    }

    /// A layer from weights in PyTorch's order, `[n_out, n_in]` (a kernel
    /// `[out, in, k, k]` flattened the same way).
    ///
    /// # Panics
    /// As [`Layer::new`].
    pub fn from_out_in(n_in: usize, n_out: usize, values: &[f32], bias: Vec<f32>) -> Self {
        assert_eq!(values.len(), n_in * n_out, "weights must be n_in * n_out");
        let mut weights = vec![0.0; values.len()];
        for o in 0..n_out {
            for i in 0..n_in {
                weights[i * n_out + o] = values[o * n_in + i];
            }
        }
        Self::new(n_in, n_out, weights, bias)
    }

    /// The weights in PyTorch's order, `[n_out, n_in]`.
    pub fn out_in(&self) -> Vec<f32> {
        let mut values = Vec::with_capacity(self.weights.len());
        for o in 0..self.n_out {
            values.extend((0..self.n_in).map(|i| self.weight(i, o)));
        }
        values
    }

    /// Number of non-zero weights (edges present).
    pub fn edge_count(&self) -> usize {
        self.weights.iter().filter(|w| **w != 0.0).count()
    }

    /// The same layer with `f` applied to every weight and every bias.
    pub fn map(&self, f: impl Fn(f32) -> f32) -> Self {
        Self {
            n_in: self.n_in,
            n_out: self.n_out,
            weights: self.weights.iter().map(|&w| f(w)).collect(),
            bias: self.bias.iter().map(|&b| f(b)).collect(),
        }
    }
}

/// A LayerNorm's parameters, one gain and one bias per feature: part of a
/// network that probes leave alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Norm {
    /// Multiplies each normalised feature (PyTorch's `weight`).
    pub gain: Vec<f32>,
    /// Added after the gain.
    pub bias: Vec<f32>,
}

impl Norm {
    /// The identity LayerNorm of `width` features (gain 1, bias 0: PyTorch's
    /// initial one).
    pub fn identity(width: usize) -> Self {
        Self {
            gain: vec![1.0; width],
            bias: vec![0.0; width],
        }
    }
}

/// A feed-forward network as plain data: its layers (the matrices probes act
/// on) in order, the activation after every layer but the last, a
/// softmax-free argmax output, and the [`Architecture`] that wires them (a
/// chain of dense layers unless told otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightStack {
    /// Activation after each hidden layer.
    pub activation: Activation,
    /// The layers, input first.
    pub layers: Vec<Layer>,
    /// How the layers are wired.
    #[serde(default, skip_serializing_if = "Architecture::is_mlp")]
    pub architecture: Architecture,
    /// The LayerNorms, in [`Architecture::norm_names`] order (a ViT's; none
    /// otherwise): parameters probes leave alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub norms: Vec<Norm>,
}

impl WeightStack {
    /// A stack of layers whose sizes chain (`n_out` of one is `n_in` of the next).
    ///
    /// # Panics
    /// If there is no layer or the sizes do not chain.
    pub fn new(activation: Activation, layers: Vec<Layer>) -> Self {
        assert!(!layers.is_empty(), "a network needs at least one layer");
        for pair in layers.windows(2) {
            assert_eq!(pair[0].n_out, pair[1].n_in, "layer sizes must chain");
        }
        Self {
            activation,
            layers,
            architecture: Architecture::Mlp,
            norms: Vec::new(),
        }
    }

    /// Matrices probed together that mlprobe does not wire into a network
    /// (a model that its own code evaluates, such as a Hugging Face
    /// transformer): their sizes need not chain, and they are not for an
    /// [`crate::Evaluator`].
    ///
    /// # Panics
    /// If there is no layer.
    pub fn unwired(layers: Vec<Layer>) -> Self {
        assert!(!layers.is_empty(), "a network needs at least one layer");
        Self {
            activation: Activation::Relu,
            layers,
            architecture: Architecture::Mlp,
            norms: Vec::new(),
        }
    }

    /// Layers wired by `architecture`, with identity LayerNorms where it has
    /// any (see [`WeightStack::with_norms`]); the error says how they do not fit it.
    pub fn with_architecture(
        architecture: Architecture,
        activation: Activation,
        layers: Vec<Layer>,
    ) -> Result<Self, ShapeError> {
        let shapes: Vec<(usize, usize)> = layers.iter().map(|l| (l.n_in, l.n_out)).collect();
        let chained = !shapes.is_empty() && shapes.windows(2).all(|p| p[0].1 == p[1].0);
        if architecture.is_mlp() && !chained {
            return Err(ShapeError {
                key: "layers".into(),
                value: format!("{shapes:?}"),
                reason: "an MLP's layer sizes must chain".into(),
            });
        }
        architecture.check_layers(&shapes)?;
        let depth = layers.len();
        for (l, layer) in layers.iter().enumerate() {
            let expected = if architecture.has_bias(l, depth) {
                layer.n_out
            } else {
                0
            };
            if layer.bias.len() != expected {
                return Err(ShapeError::new(
                    architecture.layer_name(l, depth),
                    format!("{} biases", layer.bias.len()),
                    format!("this layer has {expected}"),
                ));
            }
        }
        let width = layers.first().map_or(0, |l| l.n_out);
        let norms = architecture
            .norm_names()
            .iter()
            .map(|_| Norm::identity(width))
            .collect();
        Ok(Self {
            activation,
            layers,
            architecture,
            norms,
        })
    }

    /// The same network with these LayerNorms, one per
    /// [`Architecture::norm_names`], each as wide as the embedding.
    pub fn with_norms(mut self, norms: Vec<Norm>) -> Result<Self, ShapeError> {
        let names = self.architecture.norm_names();
        if norms.len() != names.len() {
            return Err(ShapeError::new(
                "norms",
                norms.len(),
                format!("this {} has {} LayerNorms", self.architecture.kind(), names.len()),
            ));
        }
        let width = self.layers[0].n_out;
        for (name, norm) in names.iter().zip(&norms) {
            if norm.gain.len() != width || norm.bias.len() != width {
                return Err(ShapeError::new(
                    name.as_str(),
                    format!("{} gains and {} biases", norm.gain.len(), norm.bias.len()),
                    format!("a LayerNorm of this network has {width} of each"),
                ));
            }
        }
        self.norms = norms;
        Ok(self)
    }

    /// Input dimension.
    pub fn input_dim(&self) -> usize {
        self.architecture.input_dim().unwrap_or(self.layers[0].n_in)
    }

    /// The name of every layer (see [`Architecture::layer_name`]).
    pub fn layer_names(&self) -> Vec<String> {
        let depth = self.layers.len();
        (0..depth).map(|l| self.architecture.layer_name(l, depth)).collect()
    }

    /// Number of outputs (classes).
    pub fn output_dim(&self) -> usize {
        self.layers[self.layers.len() - 1].n_out
    }

    /// Node counts from input to output, e.g. `[784, 64, 2]` (for a CNN, the
    /// input pixels, then each layer's output channels or classes).
    pub fn sizes(&self) -> Vec<usize> {
        std::iter::once(self.input_dim())
            .chain(self.layers.iter().map(|l| l.n_out))
            .collect()
    }

    /// The network in labels: its node counts for an MLP (`784-64-2`), its
    /// shape otherwise (`cnn 8-16 5x5`, `vit 2x32 7x7`).
    pub fn label(&self) -> String {
        self.architecture
            .label()
            .unwrap_or_else(|| self.sizes().iter().map(|n| n.to_string()).collect::<Vec<_>>().join("-"))
    }

    /// The same network with `f` applied to every weight and bias of every layer.
    pub fn map(&self, f: impl Fn(f32) -> f32) -> Self {
        Self {
            activation: self.activation,
            layers: self.layers.iter().map(|l| l.map(&f)).collect(),
            architecture: self.architecture.clone(),
            norms: self.norms.clone(),
        }
    }

    /// The same network with every weight matrix and every bias vector
    /// replaced by `f(values)`, called layer by layer, weights before bias:
    /// the shape of the per-layer probes (separate counts for weights and biases).
    pub fn map_vectors(&self, mut f: impl FnMut(&[f32]) -> Vec<f32>) -> Self {
        self.map_layers(|_, layer| {
            let weights = f(&layer.weights);
            let bias = f(&layer.bias);
            Layer::new(layer.n_in, layer.n_out, weights, bias)
        })
    }

    /// The same network with every layer replaced by `f(layer_index, layer)`.
    pub fn map_layers(&self, mut f: impl FnMut(usize, &Layer) -> Layer) -> Self {
        let layers = self
            .layers
            .iter()
            .enumerate()
            .map(|(l, layer)| {
                let new = f(l, layer);
                assert_eq!(
                    (new.n_in, new.n_out),
                    (layer.n_in, layer.n_out),
                    "a perturbation must keep layer shapes"
                );
                new
            })
            .collect();
        Self {
            activation: self.activation,
            layers,
            architecture: self.architecture.clone(),
            norms: self.norms.clone(),
        }
    }
}

/// A small two-layer network with zeros and exact binary fractions, for tests.
#[cfg(test)]
pub(crate) fn example() -> WeightStack {
    WeightStack::new(
        Activation::Tanh,
        vec![
            Layer::new(3, 2, vec![0.5, -0.25, 0.0, 1.5, -2.0, 0.125], vec![0.1, -0.1]),
            Layer::new(2, 2, vec![1.0, 2.0, 3.0, 4.0], vec![0.0, 5.0]),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexing_follows_the_in_out_layout() {
        let layer = Layer::new(2, 3, vec![1., 2., 3., 4., 5., 0.], vec![0.; 3]);
        assert_eq!(layer.weight(1, 0), 4.);
        assert_eq!(layer.weight(0, 2), 3.);
        assert_eq!(layer.edge_count(), 5);
        let net = WeightStack::new(
            Activation::Relu,
            vec![layer.clone(), Layer::new(3, 2, vec![0.5; 6], vec![1.; 2])],
        );
        assert_eq!(net.sizes(), vec![2, 3, 2]);
        assert_eq!(net.map(|w| -w).layers[0].weights[4], -5.);
    }

    #[test]
    #[should_panic(expected = "chain")]
    fn sizes_must_chain() {
        WeightStack::new(
            Activation::Relu,
            vec![
                Layer::new(2, 3, vec![0.; 6], vec![0.; 3]),
                Layer::new(2, 2, vec![0.; 4], vec![0.; 2]),
            ],
        );
    }
}
