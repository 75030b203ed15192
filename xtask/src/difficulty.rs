//! `cargo xtask difficulty`: the binarization gap a two-class image task
//! would show, estimated from its images alone (the mean SSIM distance
//! between the classes) by a line fitted to the 45 MNIST pairs of the
//! complexity map, with the fit's leave-one-out error.

use std::path::Path;

use anyhow::{Context, bail};
use mlprobe_runner::{Calibration, ComplexityMap, Experiment};
use mlprobe_tasks::npz::load_npz;
use mlprobe_tasks::ssim::{class_distances, example_distances};
use mlprobe_tasks::{Dataset, Split};

use crate::experiments::experiments_dir;
use crate::flags::Difficulty;

/// Inputs of the map's networks: MNIST's 28 x 28 pixels.
const MAP_INPUTS: usize = 28 * 28;

/// The experiment whose map calibrates the estimate.
const MAP_EXPERIMENT: &str = "complexity-map";

/// Runs the command.
pub fn run(flags: Difficulty) -> anyhow::Result<()> {
    let [a, b] = flags.classes[..] else {
        bail!("--classes: give two classes (e.g. 3,5), not {}", flags.classes.len());
    };
    if a == b {
        bail!("--classes: the two classes are the same ({a})");
    }
    let (name, between, within) = distances(&flags, a, b)?;
    let calibration = calibration(&flags.results)?;
    if let Some(path) = &flags.write_calibration {
        mlprobe_graph::store::atomic_write(path, calibration.to_json().as_bytes())?;
        println!("wrote the calibration to {}", path.display());
    }
    let predictor = calibration
        .fit()
        .context("the calibration's distances do not vary: no fit")?;
    let loo = calibration.leave_one_out().context("too few calibration pairs")?;
    let gap = predictor.predict(between);
    println!("{name} {a} vs {b}: mean SSIM distance between the classes {between:.4}, within them {within:.4}");
    println!(
        "estimated binarization gap: {gap:.1} points (the line {:.1} {:+.1} x distance, at least 0), typical error {:.1} (leave-one-out RMSE over {} pairs; guessing their mean gap: {:.1})",
        predictor.intercept,
        predictor.slope,
        loo.rmse,
        calibration.pairs.len(),
        loo.baseline_rmse
    );
    let percentile = calibration.percentile(gap);
    println!("that gap is at least the gap of {percentile:.0} % of the calibration pairs");
    println!(
        "calibration: {} {} pairs, {} ({}). It holds for small grey-scale images like MNIST's and networks like these; elsewhere take it as an order of magnitude.",
        calibration.pairs.len(),
        calibration.dataset,
        calibration.network,
        calibration.source
    );
    Ok(())
}

/// The dataset's name and the two classes' mean SSIM distances (between,
/// and the mean of the two within-class ones).
fn distances(flags: &Difficulty, a: u8, b: u8) -> anyhow::Result<(String, f64, f64)> {
    let pairs = flags.ssim_pairs as usize;
    if let Some(npz) = &flags.data_npz {
        let task = load_npz(npz, "npz", Some(&[a, b]))?;
        let m = example_distances(&task.test, pairs, flags.ssim_seed).with_context(|| {
            format!(
                "{}: SSIM needs images, and x_test's {} features are not a square image of at least 7 x 7",
                npz.display(),
                task.test.dim
            )
        })?;
        return Ok((npz.display().to_string(), m[1], (m[0] + m[3]) / 2.0));
    }
    let owned;
    let dataset: &Dataset = match (&flags.dataset, &flags.data_dir) {
        (Some(embedded), _) => embedded.load(),
        (None, Some(dir)) => {
            owned = Dataset::from_dir(dir)?;
            &owned
        }
        (None, None) => bail!("give the data: --dataset, --data-dir or --data-npz"),
    };
    let split = two_classes(&dataset.train, a, b).with_context(|| format!("{}'s training split", dataset.name))?;
    let (_, m) = class_distances(&split, pairs, flags.ssim_seed);
    Ok((dataset.name.clone(), m[1], (m[0] + m[3]) / 2.0))
}

/// The images of classes `a` and `b` of `split`, or an error naming the
/// classes it has.
fn two_classes(split: &Split, a: u8, b: u8) -> anyhow::Result<Split> {
    let present: Vec<u8> = split.class_counts().into_iter().map(|(c, _)| c).collect();
    if let Some(c) = [a, b].into_iter().find(|c| !present.contains(c)) {
        bail!("class {c} is not in the data (its classes: {present:?})");
    }
    let keep: Vec<usize> = (0..split.labels.len())
        .filter(|&i| [a, b].contains(&split.labels[i]))
        .collect();
    let mut images = split.images.clone();
    images.count = keep.len();
    images.pixels = keep.iter().flat_map(|&i| split.images.image(i).to_vec()).collect();
    Ok(Split {
        images,
        labels: keep.iter().map(|&i| split.labels[i]).collect(),
    })
}

/// The map of `results/complexity-map` when that run is there, else the
/// calibration mlprobe ships.
fn calibration(results: &Path) -> anyhow::Result<Calibration> {
    let path = results.join(MAP_EXPERIMENT).join("complexity_map.json");
    if !path.is_file() {
        return Ok(Calibration::shipped());
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let map: ComplexityMap =
        serde_json::from_str(&text).with_context(|| format!("{} is not a complexity map", path.display()))?;
    let exp = Experiment::load(&experiments_dir().join(format!("{MAP_EXPERIMENT}.toml")))?;
    let source = format!("cargo xtask reproduce, experiment {MAP_EXPERIMENT}");
    Calibration::of_experiment(&exp, &map, MAP_INPUTS, &source).context("the complexity map has no tasks")
}
