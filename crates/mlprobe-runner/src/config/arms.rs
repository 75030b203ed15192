//! Swept keys: a `[training]` or `[evaluation]` value given as a list runs
//! every task in every combination of the swept values (an *arm*), and the
//! rows of `results.csv` name their arm in appended columns.

use mlprobe_core::TrainParams;
use mlprobe_graph::ArchitectureKind;
use serde::Deserialize;

use super::file::{EvaluationSection, TrainingOverride, TrainingSection};
use crate::evaluation::Evaluation;

/// A value, or a list of values to sweep: `epochs = 75` or `epochs = [5, 10, 20]`.
#[derive(Debug, Clone, PartialEq)]
pub enum Sweepable<T> {
    /// One value.
    One(T),
    /// Values to sweep, in this order.
    Many(Vec<T>),
}

impl<T: Default> Default for Sweepable<T> {
    fn default() -> Self {
        Sweepable::One(T::default())
    }
}

impl<T: Clone> Sweepable<T> {
    /// The values, one for an unswept key.
    pub fn values(&self) -> Vec<T> {
        match self {
            Sweepable::One(v) => vec![v.clone()],
            Sweepable::Many(v) => v.clone(),
        }
    }

    /// Whether the key is swept.
    pub fn is_swept(&self) -> bool {
        matches!(self, Sweepable::Many(_))
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Sweepable<T> {
    /// A value of `T`, else a non-empty array of them (so that a list-valued
    /// key such as `hidden` is swept only by a list of lists).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = toml::Value::deserialize(d)?;
        match T::deserialize(value.clone()) {
            Ok(one) => Ok(Sweepable::One(one)),
            Err(e) => match value {
                toml::Value::Array(items) if items.is_empty() => Err(D::Error::custom("an empty list sweeps nothing")),
                toml::Value::Array(items) => items
                    .into_iter()
                    .map(T::deserialize)
                    .collect::<Result<Vec<T>, _>>()
                    .map(Sweepable::Many)
                    .map_err(D::Error::custom),
                _ => Err(D::Error::custom(e)),
            },
        }
    }
}

impl TrainingOverride {
    /// `params` with this task's own values.
    pub(super) fn apply(self, params: TrainParams) -> TrainParams {
        TrainParams {
            hidden: self.hidden.unwrap_or(params.hidden),
            architecture: params.architecture,
            conv: params.conv,
            vit: params.vit,
            activation: self.activation.unwrap_or(params.activation),
            epochs: self.epochs.unwrap_or(params.epochs),
            batch_size: self.batch_size.unwrap_or(params.batch_size),
            learning_rate: self.learning_rate.unwrap_or(params.learning_rate),
            failed_below: params.failed_below,
        }
    }
}

/// One arm: its training parameters (unchecked), evaluation and the
/// values of its swept keys as `(column, value)`.
#[derive(Debug, Clone)]
pub(super) struct Arm {
    pub(super) params: TrainParams,
    pub(super) evaluation: Evaluation,
    pub(super) values: Vec<(String, String)>,
}

/// Every combination of the swept values, the first key varying slowest;
/// one arm (with no values) when nothing is swept.
pub(super) fn arms(t: &TrainingSection, e: Option<&EvaluationSection>) -> Vec<Arm> {
    let hidden = t.hidden.clone().unwrap_or(Sweepable::One(Vec::new()));
    let base = TrainParams {
        architecture: t.architecture.values()[0],
        hidden: hidden.values()[0].clone(),
        activation: t.activation.values()[0],
        epochs: t.epochs.values()[0],
        batch_size: t.batch_size.values()[0],
        learning_rate: t.learning_rate.values()[0],
        ..TrainParams::default()
    };
    let mut arms = vec![Arm {
        params: base,
        evaluation: Evaluation::default(),
        values: Vec::new(),
    }];
    arms = sweep(arms, &t.architecture, "architecture", ToString::to_string, |a, v| {
        a.params.conv = (v == ArchitectureKind::Cnn).then(|| t.conv.as_ref().map(|c| c.params()).unwrap_or_default());
        a.params.vit = (v == ArchitectureKind::Vit).then(|| t.vit.as_ref().map(|c| c.params()).unwrap_or_default());
        a.params.architecture = v;
    });
    arms = sweep(arms, &hidden, "hidden", |h| hidden_label(h), |a, v| a.params.hidden = v);
    arms = sweep(arms, &t.activation, "activation", ToString::to_string, |a, v| {
        a.params.activation = v
    });
    arms = sweep(arms, &t.epochs, "epochs", ToString::to_string, |a, v| {
        a.params.epochs = v
    });
    arms = sweep(arms, &t.batch_size, "batch_size", ToString::to_string, |a, v| {
        a.params.batch_size = v
    });
    arms = sweep(arms, &t.learning_rate, "learning_rate", ToString::to_string, |a, v| {
        a.params.learning_rate = v
    });
    for arm in &mut arms {
        // Hidden sizes are an MLP's: other arms share models whatever `hidden` says.
        if arm.params.architecture != ArchitectureKind::Mlp {
            arm.params.hidden.clear();
        }
        let (epochs, learning_rate) = budget(t, arm.params.architecture);
        arm.params.epochs = epochs.unwrap_or(arm.params.epochs);
        arm.params.learning_rate = learning_rate.unwrap_or(arm.params.learning_rate);
    }
    if let Some(e) = e {
        arms = sweep(arms, &e.biases, "eval_biases", ToString::to_string, |a, v| {
            a.evaluation.biases = v
        });
        arms = sweep(arms, &e.activation, "eval_activation", ToString::to_string, |a, v| {
            a.evaluation.activation = v
        });
    }
    arms
}

/// The `epochs` and `learning_rate` an architecture's own table gives.
pub(super) fn budget(t: &TrainingSection, kind: ArchitectureKind) -> (Option<usize>, Option<f64>) {
    match kind {
        ArchitectureKind::Cnn => t.conv.as_ref().map_or((None, None), |c| (c.epochs, c.learning_rate)),
        ArchitectureKind::Vit => t.vit.as_ref().map_or((None, None), |v| (v.epochs, v.learning_rate)),
        ArchitectureKind::Mlp => (None, None),
    }
}

/// `arms`, each split into one arm per value of `key` (a value column
/// added when the key is swept).
fn sweep<T: Clone>(
    arms: Vec<Arm>,
    key: &Sweepable<T>,
    column: &str,
    text: impl Fn(&T) -> String,
    set: impl Fn(&mut Arm, T),
) -> Vec<Arm> {
    arms.into_iter()
        .flat_map(|arm| {
            key.values().into_iter().map({
                let (text, set) = (&text, &set);
                move |v| {
                    let mut a = arm.clone();
                    if key.is_swept() {
                        a.values.push((column.to_string(), text(&v)));
                    }
                    set(&mut a, v);
                    a
                }
            })
        })
        .collect()
}

/// The appended columns of an experiment's rows: its swept keys, then
/// `steps` when a training key is swept.
pub(super) fn columns(t: &TrainingSection, e: Option<&EvaluationSection>) -> Vec<String> {
    let mut out: Vec<&str> = [
        ("architecture", t.architecture.is_swept()),
        ("hidden", t.hidden.as_ref().is_some_and(Sweepable::is_swept)),
        ("activation", t.activation.is_swept()),
        ("epochs", t.epochs.is_swept()),
        ("batch_size", t.batch_size.is_swept()),
        ("learning_rate", t.learning_rate.is_swept()),
    ]
    .into_iter()
    .filter(|(_, swept)| *swept)
    .map(|(k, _)| k)
    .collect();
    let training_swept = !out.is_empty();
    if let Some(e) = e {
        if e.biases.is_swept() {
            out.push("eval_biases");
        }
        if e.activation.is_swept() {
            out.push("eval_activation");
        }
    }
    if training_swept {
        out.push("steps");
    }
    out.into_iter().map(str::to_string).collect()
}

/// Text of a hidden-size list in labels, e.g. `64-64`.
fn hidden_label(hidden: &[usize]) -> String {
    hidden.iter().map(|w| w.to_string()).collect::<Vec<_>>().join("-")
}
