//! The MLP on burn, and its conversion to and from the plain weight view.

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
                h = match self.activation {
                    Activation::Tanh => h.tanh(),
                    Activation::Relu => relu(h),
                    Activation::Sigmoid => sigmoid(h),
                    Activation::Identity => h,
                };
            }
        }
        h
    }

    /// Log-probabilities of the classes, `[batch, classes]`.
    pub fn log_probs(&self, x: Tensor<2>) -> Tensor<2> {
        log_softmax(self.forward(x), 1)
    }
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
