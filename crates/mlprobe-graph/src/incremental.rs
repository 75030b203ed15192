//! Evaluating the many perturbed networks of a probe sweep fast, with the
//! same accuracy [`Evaluator::accuracy`] gives for each, bit for bit.
//!
//! A sweep evaluates hundreds of networks that differ from the one before in
//! a few entries (pruning 50 % and then 53 % of the smallest weights;
//! flipping 10 % and then 14 %). For a binarized first layer, whose sums the
//! evaluator computes exactly (see [`crate::eval`]), the [`SweepEvaluator`]
//! keeps per *lineage* (one curve of a sweep) the first-layer pre-activations
//! of the last network it evaluated, finds the entries that changed, and
//! updates the pre-activations by those entries only. Exact sums do not
//! depend on their order, so the updated values are the very values a fresh
//! evaluation gives. Any other network is evaluated from scratch: measured,
//! an update in `f64` with certified rounding costs more than the
//! evaluator's sparse `f32` pass.

use crate::eval::{Evaluator, argmax};
use crate::weights::{Layer, WeightStack};

/// Updates are cheaper than a fresh evaluation while fewer than
/// `entries / UPDATE_SHARE` first-layer entries changed.
const UPDATE_SHARE: usize = 8;

/// Lineage states kept at once (least recently used ones are dropped).
const MAX_STATES: usize = 16;

/// How many networks a [`SweepEvaluator`] evaluated, and how.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepStats {
    /// Evaluated by updating the pre-activations of an earlier network.
    pub incremental: usize,
    /// Evaluated from scratch.
    pub full: usize,
}

/// The binarized first layer of the last network of a lineage and its
/// exact pre-activations.
#[derive(Clone)]
struct State {
    lineage: String,
    weights: Vec<f32>,
    bias: Vec<f32>,
    /// Pre-activations with bias, column-major `[n_out][n]`, exact.
    h: Vec<f64>,
}

impl State {
    fn fits(&self, layer: &Layer) -> bool {
        self.weights.len() == layer.weights.len() && self.bias.len() == layer.bias.len()
    }
}

/// Evaluates a sequence of related networks on one set of examples, reusing
/// first-layer work between binarized ones (see the module documentation).
pub struct SweepEvaluator<'a> {
    eval: Evaluator<'a>,
    /// Inputs transposed, `[dim][n]`, for column updates.
    xt: Vec<f64>,
    /// Most recently used last.
    states: Vec<State>,
    stats: SweepStats,
}

impl<'a> SweepEvaluator<'a> {
    /// A sweep evaluator on the examples of `eval`.
    pub fn new(eval: Evaluator<'a>) -> Self {
        let ex = eval.examples();
        let (n, dim) = (ex.len(), ex.dim);
        let mut xt = vec![0.0; n * dim];
        for r in 0..n {
            for (j, &v) in ex.row(r).iter().enumerate() {
                xt[j * n + r] = v as f64;
            }
        }
        Self {
            eval,
            xt,
            states: Vec::new(),
            stats: SweepStats::default(),
        }
    }

    /// The straightforward evaluator underneath.
    pub fn evaluator(&self) -> &Evaluator<'a> {
        &self.eval
    }

    /// What was evaluated how so far.
    pub fn stats(&self) -> SweepStats {
        self.stats
    }

    /// The accuracy (%) of `net`, equal to `Evaluator::accuracy(net)`.
    ///
    /// `lineage` names the curve `net` belongs to (e.g. `prune/smallest/signed`):
    /// a binarized network is compared with the last one of its lineage, or
    /// else with the last one evaluated.
    pub fn accuracy(&mut self, net: &WeightStack, lineage: &str) -> f64 {
        let layer = &net.layers[0];
        if self.eval.examples().is_empty() {
            self.stats.full += 1;
            return self.eval.accuracy(net);
        }
        if !self.eval.is_exact(net) {
            self.stats.full += 1;
            return self.eval.accuracy_inexact(net);
        }
        let budget = layer.weights.len() / UPDATE_SHARE;
        let own = self.states.iter().rposition(|s| s.lineage == lineage && s.fits(layer));
        let base = own.or_else(|| self.states.iter().rposition(|s| s.fits(layer)));
        let changes = base.and_then(|p| changed_entries(&self.states[p], layer, budget));
        let state = match (base, changes) {
            (Some(p), Some(changes)) => {
                let mut state = if own == Some(p) {
                    self.states.remove(p)
                } else {
                    State {
                        lineage: lineage.to_string(),
                        ..self.states[p].clone()
                    }
                };
                self.update(&mut state, layer, &changes);
                self.stats.incremental += 1;
                state
            }
            _ => {
                if let Some(p) = own {
                    self.states.remove(p);
                }
                self.stats.full += 1;
                self.fresh_state(lineage, layer)
            }
        };
        let accuracy = self.accuracy_from(net, &state);
        self.states.push(state);
        if self.states.len() > MAX_STATES {
            self.states.remove(0);
        }
        accuracy
    }

    /// Exact pre-activations of `layer` computed from scratch.
    fn fresh_state(&self, lineage: &str, layer: &Layer) -> State {
        let n = self.eval.examples().len();
        let rows = self.eval.first_layer_f64(layer);
        let mut h = vec![0.0; n * layer.n_out];
        for (r, row) in rows.chunks_exact(layer.n_out).enumerate() {
            for (i, v) in row.iter().enumerate() {
                h[i * n + r] = *v;
            }
        }
        State {
            lineage: lineage.to_string(),
            weights: layer.weights.clone(),
            bias: layer.bias.clone(),
            h,
        }
    }

    /// Moves `state` to `layer` by the entries that changed (exact: every
    /// change is -2 to 2 times an input).
    fn update(&self, state: &mut State, layer: &Layer, changes: &[usize]) {
        let n = self.eval.examples().len();
        let nw = layer.weights.len();
        for &e in changes {
            if e < nw {
                let (j, i) = (e / layer.n_out, e % layer.n_out);
                let dw = layer.weights[e] as f64 - state.weights[e] as f64;
                add_scaled(&mut state.h[i * n..(i + 1) * n], &self.xt[j * n..(j + 1) * n], dw);
                state.weights[e] = layer.weights[e];
            } else {
                let i = e - nw;
                let db = layer.bias[i] as f64 - state.bias[i] as f64;
                state.h[i * n..(i + 1) * n].iter_mut().for_each(|h| *h += db);
                state.bias[i] = layer.bias[i];
            }
        }
    }

    /// Accuracy from exact pre-activations: the rest of the straightforward
    /// forward pass, example by example.
    fn accuracy_from(&self, net: &WeightStack, state: &State) -> f64 {
        let n = self.eval.examples().len();
        let k = net.layers[0].n_out;
        let (mut values, mut spare) = (Vec::with_capacity(k), Vec::new());
        let predictions: Vec<u32> = (0..n)
            .map(|r| {
                values.clear();
                values.extend((0..k).map(|i| state.h[i * n + r] as f32));
                self.eval.rest_of_row(net, &mut values, &mut spare);
                argmax(&values) as u32
            })
            .collect();
        self.eval.accuracy_of(predictions.into_iter())
    }
}

crate::simd_kernel! {
    /// `h += x * d`, elementwise (a product, then a sum).
    fn add_scaled(h: &mut [f64], x: &[f64], d: f64) {
        for (h, x) in h.iter_mut().zip(x) {
            *h += *x * d;
        }
    }
}

/// Indices of the entries of `layer` (weights, then biases after them) that
/// differ from `state`, or `None` when more than `budget` do.
fn changed_entries(state: &State, layer: &Layer, budget: usize) -> Option<Vec<usize>> {
    const CHUNK: usize = 64;
    let mut changes = Vec::new();
    let pairs = [
        (&state.weights, &layer.weights, 0),
        (&state.bias, &layer.bias, layer.weights.len()),
    ];
    for (old, new, offset) in pairs {
        for (c, (a, b)) in old.chunks(CHUNK).zip(new.chunks(CHUNK)).enumerate() {
            // A branch-free test of the whole chunk first: most chunks are unchanged.
            let differ = a
                .iter()
                .zip(b)
                .fold(false, |any, (x, y)| any | (x.to_bits() != y.to_bits()));
            if !differ {
                continue;
            }
            for (k, (x, y)) in a.iter().zip(b).enumerate() {
                if x.to_bits() != y.to_bits() {
                    if changes.len() == budget {
                        return None;
                    }
                    changes.push(offset + c * CHUNK + k);
                }
            }
        }
    }
    Some(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Activation, initial_weights, probe_rng};
    use mlprobe_tasks::{Examples, normalize_pixel};
    use rand::RngExt;

    /// Pixel-like inputs, mostly background as images are.
    fn pixels(n: usize, dim: usize, seed: u64) -> Examples {
        let mut rng = probe_rng(seed);
        let pixel = |rng: &mut crate::ProbeRng| {
            if rng.random_range(0..4) == 0 {
                rng.random_range(0..=255u8)
            } else {
                0
            }
        };
        Examples {
            x: (0..n * dim).map(|_| normalize_pixel(pixel(&mut rng))).collect(),
            y: (0..n).map(|_| rng.random_range(0..3u32)).collect(),
            dim,
        }
    }

    /// Zeroes (or negates) the first `count` entries of a fixed order.
    fn edit(net: &WeightStack, count: usize, negate: bool) -> WeightStack {
        let mut out = net.clone();
        let n = out.layers[0].weights.len();
        for e in 0..count {
            let w = &mut out.layers[0].weights[(e * 7919) % n];
            *w = if negate { -*w } else { 0.0 };
        }
        out
    }

    #[test]
    fn incremental_sweeps_match_the_straightforward_evaluation() {
        let examples = pixels(60, 40, 1);
        let eval = Evaluator::new(&examples);
        assert!(eval.exact_ternary());
        for activation in [Activation::Relu, Activation::Tanh, Activation::Sigmoid] {
            let net = initial_weights(&[40, 16, 8, 3], activation, &mut probe_rng(2));
            let mut sweep = SweepEvaluator::new(eval.clone());
            for negate in [false, true] {
                for count in (0..=640).step_by(40) {
                    let full = edit(&net, count, negate);
                    let signed = full.map(|w| if w == 0.0 { 0.0 } else { w.signum() });
                    let lineage = format!("{negate}");
                    assert_eq!(sweep.accuracy(&full, &lineage), eval.accuracy(&full));
                    assert_eq!(sweep.accuracy(&signed, &(lineage + "/signed")), eval.accuracy(&signed));
                }
            }
            let stats = sweep.stats();
            assert!(stats.incremental > 30, "{stats:?}");
        }
    }

    #[test]
    fn a_different_layer_is_evaluated_from_scratch() {
        let examples = pixels(10, 30, 3);
        let eval = Evaluator::new(&examples);
        let net = initial_weights(&[30, 6, 2], Activation::Relu, &mut probe_rng(4)).map(|w| w.signum());
        let mut sweep = SweepEvaluator::new(eval.clone());
        sweep.accuracy(&net, "a");
        let flipped = net.map(|w| -w);
        assert_eq!(sweep.accuracy(&flipped, "a"), eval.accuracy(&flipped));
        assert_eq!(
            sweep.stats(),
            SweepStats {
                incremental: 0,
                full: 2
            }
        );
    }
}
