//! The forward pass of a [`crate::Architecture::Cnn`] on plain slices:
//! each convolution as im2col (every output position's `k x k` patches in
//! one row) times the kernel's bipartite matrix, one matrix product per
//! block for a batch of images; then the activation, 2x2 max-pooling and,
//! after the last block, the dense layer on the features flattened as
//! PyTorch flattens `[channels, height, width]`.
//!
//! Products go through `matrixmultiply`'s `sgemm`, which sums every entry
//! over the inner dimension in an order fixed by the sizes alone: the same
//! bits on every thread and for every batch a given image falls in.

use crate::activation::Activation;
use crate::architecture::{ConvShape, POOL};
use crate::weights::{Layer, WeightStack};

/// Images per batch: enough rows for an efficient product, few enough that
/// a batch's patches (25 floats per pixel and channel) stay in cache.
const BATCH: usize = 32;

/// `c = a b` for row-major `a` `[m, k]`, `b` `[k, n]`, `c` `[m, n]`.
pub(crate) fn matmul(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    assert!(
        a.len() >= m * k && b.len() >= k * n && c.len() >= m * n,
        "product sizes"
    );
    // SAFETY: the asserts keep every strided access inside the three slices,
    // and `c` does not alias `a` or `b` (a `&mut` borrow).
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            k as isize,
            1,
            b.as_ptr(),
            n as isize,
            1,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// The patches of the first `b` of `maps` (`size` values each) at the
/// indices `idx` of one map's patch entries ([`ConvShape::patch_indices`]).
fn im2col(maps: &[f32], b: usize, size: usize, idx: &[usize], out: &mut Vec<f32>) {
    out.clear();
    out.reserve(b * idx.len());
    for map in maps.chunks_exact(size).take(b) {
        out.extend(idx.iter().map(|&i| map[i]));
    }
}

/// 2x2 max-pooling (floor) of `b` maps `[side, side, c]`, channels last.
fn max_pool(maps: &[f32], b: usize, side: usize, c: usize, out: &mut Vec<f32>) {
    let o = side / POOL;
    out.clear();
    for map in maps.chunks_exact(side * side * c).take(b) {
        for y in 0..o {
            for x in 0..o {
                for ch in 0..c {
                    let at = |dy: usize, dx: usize| map[((POOL * y + dy) * side + POOL * x + dx) * c + ch];
                    let mut best = at(0, 0);
                    for (dy, dx) in [(0, 1), (1, 0), (1, 1)] {
                        best = best.max(at(dy, dx));
                    }
                    out.push(best);
                }
            }
        }
    }
}

/// One block on the `b` maps of `maps`, whose patches are read at `idx`
/// ([`ConvShape::patch_indices`]), replaced by the pooled maps
/// `[side', side', c_out]`; `patches` and `spare` are scratch.
fn block(
    layer: &Layer,
    activation: Activation,
    shape: &ConvShape,
    (b, side): (usize, usize),
    idx: &[usize],
    buffers: (&mut Vec<f32>, &mut Vec<f32>, &mut Vec<f32>),
) {
    let (maps, patches, spare) = buffers;
    im2col(maps, b, maps.len() / b, idx, patches);
    let rows = patches.len() / layer.n_in;
    spare.resize(rows * layer.n_out, 0.0);
    matmul(patches, &layer.weights, spare, rows, layer.n_in, layer.n_out);
    for row in spare.chunks_exact_mut(layer.n_out) {
        for (v, &bias) in row.iter_mut().zip(&layer.bias) {
            *v += bias;
        }
        activation.apply_in_place(row);
    }
    max_pool(spare, b, side - shape.kernel + 1, layer.n_out, maps);
}

/// Output values (before softmax), row-major `[n, classes]`, of the CNN
/// `net` of shape `shape` on the `n` images of `x` (`side * side` each).
pub(crate) fn logits(shape: &ConvShape, net: &WeightStack, x: &[f32], n: usize) -> Vec<f32> {
    forward(shape, net, x, n, net.layers.len() - 1)
}

/// The outputs of layer `upto` for the `n` images of `x`, row-major: a
/// block's pooled maps (channels last, `[side, side, channels]` per image),
/// or the logits for the dense layer, whose features are the last maps in
/// PyTorch's flattening ([`ConvShape::flatten_order`]).
pub(crate) fn forward(shape: &ConvShape, net: &WeightStack, x: &[f32], n: usize, upto: usize) -> Vec<f32> {
    let depth = net.layers.len();
    let dense = &net.layers[depth - 1];
    let pixels = shape.side * shape.side;
    let indices: Vec<Vec<usize>> = (0..depth - 1).map(|l| shape.patch_indices(l)).collect();
    let order = shape.flatten_order();
    let mut out = Vec::with_capacity(n * dense.n_out);
    let (mut maps, mut patches, mut spare, mut flat) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for start in (0..n).step_by(BATCH) {
        let b = BATCH.min(n - start);
        maps.clear();
        maps.extend_from_slice(&x[start * pixels..(start + b) * pixels]);
        for (l, layer) in net.layers[..depth - 1].iter().enumerate().take(upto + 1) {
            let buffers = (&mut maps, &mut patches, &mut spare);
            block(
                layer,
                net.activation,
                shape,
                (b, shape.side_at(l)),
                &indices[l],
                buffers,
            );
        }
        if upto < depth - 1 {
            out.extend_from_slice(&maps);
            continue;
        }
        im2col(&maps, b, dense.n_in, &order, &mut flat);
        let first = out.len();
        out.resize(first + b * dense.n_out, 0.0);
        matmul(&flat, &dense.weights, &mut out[first..], b, dense.n_in, dense.n_out);
        for row in out[first..].chunks_exact_mut(dense.n_out) {
            for (v, &bias) in row.iter_mut().zip(&dense.bias) {
                *v += bias;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Architecture;

    /// A direct convolution in PyTorch's layout, for comparison.
    fn direct(image: &[f32], side: usize, kernel: &[f32], k: usize, c_out: usize, bias: &[f32]) -> Vec<f32> {
        let o = side - k + 1;
        let mut out = vec![0.0; c_out * o * o];
        for co in 0..c_out {
            for y in 0..o {
                for x in 0..o {
                    let mut s = bias[co];
                    for dy in 0..k {
                        for dx in 0..k {
                            s += image[(y + dy) * side + x + dx] * kernel[(dy * k + dx) * c_out + co];
                        }
                    }
                    out[(co * o + y) * o + x] = s;
                }
            }
        }
        out
    }

    #[test]
    fn one_block_is_a_convolution_then_pooling() {
        let shape = ConvShape {
            side: 6,
            channels: vec![2],
            kernel: 3,
        };
        let image: Vec<f32> = (0..36).map(|i| ((i * 7) % 11) as f32 - 5.0).collect();
        let kernel: Vec<f32> = (0..18).map(|i| ((i * 5) % 7) as f32 / 4.0 - 0.75).collect();
        let bias = vec![0.5, -0.25];
        let fc = Layer::new(8, 2, (0..16).map(|i| i as f32 - 8.0).collect(), vec![0.0, 1.0]);
        let net = WeightStack::with_architecture(
            Architecture::Cnn(shape.clone()),
            Activation::Relu,
            vec![Layer::new(9, 2, kernel.clone(), bias.clone()), fc.clone()],
        )
        .unwrap();
        let conv = direct(&image, 6, &kernel, 3, 2, &bias);
        // ReLU, then 2x2 pooling of the 4x4 maps, in [c, y, x] order.
        let mut pooled = Vec::new();
        for c in 0..2 {
            for y in 0..2 {
                for x in 0..2 {
                    let at = |dy: usize, dx: usize| conv[(c * 4 + 2 * y + dy) * 4 + 2 * x + dx];
                    pooled.push(
                        [at(0, 0), at(0, 1), at(1, 0), at(1, 1)]
                            .into_iter()
                            .fold(0.0f32, f32::max),
                    );
                }
            }
        }
        let expected: Vec<f32> = (0..2)
            .map(|o| fc.bias[o] + (0..8).map(|j| pooled[j] * fc.weight(j, o)).sum::<f32>())
            .collect();
        let got = logits(&shape, &net, &image, 1);
        for (g, e) in got.iter().zip(&expected) {
            assert!((g - e).abs() < 1e-4, "{got:?} vs {expected:?}");
        }
    }

    #[test]
    fn an_image_gives_the_same_bits_in_any_batch() {
        let shape = ConvShape {
            side: 12,
            channels: vec![3, 4],
            kernel: 3,
        };
        let mut rng = crate::probe_rng(3);
        let net = crate::init::initial_network(&Architecture::Cnn(shape.clone()), Activation::Tanh, 3, &mut rng);
        let images: Vec<f32> = (0..40 * 144).map(|i| ((i * 37) % 17) as f32 / 8.0 - 1.0).collect();
        let all = logits(&shape, &net, &images, 40);
        let last = logits(&shape, &net, &images[39 * 144..], 1);
        assert_eq!(&all[39 * 3..], &last[..]);
    }
}
