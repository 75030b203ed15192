//! The convolutional network on burn ([`mlprobe_graph::Architecture::Cnn`]),
//! and its conversion to and from the plain weight view.

use burn::module::{Module, Param};
use burn::tensor::activation::log_softmax;
use burn::tensor::module::{conv2d, max_pool2d};
use burn::tensor::ops::{ConvOptions, MaxPoolOptions};
use burn::tensor::{Device, Int, Tensor, TensorData};
use mlprobe_graph::architecture::POOL;
use mlprobe_graph::{Activation, Architecture, ConvShape, Layer, WeightStack};

use crate::model::activate;

/// Convolution blocks (valid convolution, activation, 2x2 max-pooling) on a
/// one-channel square image, then one dense layer; kernels
/// `[out, in, k, k]` as PyTorch's `nn.Conv2d` holds them.
#[derive(Module, Debug)]
pub struct Cnn {
    kernels: Vec<Param<Tensor<4>>>,
    kernel_biases: Vec<Param<Tensor<1>>>,
    dense: Param<Tensor<2>>,
    dense_bias: Param<Tensor<1>>,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    shape: ConvShape,
}

impl Cnn {
    /// A burn model holding the CNN `net`, on `device`.
    ///
    /// # Panics
    /// If `net` is not a CNN.
    pub fn from_weights(net: &WeightStack, device: &Device) -> Self {
        let Architecture::Cnn(shape) = &net.architecture else {
            panic!("Cnn::from_weights needs a CNN, not an {}", net.architecture.kind());
        };
        let (convs, dense) = net.layers.split_at(net.layers.len() - 1);
        let k = shape.kernel;
        let kernels = convs
            .iter()
            .map(|l| Param::from_data(TensorData::new(l.out_in(), [l.n_out, l.n_in / (k * k), k, k]), device))
            .collect();
        let bias = |l: &Layer| Param::from_data(TensorData::new(l.bias.clone(), [l.n_out]), device);
        let fc = &dense[0];
        Self {
            kernels,
            kernel_biases: convs.iter().map(bias).collect(),
            dense: Param::from_data(TensorData::new(fc.weights.clone(), [fc.n_in, fc.n_out]), device),
            dense_bias: bias(fc),
            activation: net.activation,
            shape: shape.clone(),
        }
    }

    /// The plain weight view of this model.
    pub fn to_weights(&self) -> WeightStack {
        let values = |t: Tensor<1>| t.into_data().try_to_vec::<f32>().expect("parameters are f32");
        let mut layers: Vec<Layer> = self
            .kernels
            .iter()
            .zip(&self.kernel_biases)
            .map(|(w, b)| {
                let [n_out, c_in, kh, kw] = w.val().dims();
                let flat = w.val().reshape([n_out * c_in * kh * kw]);
                Layer::from_out_in(c_in * kh * kw, n_out, &values(flat), values(b.val()))
            })
            .collect();
        let [n_in, n_out] = self.dense.val().dims();
        let dense = values(self.dense.val().reshape([n_in * n_out]));
        layers.push(Layer::new(n_in, n_out, dense, values(self.dense_bias.val())));
        WeightStack::with_architecture(Architecture::Cnn(self.shape.clone()), self.activation, layers)
            .expect("a model's own layers fit its shape")
    }

    /// Output values before softmax, `[batch, classes]`, of images
    /// `[batch, pixels]` (row-major, as the examples hold them).
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let [b, _] = x.dims();
        let side = self.shape.side;
        let mut h = x.reshape([b, 1, side, side]);
        for (w, bias) in self.kernels.iter().zip(&self.kernel_biases) {
            h = conv2d(
                h,
                w.val(),
                Some(bias.val()),
                ConvOptions::new([1, 1], [0, 0], [1, 1], 1),
            );
            h = activate(h, self.activation);
            h = max_pool2d(h, MaxPoolOptions::new([POOL, POOL]));
        }
        let [_, c, s, _] = h.dims();
        h.reshape([b, c * s * s]).matmul(self.dense.val()) + self.dense_bias.val().unsqueeze()
    }
}

/// 2x2 max-pooling (floor) of `n` maps `[side, side, c]` held as `z`
/// `[.., n * side * side, c]`: `[n, (side / 2)^2 * c]`, channels last. As
/// slices and elementwise maxima, whose backward passes are cheap on this
/// backend (its pooling and `max_dim` gather and scatter element by element).
fn max_pool_channels_last(z: Tensor<3>, n: usize, side: usize, c: usize) -> Tensor<2> {
    let h = side / POOL;
    let mut z = z.reshape([n, side, side, c]);
    if !side.is_multiple_of(POOL) {
        z = z.slice([0..n, 0..h * POOL, 0..h * POOL, 0..c]);
    }
    let rows = z.reshape([n * h, POOL, h * POOL, c]);
    let rows = rows
        .clone()
        .slice([0..n * h, 0..1, 0..h * POOL, 0..c])
        .max_pair(rows.slice([0..n * h, 1..2, 0..h * POOL, 0..c]));
    let cols = rows.reshape([n * h * h, POOL, c]);
    let pooled = cols
        .clone()
        .slice([0..n * h * h, 0..1, 0..c])
        .max_pair(cols.slice([0..n * h * h, 1..2, 0..c]));
    pooled.reshape([n, h * h * c])
}

/// `M` CNNs of one shape, trained together (see [`crate::train_stack`]):
/// layer `l` holds weights `[M, n_in, n_out]` and biases `[M, 1, n_out]`,
/// each convolution computed as its patches times its bipartite matrix, so
/// that every model's products are its own matrix products, slice by
/// slice, as in a stack of MLPs. burn's own `conv2d` on this backend is a
/// direct loop whose backward costs ten times the whole step here.
#[derive(Module, Debug)]
pub(crate) struct StackedCnn {
    weights: Vec<Param<Tensor<3>>>,
    biases: Vec<Param<Tensor<3>>>,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    shape: ConvShape,
    /// Where each block reads its patches ([`ConvShape::patch_indices`]).
    #[module(skip)]
    patches: Vec<Vec<i64>>,
    /// The last maps in PyTorch's flattening ([`ConvShape::flatten_order`]).
    #[module(skip)]
    flatten: Vec<i64>,
}

impl StackedCnn {
    /// The CNNs `nets` (all of one shape), stacked.
    pub(crate) fn new(nets: &[WeightStack], device: &Device) -> Self {
        let Architecture::Cnn(shape) = &nets[0].architecture else {
            panic!("a stack of CNNs needs CNNs");
        };
        let (weights, biases) = crate::model::stack_layers(nets, device);
        let as_i64 = |v: Vec<usize>| v.into_iter().map(|i| i as i64).collect::<Vec<i64>>();
        let patches = (0..shape.channels.len())
            .map(|b| as_i64(shape.patch_indices(b)))
            .collect();
        let flatten = as_i64(shape.flatten_order());
        Self {
            weights,
            biases,
            activation: nets[0].activation,
            shape: shape.clone(),
            patches,
            flatten,
        }
    }

    /// The first block's patches of images `[M, batch, pixels]`, gathered
    /// from the data (inputs need no gradient): `[M, batch * positions, k * k]`.
    fn input_patches(&self, x: Tensor<3>) -> Tensor<3> {
        let [m, b, _] = x.dims();
        let device = x.device();
        let pixels = x.into_data().try_into_vec::<f32>().expect("inputs are f32");
        let idx = &self.patches[0];
        let k2 = self.shape.kernel * self.shape.kernel;
        let d = self.shape.side * self.shape.side;
        let mut out = Vec::with_capacity(m * b * idx.len());
        for image in pixels.chunks_exact(d) {
            out.extend(idx.iter().map(|&i| image[i as usize]));
        }
        Tensor::from_data(TensorData::new(out, [m, b * idx.len() / k2, k2]), &device)
    }

    /// Log-probabilities `[M, batch, classes]` of images `[M, batch, pixels]`.
    pub(crate) fn log_probs(&self, x: Tensor<3>) -> Tensor<3> {
        let [m, b, _] = x.dims();
        let device = x.device();
        let blocks = self.shape.channels.len();
        let index = |v: &Vec<i64>| Tensor::<1, Int>::from_data(TensorData::new(v.clone(), [v.len()]), &device);
        let mut patches = self.input_patches(x);
        let mut h = None;
        for l in 0..blocks {
            let [_, n_in, n_out] = self.weights[l].val().dims();
            if let Some(maps) = h.take() {
                let idx = index(&self.patches[l]);
                let positions = self.patches[l].len() / n_in;
                patches = Tensor::<2>::select(maps, 1, idx).reshape([m, b * positions, n_in]);
            }
            let z = patches.clone().matmul(self.weights[l].val()) + self.biases[l].val();
            let o = self.shape.side_at(l) - self.shape.kernel + 1;
            h = Some(max_pool_channels_last(activate(z, self.activation), m * b, o, n_out));
        }
        let maps = h.expect("at least one block");
        let features = maps.select(1, index(&self.flatten)).reshape([m, b, self.flatten.len()]);
        let logits = features.matmul(self.weights[blocks].val()) + self.biases[blocks].val();
        log_softmax(logits, 2)
    }

    /// The plain weight view of every model of the stack.
    pub(crate) fn to_weights(&self) -> Vec<WeightStack> {
        crate::model::unstack_layers(&self.weights, &self.biases)
            .into_iter()
            .map(|layers| {
                WeightStack::with_architecture(Architecture::Cnn(self.shape.clone()), self.activation, layers)
                    .expect("a model's own layers fit its shape")
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device;
    use mlprobe_graph::{Embedded, Evaluator, Task, initial_network, probe_rng};

    #[test]
    fn burn_and_the_weight_graph_agree_on_a_cnn() {
        let task = Task::from_classes(Embedded::Mnist.load(), &[7, 9]).unwrap();
        let shape = ConvShape {
            side: 28,
            channels: vec![8, 16],
            kernel: 5,
        };
        let net = initial_network(&Architecture::Cnn(shape), Activation::Relu, 2, &mut probe_rng(5));
        let model = Cnn::from_weights(&net, &device::cpu());
        assert_eq!(model.to_weights(), net);
        let n = 300;
        let x = Tensor::<2>::from_data(
            TensorData::new(task.test.x[..n * 784].to_vec(), [n, 784]),
            &device::cpu(),
        );
        let burn: Vec<f32> = model.forward(x).into_data().try_to_vec().unwrap();
        let ours = Evaluator::new(&task.test).logits(&net);
        for (a, b) in burn.iter().zip(&ours[..n * 2]) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
    }
}
