//! The vision transformer on burn ([`mlprobe_graph::Architecture::Vit`]), a
//! stack of them trained together (see [`crate::train_stack`]), and its
//! conversion to and from the plain weight view.
//!
//! Matrix `l` of the weight view is held as `[M, n_in, n_out]`, its bias as
//! `[M, 1, n_out]` (the positional embeddings, which have none, as
//! `[M, tokens, dim]`); each LayerNorm's gain and bias as `[M, 1, dim]`.
//! Every product is a matrix product of one model's slice, every reduction
//! runs within one model, so a model trains to the same bits in a stack of
//! any size.

use burn::module::{Module, Param};
use burn::tensor::activation::{gelu, log_softmax, softmax};
use burn::tensor::{Device, Tensor, TensorData};
use mlprobe_graph::VitShape;
use mlprobe_graph::vit_shape::POS_EMBED;
use mlprobe_graph::vit_shape::block::{FF1, FF2, K, O, Q, V};
use mlprobe_graph::{Activation, Architecture, Layer, Norm, WeightStack};

/// PyTorch's `nn.LayerNorm` default epsilon.
const LAYER_NORM_EPSILON: f64 = 1e-5;

/// `M` ViTs of one shape (see the module documentation).
#[derive(Module, Debug)]
pub(crate) struct StackedVit {
    weights: Vec<Param<Tensor<3>>>,
    /// One per matrix but the positional embeddings.
    biases: Vec<Param<Tensor<3>>>,
    gains: Vec<Param<Tensor<3>>>,
    shifts: Vec<Param<Tensor<3>>>,
    #[module(skip)]
    shape: VitShape,
    #[module(skip)]
    activation: Activation,
    /// Where every token's pixels are ([`VitShape::patch_indices`]).
    #[module(skip)]
    patches: Vec<usize>,
}

/// Where matrix `l`'s bias is among [`StackedVit`]'s biases: every matrix
/// but the positional embeddings has one.
fn bias_slot(l: usize) -> Option<usize> {
    match l {
        POS_EMBED => None,
        l if l < POS_EMBED => Some(l),
        l => Some(l - 1),
    }
}

/// `values` of `m` models, `len` each, as a parameter `[m, rows, len / rows]`.
fn param(values: Vec<f32>, dims: [usize; 3], device: &Device) -> Param<Tensor<3>> {
    Param::from_data(TensorData::new(values, dims), device)
}

fn values(t: Tensor<3>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().expect("parameters are f32")
}

impl StackedVit {
    /// The ViTs `nets` (all of one shape), stacked.
    ///
    /// # Panics
    /// If they are not ViTs.
    pub(crate) fn new(nets: &[WeightStack], device: &Device) -> Self {
        let Architecture::Vit(shape) = &nets[0].architecture else {
            panic!("a stack of ViTs needs ViTs");
        };
        let (m, d) = (nets.len(), shape.dim);
        // One parameter from the same values of every network, side by side.
        let stack = |values: &dyn Fn(&WeightStack) -> &[f32], dims: [usize; 3]| {
            param(
                nets.iter().flat_map(|n| values(n).iter().copied()).collect(),
                dims,
                device,
            )
        };
        let first = &nets[0];
        let weights = (first.layers.iter().enumerate())
            .map(|(l, x)| stack(&|n| &n.layers[l].weights, [m, x.n_in, x.n_out]))
            .collect();
        let biases = (first.layers.iter().enumerate())
            .filter(|(_, x)| !x.bias.is_empty())
            .map(|(l, x)| stack(&|n| &n.layers[l].bias, [m, 1, x.n_out]))
            .collect();
        let norms = |part: fn(&Norm) -> &[f32]| -> Vec<Param<Tensor<3>>> {
            (0..first.norms.len())
                .map(|i| stack(&|n| part(&n.norms[i]), [m, 1, d]))
                .collect()
        };
        Self {
            weights,
            biases,
            gains: norms(|n| &n.gain),
            shifts: norms(|n| &n.bias),
            shape: shape.clone(),
            activation: nets[0].activation,
            patches: shape.patch_indices(),
        }
    }

    /// `x W_l + b_l` on `[M, rows, n_in]`.
    fn project(&self, x: Tensor<3>, l: usize) -> Tensor<3> {
        let b = bias_slot(l).expect("a projection has a bias");
        x.matmul(self.weights[l].val()) + self.biases[b].val()
    }

    /// LayerNorm `i` over the last dimension.
    fn norm(&self, x: Tensor<3>, i: usize) -> Tensor<3> {
        let centred = x.clone() - x.mean_dim(2);
        let var = (centred.clone() * centred.clone()).mean_dim(2);
        let normed = centred / var.add_scalar(LAYER_NORM_EPSILON).sqrt();
        normed * self.gains[i].val() + self.shifts[i].val()
    }

    /// Multi-head self-attention of block `b` on normalised tokens `[M, n * t, d]`.
    fn attend(&self, a: Tensor<3>, b: usize, n: usize) -> Tensor<3> {
        let s = &self.shape;
        let (m, t, h, hd) = (a.dims()[0], s.tokens(), s.heads, s.head_dim());
        let heads = |x: Tensor<3>| x.reshape([m * n, t, h, hd]).swap_dims(1, 2).reshape([m * n * h, t, hd]);
        let matrix = |j: usize| s.block_matrix(b, j);
        let q = heads(self.project(a.clone(), matrix(Q)));
        let k = heads(self.project(a.clone(), matrix(K)));
        let v = heads(self.project(a, matrix(V)));
        let scores = q.matmul(k.swap_dims(1, 2)).mul_scalar(1.0 / (hd as f64).sqrt());
        let ctx = softmax(scores, 2).matmul(v);
        let ctx = ctx
            .reshape([m * n, h, t, hd])
            .swap_dims(1, 2)
            .reshape([m, n * t, s.dim]);
        self.project(ctx, matrix(O))
    }

    /// Logits `[M, n, classes]` of images `[M, n, pixels]`.
    pub(crate) fn logits(&self, x: Tensor<3>) -> Tensor<3> {
        let [m, n, _] = x.dims();
        let s = &self.shape;
        let (t, d) = (s.tokens(), s.dim);
        let device = x.device();
        let pixels = x.into_data().try_into_vec::<f32>().expect("inputs are f32");
        let mut tokens = Vec::with_capacity(pixels.len());
        for image in pixels.chunks_exact(s.side * s.side) {
            tokens.extend(self.patches.iter().map(|&i| image[i]));
        }
        let p2 = s.patch * s.patch;
        let tokens = Tensor::<3>::from_data(TensorData::new(tokens, [m, n * t, p2]), &device);
        let embedded = self.project(tokens, 0).reshape([m, n, t, d]);
        let pos = self.weights[POS_EMBED].val().unsqueeze_dim::<4>(1);
        let mut h = (embedded + pos).reshape([m, n * t, d]);
        for b in 0..s.blocks {
            h = h.clone() + self.attend(self.norm(h, 2 * b), b, n);
            let f = gelu(self.project(self.norm(h.clone(), 2 * b + 1), s.block_matrix(b, FF1)));
            h = h + self.project(f, s.block_matrix(b, FF2));
        }
        let pooled = self
            .norm(h, 2 * s.blocks)
            .reshape([m, n, t, d])
            .mean_dim(2)
            .reshape([m, n, d]);
        self.project(pooled, self.weights.len() - 1)
    }

    /// Log-probabilities `[M, batch, classes]` of images `[M, batch, pixels]`.
    pub(crate) fn log_probs(&self, x: Tensor<3>) -> Tensor<3> {
        log_softmax(self.logits(x), 2)
    }

    /// The plain weight view of every model of the stack.
    pub(crate) fn to_weights(&self) -> Vec<WeightStack> {
        let m = self.weights[0].val().dims()[0];
        let split = |p: &Param<Tensor<3>>| {
            let [_, a, b] = p.val().dims();
            let v = values(p.val());
            (a, b, v.chunks_exact(a * b).map(<[f32]>::to_vec).collect::<Vec<_>>())
        };
        let weights: Vec<_> = self.weights.iter().map(split).collect();
        let biases: Vec<_> = self.biases.iter().map(split).collect();
        let gains: Vec<_> = self.gains.iter().map(split).collect();
        let shifts: Vec<_> = self.shifts.iter().map(split).collect();
        (0..m)
            .map(|i| {
                let layers = (weights.iter().enumerate())
                    .map(|(l, (n_in, n_out, w))| {
                        let bias = bias_slot(l).map_or_else(Vec::new, |b| biases[b].2[i].clone());
                        Layer::new(*n_in, *n_out, w[i].clone(), bias)
                    })
                    .collect();
                let norms = (gains.iter().zip(&shifts))
                    .map(|(g, s)| Norm {
                        gain: g.2[i].clone(),
                        bias: s.2[i].clone(),
                    })
                    .collect();
                WeightStack::with_architecture(Architecture::Vit(self.shape.clone()), self.activation, layers)
                    .and_then(|net| net.with_norms(norms))
                    .expect("a model's own layers fit its shape")
            })
            .collect()
    }
}

/// One ViT on burn, for checking the weight graph's evaluation against
/// burn's forward pass.
#[derive(Debug)]
pub struct Vit(StackedVit);

impl Vit {
    /// A burn model holding the ViT `net`, on `device`.
    ///
    /// # Panics
    /// If `net` is not a ViT.
    pub fn from_weights(net: &WeightStack, device: &Device) -> Self {
        Self(StackedVit::new(std::slice::from_ref(net), device))
    }

    /// The plain weight view of this model.
    pub fn to_weights(&self) -> WeightStack {
        self.0.to_weights().remove(0)
    }

    /// Output values before softmax, `[batch, classes]`, of images
    /// `[batch, pixels]` (row-major, as the examples hold them).
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let [n, pixels] = x.dims();
        let logits = self.0.logits(x.reshape([1, n, pixels]));
        let k = logits.dims()[2];
        logits.reshape([n, k])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device;
    use mlprobe_graph::{Embedded, Evaluator, Task, initial_network, probe_rng};

    #[test]
    fn burn_and_the_weight_graph_agree_on_a_vit() {
        let task = Task::from_classes(Embedded::Mnist.load(), &[7, 9]).unwrap();
        let shape = crate::VitParams::default().shape(28);
        let mut net = initial_network(&Architecture::Vit(shape), Activation::Relu, 2, &mut probe_rng(5));
        for (i, norm) in net.norms.iter_mut().enumerate() {
            norm.gain
                .iter_mut()
                .enumerate()
                .for_each(|(c, g)| *g = 1.0 + 0.01 * (i + c) as f32);
            norm.bias
                .iter_mut()
                .enumerate()
                .for_each(|(c, b)| *b = 0.02 * c as f32 - 0.3);
        }
        let model = Vit::from_weights(&net, &device::cpu());
        assert_eq!(model.to_weights(), net);
        let n = 200;
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
