//! Structural similarity (SSIM, Wang et al. 2004) as scikit-image computes
//! it by default, and the data-side difficulty of class pairs: the mean SSIM
//! distance `1 - SSIM` between random images of two classes.
//!
//! Conventions (scikit-image's `structural_similarity` defaults): a uniform
//! 7x7 window, `K1 = 0.01`, `K2 = 0.03`, sample covariance (`N / (N - 1)`),
//! constants from the data range, and the mean of the SSIM map over the
//! window positions that lie inside the image. On normalised images in
//! `[-1, 1]` the data range is 2.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

use crate::dataset::Split;
use crate::task::Examples;

/// Side of the square window.
pub const WIN: usize = 7;
const K1: f64 = 0.01;
const K2: f64 = 0.03;

/// An image prepared for SSIM: its values and the integral images of
/// values and squares, so that every window sum costs four look-ups.
#[derive(Debug, Clone, PartialEq)]
pub struct SsimImage {
    rows: usize,
    cols: usize,
    values: Vec<f64>,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
}

/// The integral image of `f(values)`, `(rows + 1) x (cols + 1)`.
fn integral(values: &[f64], rows: usize, cols: usize, f: impl Fn(usize) -> f64) -> Vec<f64> {
    debug_assert_eq!(values.len(), rows * cols);
    let w = cols + 1;
    let mut out = vec![0.0; (rows + 1) * w];
    for r in 0..rows {
        let mut row_sum = 0.0;
        for c in 0..cols {
            row_sum += f(r * cols + c);
            out[(r + 1) * w + c + 1] = out[r * w + c + 1] + row_sum;
        }
    }
    out
}

/// Sum of the window with top-left corner `(r, c)` in an integral image of width `w`.
fn window_sum(integral: &[f64], w: usize, r: usize, c: usize) -> f64 {
    integral[(r + WIN) * w + c + WIN] - integral[r * w + c + WIN] - integral[(r + WIN) * w + c] + integral[r * w + c]
}

impl SsimImage {
    /// Prepares an image of `rows x cols` values, row-major.
    ///
    /// # Panics
    /// If `values` does not hold `rows * cols` values or the image is smaller than the window.
    pub fn new(values: &[f64], rows: usize, cols: usize) -> Self {
        assert_eq!(values.len(), rows * cols, "image size");
        assert!(rows >= WIN && cols >= WIN, "image smaller than the 7x7 window");
        let values = values.to_vec();
        let sum = integral(&values, rows, cols, |i| values[i]);
        let sum_sq = integral(&values, rows, cols, |i| values[i] * values[i]);
        Self {
            rows,
            cols,
            values,
            sum,
            sum_sq,
        }
    }

    /// Prepares an image of pixel bytes, normalised to `[-1, 1]` as the tasks
    /// are (`(p / 255 - 0.5) / 0.5`), in double precision.
    pub fn from_pixels(pixels: &[u8], rows: usize, cols: usize) -> Self {
        let values: Vec<f64> = pixels.iter().map(|&p| (p as f64 / 255.0 - 0.5) / 0.5).collect();
        Self::new(&values, rows, cols)
    }

    /// SSIM of two images of the same size, for the given data range.
    ///
    /// # Panics
    /// If the sizes differ.
    pub fn ssim(&self, other: &SsimImage, data_range: f64) -> f64 {
        assert_eq!(
            (self.rows, self.cols),
            (other.rows, other.cols),
            "images differ in size"
        );
        let (rows, cols) = (self.rows, self.cols);
        let sum_xy = integral(&self.values, rows, cols, |i| self.values[i] * other.values[i]);
        let w = cols + 1;
        let np = (WIN * WIN) as f64;
        let cov_norm = np / (np - 1.0);
        let c1 = (K1 * data_range).powi(2);
        let c2 = (K2 * data_range).powi(2);
        let mut total = 0.0;
        let positions = (rows - WIN + 1) * (cols - WIN + 1);
        for r in 0..=rows - WIN {
            for c in 0..=cols - WIN {
                let ux = window_sum(&self.sum, w, r, c) / np;
                let uy = window_sum(&other.sum, w, r, c) / np;
                let uxx = window_sum(&self.sum_sq, w, r, c) / np;
                let uyy = window_sum(&other.sum_sq, w, r, c) / np;
                let uxy = window_sum(&sum_xy, w, r, c) / np;
                let vx = cov_norm * (uxx - ux * ux);
                let vy = cov_norm * (uyy - uy * uy);
                let vxy = cov_norm * (uxy - ux * uy);
                let a = (2.0 * ux * uy + c1) * (2.0 * vxy + c2);
                let b = (ux * ux + uy * uy + c1) * (vx + vy + c2);
                total += a / b;
            }
        }
        total / positions as f64
    }
}

/// Mean SSIM distance `1 - SSIM` between random pairs of images, within each
/// class (diagonal) and between each pair of classes, `pairs` pairs per cell,
/// on normalised images (data range 2). Seeded: same seed, same matrix.
/// Returns the classes and the symmetric matrix, row-major.
pub fn class_distances(split: &Split, pairs: usize, seed: u64) -> (Vec<u8>, Vec<f64>) {
    let (rows, cols) = (split.images.rows, split.images.cols);
    let classes: Vec<u8> = split.class_counts().into_iter().map(|(c, _)| c).collect();
    let members: Vec<Vec<usize>> = classes
        .iter()
        .map(|c| (0..split.labels.len()).filter(|&i| split.labels[i] == *c).collect())
        .collect();
    let image = |i: usize| SsimImage::from_pixels(split.images.image(i), rows, cols);
    let matrix = distances(&members, image, pairs, seed);
    (classes, matrix)
}

/// As [`class_distances`], for examples whose inputs are square images of
/// any values (a NumPy file's, say): rescaled to `[-1, 1]` by the smallest
/// and largest value of all, as pixels are; label `i` is row and column `i`.
/// `None` when an input is not a square image of at least 7 x 7 values.
pub fn example_distances(examples: &Examples, pairs: usize, seed: u64) -> Option<Vec<f64>> {
    let side = (examples.dim as f64).sqrt().round() as usize;
    if side * side != examples.dim || side < WIN {
        return None;
    }
    let (lo, hi) = (examples.x.iter()).fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), v| (l.min(*v), h.max(*v)));
    let span = if hi > lo { (hi - lo) as f64 } else { 1.0 };
    let k = examples.y.iter().max().map_or(0, |m| *m as usize + 1);
    let members: Vec<Vec<usize>> = (0..k)
        .map(|c| (0..examples.len()).filter(|&i| examples.y[i] as usize == c).collect())
        .collect();
    let image = |i: usize| {
        let row = &examples.x[i * examples.dim..(i + 1) * examples.dim];
        let values: Vec<f64> = row.iter().map(|&v| 2.0 * (v - lo) as f64 / span - 1.0).collect();
        SsimImage::new(&values, side, side)
    };
    Some(distances(&members, image, pairs, seed))
}

/// The symmetric matrix of mean SSIM distances between the classes whose
/// members are `members[c]`, with `image(i)` the prepared image `i`.
fn distances(members: &[Vec<usize>], image: impl Fn(usize) -> SsimImage, pairs: usize, seed: u64) -> Vec<f64> {
    // Prepared images of two classes at a time (the whole split would take
    // about 20 KB per image: more than a gigabyte for a full dataset).
    let prepare = |members: &[usize]| -> Vec<SsimImage> { members.iter().map(|&i| image(i)).collect() };
    let k = members.len();
    let mut matrix = vec![0.0; k * k];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for a in 0..k {
        let images_a = prepare(&members[a]);
        for b in a..k {
            let (ma, mb) = (&members[a], &members[b]);
            if ma.is_empty() || mb.is_empty() || (a == b && ma.len() < 2) {
                continue;
            }
            let prepared_b = if a == b { None } else { Some(prepare(mb)) };
            let images_b = prepared_b.as_ref().unwrap_or(&images_a);
            let mut total = 0.0;
            for _ in 0..pairs {
                // Positions in the classes' member lists.
                let i = rng.random_range(0..ma.len());
                let mut j = rng.random_range(0..mb.len());
                while a == b && j == i {
                    j = rng.random_range(0..mb.len());
                }
                total += 1.0 - images_a[i].ssim(&images_b[j], 2.0);
            }
            matrix[a * k + b] = total / pairs as f64;
            matrix[b * k + a] = matrix[a * k + b];
        }
    }
    matrix
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(f: impl Fn(usize, usize) -> f64) -> SsimImage {
        let v: Vec<f64> = (0..100).map(|i| f(i / 10, i % 10)).collect();
        SsimImage::new(&v, 10, 10)
    }

    #[test]
    fn identical_images_have_ssim_one() {
        let a = image(|r, c| ((r * 7 + c * 3) % 11) as f64 / 10.0 - 0.5);
        assert!((a.ssim(&a, 2.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_constant_shift_only_touches_the_luminance_term() {
        // Same variance and covariance: SSIM = mean over windows of
        // (2 ux uy + C1) / (ux^2 + uy^2 + C1); with constant images of
        // values u and u + d it is exactly that expression.
        let (u, d) = (0.2, 0.3);
        let a = image(|_, _| u);
        let b = image(|_, _| u + d);
        let c1 = (0.01f64 * 2.0).powi(2);
        let expected = (2.0 * u * (u + d) + c1) / (u * u + (u + d) * (u + d) + c1);
        assert!((a.ssim(&b, 2.0) - expected).abs() < 1e-12);
        // A shifted texture keeps the structure term at 1.
        let t = image(|r, c| ((r + 2 * c) % 5) as f64 / 5.0);
        let s = image(|r, c| ((r + 2 * c) % 5) as f64 / 5.0 + d);
        let v = t.ssim(&s, 2.0);
        assert!(v < 1.0 && v > 0.5, "{v}");
    }

    #[test]
    fn a_small_pair_by_hand() {
        // 7x7 images: one window. x = checkerboard of +-1, y = x scaled by 0.5.
        let x: Vec<f64> = (0..49)
            .map(|i| if (i / 7 + i % 7) % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let y: Vec<f64> = x.iter().map(|v| v * 0.5).collect();
        let (a, b) = (SsimImage::new(&x, 7, 7), SsimImage::new(&y, 7, 7));
        let ux = 1.0 / 49.0; // 25 ones, 24 minus ones
        let uy = ux / 2.0;
        let n = 49.0 / 48.0;
        let vx = n * (1.0 - ux * ux);
        let vy = n * (0.25 - uy * uy);
        let vxy = n * (0.5 - ux * uy);
        let (c1, c2) = ((0.02f64).powi(2), (0.06f64).powi(2));
        let expected = (2.0 * ux * uy + c1) * (2.0 * vxy + c2) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
        assert!((a.ssim(&b, 2.0) - expected).abs() < 1e-12);
    }
}
