//! Probe kinds and the registry: what a name in an experiment file means.
//!
//! Every probe crate declares its own [`ProbeKind`] (its name, version,
//! strategies, level, nesting and how to build its perturbation), and any
//! crate, inside the workspace or not, may declare more. A [`Registry`]
//! holds the kinds an experiment file may name:
//!
//! ```
//! use mlprobe_graph::{Perturbation, ProbeKind, ProbeRng, Registry, WeightStack};
//!
//! /// Multiplies every weight and bias by a factor.
//! struct Scale(f32);
//!
//! impl Perturbation for Scale {
//!     fn name(&self) -> String { format!("scale@{}", self.0) }
//!     fn apply(&self, net: &WeightStack, _rng: &mut ProbeRng) -> WeightStack { net.map(|w| w * self.0) }
//!     fn is_deterministic(&self) -> bool { true }
//! }
//!
//! let mut registry = Registry::empty();
//! registry.register(ProbeKind::new("scale", 1, |_, level| Ok(Scale(level as f32))).with_level("factor"))?;
//! assert!(registry.get("scale").is_some_and(|k| k.takes_level()));
//! # Ok::<(), mlprobe_graph::RegistryError>(())
//! ```

use std::fmt::Display;
use std::sync::Arc;

use crate::named::is_plain_name;
use crate::perturb::Perturbation;

/// Why a probe kind could not build a perturbation (e.g. a level out of
/// range); its message is shown with the key of the experiment file.
pub type BuildError = Box<dyn std::error::Error + Send + Sync>;

type Build = dyn Fn(&str, f64) -> Result<Box<dyn Perturbation>, BuildError> + Send + Sync;

/// A probe an experiment file can name: how to build its perturbation for a
/// strategy and a level, and how its points behave in a sweep.
#[derive(Clone)]
pub struct ProbeKind {
    name: String,
    version: u32,
    strategies: Vec<String>,
    defaults: Option<Vec<String>>,
    matrix_only: Vec<String>,
    matrix_reason: String,
    level_label: Option<String>,
    binarizes: bool,
    nested: bool,
    build: Arc<Build>,
}

impl std::fmt::Debug for ProbeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProbeKind")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("strategies", &self.strategies)
            .field("defaults", &self.defaults)
            .field("matrix_only", &self.matrix_only)
            .field("level_label", &self.level_label)
            .field("binarizes", &self.binarizes)
            .field("nested", &self.nested)
            .finish_non_exhaustive()
    }
}

impl ProbeKind {
    /// A probe named `name` (the name in experiment files and in the `probe`
    /// column), at `version`, whose perturbation for a strategy and a level
    /// is `build(strategy, level)`; an error there (e.g. the `check()` of
    /// the probe's parameters) is reported with the experiment file's key.
    ///
    /// Bump `version` whenever the probe's output for the same input and
    /// seed changes: stored results of other versions are then computed
    /// again. By default the probe has no strategies (its strategy column
    /// reads `none`), takes no level, does not binarize and is not nested.
    pub fn new<P, F>(name: &str, version: u32, build: F) -> Self
    where
        P: Perturbation + 'static,
        F: Fn(&str, f64) -> Result<P, BuildError> + Send + Sync + 'static,
    {
        Self {
            name: name.to_string(),
            version,
            strategies: Vec::new(),
            defaults: None,
            matrix_only: Vec::new(),
            matrix_reason: String::new(),
            level_label: None,
            binarizes: false,
            nested: false,
            build: Arc::new(move |s, level| build(s, level).map(|p| Box::new(p) as Box<dyn Perturbation>)),
        }
    }

    /// The strategies it accepts, in their default order: typically every
    /// variant of an enum with `Display` and `FromStr`, parsed in `build`.
    pub fn with_strategies<S: Display>(mut self, all: impl IntoIterator<Item = S>) -> Self {
        self.strategies = all.into_iter().map(|s| s.to_string()).collect();
        self
    }

    /// The strategies a file that names none gets (all of them unless
    /// told): e.g. the paper's plain form of a probe, with its variants
    /// opt-in.
    pub fn with_default_strategies<S: Display>(mut self, defaults: impl IntoIterator<Item = S>) -> Self {
        self.defaults = Some(defaults.into_iter().map(|s| s.to_string()).collect());
        self
    }

    /// These strategies act on a matrix (rewiring it, scaling its output
    /// channels) and make no sense on a 1-D tensor; `reason` says why in
    /// the message that refuses one.
    pub fn matrix_only<S: Display>(mut self, strategies: impl IntoIterator<Item = S>, reason: &str) -> Self {
        self.matrix_only = strategies.into_iter().map(|s| s.to_string()).collect();
        self.matrix_reason = reason.to_string();
        self
    }

    /// It takes a level (a fraction, a noise level, ...); `label` describes
    /// it on figure axes, e.g. `fraction of weights removed`.
    pub fn with_level(mut self, label: &str) -> Self {
        self.level_label = Some(label.to_string());
        self
    }

    /// Its output is binarized already: its rows are `signed`, and a signed
    /// variant would be pointless.
    pub fn binarizing(mut self) -> Self {
        self.binarizes = true;
        self
    }

    /// Seeded alike, a higher level extends the random choices of a lower
    /// one (as pruning and flipping do): a curve's draws then share one seed
    /// across levels and consecutive levels differ in few entries.
    pub fn nested(mut self) -> Self {
        self.nested = true;
        self
    }

    /// The name in experiment files and outputs.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version (see [`ProbeKind::new`]).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// `name@version`: what unit fingerprints record of the probe.
    pub fn identity(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    /// The strategies, in their default order; empty for a probe without.
    pub fn strategies(&self) -> &[String] {
        &self.strategies
    }

    /// The strategies of a file that names none, in order.
    pub fn default_strategies(&self) -> &[String] {
        self.defaults.as_deref().unwrap_or(&self.strategies)
    }

    /// Why `strategy` cannot act on a 1-D tensor, or `None` when it can.
    pub fn needs_matrix(&self, strategy: &str) -> Option<&str> {
        self.matrix_only
            .iter()
            .any(|s| s == strategy)
            .then_some(self.matrix_reason.as_str())
    }

    /// Whether it takes a level.
    pub fn takes_level(&self) -> bool {
        self.level_label.is_some()
    }

    /// What its level means, for axis labels; `None` when it takes none.
    pub fn level_label(&self) -> Option<&str> {
        self.level_label.as_deref()
    }

    /// Whether its output is binarized already.
    pub fn binarizes(&self) -> bool {
        self.binarizes
    }

    /// Whether a higher level extends the random choices of a lower one.
    pub fn is_nested(&self) -> bool {
        self.nested
    }

    /// The perturbation for `strategy` (`none` for a probe without) and `level`.
    pub fn build(&self, strategy: &str, level: f64) -> Result<Box<dyn Perturbation>, BuildError> {
        (self.build)(strategy, level)
    }
}

/// Why a probe kind could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// A probe of that name is registered already.
    #[error("a probe named `{0}` is registered already")]
    Duplicate(String),
    /// Probe names are letters, digits, `-` and `_`, and not `none`.
    #[error("`{0}` is not a valid probe name: use letters, digits, '-' or '_' (and not `none`)")]
    InvalidName(String),
}

/// The probes an experiment file can name, in the order registered.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    kinds: Vec<ProbeKind>,
}

impl Registry {
    /// No probes at all.
    pub fn empty() -> Self {
        Self::default()
    }

    /// These probes, in this order.
    pub fn of(kinds: impl IntoIterator<Item = ProbeKind>) -> Result<Self, RegistryError> {
        let mut registry = Self::empty();
        for kind in kinds {
            registry.register(kind)?;
        }
        Ok(registry)
    }

    /// Adds a probe. Its name must be new, and made of letters, digits,
    /// `-` and `_` (`+` joins the stages of a composition in outputs).
    pub fn register(&mut self, kind: ProbeKind) -> Result<&mut Self, RegistryError> {
        if !is_plain_name(&kind.name) || kind.name == "none" {
            return Err(RegistryError::InvalidName(kind.name));
        }
        if self.get(&kind.name).is_some() {
            return Err(RegistryError::Duplicate(kind.name));
        }
        self.kinds.push(kind);
        Ok(self)
    }

    /// The probe of that name.
    pub fn get(&self, name: &str) -> Option<&ProbeKind> {
        self.kinds.iter().find(|k| k.name == name)
    }

    /// Every probe, in the order registered.
    pub fn kinds(&self) -> &[ProbeKind] {
        &self.kinds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Identity;

    #[test]
    fn names_are_checked_and_unique() {
        let kind = |name: &str| ProbeKind::new(name, 1, |_, _| Ok(Identity));
        let mut r = Registry::of([kind("prune")]).unwrap();
        assert!(matches!(r.register(kind("prune")), Err(RegistryError::Duplicate(_))));
        assert!(matches!(r.register(kind("a+b")), Err(RegistryError::InvalidName(_))));
        assert!(matches!(r.register(kind("none")), Err(RegistryError::InvalidName(_))));
        assert!(matches!(r.register(kind("")), Err(RegistryError::InvalidName(_))));
        r.register(kind("sign2")).unwrap();
        assert_eq!(r.get("sign2").unwrap().identity(), "sign2@1");
        assert_eq!(r.kinds().len(), 2);
    }
}
