//! The complexity map (the paper's Fig. 4): for every class pair,
//! the gap between full-precision and binarized (or sign-preserving
//! shuffled) accuracy, next to the data-side difficulty of the pair, the
//! mean SSIM distance between its images.

use std::path::Path;

use mlprobe_core::RunStatus;
use mlprobe_tasks::ssim::class_distances;
use serde::{Deserialize, Serialize};

use crate::config::Experiment;
use crate::data::dataset_of;
use crate::errors::{RunError, error_chain};
use crate::output::{UnitResult, csv_records, write_csv, write_json};
use crate::stats::{quantile, spearman};

/// One class pair of the map: medians over trained seeds.
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
    for (t, spec) in exp.tasks.iter().enumerate() {
        let mine: Vec<&UnitResult> = units.iter().filter(|u| u.task == t).collect();
        let trained: Vec<&&UnitResult> = mine.iter().filter(|u| u.status == RunStatus::Trained).collect();
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
        let median = |v: Vec<f64>| quantile(&v, 0.5);
        let index = |c: u8| {
            classes
                .iter()
                .position(|x| *x == c)
                .expect("class of the task is in the data")
        };
        let (a, b) = (index(spec.classes[0]), index(spec.classes[1]));
        pairs.push(PairResult {
            classes: [spec.classes[0], spec.classes[1]],
            full: median(column("none", "none")),
            binarized: median(column("binarize", "none")),
            gap_binarized: median(gaps("binarize", "none")),
            shuffled: median(column("randomize", "B")),
            gap_shuffled: median(gaps("randomize", "B")),
            failed: mine.len() - trained.len(),
            ssim_distance: ssim_distance[a * k + b],
        });
    }
    let corr = |gap: fn(&PairResult) -> Option<f64>| {
        let both: Vec<(f64, f64)> = pairs.iter().filter_map(|p| Some((p.ssim_distance, gap(p)?))).collect();
        let (x, y): (Vec<f64>, Vec<f64>) = both.into_iter().unzip();
        spearman(&x, &y)
    };
    Ok(Some(ComplexityMap {
        dataset: first.dataset.clone(),
        reflected: map.reflect_below_chance,
        spearman_ssim_gap_binarized: corr(|p| p.gap_binarized),
        spearman_ssim_gap_shuffled: corr(|p| p.gap_shuffled),
        classes,
        ssim_distance,
        ssim_pairs: map.ssim_pairs,
        pairs,
    }))
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
