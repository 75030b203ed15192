//! Claim 4: moderate noise can raise a binarized model's accuracy
//! (stochastic resonance), tied to sign flips of small weights.

use mlprobe_graph::Selection;

use super::reading::{Input, best, curve};
use super::{Claim, Finding, RowKey, Verdict};
use crate::markdown::{Table, distinct, num};

/// A gain counts when the best noisy median beats no noise by this many points.
const MIN_GAIN: f64 = 1.0;

/// Flips are "tied to small weights" when the smallest-|w| decile takes at
/// least 1.5x its uniform share (10 %) ...
const SMALLEST_DECILE_SHARE: f64 = 0.15;

/// ... and the largest decile less than its share.
const LARGEST_DECILE_SHARE: f64 = 0.10;

const NOISE: RowKey = RowKey::of(mlprobe_noise::NAME)
    .strategy(mlprobe_noise::NoiseKind::Gaussian.name())
    .signed(true);
const FLIP_SMALLEST: RowKey = RowKey::of(mlprobe_flip::NAME)
    .strategy(Selection::Smallest.name())
    .signed(true);

/// Stochastic resonance of binarized networks.
pub(super) const RESONANCE: Claim = Claim {
    text: "Moderate noise can raise the accuracy of a binarized model (stochastic resonance), tied to sign flips of small weights.",
    needs: &[NOISE, FLIP_SMALLEST],
    judge,
};

fn judge(inputs: &[Input<'_>]) -> Finding {
    let Some((exp, run, r)) = inputs
        .iter()
        .find_map(|(e, run)| run.resonance.as_ref().map(|r| (*e, *run, r)))
    else {
        return Finding::not_measured("needs a signed noise sweep");
    };
    if r.summary.is_empty() {
        return Finding::not_measured("needs trained models with a signed noise sweep");
    }
    let mut details = Table::new([
        "task",
        "noise",
        "median gain (points)",
        "at level",
        "flips in smallest |w| decile",
        "in largest",
        "in 3 smallest",
    ]);
    let (mut gains, mut small) = (false, false);
    // The largest gain: (gain, task, kind, smallest-decile share, largest-decile share).
    let mut top: Option<(f64, String, String, f64, f64)> = None;
    let mut gaining = 0;
    // Every kind of noise that was run (the paper's panels: Gaussian).
    for s in &r.summary {
        let gain = s.gain.map(|q| q.median);
        let shares = &s.median_flip_shares;
        let tied = shares.first().is_some_and(|f| *f >= SMALLEST_DECILE_SHARE)
            && shares.last().is_some_and(|l| *l < LARGEST_DECILE_SHARE);
        let gained = gain.is_some_and(|g| g >= MIN_GAIN);
        gains |= gained;
        small |= gained && tied;
        let pct = |v: Option<&f64>| format!("{:.0} %", 100.0 * v.copied().unwrap_or(0.0));
        details.row([
            s.task.clone(),
            s.kind.clone(),
            num(gain, 1),
            s.best_level
                .map(|q| format!("{:.4}", q.median))
                .unwrap_or_else(|| "-".into()),
            pct(shares.first()),
            pct(shares.last()),
            pct(Some(&shares.iter().take(3).sum::<f64>())),
        ]);
        gaining += usize::from(gained);
        if let Some(g) = gain
            && top.as_ref().is_none_or(|t| g > t.0)
        {
            let share = |v: Option<&f64>| v.copied().unwrap_or(0.0);
            top = Some((
                g,
                s.task.clone(),
                s.kind.clone(),
                share(shares.first()),
                share(shares.last()),
            ));
        }
    }
    let flips = flip_gains(exp, run);
    let best_gain = top.map_or("no trained model".to_string(), |(g, task, kind, lo, hi)| {
        format!(
            "largest median gain {g:.1} points ({task}, {kind} noise; {:.0} % of its flips in the smallest |w| decile, {:.0} % in the largest, 10 % each = no preference)",
            100.0 * lo,
            100.0 * hi
        )
    });
    let mut measured = format!(
        "{} ({}), binarized models: {best_gain}; {gaining} of {} task and noise pairs gain >= {MIN_GAIN} point.",
        exp.name,
        trained_with(exp).join(", "),
        r.summary.len()
    );
    if !flips.is_empty() {
        measured += &format!(" Flipping the smallest weights instead: {}.", flips.join("; "));
    }
    Finding {
        verdict: match (gains, small) {
            (true, true) => Verdict::Supported,
            (true, false) => Verdict::Partly,
            _ => Verdict::NotSupported,
        },
        measured,
        details,
    }
}

/// The best median gain of flipping the smallest weights, per task, where
/// the run has that sweep.
fn flip_gains(exp: &mlprobe_runner::Experiment, run: &mlprobe_runner::ExperimentRun) -> Vec<String> {
    (exp.tasks.iter().enumerate())
        .filter_map(|(t, spec)| {
            let c = curve(run, t, FLIP_SMALLEST);
            let (first, top) = (c.first()?, best(&c)?);
            Some(format!(
                "{}/{}: {:+.1} points at q={:.3}",
                spec.dataset,
                spec.label,
                top.1 - first.1,
                top.0
            ))
        })
        .collect()
}

/// The datasets with the activations their models were trained with.
fn trained_with(exp: &mlprobe_runner::Experiment) -> Vec<String> {
    distinct(
        exp.tasks
            .iter()
            .map(|s| format!("{} {}", s.dataset, s.training.activation)),
    )
}
