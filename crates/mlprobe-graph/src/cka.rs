//! Linear centred kernel alignment (CKA) between two sets of activations of
//! the same examples: how alike two layers' representations are, up to an
//! orthogonal transform and a scale (Kornblith et al., 2019).
//!
//! For activation matrices `X` (`n x p`) and `Y` (`n x q`) of `n` examples,
//! with columns centred (`Xc`, `Yc`),
//! `CKA = <Kc, Lc>_F / (||Kc||_F ||Lc||_F)` where `K = Xc Xc^T`,
//! `L = Yc Yc^T`. It is computed in feature space, where it is the same
//! number: `||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F)`, in `O(n p q)`
//! rather than `O(n^2)`, with every sum in `f64` in a fixed order (the same
//! bits on every run and thread count).

/// Why a CKA cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CkaError {
    /// A matrix's length is not its rows times its columns.
    #[error("{which} holds {len} values, not {n} examples x {columns} features")]
    Shape {
        /// `x` or `y`.
        which: &'static str,
        /// Values given.
        len: usize,
        /// Examples (rows).
        n: usize,
        /// Features (columns).
        columns: usize,
    },
    /// Fewer than two examples, or a matrix without features.
    #[error("CKA needs at least 2 examples and 1 feature per matrix (got {n} examples, {p} and {q} features)")]
    TooSmall {
        /// Examples.
        n: usize,
        /// Features of `x`.
        p: usize,
        /// Features of `y`.
        q: usize,
    },
    /// A value is NaN or infinite.
    #[error("{which} holds a non-finite value at index {index}")]
    NotFinite {
        /// `x` or `y`.
        which: &'static str,
        /// The first such index.
        index: usize,
    },
    /// A matrix is constant over the examples: its representation carries
    /// nothing to compare.
    #[error("{which} is the same for every example (no variance): CKA is undefined")]
    Constant {
        /// `x` or `y`.
        which: &'static str,
    },
}

/// Columns of the row-major `n x columns` matrix `m`, centred, in `f64`.
fn centred(m: &[f32], n: usize, columns: usize) -> Vec<f64> {
    let mut out: Vec<f64> = m.iter().map(|&v| v as f64).collect();
    for c in 0..columns {
        let mean = (0..n).map(|r| out[r * columns + c]).sum::<f64>() / n as f64;
        for r in 0..n {
            out[r * columns + c] -= mean;
        }
    }
    out
}

/// `||A^T B||_F^2` for row-major centred `A` (`n x p`) and `B` (`n x q`).
fn cross_norm2(a: &[f64], p: usize, b: &[f64], q: usize, n: usize) -> f64 {
    let mut cross = vec![0.0f64; p * q];
    for r in 0..n {
        let (ar, br) = (&a[r * p..(r + 1) * p], &b[r * q..(r + 1) * q]);
        for (i, &av) in ar.iter().enumerate() {
            for (c, &bv) in cross[i * q..(i + 1) * q].iter_mut().zip(br) {
                *c += av * bv;
            }
        }
    }
    cross.iter().map(|c| c * c).sum()
}

/// Partial sums of [`dot`]: enough independent lanes for the widest vectors.
const LANES: usize = 8;

/// `sum a_i b_i` in a fixed order: [`LANES`] interleaved partial sums, added
/// pairwise, then the remainder (the same bits on every run; vectorizes).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..LANES {
            acc[k] += x[k] * y[k];
        }
    }
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            acc[k] += acc[k + width];
        }
    }
    ra.iter().zip(rb).fold(acc[0], |s, (x, y)| s + x * y)
}

/// The upper triangle (row by row, diagonal included) of `A A^T` for
/// row-major centred `A` (`n x p`): the centred Gram matrix.
fn gram_upper(a: &[f64], p: usize, n: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n * (n + 1) / 2);
    for i in 0..n {
        let ai = &a[i * p..(i + 1) * p];
        for j in i..n {
            out.push(dot(ai, &a[j * p..(j + 1) * p]));
        }
    }
    out
}

/// `<K, L>_F` of two symmetric matrices given by their upper triangles.
fn symmetric_dot(k: &[f64], l: &[f64], n: usize) -> f64 {
    let (mut at, mut sum) = (0, 0.0);
    for i in 0..n {
        sum += k[at] * l[at];
        for j in 1..n - i {
            sum += 2.0 * k[at + j] * l[at + j];
        }
        at += n - i;
    }
    sum
}

fn check(which: &'static str, m: &[f32], n: usize, columns: usize) -> Result<(), CkaError> {
    if m.len() != n.saturating_mul(columns) {
        return Err(CkaError::Shape {
            which,
            len: m.len(),
            n,
            columns,
        });
    }
    match m.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(CkaError::NotFinite { which, index }),
        None => Ok(()),
    }
}

/// Linear CKA between `x` (row-major `n x p`) and `y` (row-major `n x q`),
/// activations of the same `n` examples: 1 for representations equal up to
/// an orthogonal transform and a scale, near 0 for unrelated ones.
///
/// ```
/// use mlprobe_graph::cka::linear_cka;
///
/// let x = [1.0, 0.0, 0.0, 2.0, 3.0, 1.0, -1.0, 4.0];   // 4 examples x 2 features
/// let scaled: Vec<f32> = x.iter().map(|v| 3.0 * v).collect();
/// assert!((linear_cka(&x, 2, &scaled, 2, 4)? - 1.0).abs() < 1e-12);
/// # Ok::<(), mlprobe_graph::cka::CkaError>(())
/// ```
pub fn linear_cka(x: &[f32], p: usize, y: &[f32], q: usize, n: usize) -> Result<f64, CkaError> {
    if q == 0 {
        return Err(CkaError::TooSmall { n, p, q });
    }
    CkaReference::new(x, p, n)?.cka(y, q)
}

/// One side of many CKAs: a reference's activations (a trained network's),
/// centred once, with what each form of the CKA needs of them computed at
/// its first use, so that comparing many networks to it costs one side each.
#[derive(Debug)]
pub struct CkaReference {
    xc: Vec<f64>,
    p: usize,
    n: usize,
    /// The upper triangle of `Xc Xc^T` and its Frobenius norm.
    gram: std::sync::OnceLock<(Vec<f64>, f64)>,
    /// `||Xc^T Xc||_F`.
    features: std::sync::OnceLock<f64>,
}

impl CkaReference {
    /// The reference activations `x` (row-major `n x p`).
    pub fn new(x: &[f32], p: usize, n: usize) -> Result<Self, CkaError> {
        if n < 2 || p == 0 {
            return Err(CkaError::TooSmall { n, p, q: 1 });
        }
        check("x", x, n, p)?;
        Ok(Self {
            xc: centred(x, n, p),
            p,
            n,
            gram: std::sync::OnceLock::new(),
            features: std::sync::OnceLock::new(),
        })
    }

    /// Linear CKA between the reference and `y` (row-major `n x q`) in
    /// whichever form is cheaper.
    pub fn cka(&self, y: &[f32], q: usize) -> Result<f64, CkaError> {
        let (p, n) = (self.p, self.n);
        if q == 0 {
            return Err(CkaError::TooSmall { n, p, q });
        }
        check("y", y, n, q)?;
        let yc = centred(y, n, q);
        let constant = |norm: f64, which| {
            if norm == 0.0 {
                Err(CkaError::Constant { which })
            } else {
                Ok(norm)
            }
        };
        // Feature space costs n (p^2 + q^2 + pq), sample space n^2 (p + q).
        if n * (p + q) < p * p + q * q + p * q {
            let (k, kk) = self.gram.get_or_init(|| {
                let k = gram_upper(&self.xc, p, n);
                let kk = symmetric_dot(&k, &k, n).sqrt();
                (k, kk)
            });
            let kk = constant(*kk, "x")?;
            let l = gram_upper(&yc, q, n);
            let ll = constant(symmetric_dot(&l, &l, n).sqrt(), "y")?;
            return Ok(symmetric_dot(k, &l, n) / (kk * ll));
        }
        let xx = constant(
            *self
                .features
                .get_or_init(|| cross_norm2(&self.xc, p, &self.xc, p, n).sqrt()),
            "x",
        )?;
        let yy = constant(cross_norm2(&yc, q, &yc, q, n).sqrt(), "y")?;
        Ok(cross_norm2(&yc, q, &self.xc, p, n) / (xx * yy))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    fn random(n: usize, p: usize, seed: u64) -> Vec<f32> {
        let mut rng = crate::probe_rng(seed);
        (0..n * p).map(|_| rng.random_range(-1.0f32..1.0)).collect()
    }

    /// The definition with Gram matrices in sample space: `<HKH, HLH> /
    /// (||HKH|| ||HLH||)`, `K = X X^T`, `H = I - 11^T / n`.
    fn by_gram(x: &[f32], p: usize, y: &[f32], q: usize, n: usize) -> f64 {
        let gram = |m: &[f32], c: usize| -> Vec<f64> {
            let mut k = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..n {
                    k[i * n + j] = (0..c).map(|f| m[i * c + f] as f64 * m[j * c + f] as f64).sum();
                }
            }
            // H K H: subtract row and column means, add the grand mean.
            let row: Vec<f64> = (0..n)
                .map(|i| (0..n).map(|j| k[i * n + j]).sum::<f64>() / n as f64)
                .collect();
            let all = row.iter().sum::<f64>() / n as f64;
            (0..n * n).map(|ij| k[ij] - row[ij / n] - row[ij % n] + all).collect()
        };
        let (k, l) = (gram(x, p), gram(y, q));
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(u, v)| u * v).sum::<f64>();
        dot(&k, &l) / (dot(&k, &k).sqrt() * dot(&l, &l).sqrt())
    }

    #[test]
    fn equals_the_definition_and_is_invariant_to_rotation_and_scale() {
        let (n, p, q) = (30, 5, 3);
        let (x, y) = (random(n, p, 1), random(n, q, 2));
        let cka = linear_cka(&x, p, &y, q, n).unwrap();
        assert!((cka - by_gram(&x, p, &y, q, n)).abs() < 1e-12, "{cka}");
        assert!((cka - linear_cka(&y, q, &x, p, n).unwrap()).abs() < 1e-12, "symmetric");
        assert!((0.0..=1.0).contains(&cka));
        // A rotation of the first two features and a scale keep CKA at 1.
        let (c, s) = (0.6f32, 0.8f32);
        let rotated: Vec<f32> = (0..n)
            .flat_map(|r| {
                let row = &x[r * p..(r + 1) * p];
                let mut out = row.to_vec();
                out[0] = 2.0 * (c * row[0] - s * row[1]);
                out[1] = 2.0 * (s * row[0] + c * row[1]);
                for v in &mut out[2..] {
                    *v *= 2.0;
                }
                out
            })
            .collect();
        assert!((linear_cka(&x, p, &rotated, p, n).unwrap() - 1.0).abs() < 1e-6);
        // Unrelated representations of many examples are far from alike.
        let (big_x, big_y) = (random(2000, 8, 3), random(2000, 8, 4));
        assert!(linear_cka(&big_x, 8, &big_y, 8, 2000).unwrap() < 0.05);
    }

    #[test]
    fn wide_layers_take_the_sample_space_form_with_the_same_value() {
        // 12 examples of 40 and 30 features: the sample-space form.
        let (n, p, q) = (12, 40, 30);
        let (x, y) = (random(n, p, 6), random(n, q, 7));
        let cka = linear_cka(&x, p, &y, q, n).unwrap();
        assert!((cka - by_gram(&x, p, &y, q, n)).abs() < 1e-12, "{cka}");
        let (xc, yc) = (centred(&x, n, p), centred(&y, n, q));
        let features = cross_norm2(&yc, q, &xc, p, n)
            / (cross_norm2(&xc, p, &xc, p, n).sqrt() * cross_norm2(&yc, q, &yc, q, n).sqrt());
        assert!((cka - features).abs() < 1e-12);
        assert!((linear_cka(&x, p, &x, p, n).unwrap() - 1.0).abs() < 1e-12);
        let constant = vec![0.5f32; n * q];
        assert_eq!(
            linear_cka(&x, p, &constant, q, n),
            Err(CkaError::Constant { which: "y" })
        );
    }

    #[test]
    fn bad_input_is_named() {
        let x = random(4, 2, 5);
        assert!(matches!(
            linear_cka(&x, 2, &x, 3, 4),
            Err(CkaError::Shape { which: "y", .. })
        ));
        assert!(matches!(
            linear_cka(&x[..2], 2, &x[..2], 2, 1),
            Err(CkaError::TooSmall { .. })
        ));
        let mut bad = x.clone();
        bad[3] = f32::NAN;
        assert_eq!(
            linear_cka(&bad, 2, &x, 2, 4),
            Err(CkaError::NotFinite { which: "x", index: 3 })
        );
        let constant = vec![1.5f32; 8];
        assert_eq!(
            linear_cka(&x, 2, &constant, 2, 4),
            Err(CkaError::Constant { which: "y" })
        );
        assert!(
            linear_cka(&x, 2, &constant, 2, 4)
                .unwrap_err()
                .to_string()
                .contains("no variance")
        );
    }

    #[test]
    fn one_reference_serves_many_comparisons_with_the_same_bits() {
        let (n, p) = (30, 50);
        let x = random(n, p, 1);
        let reference = CkaReference::new(&x, p, n).unwrap();
        for (seed, q) in [(2, 50), (3, 4), (4, 70)] {
            let y = random(n, q, seed);
            assert_eq!(
                reference.cka(&y, q).unwrap().to_bits(),
                linear_cka(&x, p, &y, q, n).unwrap().to_bits()
            );
        }
        assert!(matches!(
            reference.cka(&[1.0; 30], 1),
            Err(CkaError::Constant { which: "y" })
        ));
    }
}
