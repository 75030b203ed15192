//! Claim 3: pruning a binarized hard-task model changes its accuracy
//! sharply; full-precision models degrade smoothly; the largest edges matter.

use mlprobe_graph::Selection;

use super::binarization::CHANCE_CEILING;
use super::reading::{Input, curve, find, pairs};
use super::{Claim, Finding, RowKey, Verdict};
use crate::markdown::{Table, num};

/// A "sharp" change: a step of at least this many points between two
/// neighbouring levels of the binarized hard curve.
const SHARP_STEP: f64 = 20.0;

/// "Degrades smoothly": the full-precision curve stays within this many
/// points of its start ...
const SMOOTH_TOLERANCE: f64 = 5.0;

/// ... up to at least this fraction pruned.
const SMOOTH_UNTIL: f64 = 0.8;

/// "Destroys any model quickly": below chance by this fraction of the
/// largest weights pruned.
const LARGEST_KILLS_BY: f64 = 0.3;

const PRUNE: RowKey = RowKey::of(mlprobe_prune::NAME);
const SMALLEST: RowKey = PRUNE.strategy(Selection::Smallest.name());
const LARGEST: RowKey = PRUNE.strategy(Selection::Largest.name()).signed(false);

/// Sharp for binarized hard models, smooth for full precision.
pub(super) const PHASE_TRANSITION: Claim = Claim {
    text: "Pruning the smallest edges of a binarized hard-task model changes accuracy sharply (phase-transition-like); full-precision models degrade smoothly until almost all edges are gone; removing the largest edges destroys any model quickly.",
    needs: &[SMALLEST, LARGEST],
    judge,
};

fn judge(inputs: &[Input<'_>]) -> Finding {
    let Some((exp, run)) = find(inputs, SMALLEST.signed(true)) else {
        return Finding::not_measured("needs easy and hard tasks with a signed prune sweep");
    };
    let mut details = Table::new([
        "dataset",
        "task",
        "largest step, signed (points)",
        "full within 5 points up to p",
        "largest-first below chance at p",
    ]);
    let (mut sharp, mut smooth, mut largest_kills) = (false, true, true);
    // Parts of the claim whose sweeps were not run are left out of the verdict.
    let (mut full_run, mut largest_run) = (false, false);
    let mut steps = Vec::new();
    for p in pairs(exp) {
        for t in [p.easy, p.hard] {
            let signed = curve(run, t, SMALLEST.signed(true));
            let jump = signed
                .windows(2)
                .map(|w| ((w[1].1 - w[0].1).abs(), w[0].0, w[1].0))
                .fold((0.0, 0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a });
            if t == p.hard {
                sharp |= jump.0 >= SHARP_STEP;
                steps.push(format!(
                    "{} hard {:.1} points (p={} to {})",
                    p.dataset, jump.0, jump.1, jump.2
                ));
            }
            let full = curve(run, t, SMALLEST.signed(false));
            let holds = full.first().map(|&(_, start)| {
                full.iter()
                    .filter(|(_, a)| *a >= start - SMOOTH_TOLERANCE)
                    .map(|(p, _)| *p)
                    .fold(0.0, f64::max)
            });
            if let Some(h) = holds {
                full_run = true;
                smooth &= h >= SMOOTH_UNTIL;
            }
            let large = curve(run, t, LARGEST);
            let dies = large.iter().find(|(_, a)| *a < CHANCE_CEILING).map(|(p, _)| *p);
            if !large.is_empty() {
                largest_run = true;
                largest_kills &= dies.is_some_and(|p| p <= LARGEST_KILLS_BY);
            }
            details.row([
                p.dataset.clone(),
                exp.tasks[t].label.clone(),
                format!("{:.1} (p={} to {})", jump.0, jump.1, jump.2),
                num(holds, 2),
                if large.is_empty() {
                    "-".to_string()
                } else {
                    dies.map(|p| p.to_string()).unwrap_or_else(|| "no level run".into())
                },
            ]);
        }
    }
    let parts: Vec<bool> = [
        Some(sharp),
        full_run.then_some(smooth),
        largest_run.then_some(largest_kills),
    ]
    .into_iter()
    .flatten()
    .collect();
    let score = parts.iter().filter(|b| **b).count();
    let verdict = if score == parts.len() && parts.len() == 3 {
        Verdict::Supported
    } else if score == 0 {
        Verdict::NotSupported
    } else {
        Verdict::Partly
    };
    let said = |run: bool, holds: bool, yes: &str, no: &str| match (run, holds) {
        (false, _) => "not run".to_string(),
        (true, true) => yes.to_string(),
        (true, false) => no.to_string(),
    };
    Finding {
        verdict,
        measured: format!(
            "{} (medians): largest step of the binarized hard curve {}; full precision {}; largest-first pruning {}.",
            exp.name,
            steps.join(", "),
            said(full_run, smooth, "smooth", "not smooth everywhere"),
            said(
                largest_run,
                largest_kills,
                "destroys every model by p=0.3",
                "spares some model past p=0.3"
            ),
        ),
        details,
    }
}
