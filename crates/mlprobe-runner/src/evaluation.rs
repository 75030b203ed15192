//! How perturbed networks are evaluated: mlprobe's way (the trained biases
//! and the training activation), or as the reference scripts did it, for a
//! side-by-side comparison.
//!
//! ```toml
//! [evaluation]
//! biases = "trained"      # or "fresh": PyTorch-initialised biases, redrawn for every evaluation
//! activation = "trained"  # or tanh | relu | sigmoid | identity: evaluate with this one
//! ```

use std::fmt;
use std::str::FromStr;

use mlprobe_graph::{Activation, ProbeRng, UnknownName, WeightStack, fresh_biases};

mlprobe_graph::named_enum! {
    /// The biases a perturbed network is evaluated with.
    pub enum Biases("biases") {
        /// The trained biases, perturbed with the weights.
        Trained => "trained",
        /// Biases drawn afresh, as PyTorch initialises them, for every
        /// evaluation: the reference scripts rebuilt networks from edge
        /// lists that carry no biases.
        Fresh => "fresh",
    }
}

/// The activation a perturbed network is evaluated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvalActivation {
    /// The one the network was trained with.
    Trained,
    /// This one, whatever the training used (the reference scripts
    /// evaluated tanh-trained MNIST flip models with ReLU).
    As(Activation),
}

impl fmt::Display for EvalActivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalActivation::Trained => f.write_str("trained"),
            EvalActivation::As(a) => write!(f, "{a}"),
        }
    }
}

impl FromStr for EvalActivation {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "trained" {
            return Ok(EvalActivation::Trained);
        }
        s.parse().map(EvalActivation::As).map_err(|e: UnknownName| UnknownName {
            expected: format!("trained, {}", e.expected),
            ..e
        })
    }
}

/// Deserializes a name through `FromStr`, so that the message names the valid ones.
macro_rules! deserialize_by_name {
    ($t:ty) => {
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let name = String::deserialize(d)?;
                name.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

deserialize_by_name!(Biases);
deserialize_by_name!(EvalActivation);

/// How the perturbed networks of a unit are evaluated. The trained network
/// itself (the row `none`, which decides whether a run failed) is always
/// evaluated as trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Evaluation {
    /// Which biases.
    pub biases: Biases,
    /// Which activation.
    pub activation: EvalActivation,
}

impl Default for Evaluation {
    /// mlprobe's evaluation: trained biases, training activation.
    fn default() -> Self {
        Self {
            biases: Biases::Trained,
            activation: EvalActivation::Trained,
        }
    }
}

impl Evaluation {
    /// Whether this is mlprobe's own evaluation.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Whether evaluating needs random draws (fresh biases).
    pub(crate) fn draws(&self) -> bool {
        self.biases == Biases::Fresh
    }

    /// The network as this evaluation sees `net`; fresh biases come from `rng`.
    pub(crate) fn prepare(&self, net: &WeightStack, rng: &mut ProbeRng) -> WeightStack {
        let mut out = match self.biases {
            Biases::Trained => net.clone(),
            Biases::Fresh => fresh_biases(net, rng),
        };
        if let EvalActivation::As(a) = self.activation {
            out.activation = a;
        }
        out
    }
}

impl fmt::Display for Evaluation {
    /// `biases=<..> activation=<..>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "biases={} activation={}", self.biases, self.activation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlprobe_graph::{initial_weights, probe_rng};

    #[test]
    fn names_parse_and_print() {
        assert_eq!("fresh".parse::<Biases>(), Ok(Biases::Fresh));
        assert_eq!(
            "relu".parse::<EvalActivation>(),
            Ok(EvalActivation::As(Activation::Relu))
        );
        assert_eq!("trained".parse::<EvalActivation>(), Ok(EvalActivation::Trained));
        let err = "relux".parse::<EvalActivation>().unwrap_err().to_string();
        assert!(err.contains("trained, tanh"), "{err}");
    }

    #[test]
    fn prepare_swaps_what_it_is_asked_to() {
        let net = initial_weights(&[4, 3, 2], Activation::Tanh, &mut probe_rng(0));
        let same = Evaluation::default().prepare(&net, &mut probe_rng(1));
        assert_eq!(same.layers[0].bias, net.layers[0].bias);
        assert_eq!(same.activation, Activation::Tanh);
        let compat = Evaluation {
            biases: Biases::Fresh,
            activation: EvalActivation::As(Activation::Relu),
        };
        let seen = compat.prepare(&net, &mut probe_rng(1));
        assert_ne!(seen.layers[0].bias, net.layers[0].bias);
        assert_eq!(seen.layers[0].weights, net.layers[0].weights);
        assert_eq!(seen.activation, Activation::Relu);
    }
}
