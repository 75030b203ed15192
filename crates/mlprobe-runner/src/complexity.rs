//! The complexity map (the paper's Fig. 4): for every class pair,
//! the gap between full-precision and binarized (or sign-preserving
//! shuffled) accuracy, next to the data-side difficulty of the pair, the
//! mean SSIM distance between its images; and how stable the map is
//! under a change of seeds.

use std::path::Path;

use mlprobe_core::RunStatus;
use mlprobe_graph::probe_rng;
use mlprobe_tasks::ssim::class_distances;
use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::config::Experiment;
use crate::data::dataset_of;
use crate::errors::{RunError, error_chain};
use crate::output::{UnitResult, counted, csv_records, write_csv, write_json};
use crate::seed::derive_seed;
use crate::stats::{quantile, spearman};

/// Bootstrap resamples of the map's seeds: enough that the 2.5 % and 97.5 %
/// quantiles of the correlation move by less than 0.01 between bootstrap seeds.
pub const BOOTSTRAP_RESAMPLES: usize = 1000;

/// One class pair of the map: medians over its counted seeds (trained ones by default).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairResult {
    /// The two classes.
    pub classes: [u8; 2],
    /// Full-precision accuracy (%).
    pub full: Option<f64>,
    /// Binarized accuracy (%).
    pub binarized: Option<f64>,
    /// Median per-seed gap full - binarized (points).
    pub gap_binarized: Option<f64>,
    /// Accuracy after the sign-preserving shuffle B (%).
    pub shuffled: Option<f64>,
    /// Median per-seed gap full - shuffled (points).
    pub gap_shuffled: Option<f64>,
    /// Seeds below the failure threshold.
    pub failed: usize,
    /// Mean SSIM distance between images of the two classes.
    pub ssim_distance: f64,
}

/// The map of an experiment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComplexityMap {
    /// The dataset.
    pub dataset: String,
    /// Whether accuracies below 50 % were reflected to 100 - accuracy.
    pub reflected: bool,
    /// The classes, in order.
    pub classes: Vec<u8>,
    /// Mean SSIM distance matrix over `classes`, row-major (diagonal: within class).
    pub ssim_distance: Vec<f64>,
    /// Random image pairs per SSIM cell.
    pub ssim_pairs: usize,
    /// One entry per pair, in the experiment's order.
    pub pairs: Vec<PairResult>,
    /// Spearman correlation between SSIM distance and binarization gap over the pairs.
    pub spearman_ssim_gap_binarized: Option<f64>,
    /// Spearman correlation between SSIM distance and shuffle gap over the pairs.
    pub spearman_ssim_gap_shuffled: Option<f64>,
    /// How much the map depends on its seeds.
    #[serde(default)]
    pub stability: Option<MapStability>,
}

/// How stable a map is under a change of seeds: the map of the first half
/// of each pair's seeds against that of the second half, and a bootstrap
/// over seeds of its SSIM correlations.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MapStability {
    /// Seeds per half (the fewest any pair has: a pair's first `half`
    /// counted seeds against its next `half`).
    pub half: usize,
    /// Spearman over the pairs between the two halves' binarization gaps.
    pub halves_gap_binarized: Option<f64>,
    /// Spearman over the pairs between the two halves' shuffle gaps.
    pub halves_gap_shuffled: Option<f64>,
    /// The SSIM-binarization gap correlation of each half.
    pub halves_ssim_gap_binarized: [Option<f64>; 2],
    /// Bootstrap resamples (each pair's seeds drawn with replacement).
    pub resamples: usize,
    /// 95 % bootstrap interval of [`ComplexityMap::spearman_ssim_gap_binarized`].
    pub interval_ssim_gap_binarized: Option<[f64; 2]>,
    /// 95 % bootstrap interval of [`ComplexityMap::spearman_ssim_gap_shuffled`].
    pub interval_ssim_gap_shuffled: Option<[f64; 2]>,
}

/// Builds the map of an experiment with a `[map]` table; `None` otherwise.
/// Every task must be a pair of classes of one dataset.
pub fn build(exp: &Experiment, units: &[UnitResult]) -> Result<Option<ComplexityMap>, RunError> {
    let Some(map) = &exp.map else { return Ok(None) };
    let fail = |reason: &str| RunError::Map {
        experiment: exp.name.clone(),
        reason: reason.to_string(),
    };
    let first = exp.tasks.first().ok_or_else(|| fail("a map needs tasks"))?;
    if exp
        .tasks
        .iter()
        .any(|t| t.classes.len() != 2 || t.dataset != first.dataset)
    {
        return Err(fail(
            "every task must be a pair of classes of one dataset (use `pairs = true`)",
        ));
    }
    let dataset = dataset_of(first)
        .map_err(|e| fail(&error_chain(&e)))?
        .ok_or_else(|| fail("a map needs image classes, not a synthetic task"))?;
    let (classes, ssim_distance) = class_distances(&dataset.train, map.ssim_pairs, map.ssim_seed);
    let k = classes.len();
    let reflect = |a: f64| {
        if map.reflect_below_chance && a < 50.0 {
            100.0 - a
        } else {
            a
        }
    };
    let mut pairs = Vec::new();
    let mut seed_gaps = Vec::new();
    for (t, spec) in exp.tasks.iter().enumerate() {
        let failed = (units.iter())
            .filter(|u| u.task == t && u.status == RunStatus::Failed)
            .count();
        let trained: Vec<&UnitResult> = counted(exp, units, t).collect();
        let value = |u: &UnitResult, probe: &str, strategy: &str| {
            u.rows
                .iter()
                .find(|r| {
                    r.probe == probe && r.strategy == strategy && r.level == 0.0 && (probe == "binarize" || !r.signed)
                })
                .map(|r| reflect(r.accuracy))
        };
        let column = |probe: &str, strategy: &str| -> Vec<f64> {
            trained.iter().filter_map(|u| value(u, probe, strategy)).collect()
        };
        let gaps = |probe: &str, strategy: &str| -> Vec<f64> {
            trained
                .iter()
                .filter_map(|u| Some(value(u, "none", "none")? - value(u, probe, strategy)?))
                .collect()
        };
        let median = |v: &[f64]| quantile(v, 0.5);
        let (gap_binarized, gap_shuffled) = (gaps("binarize", "none"), gaps("randomize", "B"));
        let index = |c: u8| {
            classes
                .iter()
                .position(|x| *x == c)
                .expect("class of the task is in the data")
        };
        let (a, b) = (index(spec.classes[0]), index(spec.classes[1]));
        pairs.push(PairResult {
            classes: [spec.classes[0], spec.classes[1]],
            full: median(&column("none", "none")),
            binarized: median(&column("binarize", "none")),
            gap_binarized: median(&gap_binarized),
            shuffled: median(&column("randomize", "B")),
            gap_shuffled: median(&gap_shuffled),
            failed,
            ssim_distance: ssim_distance[a * k + b],
        });
        seed_gaps.push([gap_binarized, gap_shuffled]);
    }
    let corr = |gap: fn(&PairResult) -> Option<f64>| {
        let both: Vec<(f64, f64)> = pairs.iter().filter_map(|p| Some((p.ssim_distance, gap(p)?))).collect();
        let (x, y): (Vec<f64>, Vec<f64>) = both.into_iter().unzip();
        spearman(&x, &y)
    };
    let distances: Vec<f64> = pairs.iter().map(|p| p.ssim_distance).collect();
    Ok(Some(ComplexityMap {
        dataset: first.dataset.clone(),
        reflected: map.reflect_below_chance,
        spearman_ssim_gap_binarized: corr(|p| p.gap_binarized),
        spearman_ssim_gap_shuffled: corr(|p| p.gap_shuffled),
        stability: stability(&seed_gaps, &distances, &exp.name),
        classes,
        ssim_distance,
        ssim_pairs: map.ssim_pairs,
        pairs,
    }))
}

/// Spearman over the pairs of `x` and `y`, leaving out pairs where either is missing.
fn spearman_of(x: &[Option<f64>], y: &[Option<f64>]) -> Option<f64> {
    let (a, b): (Vec<f64>, Vec<f64>) = (x.iter().zip(y)).filter_map(|(a, b)| Some(((*a)?, (*b)?))).unzip();
    spearman(&a, &b)
}

/// The map's stability from its per-seed gaps (`[binarization, shuffle]`
/// per pair, in seed order) and the pairs' SSIM distances; `None` with
/// fewer than two seeds in every pair.
fn stability(gaps: &[[Vec<f64>; 2]], distances: &[f64], experiment: &str) -> Option<MapStability> {
    let half = gaps.iter().map(|g| g[0].len().min(g[1].len())).min()? / 2;
    if half == 0 {
        return None;
    }
    let median = |v: &[f64]| quantile(v, 0.5);
    let halves = |kind: usize, h: usize| -> Vec<Option<f64>> {
        (gaps.iter())
            .map(|g| median(&g[kind][h * half..(h + 1) * half]))
            .collect()
    };
    let dist: Vec<Option<f64>> = distances.iter().map(|&d| Some(d)).collect();
    let mut rng = probe_rng(derive_seed(&format!("{experiment}/map-bootstrap")));
    let mut resampled: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..BOOTSTRAP_RESAMPLES {
        for (kind, out) in resampled.iter_mut().enumerate() {
            let medians: Vec<Option<f64>> = (gaps.iter())
                .map(|g| {
                    let v = &g[kind];
                    let draw: Vec<f64> = (0..v.len()).map(|_| v[rng.random_range(0..v.len())]).collect();
                    median(&draw)
                })
                .collect();
            out.extend(spearman_of(&dist, &medians));
        }
    }
    let interval = |v: &[f64]| Some([quantile(v, 0.025)?, quantile(v, 0.975)?]);
    Some(MapStability {
        half,
        halves_gap_binarized: spearman_of(&halves(0, 0), &halves(0, 1)),
        halves_gap_shuffled: spearman_of(&halves(1, 0), &halves(1, 1)),
        halves_ssim_gap_binarized: [spearman_of(&dist, &halves(0, 0)), spearman_of(&dist, &halves(0, 1))],
        resamples: BOOTSTRAP_RESAMPLES,
        interval_ssim_gap_binarized: interval(&resampled[0]),
        interval_ssim_gap_shuffled: interval(&resampled[1]),
    })
}

fn cell(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Writes `complexity_map.csv`, `ssim_distance.csv` and `complexity_map.json`, atomically.
pub fn write(dir: &Path, map: &ComplexityMap) -> Result<(), RunError> {
    let header = "pair,full,binarized,gap_binarized,shuffled,gap_shuffled,failed_runs,ssim_distance";
    let pairs = map.pairs.iter().map(|p| {
        vec![
            format!("{}-{}", p.classes[0], p.classes[1]),
            cell(p.full),
            cell(p.binarized),
            cell(p.gap_binarized),
            cell(p.shuffled),
            cell(p.gap_shuffled),
            p.failed.to_string(),
            p.ssim_distance.to_string(),
        ]
    });
    let records = std::iter::once(header.split(',').map(str::to_string).collect()).chain(pairs);
    write_csv(&dir.join("complexity_map.csv"), csv_records(records))?;
    let k = map.classes.len();
    let header = std::iter::once("class".to_string()).chain(map.classes.iter().map(|c| c.to_string()));
    let rows = map.classes.iter().enumerate().map(|(a, c)| {
        std::iter::once(c.to_string())
            .chain(map.ssim_distance[a * k..(a + 1) * k].iter().map(|v| v.to_string()))
            .collect()
    });
    let records = std::iter::once(header.collect()).chain(rows);
    write_csv(&dir.join("ssim_distance.csv"), csv_records(records))?;
    write_json(&dir.join("complexity_map.json"), map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_whose_halves_agree_is_stable_and_its_bootstrap_is_reproducible() {
        // Pair i: gaps around 5 i, the same in both halves, the distance falling with i.
        let gaps: Vec<[Vec<f64>; 2]> = (0..8)
            .map(|i| {
                let g: Vec<f64> = [0.0, 1.0, 2.0, 0.0, 1.0, 2.0]
                    .iter()
                    .map(|d| 5.0 * i as f64 + d)
                    .collect();
                [g.clone(), g.iter().map(|x| x + 0.5).collect()]
            })
            .collect();
        let distances: Vec<f64> = (0..8).map(|i| 1.0 - 0.05 * i as f64).collect();
        let s = stability(&gaps, &distances, "t").unwrap();
        assert_eq!(s.half, 3);
        assert_eq!(s.halves_gap_binarized, Some(1.0));
        assert_eq!(s.halves_ssim_gap_binarized, [Some(-1.0), Some(-1.0)]);
        let [lo, hi] = s.interval_ssim_gap_binarized.unwrap();
        assert!(-1.0 <= lo && lo <= hi && hi < -0.8, "{lo} {hi}");
        let again = stability(&gaps, &distances, "t").unwrap();
        assert_eq!(again.interval_ssim_gap_shuffled, s.interval_ssim_gap_shuffled);
        let one_seed: Vec<[Vec<f64>; 2]> = gaps.iter().map(|g| [g[0][..1].to_vec(), g[1][..1].to_vec()]).collect();
        assert!(stability(&one_seed, &distances, "t").is_none());
    }
}
