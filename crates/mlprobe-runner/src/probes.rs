//! The probe registry: where names in experiment files become perturbations.
//!
//! A `[[probes]]` entry names a probe; [`ProbeSpec::points`] expands it into
//! the [`SweepPoint`]s evaluated on every trained model. Adding a probe is one
//! line in [`REGISTRY`] (plus the crate that implements it).

use std::sync::Arc;

use mlprobe_binarize::Binarize;
use mlprobe_core::{Chain, Perturbation};
use serde::Deserialize;

/// One `[[probes]]` entry of an experiment file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeSpec {
    /// The probe's name in [`REGISTRY`].
    pub probe: String,
}

/// One evaluation of a sweep: a perturbation and the labels it is written under.
#[derive(Clone)]
pub struct SweepPoint {
    /// `binarize`, `prune`, ... (the `probe` column).
    pub probe: String,
    /// e.g. `smallest` (the `strategy` column); `none` where the probe has none.
    pub strategy: String,
    /// Fraction or noise level (the `level` column); 0 where none.
    pub level: f64,
    /// Whether the result is binarized afterwards (the `signed` column).
    pub signed: bool,
    /// Independent draws whose mean accuracy is reported (1 for deterministic probes).
    pub draws: usize,
    /// The perturbation itself (already followed by binarization when `signed`).
    pub perturbation: Arc<dyn Perturbation>,
}

impl SweepPoint {
    /// A point with one draw; `signed` appends binarization to `perturbation`.
    pub fn new(probe: &str, strategy: &str, level: f64, signed: bool, perturbation: Box<dyn Perturbation>) -> Self {
        let perturbation: Arc<dyn Perturbation> = if signed {
            Arc::new(Chain(vec![perturbation, Box::new(Binarize)]))
        } else {
            Arc::from(perturbation)
        };
        Self {
            probe: probe.to_string(),
            strategy: strategy.to_string(),
            level,
            signed,
            draws: 1,
            perturbation,
        }
    }

    /// A stable text naming this point, used to derive its random seeds.
    pub fn key(&self) -> String {
        format!("{}/{}/{}/{}", self.probe, self.strategy, self.level, self.signed)
    }
}

/// Expands a spec into its points (`quick`: coarse grids).
type Expand = fn(&ProbeSpec, bool) -> Vec<SweepPoint>;

/// Every probe an experiment file can name: the one place that maps names
/// to perturbations.
pub const REGISTRY: &[(&str, Expand)] = &[("binarize", |_, _| {
    vec![SweepPoint::new(
        "binarize",
        "none",
        0.0,
        true,
        Box::new(mlprobe_core::Identity),
    )]
})];

impl ProbeSpec {
    fn expand(&self) -> Option<Expand> {
        REGISTRY.iter().find(|(name, _)| *name == self.probe).map(|(_, f)| *f)
    }

    /// Checks the entry; on error returns `(key, value, expected)`.
    pub fn check(&self) -> Result<(), (String, String, String)> {
        if self.expand().is_none() {
            let known: Vec<&str> = REGISTRY.iter().map(|(n, _)| *n).collect();
            return Err((
                "probe".into(),
                format!("{:?}", self.probe),
                format!("one of {}", known.join(", ")),
            ));
        }
        Ok(())
    }

    /// The sweep points of this entry; empty for an unknown probe (see [`ProbeSpec::check`]).
    pub fn points(&self, quick: bool) -> Vec<SweepPoint> {
        self.expand().map(|f| f(self, quick)).unwrap_or_default()
    }
}
