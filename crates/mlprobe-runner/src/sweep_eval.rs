//! Evaluating a network on every point of a sweep, draw by draw.

use std::collections::HashMap;
use std::convert::Infallible;

use mlprobe_graph::cka::CkaReference;
use mlprobe_graph::{Evaluator, Measure, SweepEvaluator, WeightStack, probe_rng};

use crate::probes::SweepPoint;

/// The outcome of one sweep point on one network.
#[derive(Debug, Clone, PartialEq)]
pub struct PointResult {
    /// Mean accuracy (%) over the point's draws.
    pub accuracy: f64,
    /// The perturbation's own measurements, each averaged over the draws.
    pub measures: Vec<Measure>,
}

/// Scores perturbed networks with a [`SweepEvaluator`], incrementally
/// from the network evaluated before (the fast path of every run).
pub fn incremental<'s>(sweep: &'s mut SweepEvaluator<'_>) -> impl FnMut(&SweepPoint, usize, &WeightStack) -> f64 + 's {
    move |point, draw, perturbed| sweep.accuracy(perturbed, &point.lineage(draw))
}

/// Scores every perturbed network from scratch with
/// [`Evaluator::accuracy`]: the reference the incremental path is tested
/// and benchmarked against (the same accuracies).
pub fn from_scratch<'s>(eval: &'s Evaluator<'_>) -> impl FnMut(&SweepPoint, usize, &WeightStack) -> f64 + 's {
    move |_, _, perturbed| eval.accuracy(perturbed)
}

/// Evaluates a network on every sweep point: draws every point's
/// perturbations (once for the variants of a level that share them),
/// scores each perturbed network with `accuracy_of(point, draw, network)`
/// ([`incremental`], [`from_scratch`], or any other) and averages over each
/// point's draws. Draws are seeded by the unit's seed, the point and the
/// draw, so a point's result does not depend on the other points.
pub fn evaluate_points(
    net: &WeightStack,
    points: &[SweepPoint],
    seed: u64,
    accuracy_of: impl FnMut(&SweepPoint, usize, &WeightStack) -> f64,
) -> Vec<PointResult> {
    evaluate_points_measured(net, points, seed, accuracy_of, |_, _| Vec::new())
}

/// [`evaluate_points`], with `measure(point, network)` adding measurements
/// of every network evaluated (such as [`LayerSimilarity::measure`]),
/// averaged over the draws as the perturbation's own.
pub fn evaluate_points_measured(
    net: &WeightStack,
    points: &[SweepPoint],
    seed: u64,
    mut accuracy_of: impl FnMut(&SweepPoint, usize, &WeightStack) -> f64,
    mut measure: impl FnMut(&SweepPoint, &WeightStack) -> Vec<Measure>,
) -> Vec<PointResult> {
    let mut results = Vec::with_capacity(points.len());
    let scored = try_evaluate_points(
        net,
        points,
        (seed, 0),
        |p, d, seen| Ok::<_, Infallible>((accuracy_of(p, d, seen), measure(p, seen))),
        |_, r| {
            results.push(r);
            Ok(())
        },
    );
    match scored {
        Ok(()) => results,
        Err(never) => match never {},
    }
}

/// The core of [`evaluate_points_measured`], for scorers that may fail and
/// sweeps that resume: evaluates the points from index `from` on (`(seed,
/// from)`), scoring each network with `score(point, draw, network)` (its
/// accuracy and measurements) and handing each point's result to
/// `done(index, result)` as soon as its draws are scored. Stops at the
/// first error. A point's result does not depend on where the sweep began.
pub fn try_evaluate_points<E>(
    net: &WeightStack,
    points: &[SweepPoint],
    (seed, from): (u64, usize),
    mut score: impl FnMut(&SweepPoint, usize, &WeightStack) -> Result<(f64, Vec<Measure>), E>,
    mut done: impl FnMut(usize, PointResult) -> Result<(), E>,
) -> Result<(), E> {
    let mut drawn: Vec<(WeightStack, Vec<Measure>)> = Vec::new();
    for (i, p) in points.iter().enumerate().skip(from) {
        if i == from || !p.shares_draws_with(&points[i - 1]) {
            drawn = (0..p.draws)
                .map(|d| p.base.apply_measured(net, &mut probe_rng(p.draw_seed(seed, d))))
                .collect();
        }
        let mut accuracy = 0.0;
        let mut measures: Vec<Measure> = Vec::new();
        for (d, (base, m)) in drawn.iter().enumerate() {
            let binarized = p.binarize_after.then(|| p.binarized(base, &mut probe_rng(0)));
            let seen = binarized.as_ref().unwrap_or(base);
            let (a, extra) = score(p, d, seen)?;
            accuracy += a;
            for m in m.iter().cloned().chain(extra) {
                match measures.iter_mut().find(|x| x.name == m.name) {
                    Some(x) => x.value += m.value,
                    None => measures.push(m),
                }
            }
        }
        let n = p.draws as f64;
        measures.iter_mut().for_each(|m| m.value /= n);
        done(
            i,
            PointResult {
                accuracy: accuracy / n,
                measures,
            },
        )?;
    }
    Ok(())
}

/// The linear CKA of layers' outputs between a trained network and the
/// networks of its sweep, on the evaluator's examples; the trained
/// network's outputs are computed once per layer.
pub struct LayerSimilarity<'e> {
    eval: &'e Evaluator<'e>,
    trained: &'e WeightStack,
    names: Vec<String>,
    reference: HashMap<usize, Option<CkaReference>>,
}

impl<'e> LayerSimilarity<'e> {
    /// Similarities to `trained` on `eval`'s examples.
    pub fn new(eval: &'e Evaluator<'e>, trained: &'e WeightStack) -> Self {
        Self {
            eval,
            trained,
            names: trained.layer_names(),
            reference: HashMap::new(),
        }
    }

    /// `cka[<layer>]` for every layer of `point.cka` that the network has:
    /// the linear CKA of its outputs in `net` and in the trained network;
    /// 0 where `net`'s outputs carry nothing to compare (constant over the
    /// examples, or not finite).
    pub fn measure(&mut self, point: &SweepPoint, net: &WeightStack) -> Vec<Measure> {
        let n = self.eval.examples().len();
        let mut out = Vec::with_capacity(point.cka.len());
        for layer in &point.cka {
            let Some(l) = layer.resolve(&self.names) else { continue };
            let reference = (self.reference.entry(l)).or_insert_with(|| {
                let x = self.eval.activations(self.trained, l);
                CkaReference::new(&x, x.len() / n.max(1), n).ok()
            });
            let seen = self.eval.activations(net, l);
            let value = match reference {
                Some(r) => r.cka(&seen, seen.len() / n.max(1)).unwrap_or(0.0),
                None => 0.0,
            };
            out.push(Measure {
                name: format!("cka[{layer}]"),
                value,
            });
        }
        out
    }
}
