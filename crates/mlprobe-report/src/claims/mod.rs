//! The paper's qualitative claims, each checked against the numbers of the
//! runs at hand.
//!
//! A claim is one file here: a [`Claim`] value with its text, the rows it
//! reads ([`RowKey`]s) and its judgement, and its thresholds as named
//! constants beside it. [`ALL`] is the only list of claims: the report's
//! table, the verdicts `reproduce` prints, and which sweeps get a medians
//! table of their own ([`covers`]) all come from it. To add a claim, add a
//! file and its value to [`ALL`].

mod binarization;
mod complexity;
mod phase_transition;
mod pruning_recovery;
mod randomization;
mod reading;
mod resonance;

use mlprobe_runner::{Experiment, Row};

use crate::markdown::Table;

pub use reading::Input;

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

    /// Supported when both parts hold, partly when one does.
    fn of_two(a: bool, b: bool) -> Self {
        match (a, b) {
            (true, true) => Verdict::Supported,
            (false, false) => Verdict::NotSupported,
            _ => Verdict::Partly,
        }
    }
}

/// Rows a claim reads: those of a probe, with one strategy (or any) and
/// one variant (or both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowKey {
    /// The probe's name (a probe crate's `NAME`).
    pub probe: &'static str,
    /// The strategy, `None` for any.
    pub strategy: Option<&'static str>,
    /// Signed or not, `None` for both.
    pub signed: Option<bool>,
}

impl RowKey {
    /// Every row of `probe`.
    pub const fn of(probe: &'static str) -> Self {
        Self {
            probe,
            strategy: None,
            signed: None,
        }
    }

    /// Only the rows of this strategy.
    pub const fn strategy(self, strategy: &'static str) -> Self {
        Self {
            strategy: Some(strategy),
            ..self
        }
    }

    /// Only the signed (`true`) or the full-precision (`false`) rows.
    pub const fn signed(self, signed: bool) -> Self {
        Self {
            signed: Some(signed),
            ..self
        }
    }

    /// Whether `row` is one of these rows.
    pub fn matches(&self, row: &Row) -> bool {
        self.reads(&row.probe, &row.strategy) && self.signed.is_none_or(|s| s == row.signed)
    }

    /// Whether the sweep of `probe` and `strategy` has rows of these.
    fn reads(&self, probe: &str, strategy: &str) -> bool {
        self.probe == probe && self.strategy.is_none_or(|s| s == strategy)
    }
}

/// One of the paper's claims, as data.
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    /// The claim in the paper's words (shortened).
    pub text: &'static str,
    /// The rows it reads.
    pub needs: &'static [RowKey],
    /// Its verdict on the runs, with the numbers that decide it.
    pub judge: fn(&[Input<'_>]) -> Finding,
}

impl Claim {
    /// Whether it reads the sweep of `probe` and `strategy`.
    fn reads(&self, probe: &str, strategy: &str) -> bool {
        self.needs.iter().any(|k| k.reads(probe, strategy))
    }
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The verdict.
    pub verdict: Verdict,
    /// The deciding numbers in a line or two (or what is missing).
    pub measured: String,
    /// The numbers behind them, as a table (empty when not measured).
    pub details: Table,
}

impl Finding {
    /// The claim is not measured: the runs lack `what`.
    fn not_measured(what: &str) -> Self {
        Self {
            verdict: Verdict::NotMeasured,
            measured: format!("No run here measures it ({what})."),
            details: Table::default(),
        }
    }
}

/// A claim with its finding, as the report states it.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// The claim's text.
    pub claim: &'static str,
    /// The verdict.
    pub verdict: Verdict,
    /// The deciding numbers.
    pub measured: String,
    /// The numbers behind them.
    pub details: Table,
}

/// The paper's claims, in order.
pub static ALL: [Claim; 6] = [
    binarization::BINARIZATION,
    pruning_recovery::PRUNING_RECOVERY,
    phase_transition::PHASE_TRANSITION,
    resonance::RESONANCE,
    randomization::RANDOMIZATION,
    complexity::COMPLEXITY,
];

/// Every claim judged against the runs.
pub fn judge_all(inputs: &[Input<'_>]) -> Vec<Judgement> {
    ALL.iter()
        .map(|c| {
            let f = (c.judge)(inputs);
            Judgement {
                claim: c.text,
                verdict: f.verdict,
                measured: f.measured,
                details: f.details,
            }
        })
        .collect()
}

/// Whether some claim reads the sweep of `probe` and `strategy` in `exp`
/// (the rest get a table of their own in the report): the claims compare
/// easy and hard tasks, so they read only experiments that have both.
pub fn covers(exp: &Experiment, probe: &str, strategy: &str) -> bool {
    !reading::pairs(exp).is_empty() && ALL.iter().any(|c| c.reads(probe, strategy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_claims_read_the_sweeps_they_name() {
        let read = |probe: &str, strategy: &str| ALL.iter().any(|c| c.reads(probe, strategy));
        for (probe, strategy) in [
            ("binarize", "none"),
            ("randomize", "G"),
            ("prune", "smallest"),
            ("prune", "largest"),
            ("noise", "gaussian"),
            ("flip", "smallest"),
        ] {
            assert!(read(probe, strategy), "{probe} {strategy}");
        }
        for (probe, strategy) in [("prune", "random"), ("noise", "uniform"), ("flip", "largest")] {
            assert!(!read(probe, strategy), "{probe} {strategy}");
        }
    }
}
