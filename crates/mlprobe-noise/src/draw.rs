//! Fast draws for the noise probe: 32 random bits per sample, taken from the
//! probe's RNG in bulk, and a Marsaglia–Tsang ziggurat for the normal.
//!
//! One noisy MNIST model needs about 50k draws per evaluation and the noise
//! experiment makes hundreds of evaluations per model, so drawing a u64 per
//! sample one call at a time (and a 256-layer f64 ziggurat on it) was most of
//! the probe's time. 32 bits give a sample at the resolution of the `f32`
//! weight it perturbs.

use std::sync::LazyLock;

use mlprobe_graph::ProbeRng;
use rand::RngExt;

/// Words taken from the RNG at once: four ChaCha blocks, small enough that a
/// two-entry bias vector wastes little, large enough to amortise the call.
const CHUNK: usize = 32;

/// 2^-24: a 24-bit integer plus one half, times this, is uniform on (0, 1).
const INV_2_24: f64 = 1.0 / 16_777_216.0;
/// 2^-32, likewise for 32 bits.
const INV_2_32: f64 = 1.0 / 4_294_967_296.0;

/// 32-bit words from `rng`, drawn [`CHUNK`] u64 at a time (low half first).
pub(crate) struct Bits<'a> {
    rng: &'a mut ProbeRng,
    buf: [u64; CHUNK],
    /// Next 32-bit word of `buf`; `2 * CHUNK` when it is used up.
    next: usize,
}

impl<'a> Bits<'a> {
    pub(crate) fn new(rng: &'a mut ProbeRng) -> Self {
        Bits {
            rng,
            buf: [0; CHUNK],
            next: 2 * CHUNK,
        }
    }

    #[inline]
    fn word(&mut self) -> u32 {
        if self.next == 2 * CHUNK {
            self.rng.fill(&mut self.buf[..]);
            self.next = 0;
        }
        let w = self.buf[self.next / 2] >> (32 * (self.next % 2));
        self.next += 1;
        w as u32
    }

    /// Uniform on the open interval (0, 1), on a grid of 2^32 points.
    #[inline]
    pub(crate) fn open01(&mut self) -> f64 {
        (self.word() as f64 + 0.5) * INV_2_32
    }

    /// Uniform on (-a, a), symmetric about zero.
    #[inline]
    pub(crate) fn symmetric(&mut self, a: f64) -> f64 {
        a * (2.0 * self.open01() - 1.0)
    }

    /// A standard normal sample.
    #[inline]
    pub(crate) fn normal(&mut self) -> f64 {
        let z = &*ZIGGURAT;
        loop {
            let b = self.word();
            let layer = (b & LAYER_MASK) as usize;
            let x = ((b >> 8) as f64 + 0.5) * INV_2_24 * z.x[layer];
            // Branch-free: a random sign branch would mispredict half the time.
            let signed = |x: f64| f64::from_bits(x.to_bits() ^ (u64::from(b & SIGN_BIT) << 56));
            if x < z.x[layer + 1] {
                return signed(x);
            }
            if layer == 0 {
                return signed(self.tail());
            }
            let y = z.f[layer + 1] + self.open01() * (z.f[layer] - z.f[layer + 1]);
            if y < density(x) {
                return signed(x);
            }
        }
    }

    /// A sample of the normal beyond [`R`], by Marsaglia's method.
    fn tail(&mut self) -> f64 {
        loop {
            let x = -self.open01().ln() / R;
            let y = -self.open01().ln();
            if 2.0 * y > x * x {
                return R + x;
            }
        }
    }
}

/// Layers of the ziggurat; the low 7 bits of a word pick one.
const LAYERS: usize = 128;
const LAYER_MASK: u32 = LAYERS as u32 - 1;
/// Bit 7 of a word is the sample's sign; bits 8-31 its position in the layer.
const SIGN_BIT: u32 = 1 << 7;
/// Right edge of the base layer and the area of every layer, for 128 layers
/// (Marsaglia and Tsang, "The ziggurat method for generating random
/// variables", J. Stat. Softw. 5, 2000).
const R: f64 = 3.442619855899;
const V: f64 = 9.91256303526217e-3;

/// The unnormalised normal density exp(-x^2/2).
#[inline]
fn density(x: f64) -> f64 {
    (-0.5 * x * x).exp()
}

/// Layer edges `x[0] > x[1] = R > ... > x[128] = 0` (`x[0]` is the base
/// layer's width `V / f(R)`) and the density at each edge.
struct Ziggurat {
    x: [f64; LAYERS + 1],
    f: [f64; LAYERS + 1],
}

static ZIGGURAT: LazyLock<Ziggurat> = LazyLock::new(|| {
    let mut x = [0.0; LAYERS + 1];
    x[0] = V / density(R);
    x[1] = R;
    for i in 1..LAYERS - 1 {
        x[i + 1] = (-2.0 * (V / x[i] + density(x[i])).ln()).sqrt();
    }
    x[LAYERS] = 0.0;
    let f = x.map(density);
    Ziggurat { x, f }
});

#[cfg(test)]
mod tests {
    use super::*;
    use mlprobe_graph::probe_rng;
    use rand_distr::{Distribution, StandardNormal};

    /// Two-sample Kolmogorov–Smirnov statistic.
    fn ks(mut a: Vec<f64>, mut b: Vec<f64>) -> f64 {
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        let (mut i, mut j, mut d) = (0, 0, 0.0f64);
        while i < a.len() && j < b.len() {
            if a[i] <= b[j] {
                i += 1;
            } else {
                j += 1;
            }
            d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
        }
        d
    }

    #[test]
    fn the_ziggurat_closes_at_zero_with_equal_layers() {
        let z = &*ZIGGURAT;
        // The last computed edge must land near the top of the density, or
        // R and V do not belong together.
        assert!(z.x[LAYERS - 1] > 0.0 && z.x[LAYERS - 1] < 0.3, "{}", z.x[LAYERS - 1]);
        let top = z.x[LAYERS - 1] * (1.0 - z.f[LAYERS - 1]);
        assert!((top / V - 1.0).abs() < 1e-3, "top layer area {top} vs {V}");
    }

    #[test]
    fn normal_draws_match_a_reference_normal() {
        let n = 200_000;
        let mut rng = probe_rng(11);
        let mut bits = Bits::new(&mut rng);
        let ours: Vec<f64> = (0..n).map(|_| bits.normal()).collect();
        let mut other = probe_rng(12);
        let reference: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut other)).collect();
        let mean = ours.iter().sum::<f64>() / n as f64;
        let var = ours.iter().map(|x| x * x).sum::<f64>() / n as f64;
        let tail = ours.iter().filter(|x| x.abs() > R).count() as f64 / n as f64;
        assert!(mean.abs() < 0.01 && (var - 1.0).abs() < 0.01, "{mean} {var}");
        // 2 (1 - Phi(R)) = 5.76e-4: the tail sampler is reached and right.
        assert!((tail / 5.76e-4 - 1.0).abs() < 0.2, "tail share {tail}");
        // Critical value of the two-sample test at the 0.1 % level.
        let d = ks(ours, reference);
        assert!(d < 1.95 * (2.0 / n as f64).sqrt(), "KS distance {d}");
    }

    #[test]
    fn the_tail_has_the_normal_mean_excess() {
        let mut rng = probe_rng(6);
        let mut bits = Bits::new(&mut rng);
        let n = 20_000;
        let excess = (0..n).map(|_| bits.tail() - R).sum::<f64>() / n as f64;
        // E[X - R | X > R] = phi(R) / (1 - Phi(R)) - R for a standard normal.
        assert!((excess - 0.254_697).abs() < 0.006, "{excess}");
    }

    #[test]
    fn uniform_draws_are_open_and_symmetric() {
        let mut rng = probe_rng(5);
        let mut bits = Bits::new(&mut rng);
        let u: Vec<f64> = (0..100_000).map(|_| bits.symmetric(0.5)).collect();
        assert!(u.iter().all(|x| x.abs() < 0.5));
        let mean = u.iter().sum::<f64>() / u.len() as f64;
        assert!(mean.abs() < 0.005, "{mean}");
        let below = u.iter().filter(|x| **x < -0.25).count() as f64 / u.len() as f64;
        assert!((below - 0.25).abs() < 0.005, "{below}");
    }
}
