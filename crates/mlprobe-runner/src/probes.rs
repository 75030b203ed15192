//! The expansion of `[[probes]]` entries into sweep points, through the
//! probe kinds of a [`Registry`].
//!
//! ```toml
//! [[probes]]
//! probe = "prune"                                  # a name in the registry
//! strategies = ["smallest", "random", "largest"]   # default: all of the probe's
//! levels = [0.0, 0.5, 0.9]                         # or { from = 0, to = 1, points = 30 }
//! quick_levels = [0.0, 0.9]                        # with --quick (default: levels)
//! signed = [false, true]                           # also binarize afterwards (default [false])
//! draws = 1                                        # mean over draws of random probes
//! before = [{ probe = "noise", strategies = ["gaussian"], levels = [0.01] }]
//! after = [{ probe = "randomize", strategies = ["B"] }]
//! layers = ["first"]                               # only these layers: first, last, an index
//! cka = ["first", "last"]                          # also measure these layers' linear CKA
//! ```
//!
//! A point applies the `before` stages, the swept probe, the `after` stages
//! and, when signed, binarization. Its row has `probe` = the stages' names
//! joined by `+`, `strategy` = their strategies joined by `+` (a fixed stage
//! with a level written `strategy@level`), and `level` = the swept level.
//! With `layers`, the whole point (binarization included) acts on those
//! layers only, and the strategy ends in `:<layers>` (`smallest:first`; the
//! layers alone for a probe without strategies, e.g. binarize's `last`).
//! With `cka`, every point also measures, per named layer, the linear CKA
//! between the layer's outputs in the trained network and in the network
//! evaluated (averaged over draws; `cka[<layer>]` in `summary.json`).

use std::sync::Arc;

use mlprobe_binarize::Binarize;
use mlprobe_graph::layers::layers_label;
use mlprobe_graph::{Chain, LayerRef, OnLayers, Perturbation, ProbeRng, WeightStack};
use serde::Deserialize;

use crate::errors::InvalidKey;
use crate::seed::derive_seed;
use mlprobe_graph::{ProbeKind, Registry};

/// Most levels one grid may have.
pub const MAX_GRID_POINTS: usize = 100_000;

/// A grid of levels: a list, or evenly spaced points (linear, or in log2).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Grid {
    /// Explicit values.
    List(Vec<f64>),
    /// `points` values from `from` to `to` inclusive; with `scale = "log2"`,
    /// `from` and `to` are exponents of 2.
    Range {
        /// First value (or exponent).
        from: f64,
        /// Last value (or exponent).
        to: f64,
        /// Number of values, >= 2.
        points: usize,
        /// `linear` (default) or `log2`.
        #[serde(default)]
        scale: Scale,
    },
}

impl std::fmt::Display for Grid {
    /// As written in experiment files.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Grid::List(v) => write!(f, "{v:?}"),
            Grid::Range {
                from,
                to,
                points,
                scale: Scale::Linear,
            } => write!(f, "{{ from = {from}, to = {to}, points = {points} }}"),
            Grid::Range {
                from,
                to,
                points,
                scale: Scale::Log2,
            } => write!(f, "{{ from = {from}, to = {to}, points = {points}, scale = \"log2\" }}"),
        }
    }
}

/// Spacing of a [`Grid::Range`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// Evenly spaced values.
    #[default]
    Linear,
    /// Evenly spaced exponents of 2.
    Log2,
}

impl Grid {
    /// The values of the grid.
    pub fn values(&self) -> Vec<f64> {
        match self {
            Grid::List(v) => v.clone(),
            Grid::Range {
                from,
                to,
                points,
                scale,
            } => {
                let n = (*points).max(2);
                (0..n)
                    .map(|i| {
                        let x = from + (to - from) * i as f64 / (n - 1) as f64;
                        match scale {
                            Scale::Linear => x,
                            Scale::Log2 => x.exp2(),
                        }
                    })
                    .collect()
            }
        }
    }

    fn check(&self) -> Result<(), String> {
        match self {
            Grid::List(v) if v.is_empty() => Err("an empty list".into()),
            Grid::List(v) if v.len() > MAX_GRID_POINTS => Err(format!("{} levels, at most {MAX_GRID_POINTS}", v.len())),
            Grid::Range { points, .. } if *points < 2 => Err(format!("points = {points}, need >= 2")),
            Grid::Range { points, .. } if *points > MAX_GRID_POINTS => {
                Err(format!("points = {points}, at most {MAX_GRID_POINTS}"))
            }
            Grid::Range { from, to, .. } if !from.is_finite() || !to.is_finite() => Err("non-finite bounds".into()),
            _ => Ok(()),
        }
    }
}

/// A fixed stage applied before or after the swept probe.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    /// The probe's name.
    pub probe: String,
    /// Its strategies (one point per strategy); default: all of the probe's.
    pub strategies: Option<Vec<String>>,
    /// Its levels (one point per level); required when the probe takes a level.
    pub levels: Option<Vec<f64>>,
}

/// One `[[probes]]` entry of an experiment file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeSpec {
    /// The swept probe's name.
    pub probe: String,
    /// Its strategies; default: all of the probe's.
    pub strategies: Option<Vec<String>>,
    /// Its levels; required when the probe takes a level.
    pub levels: Option<Grid>,
    /// Its levels with `--quick`; default: `levels`.
    pub quick_levels: Option<Grid>,
    /// Variants: `false` = as is, `true` = binarized afterwards.
    #[serde(default = "default_signed")]
    pub signed: Vec<bool>,
    /// Draws per point whose mean accuracy is reported (random probes only).
    #[serde(default = "default_draws")]
    pub draws: usize,
    /// Fixed stages applied before the swept probe.
    #[serde(default)]
    pub before: Vec<StageSpec>,
    /// Fixed stages applied after the swept probe.
    #[serde(default)]
    pub after: Vec<StageSpec>,
    /// The layers the probe acts on (`"first"`, `"last"`, a 0-based index
    /// or a layer's name such as `"conv2"`); default: every layer.
    #[serde(default, deserialize_with = "layer_names")]
    pub layers: Option<Vec<LayerRef>>,
    /// Layers whose outputs every point compares with the trained
    /// network's, by linear CKA; default: none.
    #[serde(default, deserialize_with = "layer_names")]
    pub cka: Option<Vec<LayerRef>>,
}

/// `layers = ["first", 1, "last"]`: names or indices.
fn layer_names<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<LayerRef>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Name {
        Index(usize),
        Name(String),
    }
    let names = Vec::<Name>::deserialize(d)?;
    names
        .into_iter()
        .map(|n| match n {
            Name::Index(i) => Ok(LayerRef::Index(i)),
            Name::Name(s) => s.parse().map_err(serde::de::Error::custom),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn default_signed() -> Vec<bool> {
    vec![false]
}

fn default_draws() -> usize {
    1
}

/// One evaluation of a sweep: a perturbation and the labels it is written under.
#[derive(Clone)]
pub struct SweepPoint {
    /// `binarize`, `prune`, `prune+randomize`, ... (the `probe` column).
    pub probe: String,
    /// e.g. `smallest`, `smallest+B` (the `strategy` column); `none` where there is none.
    pub strategy: String,
    /// Fraction or noise level (the `level` column); 0 where none.
    pub level: f64,
    /// Whether the result is binarized (the `signed` column).
    pub signed: bool,
    /// Independent draws whose mean accuracy is reported.
    pub draws: usize,
    /// The perturbation, before the binarization of a signed variant: the
    /// variants of one level share its draws (a paired comparison).
    pub base: Arc<dyn Perturbation>,
    /// Whether the point binarizes the output of `base` (a signed variant).
    pub binarize_after: bool,
    /// Whether the random choices of a higher level extend those of a lower
    /// one (pruning and flipping): the draws of a curve then share one seed
    /// across levels, and consecutive levels differ in few entries.
    pub nested: bool,
    /// What the point's numbers depend on besides its key: the probe kinds
    /// and versions of its stages (`noise@1+prune@1`), or the
    /// perturbation's name for a point made by hand. Part of unit fingerprints.
    pub identity: String,
    /// The layers the point acts on, binarization included; empty: all.
    pub layers: Vec<LayerRef>,
    /// Layers whose linear CKA against the trained network the point measures.
    pub cka: Vec<LayerRef>,
    /// Why the point cannot act on a 1-D tensor (a stage rewires a matrix
    /// or scales its channels), or `None` when it can.
    pub needs_matrix: Option<String>,
}

impl SweepPoint {
    /// A point with one draw; `signed` appends binarization to `perturbation`.
    pub fn new(probe: &str, strategy: &str, level: f64, signed: bool, perturbation: Box<dyn Perturbation>) -> Self {
        Self::shared(probe, strategy, level, signed, Arc::from(perturbation))
    }

    /// As [`SweepPoint::new`], with a perturbation shared with other points.
    pub(crate) fn shared(probe: &str, strategy: &str, level: f64, signed: bool, base: Arc<dyn Perturbation>) -> Self {
        Self {
            identity: base.name(),
            probe: probe.to_string(),
            strategy: strategy.to_string(),
            level,
            signed,
            draws: 1,
            base,
            binarize_after: signed,
            nested: false,
            layers: Vec::new(),
            cka: Vec::new(),
            needs_matrix: None,
        }
    }

    /// `base`'s output binarized, on the point's layers only.
    pub fn binarized(&self, perturbed: &WeightStack, rng: &mut ProbeRng) -> WeightStack {
        if self.layers.is_empty() {
            Binarize::SIGN.apply(perturbed, rng)
        } else {
            OnLayers::new(Binarize::SIGN, self.layers.clone()).apply(perturbed, rng)
        }
    }

    /// The whole perturbation: `base`, followed by binarization when
    /// `binarize_after`.
    pub fn perturbation(&self) -> Box<dyn Perturbation> {
        if self.binarize_after && !self.layers.is_empty() {
            Box::new(Chain(vec![
                Box::new(self.base.clone()),
                Box::new(OnLayers::new(Binarize::SIGN, self.layers.clone())),
            ]))
        } else if self.binarize_after {
            Box::new(Chain(vec![Box::new(self.base.clone()), Box::new(Binarize::SIGN)]))
        } else {
            Box::new(self.base.clone())
        }
    }

    /// With `draws` draws when the perturbation is random (else one;
    /// binarization draws nothing).
    pub(crate) fn with_draws(mut self, draws: usize) -> Self {
        self.draws = if self.base.is_deterministic() { 1 } else { draws.max(1) };
        self
    }

    /// A stable text naming this point (its row in unit files).
    pub fn key(&self) -> String {
        format!("{}/{}/{}/{}", self.probe, self.strategy, self.level, self.signed)
    }

    /// The text its draws are seeded by: the key without the variant, and
    /// without the level for a nested probe.
    pub(crate) fn seed_key(&self) -> String {
        if self.nested {
            format!("{}/{}", self.probe, self.strategy)
        } else {
            format!("{}/{}/{}", self.probe, self.strategy, self.level)
        }
    }

    /// The seed of draw `draw` of this point in the unit of seed `unit_seed`.
    pub(crate) fn draw_seed(&self, unit_seed: u64, draw: usize) -> u64 {
        derive_seed(&format!("{unit_seed}/{}/{draw}", self.seed_key()))
    }

    /// The curve this point belongs to (see `mlprobe_core::SweepEvaluator`):
    /// consecutive points of one lineage differ in few entries when the
    /// perturbation is deterministic or nested.
    pub(crate) fn lineage(&self, draw: usize) -> String {
        format!("{}/{}/{}/{draw}", self.probe, self.strategy, self.signed)
    }

    /// Whether `other` evaluates the same draws of the same perturbation
    /// (the other variant of the same level).
    pub(crate) fn shares_draws_with(&self, other: &SweepPoint) -> bool {
        Arc::ptr_eq(&self.base, &other.base) && self.draws == other.draws && self.seed_key() == other.seed_key()
    }
}

/// One instantiated stage: its label parts and perturbation.
#[derive(Clone)]
struct Stage {
    kind: ProbeKind,
    strategy: String,
    /// The level, `None` for a probe that takes none.
    level: Option<f64>,
    perturbation: Arc<dyn Perturbation>,
}

impl Stage {
    /// `strategy`, or `strategy@level` for a fixed stage with a level.
    fn label(&self) -> String {
        match self.level {
            Some(level) => format!("{}@{}", self.strategy, level),
            None => self.strategy.clone(),
        }
    }
}

/// Why a chain of stages cannot act on a 1-D tensor: the first stage whose
/// strategy needs a matrix, named.
fn needs_matrix(stages: &[Stage]) -> Option<String> {
    stages.iter().find_map(|s| {
        let reason = s.kind.needs_matrix(&s.strategy)?;
        Some(format!("{} {}: {reason}", s.kind.name(), s.strategy))
    })
}

fn strategies_of(kind: &ProbeKind, given: &Option<Vec<String>>, key: &str) -> Result<Vec<String>, InvalidKey> {
    match given {
        None if kind.strategies().is_empty() => Ok(vec!["none".to_string()]),
        None => Ok(kind.default_strategies().to_vec()),
        Some(_) if kind.strategies().is_empty() => Err(InvalidKey::new(
            key,
            format!("{given:?}"),
            format!("nothing: `{}` has no strategies", kind.name()),
        )),
        Some(list) if list.is_empty() => Err(InvalidKey::new(key, "[]", "at least one strategy")),
        Some(list) => {
            for s in list {
                if !kind.strategies().contains(s) {
                    return Err(InvalidKey::new(
                        key,
                        format!("{s:?}"),
                        format!("one of {}", kind.strategies().join(", ")),
                    ));
                }
            }
            Ok(list.clone())
        }
    }
}

fn kind_of<'r>(registry: &'r Registry, name: &str, key: &str) -> Result<&'r ProbeKind, InvalidKey> {
    registry.get(name).ok_or_else(|| {
        let known: Vec<&str> = registry.kinds().iter().map(|k| k.name()).collect();
        InvalidKey::new(key, format!("{name:?}"), format!("one of {}", known.join(", ")))
    })
}

/// All instantiations of a stage (strategy x level), or an error naming the key.
fn expand_stage(kind: &ProbeKind, strategies: &[String], levels: &[f64], key: &str) -> Result<Vec<Stage>, InvalidKey> {
    let mut out = Vec::new();
    for s in strategies {
        for &level in levels {
            let perturbation = kind
                .build(s, level)
                .map_err(|e| InvalidKey::new(key, level.to_string(), e.to_string()))?;
            out.push(Stage {
                kind: kind.clone(),
                strategy: s.clone(),
                level: kind.takes_level().then_some(level),
                perturbation: Arc::from(perturbation),
            });
        }
    }
    Ok(out)
}

fn fixed_stages(registry: &Registry, specs: &[StageSpec], key: &str) -> Result<Vec<Vec<Stage>>, InvalidKey> {
    specs
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let key = format!("{key}[{i}]");
            let kind = kind_of(registry, &st.probe, &format!("{key}.probe"))?;
            let strategies = strategies_of(kind, &st.strategies, &format!("{key}.strategies"))?;
            let levels = match (&st.levels, kind.takes_level()) {
                (Some(l), true) if !l.is_empty() => l.clone(),
                (None, false) => vec![0.0],
                (_, true) => return Err(InvalidKey::new(format!("{key}.levels"), "missing", "a list of levels")),
                (Some(l), false) => {
                    return Err(InvalidKey::new(
                        format!("{key}.levels"),
                        format!("{l:?}"),
                        format!("nothing: `{}` takes no level", kind.name()),
                    ));
                }
            };
            expand_stage(kind, &strategies, &levels, &format!("{key}.levels"))
        })
        .collect()
}

/// Every combination of one instantiation per stage list.
fn product(lists: &[Vec<Stage>]) -> Vec<Vec<Stage>> {
    lists.iter().fold(vec![Vec::new()], |acc, list| {
        acc.iter()
            .flat_map(|prefix| {
                list.iter().map(move |s| {
                    let mut next = prefix.clone();
                    next.push(s.clone());
                    next
                })
            })
            .collect()
    })
}

impl ProbeSpec {
    /// The sweep points of this entry (`quick`: the coarse grid) with the
    /// probes of `registry`, or the key that is invalid (relative to the entry).
    pub fn points(&self, registry: &Registry, quick: bool) -> Result<Vec<SweepPoint>, InvalidKey> {
        let kind = kind_of(registry, &self.probe, "probe")?;
        let strategies = strategies_of(kind, &self.strategies, "strategies")?;
        let (levels, grid_key) = self.levels_of(kind, quick)?;
        if self.signed.is_empty() {
            return Err(InvalidKey::new("signed", "[]", "[false], [true] or [false, true]"));
        }
        if kind.binarizes() && self.signed.contains(&true) {
            return Err(InvalidKey::new(
                "signed",
                format!("{:?}", self.signed),
                format!("[false]: `{}` is binarized already", kind.name()),
            ));
        }
        if self.draws == 0 || self.draws > 10_000 {
            return Err(InvalidKey::new("draws", self.draws.to_string(), "1 ..= 10000"));
        }
        let before = fixed_stages(registry, &self.before, "before")?;
        let after = fixed_stages(registry, &self.after, "after")?;
        let main = expand_stage(kind, &strategies, &levels, grid_key)?;

        let mut points = Vec::new();
        let main_at = before.len();
        for m in main {
            let lists: Vec<Vec<Stage>> = before
                .iter()
                .cloned()
                .chain(std::iter::once(vec![m.clone()]))
                .chain(after.iter().cloned())
                .collect();
            for stages in product(&lists) {
                let probe = stages.iter().map(|s| s.kind.name()).collect::<Vec<_>>().join("+");
                let identity = stages.iter().map(|s| s.kind.identity()).collect::<Vec<_>>().join("+");
                let strategy = stages
                    .iter()
                    .enumerate()
                    .map(|(i, s)| if i == main_at { s.strategy.clone() } else { s.label() })
                    .collect::<Vec<_>>()
                    .join("+");
                let mut chain: Arc<dyn Perturbation> = if stages.len() == 1 {
                    stages[0].perturbation.clone()
                } else {
                    Arc::new(Chain(
                        stages
                            .iter()
                            .map(|s| Box::new(s.perturbation.clone()) as Box<dyn Perturbation>)
                            .collect(),
                    ))
                };
                let needs_matrix = needs_matrix(&stages);
                let (mut strategy, mut identity) = (strategy, identity);
                let layers = self.layers.clone().unwrap_or_default();
                if !layers.is_empty() {
                    let label = layers_label(&layers);
                    strategy = if strategy == "none" {
                        label.clone()
                    } else {
                        format!("{strategy}:{label}")
                    };
                    identity = format!("{identity}[{label}]");
                    chain = Arc::new(OnLayers::new(chain, layers.clone()));
                }
                for &signed in &self.signed {
                    let level = m.level.unwrap_or(0.0);
                    let mut point = SweepPoint::shared(&probe, &strategy, level, signed, chain.clone());
                    point.signed = signed || kind.binarizes();
                    point.identity = identity.clone();
                    point.layers = layers.clone();
                    point.cka = self.cka.clone().unwrap_or_default();
                    point.needs_matrix = needs_matrix.clone();
                    // Later stages draw anew at every level, which would break the nesting.
                    point.nested = kind.is_nested() && self.after.is_empty();
                    points.push(point.with_draws(self.draws));
                }
            }
        }
        Ok(points)
    }

    /// The levels of the main stage and the key they were read from
    /// (`quick_levels` in a quick run that has them, else `levels`).
    fn levels_of(&self, kind: &ProbeKind, quick: bool) -> Result<(Vec<f64>, &'static str), InvalidKey> {
        let grid_key = if quick && self.quick_levels.is_some() {
            "quick_levels"
        } else {
            "levels"
        };
        let grid = if quick {
            self.quick_levels.as_ref().or(self.levels.as_ref())
        } else {
            self.levels.as_ref()
        };
        let levels = match (grid, kind.takes_level()) {
            (Some(g), true) => {
                g.check().map_err(|e| InvalidKey::new(grid_key, format!("{g}"), e))?;
                g.values()
            }
            (None, true) => return Err(InvalidKey::new("levels", "missing", "a list or range of levels")),
            (None, false) => vec![0.0],
            (Some(g), false) => {
                return Err(InvalidKey::new(
                    grid_key,
                    format!("{g}"),
                    format!("nothing: `{}` takes no level", kind.name()),
                ));
            }
        };
        Ok((levels, grid_key))
    }

    /// Checks that every layer named in `layers` exists in a network whose
    /// layers have these names; the error is the first that does not.
    pub(crate) fn check_layers(&self, names: &[String]) -> Result<(), String> {
        let named = self.layers.iter().chain(&self.cka).flatten();
        match named.into_iter().find(|l| l.resolve(names).is_none()) {
            Some(l) => Err(l.to_string()),
            None => Ok(()),
        }
    }

    /// Checks the entry in both grids.
    pub(crate) fn check(&self, registry: &Registry) -> Result<(), InvalidKey> {
        if self.layers.as_ref().is_some_and(|l| l.is_empty()) {
            return Err(InvalidKey::new(
                "layers",
                "[]",
                "at least one layer (or no `layers` key: all)",
            ));
        }
        self.points(registry, false)?;
        self.points(registry, true)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlprobe_graph::probe_rng;

    fn spec(text: &str) -> ProbeSpec {
        toml::from_str(text).unwrap()
    }

    fn expand(spec: &ProbeSpec, quick: bool) -> Vec<SweepPoint> {
        spec.points(&crate::builtin_probes(), quick).unwrap()
    }

    #[test]
    fn grids_expand() {
        let g = Grid::Range {
            from: 0.0,
            to: 1.0,
            points: 5,
            scale: Scale::Linear,
        };
        assert_eq!(g.values(), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        let g = Grid::Range {
            from: -10.0,
            to: 0.0,
            points: 11,
            scale: Scale::Log2,
        };
        assert_eq!(g.values()[0], 2f64.powi(-10));
        assert_eq!(g.values()[10], 1.0);
    }

    #[test]
    fn a_sweep_expands_strategies_levels_and_variants() {
        let s = spec("probe = \"prune\"\nlevels = [0.0, 0.5]\nquick_levels = [0.5]\nsigned = [false, true]");
        let points = expand(&s, false);
        assert_eq!(points.len(), 3 * 2 * 2);
        assert_eq!(points[0].key(), "prune/smallest/0/false");
        assert_eq!(points[1].key(), "prune/smallest/0/true");
        assert_eq!(expand(&s, true).len(), 3 * 2);
        assert_eq!(points.iter().filter(|p| p.draws > 1).count(), 0);
    }

    #[test]
    fn binarize_is_one_signed_point() {
        let points = expand(&spec("probe = \"binarize\""), false);
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].key(), "binarize/none/0/true");
    }

    #[test]
    fn fixed_stages_compose_and_label() {
        let s = spec(
            "probe = \"prune\"\nstrategies = [\"smallest\"]\nlevels = [0.5]\ndraws = 3\n\
             before = [{ probe = \"noise\", strategies = [\"gaussian\"], levels = [0.01, 0.1] }]\n\
             after = [{ probe = \"randomize\", strategies = [\"B\", \"G\"] }]",
        );
        let keys: Vec<String> = expand(&s, false).iter().map(|p| p.key()).collect();
        assert_eq!(
            keys,
            [
                "noise+prune+randomize/gaussian@0.01+smallest+B/0.5/false",
                "noise+prune+randomize/gaussian@0.01+smallest+G/0.5/false",
                "noise+prune+randomize/gaussian@0.1+smallest+B/0.5/false",
                "noise+prune+randomize/gaussian@0.1+smallest+G/0.5/false",
            ]
        );
        assert!(expand(&s, false).iter().all(|p| p.draws == 3));
        let identity = format!(
            "noise@{}+prune@{}+randomize@{}",
            mlprobe_noise::VERSION,
            mlprobe_prune::VERSION,
            mlprobe_randomize::VERSION
        );
        assert_eq!(expand(&s, false)[0].identity, identity);
    }

    #[test]
    fn layers_restrict_and_label() {
        let s = spec(
            "probe = \"prune\"\nstrategies = [\"smallest\"]\nlevels = [0.5]\nsigned = [false, true]\nlayers = [\"last\"]",
        );
        let points = expand(&s, false);
        assert_eq!(points[0].key(), "prune/smallest:last/0.5/false");
        assert_eq!(points[1].identity, "prune@1[last]");
        let net = mlprobe_graph::initial_weights(&[6, 4, 3], mlprobe_graph::Activation::Relu, &mut probe_rng(3));
        let signed = points[1].perturbation().apply(&net, &mut probe_rng(0));
        assert_eq!(signed.layers[0].weights, net.layers[0].weights);
        assert!(signed.layers[1].weights.iter().all(|w| [-1.0, 0.0, 1.0].contains(w)));
        assert_eq!(signed.layers[1].weights.iter().filter(|w| **w == 0.0).count(), 6);
        let b = spec("probe = \"binarize\"\nlayers = [\"first\", 1]");
        assert_eq!(expand(&b, false)[0].key(), "binarize/first+1/0/true");
        let names = ["0".to_string(), "1".to_string()];
        assert_eq!(b.check_layers(&names), Ok(()));
        assert_eq!(
            spec("probe = \"binarize\"\nlayers = [2]").check_layers(&names),
            Err("2".to_string())
        );
        let err = toml::from_str::<ProbeSpec>("probe = \"binarize\"\nlayers = [\"1st\"]").unwrap_err();
        assert!(err.to_string().contains("first, last"), "{err}");
    }

    #[test]
    fn invalid_entries_name_the_key() {
        let cases = [
            ("probe = \"prune\"\nlevels = [0.5, 1.5]", "levels", "prune fraction 1.5"),
            ("probe = \"prune\"", "levels", "missing"),
            (
                "probe = \"prune\"\nlevels = [0.1]\nstrategies = [\"biggest\"]",
                "strategies",
                "smallest",
            ),
            ("probe = \"noise\"\nlevels = [-1.0]", "levels", "noise level"),
            ("probe = \"randomize\"\nlevels = [0.1]", "levels", "takes no level"),
            (
                "probe = \"prune\"\nlevels = { from = 0, to = 1, points = 1000000000 }",
                "levels",
                "points = 1000000000, at most 100000",
            ),
            ("probe = \"randomize\"\nstrategies = [\"H\"]", "strategies", "one of A"),
            ("probe = \"binarize\"\nsigned = [true]", "signed", "binarized already"),
            (
                "probe = \"flip\"\nlevels = { from = 0, to = 1, points = 1 }",
                "levels",
                "points",
            ),
            (
                "probe = \"flip\"\nlevels = [0.1]\nafter = [{ probe = \"prune\", strategies = [\"random\"] }]",
                "after[0].levels",
                "missing",
            ),
        ];
        for (text, key, expected) in cases {
            let err = spec(text).check(&crate::builtin_probes()).unwrap_err();
            assert_eq!(err.key, key, "{text}");
            assert!(err.to_string().contains(expected), "{text}: {err}");
        }
    }
}
