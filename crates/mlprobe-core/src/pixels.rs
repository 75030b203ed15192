//! The first layer of an MLP on image inputs, computed from the non-zero
//! pixels alone.
//!
//! A normalised pixel is `x = 2p/255 - 1`, so a blank pixel (about 81 % of
//! MNIST's, half of Fashion-MNIST's) is `-1`. With `a = x + 1`, zero for a
//! blank pixel, the first layer's product and its weight gradient are
//!
//! - forward: `X W = A W - 1 colsum(W)`;
//! - backward: `X^T dZ = A^T dZ - 1 colsum(dZ)`, the second sum over the batch,
//!
//! and `A` is sparse: a row of `A W` adds up the weight rows of its
//! non-zero pixels only, and `A^T dZ` adds each example's `dZ` into those
//! rows. Both run in a fixed order (examples, then pixels, ascending) with
//! lane-wise arithmetic, so their bits depend on neither the threads nor
//! the vector width.

use mlprobe_tasks::{Examples, normalize_pixel};

/// Inputs of a task as their non-zero shifted pixels `a = x + 1`, row by row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PixelRows {
    /// Where each row's entries start in `pixels` and `values` (one more than rows).
    starts: Vec<usize>,
    /// The input index of every entry.
    pixels: Vec<u32>,
    /// `x + 1` of every entry.
    values: Vec<f32>,
    /// Inputs per row.
    pub(crate) dim: usize,
}

impl PixelRows {
    /// The inputs of `examples` when every value is a normalised pixel
    /// ([`normalize_pixel`]); `None` otherwise (e.g. Gaussian inputs), which
    /// train on the dense product.
    pub(crate) fn of(examples: &Examples) -> Option<Self> {
        let blank = normalize_pixel(0);
        let (mut starts, mut pixels, mut values) = (vec![0], Vec::new(), Vec::new());
        for i in 0..examples.len() {
            for (j, &x) in examples.row(i).iter().enumerate() {
                let p = ((x + 1.0) * 127.5).round();
                if !(0.0..=255.0).contains(&p) || normalize_pixel(p as u8) != x {
                    return None;
                }
                if x != blank {
                    pixels.push(j as u32);
                    values.push(x + 1.0);
                }
            }
            starts.push(pixels.len());
        }
        Some(Self {
            starts,
            pixels,
            values,
            dim: examples.dim,
        })
    }

    /// Row `i`: its non-zero inputs and their values.
    fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (s, e) = (self.starts[i], self.starts[i + 1]);
        (&self.pixels[s..e], &self.values[s..e])
    }
}

mlprobe_graph::simd_kernel! {
    /// `y += a * x`, lane by lane.
    fn add_scaled(y: &mut [f32], x: &[f32], a: f32) {
        for (y, x) in y.iter_mut().zip(x) {
            *y += a * x;
        }
    }
}

/// Outputs handled at once: 64 lanes stay in registers (four AVX-512 or
/// eight AVX2 vectors) while the rows of the pixels are added.
const BLOCK: usize = 64;

mlprobe_graph::simd_kernel! {
    /// `z += sum_k values[k] * w[pixels[k]]`, the rows of `w` (`width`
    /// wide) added in order, lane by lane: one example's product. The
    /// running sums live in a local block, not in memory.
    fn add_rows(z: &mut [f32], pixels: &[u32], values: &[f32], w: &[f32], width: usize) {
        for (b, zs) in z.chunks_mut(BLOCK).enumerate() {
            let mut acc = [0.0f32; BLOCK];
            let n = zs.len();
            acc[..n].copy_from_slice(zs);
            for (&j, &a) in pixels.iter().zip(values) {
                let start = j as usize * width + b * BLOCK;
                match <&[f32; BLOCK]>::try_from(&w[start..start + n]) {
                    Ok(row) => {
                        for k in 0..BLOCK {
                            acc[k] += a * row[k];
                        }
                    }
                    Err(_) => {
                        for (s, x) in acc.iter_mut().zip(&w[start..start + n]) {
                            *s += a * x;
                        }
                    }
                }
            }
            zs.copy_from_slice(&acc[..n]);
        }
    }
}

/// The sums over the first index of a row-major `[rows, width]` matrix.
fn column_sums(m: &[f32], width: usize) -> Vec<f32> {
    let mut sums = vec![0.0f32; width];
    for row in m.chunks_exact(width) {
        add_scaled(&mut sums, row, 1.0);
    }
    sums
}

/// `X W` for the rows `batch` of `inputs`, `w` row-major `[dim, n_out]`:
/// row-major `[batch.len(), n_out]`.
pub(crate) fn forward(inputs: &PixelRows, batch: &[usize], w: &[f32], n_out: usize) -> Vec<f32> {
    let offset: Vec<f32> = column_sums(w, n_out).iter().map(|s| -s).collect();
    let mut out = Vec::with_capacity(batch.len() * n_out);
    for &i in batch {
        let start = out.len();
        out.extend_from_slice(&offset);
        let z = &mut out[start..];
        let (pixels, values) = inputs.row(i);
        add_rows(z, pixels, values, w, n_out);
    }
    out
}

/// `X^T dZ` for the rows `batch` of `inputs`, `dz` row-major
/// `[batch.len(), n_out]`: row-major `[dim, n_out]`. Each pixel's row sums
/// the examples that have that pixel, in their order in the batch (the
/// batch's entries sorted by pixel first, so that the row's sums stay in
/// registers).
pub(crate) fn weight_grad(inputs: &PixelRows, batch: &[usize], dz: &[f32], n_out: usize) -> Vec<f32> {
    let offset: Vec<f32> = column_sums(dz, n_out).iter().map(|s| -s).collect();
    let (starts, examples, values) = by_pixel(inputs, batch);
    let mut grad = Vec::with_capacity(inputs.dim * n_out);
    for j in 0..inputs.dim {
        let start = grad.len();
        grad.extend_from_slice(&offset);
        let (s, e) = (starts[j], starts[j + 1]);
        add_rows(&mut grad[start..], &examples[s..e], &values[s..e], dz, n_out);
    }
    grad
}

/// The batch's non-zero entries grouped by pixel (a counting sort, stable:
/// examples ascending within a pixel): where each pixel's entries start,
/// their positions in the batch, and their values.
fn by_pixel(inputs: &PixelRows, batch: &[usize]) -> (Vec<usize>, Vec<u32>, Vec<f32>) {
    let mut starts = vec![0usize; inputs.dim + 1];
    for &i in batch {
        for &j in inputs.row(i).0 {
            starts[j as usize + 1] += 1;
        }
    }
    for j in 0..inputs.dim {
        starts[j + 1] += starts[j];
    }
    let total = starts[inputs.dim];
    let (mut examples, mut values, mut next) = (vec![0u32; total], vec![0.0f32; total], starts.clone());
    for (r, &i) in batch.iter().enumerate() {
        let (pixels, vals) = inputs.row(i);
        for (&j, &a) in pixels.iter().zip(vals) {
            let at = &mut next[j as usize];
            examples[*at] = r as u32;
            values[*at] = a;
            *at += 1;
        }
    }
    (starts, examples, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples() -> Examples {
        let pixels: [[u8; 4]; 3] = [[0, 255, 0, 17], [0, 0, 0, 0], [128, 3, 0, 255]];
        Examples {
            x: pixels.iter().flatten().map(|&p| normalize_pixel(p)).collect(),
            y: vec![0, 1, 0],
            dim: 4,
        }
    }

    fn dense_product(x: &[f32], w: &[f32], rows: usize, dim: usize, n_out: usize) -> Vec<f64> {
        (0..rows * n_out)
            .map(|k| {
                (0..dim)
                    .map(|j| x[k / n_out * dim + j] as f64 * w[j * n_out + k % n_out] as f64)
                    .sum()
            })
            .collect()
    }

    #[test]
    fn the_sparse_products_are_the_dense_ones() {
        let ex = examples();
        let rows = PixelRows::of(&ex).unwrap();
        assert_eq!(rows.values.len(), 5, "the non-zero pixels only");
        let w: Vec<f32> = (0..8).map(|i| (i as f32 * 0.37).sin()).collect();
        let batch = [2, 0, 1];
        let x: Vec<f32> = batch.iter().flat_map(|&i| ex.row(i).to_vec()).collect();
        let z = forward(&rows, &batch, &w, 2);
        for (a, b) in z.iter().zip(dense_product(&x, &w, 3, 4, 2)) {
            assert!((*a as f64 - b).abs() < 1e-5, "{a} vs {b}");
        }
        let dz = [0.5f32, -1.0, 0.25, 2.0, -0.75, 0.1];
        let g = weight_grad(&rows, &batch, &dz, 2);
        let xt: Vec<f32> = (0..4 * 3).map(|k| x[(k % 3) * 4 + k / 3]).collect();
        for (a, b) in g.iter().zip(dense_product(&xt, &dz, 4, 3, 2)) {
            assert!((*a as f64 - b).abs() < 1e-5, "{a} vs {b}");
        }
    }

    #[test]
    fn the_sums_run_in_a_fixed_order_whatever_the_kernel() {
        let ex = examples();
        let rows = PixelRows::of(&ex).unwrap();
        let w: Vec<f32> = (0..4 * 70).map(|i| (i as f32 * 0.61).cos()).collect();
        let batch = [0, 2, 2, 1];
        // One example's row, one pixel after the other; one pixel's row,
        // one example after the other: the order the kernels promise.
        let mut expected = Vec::new();
        let offset: Vec<f32> = (0..70)
            .map(|o| -(0..4).fold(0.0f32, |s, j| s + w[j * 70 + o]))
            .collect();
        for &i in &batch {
            let mut z = offset.clone();
            let (pixels, values) = rows.row(i);
            for (&j, &a) in pixels.iter().zip(values) {
                for o in 0..70 {
                    z[o] += a * w[j as usize * 70 + o];
                }
            }
            expected.extend(z);
        }
        assert_eq!(forward(&rows, &batch, &w, 70), expected);
        let dz = &expected;
        let offset: Vec<f32> = (0..70)
            .map(|o| -(0..4).fold(0.0f32, |s, r| s + dz[r * 70 + o]))
            .collect();
        let mut grad: Vec<f32> = (0..4).flat_map(|_| offset.clone()).collect();
        for (r, &i) in batch.iter().enumerate() {
            let (pixels, values) = rows.row(i);
            for (&j, &a) in pixels.iter().zip(values) {
                for o in 0..70 {
                    grad[j as usize * 70 + o] += a * dz[r * 70 + o];
                }
            }
        }
        assert_eq!(weight_grad(&rows, &batch, dz, 70), grad);
    }

    #[test]
    fn inputs_that_are_not_pixels_take_the_dense_path() {
        let mut ex = examples();
        ex.x[5] = 0.3;
        assert_eq!(PixelRows::of(&ex), None);
    }
}
