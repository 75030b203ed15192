//! Evaluating a network on every point of a sweep, draw by draw.

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
    mut accuracy_of: impl FnMut(&SweepPoint, usize, &WeightStack) -> f64,
) -> Vec<PointResult> {
    let mut drawn: Vec<(WeightStack, Vec<Measure>)> = Vec::new();
    let mut results = Vec::with_capacity(points.len());
    for (i, p) in points.iter().enumerate() {
        if i == 0 || !p.shares_draws_with(&points[i - 1]) {
            drawn = (0..p.draws)
                .map(|d| p.base.apply_measured(net, &mut probe_rng(p.draw_seed(seed, d))))
                .collect();
        }
        let mut accuracy = 0.0;
        let mut measures: Vec<Measure> = Vec::new();
        for (d, (base, m)) in drawn.iter().enumerate() {
            accuracy += if p.binarize_after {
                accuracy_of(p, d, &p.binarized(base, &mut probe_rng(0)))
            } else {
                accuracy_of(p, d, base)
            };
            for m in m {
                match measures.iter_mut().find(|x| x.name == m.name) {
                    Some(x) => x.value += m.value,
                    None => measures.push(m.clone()),
                }
            }
        }
        let n = p.draws as f64;
        measures.iter_mut().for_each(|m| m.value /= n);
        results.push(PointResult {
            accuracy: accuracy / n,
            measures,
        });
    }
    results
}
