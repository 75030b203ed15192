//! The MLP on burn, and its conversion to and from the plain weight view;
//! and a stack of MLPs of one shape trained together (see [`crate::train_stack`]).

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::{log_softmax, relu, sigmoid};
use burn::tensor::{Device, Tensor, TensorData};

use mlprobe_graph::{Activation, Layer, WeightStack};

/// A multi-layer perceptron: linear layers with an activation after every
/// hidden layer and log-softmax outputs.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
    #[module(skip)]
    activation: Activation,
}

impl Mlp {
    /// A burn model holding the given weights and biases, on `device`.
    pub fn from_weights(net: &WeightStack, device: &Device) -> Self {
        let layers = net
            .layers
            .iter()
            .map(|l| Linear {
                weight: Param::from_data(TensorData::new(l.weights.clone(), [l.n_in, l.n_out]), device),
                bias: Some(Param::from_data(TensorData::new(l.bias.clone(), [l.n_out]), device)),
            })
            .collect();
        Self {
            layers,
            activation: net.activation,
        }
    }

    /// The plain weight view of this model.
    pub fn to_weights(&self) -> WeightStack {
        let layers = self
            .layers
            .iter()
            .map(|lin| {
                let [n_in, n_out] = lin.weight.val().dims();
                let weights = tensor_values(lin.weight.val());
                let bias = match &lin.bias {
                    Some(b) => tensor_values(b.val()),
                    None => vec![0.0; n_out],
                };
                Layer::new(n_in, n_out, weights, bias)
            })
            .collect();
        WeightStack::new(self.activation, layers)
    }

    /// Output-layer values before softmax, `[batch, classes]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        let mut h = x;
        for (l, layer) in self.layers.iter().enumerate() {
            h = layer.forward(h);
            if l < last {
                h = activate(h, self.activation);
            }
        }
        h
    }

    /// Log-probabilities of the classes, `[batch, classes]`.
    pub fn log_probs(&self, x: Tensor<2>) -> Tensor<2> {
        log_softmax(self.forward(x), 1)
    }
}

/// The hidden activation applied to `h`, elementwise.
pub(crate) fn activate<const D: usize>(h: Tensor<D>, activation: Activation) -> Tensor<D> {
    match activation {
        Activation::Tanh => h.tanh(),
        Activation::Relu => relu(h),
        Activation::Sigmoid => sigmoid(h),
        Activation::Identity => h,
    }
}

/// `M` MLPs of the same shape: layer `l` holds weights `[M, n_in, n_out]`
/// and biases `[M, 1, n_out]`.
#[derive(Module, Debug)]
pub(crate) struct StackedMlp {
    weights: Vec<Param<Tensor<3>>>,
    biases: Vec<Param<Tensor<3>>>,
    #[module(skip)]
    activation: Activation,
}

impl StackedMlp {
    /// The networks `nets` (all of one shape and activation), stacked.
    pub(crate) fn new(nets: &[WeightStack], device: &Device) -> Self {
        let (weights, biases) = stack_layers(nets, device);
        Self {
            weights,
            biases,
            activation: nets[0].activation,
        }
    }

    /// Log-probabilities `[M, batch, classes]` of inputs `[M, batch, features]`.
    pub(crate) fn log_probs(&self, x: Tensor<3>) -> Tensor<3> {
        self.log_probs_after_first(x.matmul(self.weights[0].val()))
    }

    /// Log-probabilities from the first layer's product `x W` (before its
    /// bias), however it was computed.
    pub(crate) fn log_probs_after_first(&self, product: Tensor<3>) -> Tensor<3> {
        let last = self.weights.len() - 1;
        let mut h = product + self.biases[0].val();
        for (l, (w, b)) in self.weights.iter().zip(&self.biases).enumerate() {
            if l > 0 {
                h = h.matmul(w.val()) + b.val();
            }
            if l < last {
                h = activate(h, self.activation);
            }
        }
        log_softmax(h, 2)
    }

    /// The first layer's weights `[M, n_in, n_out]`: the parameter and its values.
    pub(crate) fn first_weights(&self) -> (&Param<Tensor<3>>, Vec<f32>) {
        let w = &self.weights[0];
        (w, tensor_values(unshared(w.val().inner())))
    }

    /// The plain weight view of every model of the stack.
    pub(crate) fn to_weights(&self) -> Vec<WeightStack> {
        (unstack_layers(&self.weights, &self.biases).into_iter())
            .map(|layers| WeightStack::new(self.activation, layers))
            .collect()
    }
}

/// The layers of `nets` (all of one shape), stacked: layer `l`'s weights
/// `[M, n_in, n_out]` and biases `[M, 1, n_out]`.
pub(crate) fn stack_layers(nets: &[WeightStack], device: &Device) -> (Vec<Param<Tensor<3>>>, Vec<Param<Tensor<3>>>) {
    let m = nets.len();
    let depth = nets[0].layers.len();
    let (mut weights, mut biases) = (Vec::with_capacity(depth), Vec::with_capacity(depth));
    for l in 0..depth {
        let (n_in, n_out) = (nets[0].layers[l].n_in, nets[0].layers[l].n_out);
        let w: Vec<f32> = nets.iter().flat_map(|n| n.layers[l].weights.iter().copied()).collect();
        let b: Vec<f32> = nets.iter().flat_map(|n| n.layers[l].bias.iter().copied()).collect();
        weights.push(Param::from_data(TensorData::new(w, [m, n_in, n_out]), device));
        biases.push(Param::from_data(TensorData::new(b, [m, 1, n_out]), device));
    }
    (weights, biases)
}

/// Each model's layers from stacked weights and biases (see [`stack_layers`]).
pub(crate) fn unstack_layers(weights: &[Param<Tensor<3>>], biases: &[Param<Tensor<3>>]) -> Vec<Vec<Layer>> {
    let layers: Vec<(usize, usize, Vec<f32>, Vec<f32>)> = weights
        .iter()
        .zip(biases)
        .map(|(w, b)| {
            let [_, n_in, n_out] = w.val().dims();
            let values = |t: Tensor<3>| t.into_data().try_to_vec::<f32>().expect("parameters are f32");
            (n_in, n_out, values(w.val()), values(b.val()))
        })
        .collect();
    let m = weights[0].val().dims()[0];
    (0..m)
        .map(|i| {
            (layers.iter())
                .map(|(n_in, n_out, w, b)| {
                    let (wn, bn) = (n_in * n_out, *n_out);
                    Layer::new(
                        *n_in,
                        *n_out,
                        w[i * wn..(i + 1) * wn].to_vec(),
                        b[i * bn..(i + 1) * bn].to_vec(),
                    )
                })
                .collect()
        })
        .collect()
}

/// `t` times one: the same bits in a tensor of its own. burn-ndarray hands
/// the data of such a tensor over at once, but copies a shared one (a
/// parameter's value) element by element: 7 us against 1.4 ms for a
/// 784 x 64 layer, measured here.
pub(crate) fn unshared<const D: usize>(t: Tensor<D>) -> Tensor<D> {
    t.mul_scalar(1.0)
}

fn tensor_values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().expect("model parameters are f32")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device;

    #[test]
    fn weights_round_trip_through_burn() {
        let net = WeightStack::new(
            Activation::Tanh,
            vec![
                Layer::new(3, 2, vec![0.1, -0.2, 0.3, 0.4, -0.5, 0.6], vec![0.01, -0.02]),
                Layer::new(2, 2, vec![1.0, -1.0, 0.5, 0.25], vec![0.0, 0.1]),
            ],
        );
        let model = Mlp::from_weights(&net, &device::cpu());
        assert_eq!(model.to_weights(), net);
    }
}
