//! The null models, layer by layer, on the weight matrix only.

use mlprobe_graph::{Layer, Measure, Perturbation, ProbeRng, WeightStack};
use rand::RngExt;
use rand::seq::SliceRandom;

use crate::hyperparams::{NullModel, Randomize};

/// What a randomization of one layer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SwitchReport {
    /// Positive edges of the layer.
    pub positive_edges: usize,
    /// Positive edges that took part in at least one accepted switch.
    pub rewired: usize,
    /// Switch attempts made.
    pub attempts: usize,
}

/// Groups of slot indices whose values are permuted among themselves.
fn groups(layer: &Layer, model: NullModel) -> Vec<Vec<usize>> {
    let (n_in, n_out) = (layer.n_in, layer.n_out);
    let w = &layer.weights;
    let pos = |s: &usize| w[*s] > 0.0;
    let neg = |s: &usize| w[*s] < 0.0;
    let nonzero = |s: &usize| w[*s] != 0.0;
    let row = |j: usize| (j * n_out..(j + 1) * n_out).collect::<Vec<usize>>();
    let col = |i: usize| (0..n_in).map(|j| j * n_out + i).collect::<Vec<usize>>();
    let keep = |v: Vec<usize>, f: &dyn Fn(&usize) -> bool| v.into_iter().filter(|s| f(s)).collect::<Vec<usize>>();
    let all: Vec<usize> = (0..w.len()).collect();
    match model {
        NullModel::A => vec![keep(all, &nonzero)],
        NullModel::B => vec![keep(all.clone(), &pos), keep(all, &neg)],
        NullModel::C => (0..n_in).map(|j| keep(row(j), &nonzero)).collect(),
        NullModel::D => (0..n_out).map(|i| keep(col(i), &nonzero)).collect(),
        NullModel::E => (0..n_in)
            .flat_map(|j| [keep(row(j), &pos), keep(row(j), &neg)])
            .collect(),
        NullModel::F => (0..n_out)
            .flat_map(|i| [keep(col(i), &pos), keep(col(i), &neg)])
            .collect(),
        NullModel::G => unreachable!("G switches edges instead of permuting groups"),
    }
}

/// Models A-F: permute the values of each group among the group's slots.
fn permute_groups(layer: &Layer, model: NullModel, rng: &mut ProbeRng) -> Vec<f32> {
    let mut out = layer.weights.clone();
    for group in groups(layer, model) {
        let mut values: Vec<f32> = group.iter().map(|&s| layer.weights[s]).collect();
        values.shuffle(rng);
        for (&s, v) in group.iter().zip(values) {
            out[s] = v;
        }
    }
    out
}

/// Model G: double-edge swaps of positive edges.
///
/// A swap takes positive edges `(u1, v1)` and `(u2, v2)` to `(u1, v2)` and
/// `(u2, v1)`, each keeping its weight. It is rejected when a target slot
/// is zero (no landing on missing edges) or already positive (no duplicate
/// edges); so both targets hold negative weights, which move to the two
/// vacated slots. Every node keeps its positive (and negative) in- and
/// out-degree. The first edge of each attempt is drawn among those not yet
/// rewired; switching stops once all were, or after
/// `attempts_per_edge * positive_edges` attempts.
pub fn switch_positive_edges(layer: &Layer, attempts_per_edge: f64, rng: &mut ProbeRng) -> (Vec<f32>, SwitchReport) {
    const NONE: usize = usize::MAX;
    let n_out = layer.n_out;
    let mut values = layer.weights.clone();
    // For each slot, the positive edge in it (an index into `weights_of`), or NONE.
    let mut edge_at = vec![NONE; values.len()];
    let mut slot_of = Vec::new();
    let mut weight_of = Vec::new();
    for (s, &w) in layer.weights.iter().enumerate() {
        if w > 0.0 {
            edge_at[s] = slot_of.len();
            slot_of.push(s);
            weight_of.push(w);
        }
    }
    let m = slot_of.len();
    let mut report = SwitchReport {
        positive_edges: m,
        ..SwitchReport::default()
    };
    if m < 2 {
        return (values, report);
    }
    // Edges not yet rewired, with each one's position in that list.
    let mut pending: Vec<usize> = (0..m).collect();
    let mut pending_pos: Vec<usize> = (0..m).collect();
    let mark = |e: usize, pending: &mut Vec<usize>, pending_pos: &mut Vec<usize>| {
        let p = pending_pos[e];
        if p != NONE {
            let last = *pending.last().expect("non-empty");
            pending.swap_remove(p);
            if last != e {
                pending_pos[last] = p;
            }
            pending_pos[e] = NONE;
        }
    };
    let budget = (attempts_per_edge * m as f64).ceil() as usize;
    while report.attempts < budget && !pending.is_empty() {
        report.attempts += 1;
        let e1 = pending[rng.random_range(0..pending.len())];
        let e2 = rng.random_range(0..m);
        let (s11, s22) = (slot_of[e1], slot_of[e2]);
        let (u1, v1) = (s11 / n_out, s11 % n_out);
        let (u2, v2) = (s22 / n_out, s22 % n_out);
        if u1 == u2 || v1 == v2 {
            continue;
        }
        let (s12, s21) = (u1 * n_out + v2, u2 * n_out + v1);
        if values[s12] >= 0.0 || values[s21] >= 0.0 {
            continue; // a zero slot, or a positive edge already there
        }
        // Negatives move into the vacated slots; positives take their places.
        values[s11] = values[s12];
        values[s22] = values[s21];
        values[s12] = weight_of[e1];
        values[s21] = weight_of[e2];
        edge_at[s11] = NONE;
        edge_at[s22] = NONE;
        edge_at[s12] = e1;
        edge_at[s21] = e2;
        slot_of[e1] = s12;
        slot_of[e2] = s21;
        mark(e1, &mut pending, &mut pending_pos);
        mark(e2, &mut pending, &mut pending_pos);
    }
    report.rewired = m - pending.len();
    (values, report)
}

impl Randomize {
    /// The randomized network and, per layer, what the switching did (model
    /// G; other models report zero attempts).
    pub fn apply_with_report(&self, net: &WeightStack, rng: &mut ProbeRng) -> (WeightStack, Vec<SwitchReport>) {
        let mut reports = Vec::with_capacity(net.layers.len());
        let out = net.map_layers(|_, layer| {
            let weights = match self.model() {
                NullModel::G => {
                    let (w, r) = switch_positive_edges(layer, self.attempts_per_edge(), rng);
                    reports.push(r);
                    w
                }
                model => {
                    reports.push(SwitchReport::default());
                    permute_groups(layer, model, rng)
                }
            };
            Layer::new(layer.n_in, layer.n_out, weights, layer.bias.clone())
        });
        (out, reports)
    }
}

impl Perturbation for Randomize {
    fn name(&self) -> String {
        format!("randomize/{}", self.model().name())
    }

    fn apply(&self, net: &WeightStack, rng: &mut ProbeRng) -> WeightStack {
        self.apply_with_report(net, rng).0
    }

    fn apply_measured(&self, net: &WeightStack, rng: &mut ProbeRng) -> (WeightStack, Vec<Measure>) {
        let (out, reports) = self.apply_with_report(net, rng);
        let measures = if self.model() == NullModel::G {
            let edges: usize = reports.iter().map(|r| r.positive_edges).sum();
            let rewired: usize = reports.iter().map(|r| r.rewired).sum();
            vec![Measure {
                name: "rewired_fraction".to_string(),
                value: if edges == 0 { 0.0 } else { rewired as f64 / edges as f64 },
            }]
        } else {
            Vec::new()
        };
        (out, measures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RandomizeParams;
    use mlprobe_binarize::Binarize;
    use mlprobe_graph::{Activation, initial_weights, probe_rng};
    use proptest::prelude::*;

    /// A random network with every fifth weight pruned.
    fn net(seed: u64) -> WeightStack {
        let mut net = initial_weights(&[40, 16, 3], Activation::Relu, &mut probe_rng(seed));
        for layer in &mut net.layers {
            for (i, w) in layer.weights.iter_mut().enumerate() {
                if i % 5 == 2 {
                    *w = 0.0;
                }
            }
        }
        net
    }

    fn sorted_bits(values: impl Iterator<Item = f32>) -> Vec<u32> {
        let mut v: Vec<u32> = values.map(f32::to_bits).collect();
        v.sort_unstable();
        v
    }

    fn row(l: &Layer, j: usize) -> Vec<f32> {
        l.weights[j * l.n_out..(j + 1) * l.n_out].to_vec()
    }

    fn col(l: &Layer, i: usize) -> Vec<f32> {
        (0..l.n_in).map(|j| l.weight(j, i)).collect()
    }

    fn multiset(v: &[f32], f: fn(f32) -> bool) -> Vec<u32> {
        sorted_bits(v.iter().copied().filter(|w| f(*w)))
    }

    fn signs(l: &Layer) -> Vec<i8> {
        l.weights
            .iter()
            .map(|w| {
                if *w > 0.0 {
                    1
                } else if *w < 0.0 {
                    -1
                } else {
                    0
                }
            })
            .collect()
    }

    fn degrees(l: &Layer) -> (Vec<usize>, Vec<usize>) {
        let out = (0..l.n_in)
            .map(|j| row(l, j).iter().filter(|w| **w > 0.0).count())
            .collect();
        let inn = (0..l.n_out)
            .map(|i| col(l, i).iter().filter(|w| **w > 0.0).count())
            .collect();
        (out, inn)
    }

    fn randomize(model: NullModel, net: &WeightStack, seed: u64) -> WeightStack {
        RandomizeParams::new(model)
            .check()
            .unwrap()
            .apply(net, &mut probe_rng(seed))
    }

    #[test]
    fn parameters_are_checked() {
        assert!("H".parse::<NullModel>().unwrap_err().to_string().contains("`H`"));
        let bad = RandomizeParams {
            attempts_per_edge: 0.0,
            ..RandomizeParams::new(NullModel::G)
        };
        assert!(bad.check().is_err());
    }

    #[test]
    fn g_rewires_nearly_every_positive_edge() {
        let original = net(5);
        let r = RandomizeParams::new(NullModel::G).check().unwrap();
        let (_, reports) = r.apply_with_report(&original, &mut probe_rng(1));
        let first = reports[0];
        assert!(first.rewired as f64 >= 0.95 * first.positive_edges as f64, "{first:?}");
        let (_, measures) = r.apply_measured(&original, &mut probe_rng(1));
        assert_eq!(measures[0].name, "rewired_fraction");
        assert!(measures[0].value > 0.9);
    }

    #[test]
    fn every_model_changes_a_dense_layer_and_follows_the_seed() {
        let original = net(8);
        for model in NullModel::ALL {
            let a = randomize(model, &original, 3);
            assert_eq!(a, randomize(model, &original, 3), "{model:?}");
            assert_ne!(a.layers[0].weights, original.layers[0].weights, "{model:?}");
            assert_eq!(a.layers[0].bias, original.layers[0].bias, "biases untouched");
        }
    }

    proptest! {
        #[test]
        fn null_model_invariants(seed in 0u64..300, m in 0usize..7) {
            let model = NullModel::ALL[m];
            let original = net(seed);
            let out = randomize(model, &original, seed ^ 0x5eed);
            prop_assert_eq!(&original, &net(seed), "input untouched");
            for (a, b) in original.layers.iter().zip(&out.layers) {
                // Zeros never move; the multiset of weights is kept.
                prop_assert!(a.weights.iter().zip(&b.weights).all(|(x, y)| (*x == 0.0) == (*y == 0.0)));
                prop_assert_eq!(sorted_bits(a.weights.iter().copied()), sorted_bits(b.weights.iter().copied()));
                if model.keeps_signs() {
                    prop_assert_eq!(signs(a), signs(b));
                }
                match model {
                    NullModel::C => for j in 0..a.n_in {
                        prop_assert_eq!(multiset(&row(a, j), |_| true), multiset(&row(b, j), |_| true));
                    },
                    NullModel::D => for i in 0..a.n_out {
                        prop_assert_eq!(multiset(&col(a, i), |_| true), multiset(&col(b, i), |_| true));
                    },
                    NullModel::E => for j in 0..a.n_in {
                        prop_assert_eq!(multiset(&row(a, j), |w| w > 0.0), multiset(&row(b, j), |w| w > 0.0));
                        prop_assert_eq!(multiset(&row(a, j), |w| w < 0.0), multiset(&row(b, j), |w| w < 0.0));
                    },
                    NullModel::F => for i in 0..a.n_out {
                        prop_assert_eq!(multiset(&col(a, i), |w| w > 0.0), multiset(&col(b, i), |w| w > 0.0));
                        prop_assert_eq!(multiset(&col(a, i), |w| w < 0.0), multiset(&col(b, i), |w| w < 0.0));
                    },
                    NullModel::G => prop_assert_eq!(degrees(a), degrees(b)),
                    NullModel::A | NullModel::B => {}
                }
            }
            // B, E and F leave the binarized network exactly unchanged.
            if model.keeps_signs() {
                let mut rng = probe_rng(0);
                prop_assert_eq!(Binarize::SIGN.apply(&out, &mut rng), Binarize::SIGN.apply(&original, &mut rng));
            }
        }
    }
}
