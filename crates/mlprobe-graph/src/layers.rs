//! Restricting a perturbation to some layers of a network: [`OnLayers`]
//! applies any [`Perturbation`] and keeps the other layers as they were.

use std::fmt;
use std::str::FromStr;

use crate::perturb::{Measure, Perturbation, ProbeRng};
use crate::weights::WeightStack;

/// A layer of a network, named so that the same name fits networks of any
/// depth: the first, the last, one by its 0-based index, or one by its
/// name (see [`WeightStack::layer_names`], e.g. `conv2` in a CNN).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LayerRef {
    /// The first linear layer (inputs to the first hidden layer).
    First,
    /// The last linear layer (into the outputs).
    Last,
    /// The layer at this 0-based index.
    Index(usize),
    /// The layer of this name.
    Name(String),
}

impl LayerRef {
    /// The index of this layer in a network whose layers have these names
    /// (one per layer), if it has one.
    pub fn resolve(&self, names: &[String]) -> Option<usize> {
        let depth = names.len();
        match self {
            LayerRef::First if depth > 0 => Some(0),
            LayerRef::Last if depth > 0 => Some(depth - 1),
            LayerRef::Index(i) if *i < depth => Some(*i),
            LayerRef::Name(name) => names.iter().position(|n| n == name),
            _ => None,
        }
    }
}

impl fmt::Display for LayerRef {
    /// `first`, `last`, or the index.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayerRef::First => f.write_str("first"),
            LayerRef::Last => f.write_str("last"),
            LayerRef::Index(i) => write!(f, "{i}"),
            LayerRef::Name(name) => f.write_str(name),
        }
    }
}

/// A layer name that is neither `first`, `last`, an index nor a module name
/// (letters, digits, `_` and `.`, starting with a letter).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown layer `{0}`: expected first, last, a 0-based index or a layer name such as conv1")]
pub struct UnknownLayer(pub String);

/// Whether `s` can name a layer: a letter, then letters, digits, `_` or `.`.
fn is_layer_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

impl FromStr for LayerRef {
    type Err = UnknownLayer;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "first" => Ok(LayerRef::First),
            "last" => Ok(LayerRef::Last),
            _ if is_layer_name(s) => Ok(LayerRef::Name(s.to_string())),
            _ => s.parse().map(LayerRef::Index).map_err(|_| UnknownLayer(s.to_string())),
        }
    }
}

/// The layers as written in labels: their names joined by `+`, e.g. `first+last`.
pub fn layers_label(layers: &[LayerRef]) -> String {
    layers.iter().map(|l| l.to_string()).collect::<Vec<_>>().join("+")
}

/// `inner` applied to the chosen layers only: the other layers (weights and
/// biases) are those of the input. `inner` sees and draws for the whole
/// network, so its random choices do not depend on which layers are kept.
/// Layers a network does not have are ignored.
#[derive(Debug, Clone)]
pub struct OnLayers<P> {
    /// The perturbation.
    pub inner: P,
    /// The layers it acts on.
    pub layers: Vec<LayerRef>,
}

impl<P> OnLayers<P> {
    /// `inner` restricted to `layers`.
    pub fn new(inner: P, layers: Vec<LayerRef>) -> Self {
        Self { inner, layers }
    }

    fn keep_others(&self, net: &WeightStack, mut out: WeightStack) -> WeightStack {
        let names = net.layer_names();
        let chosen: Vec<usize> = self.layers.iter().filter_map(|l| l.resolve(&names)).collect();
        for (i, layer) in out.layers.iter_mut().enumerate() {
            if !chosen.contains(&i) {
                *layer = net.layers[i].clone();
            }
        }
        out
    }
}

impl<P: Perturbation> Perturbation for OnLayers<P> {
    fn name(&self) -> String {
        format!("{}[{}]", self.inner.name(), layers_label(&self.layers))
    }

    fn apply(&self, net: &WeightStack, rng: &mut ProbeRng) -> WeightStack {
        self.keep_others(net, self.inner.apply(net, rng))
    }

    fn is_deterministic(&self) -> bool {
        self.inner.is_deterministic()
    }

    fn apply_measured(&self, net: &WeightStack, rng: &mut ProbeRng) -> (WeightStack, Vec<Measure>) {
        let (out, measures) = self.inner.apply_measured(net, rng);
        (self.keep_others(net, out), measures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Activation, Layer, probe_rng};

    struct Negate;
    impl Perturbation for Negate {
        fn name(&self) -> String {
            "negate".into()
        }
        fn apply(&self, net: &WeightStack, _rng: &mut ProbeRng) -> WeightStack {
            net.map(|w| -w)
        }
    }

    fn three_layers() -> WeightStack {
        let layer = |v: f32| Layer::new(1, 1, vec![v], vec![v]);
        WeightStack::new(Activation::Relu, vec![layer(1.0), layer(2.0), layer(3.0)])
    }

    #[test]
    fn only_the_chosen_layers_change() {
        let net = three_layers();
        let weights = |layers: Vec<LayerRef>| {
            let out = OnLayers::new(Negate, layers).apply(&net, &mut probe_rng(0));
            out.layers.iter().map(|l| (l.weights[0], l.bias[0])).collect::<Vec<_>>()
        };
        assert_eq!(weights(vec![LayerRef::First]), [(-1.0, -1.0), (2.0, 2.0), (3.0, 3.0)]);
        assert_eq!(weights(vec![LayerRef::Last]), [(1.0, 1.0), (2.0, 2.0), (-3.0, -3.0)]);
        assert_eq!(
            weights(vec![LayerRef::Index(1), LayerRef::Last]),
            [(1.0, 1.0), (-2.0, -2.0), (-3.0, -3.0)]
        );
        assert_eq!(weights(vec![LayerRef::Index(7)]), [(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)]);
    }

    #[test]
    fn names_round_trip() {
        for l in [
            LayerRef::First,
            LayerRef::Last,
            LayerRef::Index(2),
            LayerRef::Name("conv2".into()),
        ] {
            assert_eq!(l.to_string().parse::<LayerRef>(), Ok(l));
        }
        assert!(
            "-middle"
                .parse::<LayerRef>()
                .unwrap_err()
                .to_string()
                .contains("first, last")
        );
        assert_eq!(layers_label(&[LayerRef::First, LayerRef::Index(1)]), "first+1");
        let names: Vec<String> = ["conv1", "conv2", "fc"].map(String::from).to_vec();
        assert_eq!(LayerRef::Last.resolve(&names), Some(2));
        assert_eq!(LayerRef::Index(3).resolve(&names), None);
        assert_eq!(LayerRef::Name("conv2".into()).resolve(&names), Some(1));
        assert_eq!(LayerRef::Name("conv3".into()).resolve(&names), None);
    }
}
