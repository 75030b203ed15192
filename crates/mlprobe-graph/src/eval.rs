//! Evaluation of any weight stack on a set of examples.
//!
//! The forward pass runs on plain slices, example by example, without burn:
//! probes evaluate thousands of perturbed networks. The first layer, which
//! holds nearly all the work, uses the shape of the inputs: each input has a
//! most common value (a background pixel is -1), so an example is that
//! baseline plus a few deviations, and a layer's response is its response to
//! the baseline (once per network) plus the deviations' (a sparse product,
//! about a fifth of the dense one for MNIST).
//!
//! Every value is computed in a fixed order with separate products and sums
//! (never fused), so the same network gives the same bits on every thread
//! and on every x86-64 CPU, and an example evaluated alone gives the same
//! bits as in a batch.
//!
//! A first layer whose weights and biases are all -1, 0 or +1 (a binarized,
//! "signed" network) is evaluated exactly when the inputs allow it (as image
//! pixels do: every such sum of them is exact in `f64`): its pre-activations
//! are summed in `f64` without any rounding and rounded once to `f32`. Exact
//! sums make ties between hidden units genuine ties, and let
//! [`crate::SweepEvaluator`] update them incrementally to the same bits.
//!
//! A convolutional network runs batch by batch (im2col and one matrix
//! product per block, see `conv.rs`), and so does a vision transformer
//! (one product per projection for all tokens of a batch, see `vit.rs`):
//! the same bits on every thread and in every batch, though not across
//! CPUs whose product kernels differ.

use std::sync::Arc;

use mlprobe_tasks::Examples;

use crate::architecture::Architecture;
use crate::conv;
use crate::vit;
use crate::weights::{Layer, WeightStack};

/// Evaluates networks on a fixed set of examples.
#[derive(Debug, Clone)]
pub struct Evaluator<'a> {
    examples: &'a Examples,
    inputs: Arc<Inputs>,
}

/// The examples as baseline plus deviations (a compressed sparse row matrix).
#[derive(Debug)]
struct Inputs {
    /// Per input: its most common value over the examples.
    baseline: Vec<f32>,
    /// Row `r`'s deviations are entries `offsets[r]..offsets[r + 1]`.
    offsets: Vec<usize>,
    /// The input of each deviation.
    columns: Vec<usize>,
    /// `x - baseline` rounded to `f32`.
    deviations: Vec<f32>,
    /// `x - baseline` exactly.
    deviations64: Vec<f64>,
    /// Whether any sum of +-inputs and one +-1 is exact in `f64`.
    exact_sums: bool,
}

/// The most common value of `column` (the lowest bits on ties); 0 when no
/// value repeats.
fn mode(column: &mut [u32]) -> f32 {
    column.sort_unstable();
    let (mut best, mut best_count) = (0.0f32.to_bits(), 1);
    let mut i = 0;
    while i < column.len() {
        let j = i + column[i..].iter().take_while(|&&b| b == column[i]).count();
        if j - i > best_count {
            (best, best_count) = (column[i], j - i);
        }
        i = j;
    }
    f32::from_bits(best)
}

impl Inputs {
    fn new(examples: &Examples) -> Self {
        let (n, dim) = (examples.len(), examples.dim);
        let mut column = Vec::with_capacity(n);
        let baseline: Vec<f32> = (0..dim)
            .map(|j| {
                column.clear();
                column.extend((0..n).map(|r| examples.x[r * dim + j].to_bits()));
                mode(&mut column)
            })
            .collect();
        let (mut offsets, mut columns, mut deviations, mut deviations64) = (vec![0], vec![], vec![], vec![]);
        for r in 0..n {
            for (j, &x) in examples.row(r).iter().enumerate() {
                if x.to_bits() != baseline[j].to_bits() {
                    let d = x as f64 - baseline[j] as f64;
                    columns.push(j);
                    deviations.push(d as f32);
                    deviations64.push(d);
                }
            }
            offsets.push(columns.len());
        }
        Self {
            baseline,
            offsets,
            columns,
            deviations,
            deviations64,
            exact_sums: sums_are_exact(&examples.x, dim),
        }
    }

    /// The deviations of row `r`: inputs, `x - baseline` in `f32`, and exactly.
    fn row(&self, r: usize) -> (&[usize], &[f32], &[f64]) {
        let range = self.offsets[r]..self.offsets[r + 1];
        (
            &self.columns[range.clone()],
            &self.deviations[range.clone()],
            &self.deviations64[range],
        )
    }
}

/// Whether every weight and bias of `layer` is -1, 0 or +1.
pub fn is_ternary(layer: &Layer) -> bool {
    // On the bit patterns, without branches, so that it vectorizes.
    let ternary = |values: &[f32]| {
        values.chunks(256).all(|chunk| {
            chunk.iter().fold(true, |all, w| {
                let size = w.to_bits() & 0x7fff_ffff;
                all & ((size == 0) | (size == 1.0f32.to_bits()))
            })
        })
    };
    ternary(&layer.weights) && ternary(&layer.bias)
}

/// Whether every sum of up to `dim` inputs of `x` (each with sign +-1), of
/// their differences from other inputs, and of one of -1, 0, +1 is exactly
/// representable in `f64`: all values are multiples of one power of two
/// `2^p` (p <= 0), and `4 (dim + 1) max|x|` stays below `2^(53 + p)`.
fn sums_are_exact(x: &[f32], dim: usize) -> bool {
    let mut lowest = 0i32;
    let mut largest = 1.0f64;
    for &v in x {
        if v == 0.0 {
            continue;
        }
        if !v.is_normal() {
            return false;
        }
        let bits = v.to_bits();
        let exponent = ((bits >> 23) & 0xff) as i32 - 127;
        let mantissa = (bits & 0x7f_ffff) | 0x80_0000;
        lowest = lowest.min(exponent - 23 + mantissa.trailing_zeros() as i32);
        largest = largest.max(v.abs() as f64);
    }
    (4.0 * (dim + 1) as f64 * largest).log2() < (53 + lowest) as f64
}

/// The number type of a sum: `f32` for the straightforward evaluation,
/// `f64` for exact and incremental sums.
pub(crate) trait Acc: Copy + Default + std::ops::Add<Output = Self> + std::ops::Mul<Output = Self> {
    /// Values per register-sized block of accumulators.
    const BLOCK: usize;
    fn from_weight(w: f32) -> Self;
}

impl Acc for f32 {
    const BLOCK: usize = 64;
    #[inline(always)]
    fn from_weight(w: f32) -> Self {
        w
    }
}

impl Acc for f64 {
    const BLOCK: usize = 32;
    #[inline(always)]
    fn from_weight(w: f32) -> Self {
        w as f64
    }
}

crate::simd_kernel! {
    /// `out[i] = base[i] + sum_k d_k * w[columns_k, i]`, summed in the order of
    /// `k`, a product then a sum each time (never fused): the same bits at
    /// every [`crate::simd::SimdLevel`]. Blocks of outputs stay in registers over all `k`.
    fn sparse_row<T: Acc>(weights: &[f32], n_out: usize, base: &[T], columns: &[usize], d: &[T], out: &mut [T])
    {
        let mut start = 0;
        while start < n_out {
            let width = T::BLOCK.min(n_out - start);
            if width == T::BLOCK {
                let mut acc = [T::default(); 64];
                let acc = &mut acc[..T::BLOCK];
                acc.copy_from_slice(&base[start..start + T::BLOCK]);
                for (&j, &d) in columns.iter().zip(d) {
                    let w = &weights[j * n_out + start..j * n_out + start + T::BLOCK];
                    for (a, &w) in acc.iter_mut().zip(w) {
                        *a = *a + d * T::from_weight(w);
                    }
                }
                out[start..start + T::BLOCK].copy_from_slice(acc);
            } else {
                let acc = &mut out[start..start + width];
                acc.copy_from_slice(&base[start..start + width]);
                for (&j, &d) in columns.iter().zip(d) {
                    let w = &weights[j * n_out + start..j * n_out + start + width];
                    for (a, &w) in acc.iter_mut().zip(w) {
                        *a = *a + d * T::from_weight(w);
                    }
                }
            }
            start += width;
        }
    }
}

/// The index of the largest value, the first one on ties (as `torch.argmax`).
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (c, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = c;
        }
    }
    best
}

impl<'a> Evaluator<'a> {
    /// An evaluator on these examples.
    pub fn new(examples: &'a Examples) -> Self {
        Self {
            examples,
            inputs: Arc::new(Inputs::new(examples)),
        }
    }

    /// The examples.
    pub fn examples(&self) -> &'a Examples {
        self.examples
    }

    /// Whether a binarized first layer is evaluated exactly on these examples.
    pub fn exact_ternary(&self) -> bool {
        self.inputs.exact_sums
    }

    /// Whether the first layer of `net` is evaluated exactly.
    pub fn is_exact(&self, net: &WeightStack) -> bool {
        self.inputs.exact_sums && net.architecture.is_mlp() && is_ternary(&net.layers[0])
    }

    /// The first layer's response to the baseline input, bias included, in
    /// `f64` (exact for a ternary layer on exact inputs).
    pub(crate) fn baseline_response(&self, layer: &Layer) -> Vec<f64> {
        let bias: Vec<f64> = layer.bias.iter().map(|&b| b as f64).collect();
        let (columns, values): (Vec<usize>, Vec<f64>) = (self.inputs.baseline.iter().enumerate())
            .filter(|(_, c)| **c != 0.0)
            .map(|(j, c)| (j, *c as f64))
            .unzip();
        let mut out = vec![0.0; layer.n_out];
        sparse_row(&layer.weights, layer.n_out, &bias, &columns, &values, &mut out);
        out
    }

    /// First-layer pre-activations of every example in `f64`, row-major
    /// `[n, n_out]`: exact for a ternary layer on exact inputs.
    pub(crate) fn first_layer_f64(&self, layer: &Layer) -> Vec<f64> {
        let n = self.examples.len();
        let base = self.baseline_response(layer);
        let mut out = vec![0.0; n * layer.n_out];
        for (r, row) in out.chunks_exact_mut(layer.n_out).enumerate() {
            let (columns, _, d) = self.inputs.row(r);
            sparse_row(&layer.weights, layer.n_out, &base, columns, d, row);
        }
        out
    }

    /// The first layer's response to the baseline, rounded to `f32`: the
    /// start of every example's `f32` sum (see [`Evaluator::first_layer_row`]).
    pub(crate) fn baseline_f32(&self, layer: &Layer) -> Vec<f32> {
        self.baseline_response(layer).into_iter().map(|v| v as f32).collect()
    }

    /// First-layer pre-activations of example `r` in `f32` into `out`, from
    /// `base` = [`Evaluator::baseline_f32`] (not exact: see [`Evaluator::is_exact`]).
    pub(crate) fn first_layer_row(&self, layer: &Layer, base: &[f32], r: usize, out: &mut [f32]) {
        let (columns, d, _) = self.inputs.row(r);
        sparse_row(&layer.weights, layer.n_out, base, columns, d, out);
    }

    /// The rest of the forward pass for one example: `values` holds the
    /// first layer's pre-activations on entry and the output layer's values
    /// on return; `spare` is scratch space.
    pub(crate) fn rest_of_row(&self, net: &WeightStack, values: &mut Vec<f32>, spare: &mut Vec<f32>) {
        for layer in &net.layers[1..] {
            net.activation.apply_in_place(values);
            spare.clear();
            spare.extend((0..layer.n_out).map(|c| {
                let mut sum = layer.bias[c];
                for (j, a) in values.iter().enumerate() {
                    sum += a * layer.weights[j * layer.n_out + c];
                }
                sum
            }));
            std::mem::swap(values, spare);
        }
    }

    /// Output-layer values of example `r` into `values` (the same bits as in
    /// [`Evaluator::logits`]), from `base` = [`Evaluator::baseline_f32`].
    pub(crate) fn logits_row(
        &self,
        net: &WeightStack,
        base: &[f32],
        r: usize,
        values: &mut Vec<f32>,
        spare: &mut Vec<f32>,
    ) {
        let layer = &net.layers[0];
        values.resize(layer.n_out, 0.0);
        self.first_layer_row(layer, base, r, values);
        self.rest_of_row(net, values, spare);
    }

    /// Output-layer values (before softmax), row-major `[n, n_classes]`.
    ///
    /// # Panics
    /// If the network's input dimension differs from the examples'.
    pub fn logits(&self, net: &WeightStack) -> Vec<f32> {
        self.logits_as(net, self.is_exact(net))
    }

    /// # Panics
    /// If the network's input dimension differs from the examples'.
    fn check_input(&self, net: &WeightStack) {
        let (net_dim, dim) = (net.input_dim(), self.examples.dim);
        assert_eq!(net_dim, dim, "network and examples differ in input dimension");
    }

    /// [`Evaluator::logits`] with `exact` = [`Evaluator::is_exact`] known.
    fn logits_as(&self, net: &WeightStack, exact: bool) -> Vec<f32> {
        self.check_input(net);
        let n = self.examples.len();
        match &net.architecture {
            Architecture::Cnn(shape) => return conv::logits(shape, net, &self.examples.x, n),
            Architecture::Vit(shape) => return vit::forward(shape, net, &self.examples.x, n, net.layers.len() - 1),
            Architecture::Mlp => {}
        }
        let layer = &net.layers[0];
        let mut logits = Vec::with_capacity(n * net.output_dim());
        let (mut values, mut spare) = (Vec::new(), Vec::new());
        if exact {
            for row in self.first_layer_f64(layer).chunks_exact(layer.n_out) {
                values.clear();
                values.extend(row.iter().map(|&v| v as f32));
                self.rest_of_row(net, &mut values, &mut spare);
                logits.extend_from_slice(&values);
            }
        } else {
            let base = self.baseline_f32(layer);
            for r in 0..n {
                self.logits_row(net, &base, r, &mut values, &mut spare);
                logits.extend_from_slice(&values);
            }
        }
        logits
    }

    /// The outputs of layer `layer` (0-based) for every example, row-major
    /// `[n, width]`: after the activation for a hidden layer (for a CNN's
    /// block, its pooled maps, channels last; for a ViT's matrices, see
    /// below), the logits for the last one.
    ///
    /// A ViT's rows hold every token's values, token after token: the
    /// embeddings for `patch_embed`; the residual stream after the
    /// positional embeddings (`pos_embed`), after a block's attention
    /// (`attn.o`) and after its feed-forward (`ff2`, the block's output);
    /// the projections for `attn.q`, `.k`, `.v`; the GELU outputs for `ff1`.
    /// Computed straightforwardly, never exactly (see [`Evaluator::is_exact`]).
    ///
    /// # Panics
    /// If the network has no such layer or its input dimension differs from the examples'.
    pub fn activations(&self, net: &WeightStack, layer: usize) -> Vec<f32> {
        assert!(layer < net.layers.len(), "no layer {layer}");
        self.check_input(net);
        let n = self.examples.len();
        match &net.architecture {
            Architecture::Cnn(shape) => return conv::forward(shape, net, &self.examples.x, n, layer),
            Architecture::Vit(shape) => return vit::forward(shape, net, &self.examples.x, n, layer),
            Architecture::Mlp => {}
        }
        let upto = WeightStack::new(net.activation, net.layers[..=layer].to_vec());
        let first = &net.layers[0];
        let base = self.baseline_f32(first);
        let mut out = Vec::with_capacity(n * net.layers[layer].n_out);
        let (mut values, mut spare) = (Vec::new(), Vec::new());
        for r in 0..n {
            values.resize(first.n_out, 0.0);
            self.first_layer_row(first, &base, r, &mut values);
            self.rest_of_row(&upto, &mut values, &mut spare);
            if layer + 1 < net.layers.len() {
                net.activation.apply_in_place(&mut values);
            }
            out.extend_from_slice(&values);
        }
        out
    }

    /// The predicted class of every example: the index of the largest output,
    /// the first one on ties (as `torch.argmax`).
    pub fn predictions(&self, net: &WeightStack) -> Vec<u32> {
        let k = net.output_dim();
        self.logits(net).chunks_exact(k).map(|row| argmax(row) as u32).collect()
    }

    /// Accuracy in percent of `predictions`; 0 for an empty set of examples.
    pub(crate) fn accuracy_of(&self, predictions: impl Iterator<Item = u32>) -> f64 {
        let n = self.examples.len();
        if n == 0 {
            return 0.0;
        }
        let correct = predictions.zip(&self.examples.y).filter(|(p, y)| p == *y).count();
        100.0 * correct as f64 / n as f64
    }

    /// Accuracy in percent; 0 for an empty set of examples.
    pub fn accuracy(&self, net: &WeightStack) -> f64 {
        self.accuracy_of(self.predictions(net).into_iter())
    }

    /// [`Evaluator::accuracy`] of a network whose first layer is known not
    /// to be evaluated exactly (see [`Evaluator::is_exact`]).
    pub(crate) fn accuracy_inexact(&self, net: &WeightStack) -> f64 {
        let k = net.output_dim();
        let logits = self.logits_as(net, false);
        self.accuracy_of(logits.chunks_exact(k).map(|row| argmax(row) as u32))
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

    #[test]
    fn pixel_inputs_make_ternary_sums_exact() {
        let pixels: Vec<f32> = (0..=255u8).map(mlprobe_tasks::normalize_pixel).collect();
        assert!(sums_are_exact(&pixels, 784));
        assert!(!sums_are_exact(&[1.0, 1e-30], 784), "too wide a range");
        assert!(!sums_are_exact(&[f32::MIN_POSITIVE / 2.0], 1), "subnormal");
    }

    #[test]
    fn a_binarized_first_layer_is_evaluated_exactly() {
        // 3 inputs of 0.1 (not exact in f32): the f32 sum of three copies
        // rounds, the exact one is 3 * f32(0.1) rounded once.
        let x = 0.1f32;
        let examples = Examples {
            x: vec![x, x, x],
            y: vec![0],
            dim: 3,
        };
        let eval = Evaluator::new(&examples);
        assert!(eval.exact_ternary());
        let net = WeightStack::new(
            Activation::Identity,
            vec![Layer::new(3, 1, vec![1.0, 1.0, 1.0], vec![-1.0])],
        );
        assert!(eval.is_exact(&net));
        let exact = (3.0 * x as f64 - 1.0) as f32;
        assert_eq!(eval.logits(&net), vec![exact]);
        let rounded = Layer::new(3, 1, vec![1.0, 1.0, 1.0 + f32::EPSILON], vec![-1.0]);
        assert!(!is_ternary(&rounded));
    }

    /// Logits in `f64` by the textbook loops, for comparison.
    fn naive_logits(net: &WeightStack, examples: &Examples) -> Vec<f64> {
        let mut out = Vec::new();
        for r in 0..examples.len() {
            let mut values: Vec<f64> = examples.row(r).iter().map(|&v| v as f64).collect();
            for (l, layer) in net.layers.iter().enumerate() {
                let mut next: Vec<f64> = layer.bias.iter().map(|&b| b as f64).collect();
                for (j, v) in values.iter().enumerate() {
                    for (i, o) in next.iter_mut().enumerate() {
                        *o += v * layer.weight(j, i) as f64;
                    }
                }
                if l + 1 < net.layers.len() {
                    next.iter_mut().for_each(|v| {
                        *v = match net.activation {
                            Activation::Relu => v.max(0.0),
                            Activation::Tanh => v.tanh(),
                            Activation::Sigmoid => 1.0 / (1.0 + (-*v).exp()),
                            Activation::Identity => *v,
                        }
                    });
                }
                values = next;
            }
            out.extend(values);
        }
        out
    }

    #[test]
    fn wide_layers_and_sparse_inputs_match_the_textbook_forward_pass() {
        use rand::RngExt;
        let mut rng = crate::probe_rng(8);
        // Mostly background, as images: the sparse path does most of the work.
        let examples = Examples {
            x: (0..40 * 50)
                .map(|_| {
                    let p = if rng.random_range(0..3) == 0 {
                        rng.random_range(0..=255u8)
                    } else {
                        0
                    };
                    mlprobe_tasks::normalize_pixel(p)
                })
                .collect(),
            y: vec![0; 40],
            dim: 50,
        };
        let eval = Evaluator::new(&examples);
        // 130 hidden units: two full blocks of the f32 kernel and a tail.
        let net = crate::initial_weights(&[50, 130, 3], Activation::Relu, &mut rng);
        for (ours, naive) in eval.logits(&net).iter().zip(naive_logits(&net, &examples)) {
            assert!((*ours as f64 - naive).abs() < 1e-5, "{ours} vs {naive}");
        }
        // Binarized: the first layer's sums are exact, so they equal the
        // textbook sums (exact too on pixels) to the last bit.
        let signed = net.map(|w| if w == 0.0 { 0.0 } else { w.signum() });
        assert!(eval.is_exact(&signed));
        let first = WeightStack::new(Activation::Identity, vec![signed.layers[0].clone()]);
        assert_eq!(eval.first_layer_f64(&signed.layers[0]), naive_logits(&first, &examples));
    }

    #[test]
    fn deeper_networks_match_the_textbook_forward_pass_for_every_activation() {
        use rand::RngExt;
        let mut rng = crate::probe_rng(11);
        let examples = Examples {
            x: (0..30 * 40)
                .map(|_| mlprobe_tasks::normalize_pixel(rng.random_range(0..=255u8)))
                .collect(),
            y: (0..30).map(|_| rng.random_range(0..4u32)).collect(),
            dim: 40,
        };
        let eval = Evaluator::new(&examples);
        for activation in Activation::ALL {
            // Three layers, four classes, widths past one kernel block.
            let net = crate::initial_weights(&[40, 70, 16, 4], activation, &mut rng);
            let naive = naive_logits(&net, &examples);
            for (ours, naive) in eval.logits(&net).iter().zip(&naive) {
                assert!((*ours as f64 - naive).abs() < 1e-5, "{activation}: {ours} vs {naive}");
            }
            let predicted: Vec<u32> = naive
                .chunks_exact(4)
                .map(|r| (0..4).fold(0, |b, c| if r[c] > r[b] { c } else { b }) as u32)
                .collect();
            assert_eq!(eval.predictions(&net), predicted, "{activation}");
        }
    }

    #[test]
    fn activations_of_the_last_layer_are_the_logits() {
        let net = crate::initial_weights(&[4, 3, 3, 2], Activation::Tanh, &mut crate::probe_rng(1));
        let examples = Examples {
            x: (0..20).map(|i| (i % 7) as f32 / 3.0 - 1.0).collect(),
            y: vec![0, 1, 0, 1, 1],
            dim: 4,
        };
        let eval = Evaluator::new(&examples);
        assert_eq!(eval.activations(&net, 2), eval.logits(&net));
        let hidden = eval.activations(&net, 0);
        assert_eq!(hidden.len(), 5 * 3);
        assert!(hidden.iter().all(|v| v.abs() <= 1.0), "after tanh");
    }
}
