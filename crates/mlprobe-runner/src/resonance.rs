//! Stochastic resonance of binarized networks: the noise level at
//! which a binarized network is most accurate, the gain over no noise, and
//! which weights changed sign there, by quantile of `|w|`.

use std::collections::BTreeMap;
use std::path::Path;

use mlprobe_binarize::{Binarize, sign};
use mlprobe_graph::{Evaluator, Perturbation, WeightStack, probe_rng};
use mlprobe_tasks::Task;

use serde::Serialize;

use crate::config::{Experiment, UnitId};
use crate::data::TaskLoader;
use crate::errors::RunError;
use crate::output::{UnitResult, write_json};
use crate::probes::SweepPoint;
use crate::stats::Quartiles;
use crate::store::Store;
use crate::training::unit_model;

/// Number of `|w|` quantile bins (deciles).
pub const BINS: usize = 10;

/// The best noise level of one binarized model and one kind of noise.
#[derive(Debug, Clone, Serialize)]
pub struct ResonanceUnit {
    /// Index of the task in the experiment.
    pub task: usize,
    /// Training seed.
    pub seed: u64,
    /// Noise kind.
    pub kind: String,
    /// Binarized accuracy without noise (%).
    pub baseline: f64,
    /// The level of highest binarized accuracy (the lowest on ties).
    pub best_level: f64,
    /// Mean accuracy over the draws at that level (%).
    pub best_accuracy: f64,
    /// `best_accuracy - baseline` (points).
    pub gain: f64,
    /// Weights whose sign differs from the trained sign at the best level (first draw).
    pub flips: usize,
    /// Share of those flips in each decile of `|w|` (per layer), smallest first.
    pub flip_shares: Vec<f64>,
}

/// Per task and noise kind: quartiles over trained seeds.
#[derive(Debug, Clone, Serialize)]
pub struct ResonanceSummary {
    /// `dataset/label`.
    pub task: String,
    /// Noise kind.
    pub kind: String,
    /// Best level.
    pub best_level: Option<Quartiles>,
    /// Gain over no noise.
    pub gain: Option<Quartiles>,
    /// Median share of flips per `|w|` decile.
    pub median_flip_shares: Vec<f64>,
}

/// The analysis of one experiment.
#[derive(Debug, Clone, Serialize)]
pub struct Resonance {
    /// Per model and kind.
    pub units: Vec<ResonanceUnit>,
    /// Per task and kind.
    pub summary: Vec<ResonanceSummary>,
}

/// For each trained weight, whether its sign differs in `noisy`, binned by
/// the rank of `|w|` within its layer.
fn flips_by_decile(trained: &WeightStack, noisy: &WeightStack) -> (usize, Vec<f64>) {
    let mut counts = [0usize; BINS];
    for (a, b) in trained.layers.iter().zip(&noisy.layers) {
        let mut order: Vec<usize> = (0..a.weights.len()).collect();
        order.sort_by(|&i, &j| a.weights[i].abs().total_cmp(&a.weights[j].abs()).then(i.cmp(&j)));
        for (rank, &i) in order.iter().enumerate() {
            if a.weights[i] != 0.0 && sign(a.weights[i]) != sign(b.weights[i]) {
                counts[rank * BINS / order.len()] += 1;
            }
        }
    }
    let total: usize = counts.iter().sum();
    let shares = counts
        .iter()
        .map(|&c| if total == 0 { 0.0 } else { c as f64 / total as f64 })
        .collect();
    (total, shares)
}

/// Analyses the signed pure-noise points of a run; `None` when it has none.
/// Models are read from the run's model cache.
pub(crate) fn analyse(
    exp: &Experiment,
    store: &Store,
    tasks: &TaskLoader<'_>,
    units: &[UnitResult],
    points: &[SweepPoint],
) -> Result<Option<Resonance>, RunError> {
    // Row index (points are rows 1..) of every signed pure-noise point, by kind.
    let mut by_kind: BTreeMap<String, Vec<(usize, f64)>> = BTreeMap::new();
    for (i, p) in points.iter().enumerate() {
        if p.probe == "noise" && p.signed {
            by_kind.entry(p.strategy.clone()).or_default().push((i + 1, p.level));
        }
    }
    if by_kind.is_empty() {
        return Ok(None);
    }
    let mut out_units = Vec::new();
    // Units come task by task: each task is loaded once.
    let mut current: Option<(usize, Task)> = None;
    for u in (units.iter()).filter(|u| exp.tasks[u.task].statistics.counts(u.status)) {
        if current.as_ref().is_none_or(|(t, _)| *t != u.task) {
            current = Some((u.task, tasks.load(u.task)?));
        }
        let task = &current.as_ref().expect("loaded above").1;
        // The unit's model: cached (a damaged file is trained again, to the same bits).
        let (net, _) = unit_model(
            exp,
            store,
            UnitId {
                task: u.task,
                seed: u.seed,
            },
            task,
        )?;
        let eval = Evaluator::new(&task.test);
        let baseline = eval.accuracy(&Binarize::SIGN.apply(&net, &mut probe_rng(0)));
        for (kind, rows) in &by_kind {
            let (best_row, best_level) = rows
                .iter()
                .copied()
                .reduce(|best, r| {
                    if u.rows[r.0].accuracy > u.rows[best.0].accuracy {
                        r
                    } else {
                        best
                    }
                })
                .expect("non-empty");
            let best_accuracy = u.rows[best_row].accuracy;
            // The first draw at the best level, as the sweep made it (the
            // signed variant binarizes that draw, drawing nothing more).
            let point = &points[best_row - 1];
            let noisy = point.base.apply(&net, &mut probe_rng(point.draw_seed(u.seed, 0)));
            let (flips, flip_shares) = flips_by_decile(&net, &noisy);
            out_units.push(ResonanceUnit {
                task: u.task,
                seed: u.seed,
                kind: kind.clone(),
                baseline,
                best_level,
                best_accuracy,
                gain: best_accuracy - baseline,
                flips,
                flip_shares,
            });
        }
    }
    let mut summary = Vec::new();
    for (t, spec) in exp.tasks.iter().enumerate() {
        for kind in by_kind.keys() {
            let mine: Vec<&ResonanceUnit> = out_units.iter().filter(|r| r.task == t && &r.kind == kind).collect();
            let col = |f: fn(&ResonanceUnit) -> f64| mine.iter().map(|r| f(r)).collect::<Vec<f64>>();
            let median_flip_shares = (0..BINS)
                .map(|b| crate::stats::quantile(&mine.iter().map(|r| r.flip_shares[b]).collect::<Vec<_>>(), 0.5))
                .map(|m| m.unwrap_or(0.0))
                .collect();
            summary.push(ResonanceSummary {
                task: format!("{}/{}", spec.dataset, spec.label),
                kind: kind.clone(),
                best_level: Quartiles::of(&col(|r| r.best_level)),
                gain: Quartiles::of(&col(|r| r.gain)),
                median_flip_shares,
            });
        }
    }
    Ok(Some(Resonance {
        units: out_units,
        summary,
    }))
}

/// Writes `resonance.json` into the experiment's folder, atomically.
pub(crate) fn write(dir: &Path, resonance: &Resonance) -> Result<(), RunError> {
    write_json(&dir.join("resonance.json"), resonance)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlprobe_graph::{Activation, Layer};

    #[test]
    fn flips_are_binned_by_magnitude_rank() {
        let w: Vec<f32> = (1..=20)
            .map(|i| i as f32 * if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let trained = WeightStack::new(Activation::Relu, vec![Layer::new(20, 1, w.clone(), vec![0.0])]);
        // Flip the two smallest and the largest.
        let mut noisy = trained.clone();
        for i in [0, 1, 19] {
            noisy.layers[0].weights[i] = -w[i];
        }
        let (total, shares) = flips_by_decile(&trained, &noisy);
        assert_eq!(total, 3);
        assert!((shares[0] - 2.0 / 3.0).abs() < 1e-12);
        assert!((shares[9] - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(shares[1..9].iter().sum::<f64>(), 0.0);
    }
}
