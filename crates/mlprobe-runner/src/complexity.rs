//! The complexity map (SPEC 4, the paper's Fig. 4): for every class pair,
//! the gap between full-precision and binarized (or sign-preserving
//! shuffled) accuracy, next to the data-side difficulty of the pair, the
//! mean SSIM distance between its images.

use std::path::Path;

use anyhow::Context;
use mlprobe_core::RunStatus;
use mlprobe_core::store::atomic_write;
use mlprobe_tasks::Dataset;
use mlprobe_tasks::ssim::class_distances;
use serde::Serialize;

use crate::config::{DataSource, Experiment};
use crate::output::{UnitResult, write_json};
use crate::stats::{quantile, spearman};

/// One class pair of the map: medians over trained seeds.
#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
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
pub fn build(exp: &Experiment, units: &[UnitResult]) -> anyhow::Result<Option<ComplexityMap>> {
    let Some(map) = &exp.map else { return Ok(None) };
    let first = exp.tasks.first().context("a map needs tasks")?;
    if exp
        .tasks
        .iter()
        .any(|t| t.classes.len() != 2 || t.dataset != first.dataset)
    {
        anyhow::bail!("[map] needs every task to be a pair of classes of one dataset (use `pairs = true`)");
    }
    let owned;
    let dataset: &Dataset = match &first.source {
        DataSource::Embedded(e) => e.load(),
        DataSource::Dir(dir) => {
            owned = Dataset::from_dir(dir)?;
            &owned
        }
        DataSource::Synthetic(_) => anyhow::bail!("[map] needs image classes, not a synthetic task"),
    };
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
pub fn write(dir: &Path, map: &ComplexityMap) -> anyhow::Result<()> {
    let mut csv = String::from("pair,full,binarized,gap_binarized,shuffled,gap_shuffled,failed_runs,ssim_distance\n");
    for p in &map.pairs {
        csv.push_str(&format!(
            "{}-{},{},{},{},{},{},{},{}\n",
            p.classes[0],
            p.classes[1],
            cell(p.full),
            cell(p.binarized),
            cell(p.gap_binarized),
            cell(p.shuffled),
            cell(p.gap_shuffled),
            p.failed,
            p.ssim_distance
        ));
    }
    atomic_write(&dir.join("complexity_map.csv"), csv.as_bytes())?;
    let k = map.classes.len();
    let mut ssim = format!(
        "class,{}\n",
        map.classes.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",")
    );
    for (a, c) in map.classes.iter().enumerate() {
        let row: Vec<String> = map.ssim_distance[a * k..(a + 1) * k]
            .iter()
            .map(|v| v.to_string())
            .collect();
        ssim.push_str(&format!("{c},{}\n", row.join(",")));
    }
    atomic_write(&dir.join("ssim_distance.csv"), ssim.as_bytes())?;
    write_json(&dir.join("complexity_map.json"), map)
}
