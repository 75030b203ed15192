//! Sweeps of a model that its own code evaluates: named arrays (a PyTorch
//! `state_dict`'s, say) perturbed by an experiment's `[[probes]]`, one
//! tensor at a time or all together, each perturbed copy scored by a
//! caller's function (accuracy, F1, CKA, anything).
//!
//! A unit is one target (a tensor, or all of them) and one seed. After every
//! point its scores so far are written atomically to its unit file, so a run
//! stopped by Ctrl-C, a crash or a failing scorer resumes at the next point.
//! At the end `results.csv` (the contract's columns, then `layer` when
//! tensors are probed one at a time, then one column per extra measure of the
//! scorer) and `medians.csv` are written as a run of the experiment writes them.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mlprobe_graph::store::atomic_write;
use mlprobe_graph::{Layer, Measure, Registry, TensorError, TensorKind, WeightStack, named_enum};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Experiment;
use crate::errors::{ConfigError, InvalidKey, RunError};
use crate::output::{Medians, Row, csv_text, write_csv};
use crate::probes::{ProbeSpec, SweepPoint};
use crate::progress::Progress;
use crate::stats::quantile;
use crate::sweep_eval::{PointResult, try_evaluate_points};

named_enum! {
    /// Which tensors a unit perturbs.
    pub enum Targets("targets") {
        /// One tensor (with its bias, when that is probed too) at a time, as the paper's Fig. 5.
        Each => "each",
        /// All the tensors at once, as mlprobe probes its own networks.
        Together => "together",
    }
}

/// A named array to probe, as the model stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    /// Its name in the model, e.g. `encoder.layer.0.intermediate.dense.weight`.
    pub name: String,
    /// Its shape, e.g. `[out, in]`.
    pub shape: Vec<usize>,
    /// How it is viewed as a bipartite layer.
    pub kind: TensorKind,
    /// Its values in row-major order.
    pub values: Vec<f32>,
}

/// The `dataset`, `task` and `classes` columns of the rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    /// The `dataset` column.
    pub dataset: String,
    /// The `task` column.
    pub task: String,
    /// The `classes` column.
    pub classes: String,
}

/// What a scorer says of one perturbed model.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// The headline measure (the `accuracy` column).
    pub score: f64,
    /// Further measures, each in a column of its own.
    pub extra: Vec<(String, f64)>,
}

/// Why a tensor sweep stopped.
#[derive(Debug, thiserror::Error)]
pub enum TensorSweepError<E: std::error::Error + 'static> {
    /// The probe file could not be read or checked.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// An argument of the sweep is not valid.
    #[error("{0}")]
    Invalid(InvalidKey),
    /// A tensor cannot be probed.
    #[error(transparent)]
    Tensor(#[from] TensorError),
    /// A result could not be written or read.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The scorer failed; the points scored before are kept.
    #[error("scoring {point} (unit {unit}); the points scored before are kept, and a re-run resumes here")]
    Score {
        /// The unit: its target and seed.
        unit: String,
        /// The sweep point, e.g. `prune/smallest/0.5/false`.
        point: String,
        /// The scorer's error.
        source: E,
    },
}

/// A sweep of named tensors: what to perturb, how, and the rows' labels.
#[derive(Clone)]
pub struct TensorSweep {
    /// The run folder's name under the output folder.
    pub name: String,
    /// The sweep points of the probes.
    pub points: Vec<SweepPoint>,
    /// The tensors to probe, in order.
    pub tensors: Vec<NamedTensor>,
    /// One at a time, or together.
    pub targets: Targets,
    /// The seeds of the random draws; one unit per target and seed.
    pub seeds: Vec<u64>,
    /// The rows' labels.
    pub labels: Labels,
}

/// A finished tensor sweep.
#[derive(Debug, Clone)]
pub struct TensorRun {
    /// Its folder.
    pub dir: PathBuf,
    /// What each unit perturbs, in order: a tensor's name, or empty for all together.
    pub targets: Vec<String>,
    /// The rows of `results.csv`, unit by unit.
    pub rows: Vec<Row>,
    /// The columns after the contract's nine.
    pub columns: Vec<String>,
    /// The content of `medians.csv`.
    pub medians: Medians,
    /// Models scored in this run (the rest were read from unit files).
    pub scored_now: usize,
    /// Wall time.
    pub wall: Duration,
}

/// The sweep points of a file's `[[probes]]`: a whole experiment file, or
/// one holding only `[[probes]]` entries; `quick` picks their quick levels.
/// Returns the file's name (its stem) and the points.
pub fn probe_points(path: &Path, registry: &Registry, quick: bool) -> Result<(String, Vec<SweepPoint>), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let name = (path.file_stem()).map_or_else(|| "probes".to_string(), |s| s.to_string_lossy().into_owned());
    let points = probe_points_of_text(&name, &text, path, registry, quick)?;
    Ok((name, points))
}

/// [`probe_points`] of TOML text named `name`; `path` is named in messages.
pub fn probe_points_of_text(
    name: &str,
    text: &str,
    path: &Path,
    registry: &Registry,
    quick: bool,
) -> Result<Vec<SweepPoint>, ConfigError> {
    let parse = |message: String| ConfigError::Parse {
        path: path.to_path_buf(),
        message,
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| parse(e.to_string().trim_end().to_string()))?;
    if table.contains_key("tasks") {
        let exp = Experiment::from_toml_with(name, text, path, std::sync::Arc::new(registry.clone()))?;
        return Ok(exp.sweep(quick));
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct ProbesOnly {
        #[serde(default)]
        description: String,
        probes: Vec<ProbeSpec>,
    }
    let file: ProbesOnly = toml::from_str(text).map_err(|e| parse(e.to_string().trim_end().to_string()))?;
    let _ = file.description;
    let mut points = Vec::new();
    for (i, spec) in file.probes.iter().enumerate() {
        let invalid = |invalid: InvalidKey| ConfigError::Invalid {
            path: path.to_path_buf(),
            invalid: invalid.within(&format!("probes[{i}]")),
        };
        spec.check(registry).map_err(invalid)?;
        points.extend(spec.points(registry, quick).map_err(invalid)?);
    }
    Ok(points)
}

/// One unit's target: a weight tensor and its bias, or every tensor.
struct Group {
    weight: usize,
    bias: Option<usize>,
}

/// A weight `m.weight` takes `m.bias` along when both are probed and the
/// bias has one value per output.
fn groups(tensors: &[NamedTensor]) -> Result<Vec<Group>, TensorError> {
    let mut taken = BTreeSet::new();
    let mut out = Vec::new();
    for (i, t) in tensors.iter().enumerate() {
        let Some(module) = t.name.strip_suffix(".weight") else {
            continue;
        };
        let (_, n_out) = t.kind.nodes(&t.name, &t.shape)?;
        let bias_name = format!("{module}.bias");
        let bias = tensors
            .iter()
            .position(|b| b.name == bias_name && b.shape == [n_out] && t.kind != TensorKind::Vector);
        taken.extend(bias);
        out.push((i, Group { weight: i, bias }));
    }
    for (i, t) in tensors.iter().enumerate() {
        if !taken.contains(&i) && !out.iter().any(|(w, _)| *w == i) {
            t.kind.nodes(&t.name, &t.shape)?;
            out.push((i, Group { weight: i, bias: None }));
        }
    }
    out.sort_by_key(|(i, _)| *i);
    Ok(out.into_iter().map(|(_, g)| g).collect())
}

impl TensorSweep {
    /// Checks the sweep against its tensors before anything runs.
    fn check<E: std::error::Error>(&self, units: &[(String, Vec<&Group>)]) -> Result<(), TensorSweepError<E>> {
        let invalid = |key: &str, value: String, expected: &str| {
            Err(TensorSweepError::Invalid(InvalidKey::new(key, value, expected)))
        };
        if self.tensors.is_empty() {
            return invalid("tensors", "none".into(), "at least one tensor to probe");
        }
        if self.seeds.is_empty() {
            return invalid("seeds", "[]".into(), "at least one seed");
        }
        let mut names = BTreeSet::new();
        if let Some(t) = self.tensors.iter().find(|t| !names.insert(&t.name)) {
            return invalid("tensors", format!("`{}` twice", t.name), "each tensor once");
        }
        for p in &self.points {
            if !p.cka.is_empty() {
                return invalid(
                    "probes.cka",
                    p.key(),
                    "no cka here: it needs mlprobe's own evaluator; return CKAs from your scorer instead",
                );
            }
            let vector = units
                .iter()
                .flat_map(|(_, g)| g)
                .find(|g| self.tensors[g.weight].kind == TensorKind::Vector);
            if let (Some(reason), Some(g)) = (&p.needs_matrix, vector) {
                let name = &self.tensors[g.weight].name;
                return invalid(
                    "tensors",
                    format!("`{name}` (1-D)"),
                    &format!("a 2-D or 4-D tensor ({reason})"),
                );
            }
            for (label, g) in units {
                let names: Vec<String> = self.stack(g).layer_names();
                if let Some(l) = p.layers.iter().find(|l| l.resolve(&names).is_none()) {
                    let target = if label.is_empty() {
                        "all tensors together"
                    } else {
                        label
                    };
                    return invalid(
                        "probes.layers",
                        l.to_string(),
                        &format!("a layer of {target}: {}", names.join(", ")),
                    );
                }
            }
        }
        Ok(())
    }

    /// The groups' tensors as one stack of layers.
    fn stack(&self, groups: &[&Group]) -> WeightStack {
        let layers = groups.iter().map(|g| self.layer(g).expect("checked")).collect();
        WeightStack::unwired(layers)
    }

    fn layer(&self, g: &Group) -> Result<Layer, TensorError> {
        let w = &self.tensors[g.weight];
        let bias = g.bias.map(|b| self.tensors[b].values.clone()).unwrap_or_default();
        w.kind.to_layer(&w.name, &w.shape, &w.values, bias)
    }

    /// The groups' tensors with the values of `net`'s layers.
    fn tensors_of(&self, groups: &[&Group], net: &WeightStack) -> Vec<NamedTensor> {
        let mut out = Vec::new();
        for (g, layer) in groups.iter().zip(&net.layers) {
            let w = &self.tensors[g.weight];
            out.push(NamedTensor {
                values: w.kind.values_of(layer),
                ..w.clone()
            });
            if let Some(b) = g.bias {
                out.push(NamedTensor {
                    values: layer.bias.clone(),
                    ..self.tensors[b].clone()
                });
            }
        }
        out
    }

    /// What a unit file must match to be read back: the points, the
    /// seed, and the unit's tensors, values included.
    fn fingerprint(&self, groups: &[&Group], seed: u64) -> String {
        let mut h = Sha256::new();
        for p in &self.points {
            h.update(format!("{}|{}|{}|{:?}\n", p.key(), p.identity, p.draws, p.layers).as_bytes());
        }
        h.update(format!("seed {seed}\n").as_bytes());
        for g in groups {
            for t in std::iter::once(g.weight).chain(g.bias).map(|i| &self.tensors[i]) {
                h.update(format!("{} {:?} {}\n", t.name, t.shape, t.kind).as_bytes());
                t.values.iter().for_each(|v| h.update(v.to_le_bytes()));
            }
        }
        format!("{:x}", h.finalize())
    }
}

/// A unit file: the scores of the unperturbed model and of the points so far.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct UnitFile {
    fingerprint: String,
    scores: Vec<Scores>,
}

impl Serialize for Scores {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.score, &self.extra).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Scores {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (score, extra) = <(f64, Vec<(String, f64)>)>::deserialize(d)?;
        Ok(Self { score, extra })
    }
}

/// Runs the sweep into `out/<name>/`, scoring every perturbed copy with
/// `score(tensors)` (the unit's tensors, perturbed), resuming from the unit
/// files of an earlier run; `progress` draws a bar on the terminal.
pub fn run_tensor_sweep<E: std::error::Error + 'static>(
    sweep: &TensorSweep,
    out: &Path,
    progress: bool,
    mut score: impl FnMut(&[NamedTensor]) -> Result<Scores, E>,
) -> Result<TensorRun, TensorSweepError<E>> {
    let start = Instant::now();
    let all = groups(&sweep.tensors)?;
    let units: Vec<(String, Vec<&Group>)> = match sweep.targets {
        Targets::Together => vec![(String::new(), all.iter().collect())],
        Targets::Each => all
            .iter()
            .map(|g| (sweep.tensors[g.weight].name.clone(), vec![g]))
            .collect(),
    };
    for g in &all {
        sweep.layer(g)?;
    }
    sweep.check(&units)?;
    let dir = out.join(&sweep.name);
    let per_unit = sweep.points.len() + 1;
    let bar = Progress::new(&sweep.name, progress).bar((units.len() * sweep.seeds.len() * per_unit) as u64, "points");
    let mut scored_now = 0;
    let mut results = Vec::new();
    for (label, groups) in &units {
        for &seed in &sweep.seeds {
            let unit = UnitRun {
                sweep,
                groups,
                seed,
                path: dir.join("units").join(unit_file_name(label, seed)),
            };
            let (scores, now) = unit.run(&bar, &mut score)?;
            scored_now += now;
            results.push((label.clone(), seed, scores));
        }
    }
    bar.finish_and_clear();
    let run = outputs(sweep, dir, &units, results)?;
    Ok(TensorRun {
        scored_now,
        wall: start.elapsed(),
        ..run
    })
}

/// `units/<target>-seed<seed>.json`, the target's characters kept to letters, digits, `-`, `_` and `.`.
fn unit_file_name(label: &str, seed: u64) -> String {
    let label = if label.is_empty() { "together" } else { label };
    let safe: String = (label.chars())
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}-seed{seed}.json")
}

/// One unit of a sweep being run.
struct UnitRun<'a> {
    sweep: &'a TensorSweep,
    groups: &'a [&'a Group],
    seed: u64,
    path: PathBuf,
}

impl UnitRun<'_> {
    /// The unit's scores, the unperturbed model's first, and how many were scored now.
    fn run<E: std::error::Error + 'static>(
        &self,
        bar: &indicatif::ProgressBar,
        score: &mut impl FnMut(&[NamedTensor]) -> Result<Scores, E>,
    ) -> Result<(Vec<Scores>, usize), TensorSweepError<E>> {
        let fingerprint = self.sweep.fingerprint(self.groups, self.seed);
        let mut file = self.read(&fingerprint).unwrap_or(UnitFile {
            fingerprint,
            scores: Vec::new(),
        });
        bar.inc(file.scores.len() as u64);
        let before = file.scores.len();
        let net = self.sweep.stack(self.groups);
        let fail = |point: String| {
            let unit = format!("{} seed {}", self.label(), self.seed);
            move |source| TensorSweepError::Score { unit, point, source }
        };
        let mut checked = |tensors: &[NamedTensor], point: String| {
            let s = score(tensors).map_err(fail(point.clone()))?;
            checked_scores(s, &point)
        };
        if file.scores.is_empty() {
            file.scores
                .push(checked(&self.sweep.tensors_of(self.groups, &net), "none".into())?);
            self.write(&file)?;
            bar.inc(1);
        }
        let points = &self.sweep.points;
        let extra: RefCell<Vec<(String, f64)>> = RefCell::new(Vec::new());
        try_evaluate_points(
            &net,
            points,
            (self.seed, file.scores.len() - 1),
            |p, _, seen| {
                let s = checked(&self.sweep.tensors_of(self.groups, seen), p.key())?;
                let mut extra = extra.borrow_mut();
                for (name, v) in s.extra {
                    match extra.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, x)) => *x += v,
                        None => extra.push((name, v)),
                    }
                }
                Ok::<_, TensorSweepError<E>>((s.score, Vec::<Measure>::new()))
            },
            |i, r: PointResult| {
                let n = points[i].draws as f64;
                let extra = extra.take().into_iter().map(|(k, v)| (k, v / n)).collect();
                file.scores.push(Scores {
                    score: r.accuracy,
                    extra,
                });
                self.write(&file)?;
                bar.inc(1);
                Ok(())
            },
        )?;
        let now = file.scores.len() - before;
        Ok((file.scores, now))
    }

    fn label(&self) -> &str {
        match self.groups {
            [g] if self.sweep.targets == Targets::Each => &self.sweep.tensors[g.weight].name,
            _ => "all tensors together",
        }
    }

    /// The unit file, when it is there, readable, and of this unit.
    fn read(&self, fingerprint: &str) -> Option<UnitFile> {
        let bytes = std::fs::read(&self.path).ok()?;
        let file: UnitFile = serde_json::from_slice(&bytes).ok()?;
        let fits = file.fingerprint == fingerprint && file.scores.len() <= self.sweep.points.len() + 1;
        fits.then_some(file)
    }

    fn write<E: std::error::Error + 'static>(&self, file: &UnitFile) -> Result<(), TensorSweepError<E>> {
        let json = serde_json::to_vec(file).expect("scores serialise");
        atomic_write(&self.path, &json).map_err(|e| RunError::from(Box::new(e)))?;
        Ok(())
    }
}

/// `s`, if its numbers are finite.
fn checked_scores<E: std::error::Error + 'static>(s: Scores, point: &str) -> Result<Scores, TensorSweepError<E>> {
    let bad = std::iter::once(("score", s.score))
        .chain(s.extra.iter().map(|(n, v)| (n.as_str(), *v)))
        .find(|(_, v)| !v.is_finite());
    match bad {
        Some((name, v)) => Err(TensorSweepError::Invalid(InvalidKey::new(
            name,
            v.to_string(),
            format!("a finite number (the scorer's at {point})"),
        ))),
        None => Ok(s),
    }
}

/// Writes `results.csv` and `medians.csv`.
fn outputs<E: std::error::Error + 'static>(
    sweep: &TensorSweep,
    dir: PathBuf,
    units: &[(String, Vec<&Group>)],
    results: Vec<(String, u64, Vec<Scores>)>,
) -> Result<TensorRun, TensorSweepError<E>> {
    let mut measures: Vec<String> = Vec::new();
    for s in results.iter().flat_map(|(_, _, s)| s) {
        for (name, _) in &s.extra {
            if !measures.contains(name) {
                measures.push(name.clone());
            }
        }
    }
    let each = sweep.targets == Targets::Each;
    let columns: Vec<String> = (each.then(|| "layer".to_string()).into_iter())
        .chain(measures.iter().cloned())
        .collect();
    let labels = std::iter::once(("none".to_string(), "none".to_string(), 0.0, false))
        .chain(
            sweep
                .points
                .iter()
                .map(|p| (p.probe.clone(), p.strategy.clone(), p.level, p.signed)),
        )
        .collect::<Vec<_>>();
    let mut rows = Vec::new();
    for (label, seed, scores) in &results {
        for ((probe, strategy, level, signed), s) in labels.iter().zip(scores) {
            let extra =
                (each.then(|| label.clone()).into_iter())
                    .chain(measures.iter().map(|m| {
                        (s.extra.iter().find(|(n, _)| n == m)).map_or_else(String::new, |(_, v)| v.to_string())
                    }))
                    .collect();
            rows.push(Row {
                dataset: sweep.labels.dataset.clone(),
                task: sweep.labels.task.clone(),
                classes: sweep.labels.classes.clone(),
                seed: *seed,
                probe: probe.clone(),
                strategy: strategy.clone(),
                level: *level,
                signed: *signed,
                accuracy: s.score,
                extra,
            });
        }
    }
    let targets: Vec<String> = units.iter().map(|(l, _)| l.clone()).collect();
    let medians = Medians {
        tasks: (targets.iter())
            .map(|t| match t.is_empty() {
                true => format!("{}/{}", sweep.labels.dataset, sweep.labels.task),
                false => t.clone(),
            })
            .collect(),
        lines: (labels.iter().enumerate())
            .map(|(i, label)| {
                let per_target = (targets.iter())
                    .map(|t| {
                        let values: Vec<f64> = (results.iter().filter(|(l, _, _)| l == t))
                            .map(|(_, _, s)| s[i].score)
                            .collect();
                        quantile(&values, 0.5)
                    })
                    .collect();
                (label.clone(), per_target)
            })
            .collect(),
    };
    write_csv(&dir.join("results.csv"), csv_text(&rows, &columns))?;
    write_csv(&dir.join("medians.csv"), medians.csv())?;
    Ok(TensorRun {
        dir,
        targets,
        rows,
        columns,
        medians,
        scored_now: 0,
        wall: Duration::ZERO,
    })
}
