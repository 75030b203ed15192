//! Claim 6: the full-vs-binarized (or full-vs-shuffled) gap measures task
//! complexity, from about 0 to about 50 points over the 45 MNIST pairs.

use mlprobe_randomize::NullModel;
use mlprobe_runner::quantile;

use super::reading::{Input, find, full, median, pairs};
use super::{Claim, Finding, RowKey, Verdict};
use crate::markdown::{Table, num};

/// "From about 0 to about 50": the map's gaps span at least this many points.
const WIDE_RANGE: f64 = 30.0;

const BINARIZED: RowKey = RowKey::of(mlprobe_binarize::NAME).strategy(mlprobe_binarize::UNSCALED);
const SHUFFLED: RowKey = RowKey::of(mlprobe_randomize::NAME)
    .strategy(NullModel::B.name())
    .signed(false);

/// The gaps order easy below hard, and the map spans a wide range.
pub(super) const COMPLEXITY: Claim = Claim {
    text: "The gap full-vs-binarized (or full-vs-shuffled) measures task complexity; across the 45 MNIST pairs it varies from about 0 to about 50 points.",
    needs: &[BINARIZED, SHUFFLED],
    judge,
};

fn judge(inputs: &[Input<'_>]) -> Finding {
    let mut details = Table::new(["dataset", "gap", "easy (points)", "hard (points)"]);
    let mut words = Vec::new();
    let mut ordered = true;
    let mut measured_any = false;
    for (name, key) in [("binarization", BINARIZED), ("full-vs-shuffled (B)", SHUFFLED)] {
        let Some((exp, run)) = find(inputs, key) else {
            continue;
        };
        for p in pairs(exp) {
            let gap = |t| Some(full(run, t)? - median(run, t, key)?);
            let (e, h) = if key == BINARIZED {
                // The per-seed gap's median, as summary.json has it.
                let summary = |t: usize| {
                    run.summary.results[&p.dataset][&exp.tasks[t].label]
                        .gap
                        .map(|q| q.median)
                };
                (summary(p.easy), summary(p.hard))
            } else {
                (gap(p.easy), gap(p.hard))
            };
            ordered &= matches!((e, h), (Some(a), Some(b)) if b > a);
            measured_any = true;
            details.row([p.dataset.clone(), name.to_string(), num(e, 1), num(h, 1)]);
            words.push(format!("{} {name} easy {} vs hard {}", p.dataset, num(e, 1), num(h, 1)));
        }
    }
    let map = inputs.iter().find_map(|(_, run)| run.complexity.as_ref());
    let mut wide = false;
    match map {
        Some(map) => {
            let gaps: Vec<f64> = map.pairs.iter().filter_map(|p| p.gap_binarized).collect();
            if let (Some(lo), Some(hi)) = (quantile(&gaps, 0.0), quantile(&gaps, 1.0)) {
                words.push(format!(
                    "the {} pairs of the map span {lo:.1} to {hi:.1} points (Spearman with the SSIM distance {})",
                    gaps.len(),
                    num(map.spearman_ssim_gap_binarized, 2)
                ));
                details.row([
                    map.dataset.clone(),
                    format!("map of {} pairs", gaps.len()),
                    format!("min {lo:.1}"),
                    format!("max {hi:.1}"),
                ]);
                wide = hi - lo >= WIDE_RANGE;
            }
            measured_any = true;
        }
        None => words.push("the 45-pair map is not part of these runs".to_string()),
    }
    if !measured_any {
        return Finding::not_measured("needs binarize or randomize probes on easy and hard tasks");
    }
    Finding {
        verdict: Verdict::of_two(ordered, map.is_some() && wide),
        measured: format!("Median gaps (points): {}.", words.join("; ")),
        details,
    }
}
