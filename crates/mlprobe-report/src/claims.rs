//! The paper's qualitative claims, each checked against the numbers of the
//! runs at hand.

use mlprobe_runner::{Experiment, ExperimentRun, quantile};

use crate::panels::column;

/// How the measurements relate to a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The numbers support the claim.
    Supported,
    /// Part of the claim holds.
    Partly,
    /// The numbers contradict the claim.
    NotSupported,
    /// The runs at hand do not measure it.
    NotMeasured,
}

impl Verdict {
    /// Words for the report.
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Supported => "supported",
            Verdict::Partly => "partly supported",
            Verdict::NotSupported => "not supported",
            Verdict::NotMeasured => "not measured",
        }
    }
}

/// One claim with the numbers that bear on it.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The claim in the paper's words (shortened).
    pub claim: &'static str,
    /// The measurements, in plain words.
    pub measured: String,
    /// The verdict.
    pub verdict: Verdict,
}

/// The paper's claims, in order.
pub const CLAIMS: [&str; 6] = [
    "Binarizing a hard-task model collapses accuracy to chance (~50 %); an easy-task model keeps most of its accuracy.",
    "Fig. 1 (tanh, MNIST): the binarized easy network recovers to ~98 % once 35-45 % of its smallest weights are pruned; the binarized hard network stays near chance except in narrow windows of p.",
    "Pruning the smallest edges of a binarized hard-task model changes accuracy sharply (phase-transition-like); full-precision models degrade smoothly until almost all edges are gone; removing the largest edges destroys any model quickly.",
    "Moderate noise can raise the accuracy of a binarized model (stochastic resonance), tied to sign flips of small weights.",
    "Randomizations that keep the sign structure (B, E, F) keep much more accuracy than those that do not (A, C, D), most clearly for easy tasks.",
    "The gap full-vs-binarized (or full-vs-shuffled) measures task complexity; across the 45 MNIST pairs it varies from about 0 to about 50 points.",
];

/// Whether some claim reads the sweep of `probe` and `strategy` in `exp`
/// (the rest get a table of their own in the report): the claims compare
/// easy and hard tasks, so they read only experiments that have both.
pub fn covers(exp: &Experiment, probe: &str, strategy: &str) -> bool {
    !pairs(exp).is_empty() && reads(probe, strategy)
}

/// Whether some claim reads the sweep of `probe` and `strategy`.
fn reads(probe: &str, strategy: &str) -> bool {
    matches!(
        (probe, strategy),
        ("binarize" | "randomize", _)
            | ("prune", "smallest" | "largest")
            | ("noise", "gaussian")
            | ("flip", "smallest")
    )
}

/// A run with its experiment.
pub type Input<'a> = (&'a Experiment, &'a ExperimentRun);

/// Median over trained seeds of a task's accuracy in the row chosen by `pick`.
fn median_where(run: &ExperimentRun, t: usize, pick: impl Fn(&mlprobe_runner::Row) -> bool) -> Option<f64> {
    let r = run.units.first()?.rows.iter().position(pick)?;
    quantile(&column(run, t, r), 0.5)
}

/// The median curve `(level, median)` of a probe, strategy and variant for task `t`.
fn curve(run: &ExperimentRun, t: usize, probe: &str, strategy: &str, signed: bool) -> Vec<(f64, f64)> {
    let Some(first) = run.units.first() else {
        return Vec::new();
    };
    first
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.probe == probe && r.strategy == strategy && r.signed == signed)
        .filter_map(|(i, r)| quantile(&column(run, t, i), 0.5).map(|m| (r.level, m)))
        .collect()
}

/// The run with easy and hard tasks of one dataset that has the most rows
/// matching `has`, then the most units (the first of those on ties), if any
/// has one.
fn find<'a>(inputs: &[Input<'a>], has: impl Fn(&mlprobe_runner::Row) -> bool) -> Option<Input<'a>> {
    let matching = |run: &ExperimentRun| {
        let rows = run
            .units
            .first()
            .map_or(0, |u| u.rows.iter().filter(|r| has(r)).count());
        (rows, if rows > 0 { run.units.len() } else { 0 })
    };
    inputs
        .iter()
        .copied()
        .filter(|(exp, run)| !pairs(exp).is_empty() && matching(run).0 > 0)
        .fold(None, |best: Option<Input<'a>>, x| match best {
            Some(b) if matching(b.1) >= matching(x.1) => Some(b),
            _ => Some(x),
        })
}

/// `(dataset, easy task index, hard task index)` for every dataset with
/// both, in an experiment without swept keys (a sweep has its own section).
fn pairs(exp: &Experiment) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    if !exp.columns.is_empty() {
        return out;
    }
    for (e, easy) in exp.tasks.iter().enumerate().filter(|(_, t)| t.label == "easy") {
        if let Some(h) = exp
            .tasks
            .iter()
            .position(|t| t.label == "hard" && t.dataset == easy.dataset)
        {
            out.push((easy.dataset.clone(), e, h));
        }
    }
    out
}

fn fmt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "n/a".into())
}

fn not_measured(claim: &'static str, what: &str) -> Claim {
    Claim {
        claim,
        measured: format!("No run here measures it ({what})."),
        verdict: Verdict::NotMeasured,
    }
}

fn binarization(inputs: &[Input<'_>]) -> Claim {
    let Some((exp, run)) = find(inputs, |r| r.probe == "binarize") else {
        return not_measured(
            CLAIMS[0],
            "needs easy and hard tasks of a dataset with a binarize probe",
        );
    };
    let mut words = Vec::new();
    let (mut collapse, mut keeps) = (true, true);
    for (dataset, e, h) in pairs(exp) {
        let bin = |t| median_where(run, t, |r| r.probe == "binarize");
        let full = |t| median_where(run, t, |r| r.probe == "none");
        let (be, bh) = (bin(e), bin(h));
        collapse &= bh.is_some_and(|b| b <= 60.0);
        keeps &= matches!((be, bh), (Some(a), Some(b)) if a >= b + 10.0);
        words.push(format!(
            "{dataset}: hard {} binarized {}% (full {}%), easy {} binarized {}% (full {}%)",
            exp.tasks[h].classes_label(),
            fmt(bh),
            fmt(full(h)),
            exp.tasks[e].classes_label(),
            fmt(be),
            fmt(full(e))
        ));
    }
    let verdict = match (collapse, keeps) {
        (true, true) => Verdict::Supported,
        (false, true) | (true, false) => Verdict::Partly,
        _ => Verdict::NotSupported,
    };
    let mut measured = format!("Medians over trained seeds ({}). ", exp.name) + &words.join("; ") + ".";
    if !collapse {
        measured += " Not every hard task falls to chance (<= 60 %).";
    }
    Claim {
        claim: CLAIMS[0],
        measured,
        verdict,
    }
}

fn pruning_recovery(inputs: &[Input<'_>]) -> Claim {
    let Some((exp, run)) = find(inputs, |r| r.probe == "prune" && r.strategy == "smallest" && r.signed) else {
        return not_measured(CLAIMS[1], "needs easy and hard tasks with a signed prune sweep");
    };
    let Some((_, e, h)) = pairs(exp).into_iter().find(|(d, _, _)| d == "mnist") else {
        return not_measured(CLAIMS[1], "needs MNIST easy and hard tasks");
    };
    let easy = curve(run, e, "prune", "smallest", true);
    let hard = curve(run, h, "prune", "smallest", true);
    let best = |c: &[(f64, f64)]| c.iter().copied().reduce(|a, b| if b.1 > a.1 { b } else { a });
    let (Some((pe, ae)), Some((ph, ah))) = (best(&easy), best(&hard)) else {
        return not_measured(CLAIMS[1], "no trained seed of a task");
    };
    let near_chance = hard.iter().filter(|(_, a)| *a <= 60.0).count() as f64 / hard.len() as f64;
    let at_0 = |c: &[(f64, f64)]| c.first().map(|x| x.1);
    let window: Vec<String> = easy
        .iter()
        .filter(|(p, _)| (0.35..=0.45).contains(p))
        .map(|(p, a)| format!("{a:.1}% at p={p}"))
        .collect();
    let verdict = if ae >= 95.0 && (0.3..=0.6).contains(&pe) && near_chance >= 0.7 {
        Verdict::Supported
    } else if ae >= ah + 10.0 {
        Verdict::Partly
    } else {
        Verdict::NotSupported
    };
    Claim {
        claim: CLAIMS[1],
        measured: format!(
            "{} ({} activation), MNIST, binarized after pruning the smallest: easy 0-7 starts at {}% (p=0), peaks at {ae:.1}% at p={pe} ({}); hard 7-9 starts at {}%, peaks at {ah:.1}% at p={ph}, and is at or below 60% at {:.0}% of the p grid.",
            exp.name,
            exp.tasks[e].training.activation,
            fmt(at_0(&easy)),
            if window.is_empty() {
                "no grid point in 0.35-0.45".to_string()
            } else {
                window.join(", ")
            },
            fmt(at_0(&hard)),
            100.0 * near_chance
        ),
        verdict,
    }
}

fn phase_transition(inputs: &[Input<'_>]) -> Claim {
    let Some((exp, run)) = find(inputs, |r| r.probe == "prune" && r.strategy == "smallest" && r.signed) else {
        return not_measured(CLAIMS[2], "needs easy and hard tasks with a signed prune sweep");
    };
    let mut words = Vec::new();
    let (mut sharp, mut smooth, mut largest_kills) = (false, true, true);
    // Parts of the claim whose sweeps were not run are left out of the verdict.
    let (mut full_run, mut largest_run) = (false, false);
    for (dataset, e, h) in pairs(exp) {
        let hs = curve(run, h, "prune", "smallest", true);
        let jump = hs
            .windows(2)
            .map(|w| ((w[1].1 - w[0].1).abs(), w[0].0, w[1].0))
            .fold((0.0, 0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a });
        sharp |= jump.0 >= 20.0;
        let mut parts = vec![format!(
            "{dataset} hard signed: largest step {:.1} points between p={} and p={}",
            jump.0, jump.1, jump.2
        )];
        for t in [e, h] {
            let mut said = Vec::new();
            let full = curve(run, t, "prune", "smallest", false);
            if let Some(&(_, start)) = full.first() {
                full_run = true;
                let holds = full
                    .iter()
                    .filter(|(_, a)| *a >= start - 5.0)
                    .map(|(p, _)| *p)
                    .fold(0.0, f64::max);
                smooth &= holds >= 0.8;
                said.push(format!("full keeps within 5 points of {start:.1}% up to p={holds}"));
            }
            let large = curve(run, t, "prune", "largest", false);
            if !large.is_empty() {
                largest_run = true;
                let dies = large.iter().find(|(_, a)| *a < 60.0).map(|(p, _)| *p);
                largest_kills &= dies.is_some_and(|p| p <= 0.3);
                said.push(format!(
                    "largest-first falls below 60% at p={}",
                    dies.map(|p| p.to_string()).unwrap_or_else(|| "no level run".into())
                ));
            }
            if !said.is_empty() {
                parts.push(format!("{} {}", exp.tasks[t].label, said.join(", ")));
            }
        }
        words.push(parts.join("; "));
    }
    let parts_run: Vec<bool> = [
        Some(sharp),
        full_run.then_some(smooth),
        largest_run.then_some(largest_kills),
    ]
    .into_iter()
    .flatten()
    .collect();
    let score = parts_run.iter().filter(|b| **b).count();
    let verdict = if score == parts_run.len() && parts_run.len() == 3 {
        Verdict::Supported
    } else if score == 0 {
        Verdict::NotSupported
    } else {
        Verdict::Partly
    };
    Claim {
        claim: CLAIMS[2],
        measured: format!(
            "{} (medians): {}.{}{}",
            exp.name,
            words.join(". "),
            if full_run {
                ""
            } else {
                " No full-precision pruning curve was run."
            },
            if largest_run {
                ""
            } else {
                " No largest-first pruning was run."
            }
        ),
        verdict,
    }
}

fn resonance(inputs: &[Input<'_>]) -> Claim {
    let Some((exp, run, r)) = inputs
        .iter()
        .find_map(|(e, run)| run.resonance.as_ref().map(|r| (*e, *run, r)))
    else {
        return not_measured(CLAIMS[3], "needs a signed noise sweep");
    };
    if r.summary.is_empty() {
        return not_measured(CLAIMS[3], "needs trained models with a signed noise sweep");
    }
    let mut words = Vec::new();
    let (mut gains, mut small) = (false, false);
    // Every kind of noise that was run (the paper's panels: Gaussian).
    for s in &r.summary {
        let gain = s.gain.map(|q| q.median);
        let shares = &s.median_flip_shares;
        let low3: f64 = shares.iter().take(3).sum();
        // Tied to small weights: the smallest-|w| decile takes at least 1.5x
        // its uniform share of the flips, the largest less than its share.
        let tied = shares.first().is_some_and(|f| *f >= 0.15) && shares.last().is_some_and(|l| *l < 0.10);
        gains |= gain.is_some_and(|g| g >= 1.0);
        small |= gain.is_some_and(|g| g >= 1.0) && tied;
        words.push(format!(
            "{} {} noise: median gain {} points at level {}; flips by |w| decile from smallest {:.0}% to largest {:.0}% ({:.0}% in the 3 smallest)",
            s.task,
            s.kind,
            fmt(gain),
            s.best_level.map(|q| format!("{:.4}", q.median)).unwrap_or_else(|| "n/a".into()),
            100.0 * shares.first().copied().unwrap_or(0.0),
            100.0 * shares.last().copied().unwrap_or(0.0),
            100.0 * low3
        ));
    }
    // The same models' flip sweep of the smallest weights, where the run has one.
    let mut flips = Vec::new();
    for (t, spec) in exp.tasks.iter().enumerate() {
        let c = curve(run, t, "flip", "smallest", true);
        if let (Some(first), Some(best)) = (
            c.first(),
            c.iter().copied().reduce(|a, b| if b.1 > a.1 { b } else { a }),
        ) {
            flips.push(format!(
                "{}/{}: {:+.1} points at q={:.3}",
                spec.dataset,
                spec.label,
                best.1 - first.1,
                best.0
            ));
        }
    }
    let verdict = match (gains, small) {
        (true, true) => Verdict::Supported,
        (true, false) => Verdict::Partly,
        _ => Verdict::NotSupported,
    };
    let mut trained_with: Vec<String> = Vec::new();
    for spec in &exp.tasks {
        let item = format!("{} {}", spec.dataset, spec.training.activation);
        if !trained_with.contains(&item) {
            trained_with.push(item);
        }
    }
    let mut measured = format!(
        "{} ({}), binarized models, gain = best noisy accuracy - accuracy without noise; a flip share of 10% per decile would mean no preference for small weights: {}.",
        exp.name,
        trained_with.join(", "),
        words.join("; ")
    );
    if !flips.is_empty() {
        measured += &format!(
            " Flipping the smallest weights instead (best median gain): {}.",
            flips.join("; ")
        );
    }
    Claim {
        claim: CLAIMS[3],
        measured,
        verdict,
    }
}

fn randomization(inputs: &[Input<'_>]) -> Claim {
    let Some((exp, run)) = find(inputs, |r| r.probe == "randomize") else {
        return not_measured(CLAIMS[4], "needs easy and hard tasks with a randomize probe");
    };
    let mut words = Vec::new();
    let (mut all_more, mut easy_clearer) = (true, true);
    for (dataset, e, h) in pairs(exp) {
        let mut diff = [0.0; 2];
        for (k, t) in [e, h].into_iter().enumerate() {
            let m = |s: &str| median_where(run, t, |r| r.probe == "randomize" && r.strategy == s && !r.signed);
            // The mean over the models that were run (and had a trained seed).
            let mean = |l: &[&str]| {
                let v: Vec<f64> = l.iter().filter_map(|s| m(s)).collect();
                (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
            };
            let (Some(keep), Some(lose)) = (mean(&["B", "E", "F"]), mean(&["A", "C", "D"])) else {
                return not_measured(
                    CLAIMS[4],
                    "needs full-precision null models of both kinds, one of B, E, F and one of A, C, D",
                );
            };
            diff[k] = keep - lose;
            all_more &= keep >= lose + 10.0;
            let each: Vec<String> = ["A", "B", "C", "D", "E", "F", "G"]
                .iter()
                .filter_map(|s| m(s).map(|v| format!("{s} {v:.1}")))
                .collect();
            words.push(format!(
                "{dataset} {}: {} (sign-keeping mean {keep:.1}, others {lose:.1})",
                exp.tasks[t].label,
                each.join(", ")
            ));
        }
        easy_clearer &= diff[0] > diff[1];
    }
    let verdict = match (all_more, easy_clearer) {
        (true, true) => Verdict::Supported,
        (true, false) | (false, true) => Verdict::Partly,
        _ => Verdict::NotSupported,
    };
    let mut measured = format!("{}, full precision, medians (%): {}.", exp.name, words.join("; "));
    if !easy_clearer {
        measured += " The B/E/F advantage is not larger for the easy task on every dataset.";
    }
    Claim {
        claim: CLAIMS[4],
        measured,
        verdict,
    }
}

fn complexity(inputs: &[Input<'_>]) -> Claim {
    let mut words = Vec::new();
    let mut ordered = true;
    let mut measured_any = false;
    if let Some((exp, run)) = find(inputs, |r| r.probe == "binarize") {
        for (dataset, e, h) in pairs(exp) {
            let gap = |t: usize| run.summary.results[&dataset][&exp.tasks[t].label].gap.map(|q| q.median);
            ordered &= matches!((gap(e), gap(h)), (Some(a), Some(b)) if b > a);
            measured_any = true;
            words.push(format!(
                "{dataset} binarization gap easy {} vs hard {}",
                fmt(gap(e)),
                fmt(gap(h))
            ));
        }
    }
    if let Some((exp, run)) = find(inputs, |r| r.probe == "randomize" && r.strategy == "B" && !r.signed) {
        for (dataset, e, h) in pairs(exp) {
            let gap = |t| {
                let full = median_where(run, t, |r| r.probe == "none")?;
                Some(full - median_where(run, t, |r| r.probe == "randomize" && r.strategy == "B" && !r.signed)?)
            };
            ordered &= matches!((gap(e), gap(h)), (Some(a), Some(b)) if b > a);
            measured_any = true;
            words.push(format!(
                "{dataset} full-vs-shuffled (B) gap easy {} vs hard {}",
                fmt(gap(e)),
                fmt(gap(h))
            ));
        }
    }
    let map = inputs.iter().find_map(|(_, run)| run.complexity.as_ref());
    let mut wide = false;
    if let Some(map) = map {
        let gaps: Vec<f64> = map.pairs.iter().filter_map(|p| p.gap_binarized).collect();
        if let (Some(lo), Some(hi)) = (quantile(&gaps, 0.0), quantile(&gaps, 1.0)) {
            words.push(format!(
                "across the {} pairs of the map the median binarization gap runs from {lo:.1} to {hi:.1} points, Spearman with the SSIM distance {}",
                gaps.len(),
                map.spearman_ssim_gap_binarized.map(|r| format!("{r:.2}")).unwrap_or_else(|| "n/a".into())
            ));
            wide = hi - lo >= 30.0;
        }
        measured_any = true;
    } else {
        words.push("the 45-pair map is not part of these runs".to_string());
    }
    if !measured_any {
        return not_measured(CLAIMS[5], "needs binarize or randomize probes on easy and hard tasks");
    }
    Claim {
        claim: CLAIMS[5],
        measured: format!("Medians (points): {}.", words.join("; ")),
        verdict: match (ordered, map.is_some() && wide) {
            (true, true) => Verdict::Supported,
            (true, false) | (false, true) => Verdict::Partly,
            _ => Verdict::NotSupported,
        },
    }
}

/// Checks every claim against the runs.
pub fn claims(inputs: &[Input<'_>]) -> Vec<Claim> {
    vec![
        binarization(inputs),
        pruning_recovery(inputs),
        phase_transition(inputs),
        resonance(inputs),
        randomization(inputs),
        complexity(inputs),
    ]
}
