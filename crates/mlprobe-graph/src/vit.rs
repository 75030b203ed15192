//! The forward pass of a [`crate::Architecture::Vit`] on plain slices, a
//! batch of images at a time: every projection of every token of the batch
//! in one matrix product (`conv::matmul`), attention head by head and image
//! by image, LayerNorm and GELU (exact, with `erf`) in plain loops. The
//! same bits on every thread and in every batch.

use crate::conv::matmul;
use crate::vit_shape::block::{FF1, FF2, K, O, Q, V};
use crate::vit_shape::{POS_EMBED, VitShape};
use crate::weights::{Layer, Norm, WeightStack};

/// Images per batch: a few hundred token rows per product.
const BATCH: usize = 32;

/// PyTorch's `nn.LayerNorm` default epsilon.
pub const LAYER_NORM_EPSILON: f32 = 1e-5;

/// `x W + b` for the rows of `x` (`layer.n_in` wide) into `out`.
fn project(layer: &Layer, x: &[f32], out: &mut Vec<f32>) {
    let rows = x.len() / layer.n_in;
    out.resize(rows * layer.n_out, 0.0);
    matmul(x, &layer.weights, out, rows, layer.n_in, layer.n_out);
    if !layer.bias.is_empty() {
        for row in out.chunks_exact_mut(layer.n_out) {
            for (v, &b) in row.iter_mut().zip(&layer.bias) {
                *v += b;
            }
        }
    }
}

/// Each row of `x` normalised over its features (biased variance), then
/// scaled and shifted, into `out`.
pub(crate) fn layer_norm(norm: &Norm, x: &[f32], out: &mut Vec<f32>) {
    let d = norm.gain.len();
    out.clear();
    for row in x.chunks_exact(d) {
        let mean = row.iter().sum::<f32>() / d as f32;
        let var = row.iter().map(|&v| (v - mean) * (v - mean)).sum::<f32>() / d as f32;
        let scale = 1.0 / (var + LAYER_NORM_EPSILON).sqrt();
        out.extend(
            row.iter()
                .zip(norm.gain.iter().zip(&norm.bias))
                .map(|(&v, (&g, &b))| (v - mean) * scale * g + b),
        );
    }
}

/// The exact GELU, `x Phi(x)`, as PyTorch's `nn.GELU()` computes it (with
/// `erf` in `f32`, within a few units in the last place of PyTorch's).
pub(crate) fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + libm::erff(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// Softmax of `row` in place.
fn softmax(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    row.iter_mut().for_each(|v| *v /= sum);
}

/// Multi-head self-attention of the `b` images' tokens: `q`, `k`, `v`
/// `[b * tokens, dim]`, the heads' outputs side by side into `out`.
fn attend(shape: &VitShape, qkv: [&[f32]; 3], out: &mut Vec<f32>) {
    let [q, k, v] = qkv;
    let (t, d, hd) = (shape.tokens(), shape.dim, shape.head_dim());
    let scale = 1.0 / (hd as f32).sqrt();
    out.clear();
    out.resize(q.len(), 0.0);
    let mut scores = vec![0.0f32; t];
    for image in 0..q.len() / (t * d) {
        let at = |row: usize, h: usize| (image * t + row) * d + h * hd;
        for h in 0..shape.heads {
            for i in 0..t {
                let qi = &q[at(i, h)..at(i, h) + hd];
                for (j, s) in scores.iter_mut().enumerate() {
                    let kj = &k[at(j, h)..at(j, h) + hd];
                    *s = qi.iter().zip(kj).map(|(a, b)| a * b).sum::<f32>() * scale;
                }
                softmax(&mut scores);
                let o = &mut out[at(i, h)..at(i, h) + hd];
                for (j, &p) in scores.iter().enumerate() {
                    for (o, &vj) in o.iter_mut().zip(&v[at(j, h)..at(j, h) + hd]) {
                        *o += p * vj;
                    }
                }
            }
        }
    }
}

/// Scratch buffers of one batch, and where every token's pixels are
/// ([`VitShape::patch_indices`]), computed once per pass.
#[derive(Default)]
struct Buffers {
    patches: Vec<usize>,
    h: Vec<f32>,
    a: Vec<f32>,
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    ctx: Vec<f32>,
    f: Vec<f32>,
}

/// The ViT `net` on the `b` images of `x`, until matrix `upto`: that
/// matrix's outputs (see [`forward`]) appended to `out`.
fn batch(shape: &VitShape, net: &WeightStack, x: &[f32], upto: usize, buf: &mut Buffers, out: &mut Vec<f32>) {
    let (t, d) = (shape.tokens(), shape.dim);
    let pixels = shape.side * shape.side;
    buf.a.clear();
    for image in x.chunks_exact(pixels) {
        buf.a.extend(buf.patches.iter().map(|&i| image[i]));
    }
    project(&net.layers[0], &buf.a, &mut buf.h);
    if upto == 0 {
        return out.extend_from_slice(&buf.h);
    }
    let pos = &net.layers[POS_EMBED].weights;
    for tokens in buf.h.chunks_exact_mut(t * d) {
        tokens.iter_mut().zip(pos).for_each(|(h, p)| *h += p);
    }
    if upto == POS_EMBED {
        return out.extend_from_slice(&buf.h);
    }
    for blk in 0..shape.blocks {
        let m = |j: usize| &net.layers[shape.block_matrix(blk, j)];
        let stop = |j: usize| upto == shape.block_matrix(blk, j);
        layer_norm(&net.norms[2 * blk], &buf.h, &mut buf.a);
        project(m(Q), &buf.a, &mut buf.q);
        project(m(K), &buf.a, &mut buf.k);
        project(m(V), &buf.a, &mut buf.v);
        for (j, values) in [(Q, &buf.q), (K, &buf.k), (V, &buf.v)] {
            if stop(j) {
                return out.extend_from_slice(values);
            }
        }
        attend(shape, [&buf.q, &buf.k, &buf.v], &mut buf.ctx);
        project(m(O), &buf.ctx, &mut buf.a);
        buf.h.iter_mut().zip(&buf.a).for_each(|(h, a)| *h += a);
        if stop(O) {
            return out.extend_from_slice(&buf.h);
        }
        layer_norm(&net.norms[2 * blk + 1], &buf.h, &mut buf.a);
        project(m(FF1), &buf.a, &mut buf.f);
        buf.f.iter_mut().for_each(|v| *v = gelu(*v));
        if stop(FF1) {
            return out.extend_from_slice(&buf.f);
        }
        project(m(FF2), &buf.f, &mut buf.a);
        buf.h.iter_mut().zip(&buf.a).for_each(|(h, a)| *h += a);
        if stop(FF2) {
            return out.extend_from_slice(&buf.h);
        }
    }
    layer_norm(&net.norms[2 * shape.blocks], &buf.h, &mut buf.a);
    buf.f.clear();
    for tokens in buf.a.chunks_exact(t * d) {
        buf.f
            .extend((0..d).map(|c| (0..t).map(|i| tokens[i * d + c]).sum::<f32>() / t as f32));
    }
    let head = &net.layers[net.layers.len() - 1];
    project(head, &buf.f, &mut buf.a);
    out.extend_from_slice(&buf.a);
}

/// The outputs of matrix `upto` of the ViT `net` for the `n` images of `x`,
/// row-major, one row per image: the token embeddings for `patch_embed`,
/// the residual stream (every token's, token after token) after the
/// positional embeddings, after a block's attention (`attn.o`) and after
/// its feed-forward (`ff2`: the block's output); the projections for
/// `attn.q` / `.k` / `.v`, the GELU outputs for `ff1`; the logits for `head`.
pub(crate) fn forward(shape: &VitShape, net: &WeightStack, x: &[f32], n: usize, upto: usize) -> Vec<f32> {
    let pixels = shape.side * shape.side;
    let mut out = Vec::new();
    let mut buffers = Buffers {
        patches: shape.patch_indices(),
        ..Buffers::default()
    };
    for images in x[..n * pixels].chunks(BATCH * pixels) {
        batch(shape, net, images, upto, &mut buffers, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_norm_and_gelu_match_hand_values() {
        let norm = Norm {
            gain: vec![2.0, 1.0],
            bias: vec![0.0, 1.0],
        };
        let mut out = Vec::new();
        layer_norm(&norm, &[1.0, 3.0], &mut out);
        let s = 1.0 / (1.0f32 + LAYER_NORM_EPSILON).sqrt();
        assert_eq!(out, vec![-2.0 * s, s + 1.0]);
        assert_eq!(gelu(0.0), 0.0);
        assert!((gelu(1.0) - 0.841_344_7).abs() < 1e-6);
        assert!((gelu(-3.0) + 0.004_049_6).abs() < 1e-6);
    }

    #[test]
    fn attention_averages_values_by_softmax_weights() {
        let shape = VitShape {
            side: 2,
            patch: 1,
            dim: 2,
            heads: 1,
            blocks: 1,
            ff: 1,
        };
        // Four tokens; all keys equal, so every token averages the values.
        let q = vec![1.0; 8];
        let k = vec![0.5; 8];
        let v = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let mut out = Vec::new();
        attend(&shape, [&q, &k, &v], &mut out);
        assert_eq!(&out[..2], &[4.0, 5.0]);
        assert_eq!(&out[6..], &[4.0, 5.0]);
    }
}
