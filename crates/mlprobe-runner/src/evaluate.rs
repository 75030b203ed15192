//! Evaluating a network on every point of a sweep, draw by draw.

use mlprobe_graph::{Evaluator, Measure, SweepEvaluator, WeightStack, probe_rng};

use crate::sweep::SweepPoint;

/// The outcome of one sweep point on one network.
#[derive(Debug, Clone, PartialEq)]
pub struct PointResult {
    /// Mean accuracy (%) over the point's draws.
    pub accuracy: f64,
    /// The perturbation's own measurements, each averaged over the draws.
    pub measures: Vec<Measure>,
}

/// Evaluates a network on every sweep point, averaging over each point's
/// draws. Draws are seeded by the unit's seed and the point
/// ([`SweepPoint::draw_seed`]), so a point's result does not depend on the
/// other points. Uses the incremental
/// [`SweepEvaluator`]; the accuracies equal [`evaluate_sweep_plain`]'s.
pub fn evaluate_sweep(net: &WeightStack, eval: &Evaluator<'_>, points: &[SweepPoint], seed: u64) -> Vec<PointResult> {
    evaluate_sweep_on(&mut SweepEvaluator::new(eval.clone()), net, points, seed)
}

/// As [`evaluate_sweep`], on a given [`SweepEvaluator`] (whose statistics
/// then tell how the networks were evaluated).
pub fn evaluate_sweep_on(
    sweep: &mut SweepEvaluator<'_>,
    net: &WeightStack,
    points: &[SweepPoint],
    seed: u64,
) -> Vec<PointResult> {
    evaluate_sweep_with(net, points, seed, |point, draw, perturbed| {
        sweep.accuracy(perturbed, &point.lineage(draw))
    })
}

/// As [`evaluate_sweep`], evaluating every perturbed network from scratch
/// with [`Evaluator::accuracy`]: the reference the fast path is tested and
/// benchmarked against.
pub fn evaluate_sweep_plain(
    net: &WeightStack,
    eval: &Evaluator<'_>,
    points: &[SweepPoint],
    seed: u64,
) -> Vec<PointResult> {
    evaluate_sweep_with(net, points, seed, |_, _, perturbed| eval.accuracy(perturbed))
}

/// As [`evaluate_sweep`], with any evaluation: `accuracy_of(point, draw,
/// perturbed network)`. Draws every point's perturbations (once for the
/// variants of a level that share them) and averages over each point's draws.
pub fn evaluate_sweep_with(
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
