//! The one trait every probe implements.

use std::sync::Arc;

use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

use crate::weights::WeightStack;

/// The random number generator handed to perturbations: a seeded ChaCha8
/// stream, so that the same seed gives the same output on every platform
/// and thread.
pub type ProbeRng = ChaCha8Rng;

/// A seeded [`ProbeRng`].
pub fn probe_rng(seed: u64) -> ProbeRng {
    ProbeRng::seed_from_u64(seed)
}

/// A perturbation of a trained network: given its weights and a seeded
/// random number generator, return new weights. Implementations never mutate
/// their input, take every random choice from `rng`, and keep layer shapes.
///
/// A new probe is a new crate with a type implementing this trait.
pub trait Perturbation: Send + Sync {
    /// A short name for messages, e.g. `binarize` or `prune/smallest@0.5`.
    fn name(&self) -> String;

    /// The perturbed copy of `net`.
    fn apply(&self, net: &WeightStack, rng: &mut ProbeRng) -> WeightStack;

    /// True when the output does not depend on `rng`: repeated draws are
    /// then pointless. Defaults to `false`.
    fn is_deterministic(&self) -> bool {
        false
    }

    /// The perturbed copy and named measurements of the perturbation itself
    /// (e.g. the fraction of edges a randomization actually rewired). The
    /// default has none; it must draw from `rng` exactly as [`Perturbation::apply`].
    fn apply_measured(&self, net: &WeightStack, rng: &mut ProbeRng) -> (WeightStack, Vec<Measure>) {
        (self.apply(net, rng), Vec::new())
    }
}

/// A named number a perturbation reports about what it did.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// e.g. `rewired_fraction`.
    pub name: String,
    /// Its value.
    pub value: f64,
}

macro_rules! forward_perturbation {
    ($wrapper:ident) => {
        impl<P: Perturbation + ?Sized> Perturbation for $wrapper<P> {
            fn name(&self) -> String {
                (**self).name()
            }

            fn apply(&self, net: &WeightStack, rng: &mut ProbeRng) -> WeightStack {
                (**self).apply(net, rng)
            }

            fn is_deterministic(&self) -> bool {
                (**self).is_deterministic()
            }

            fn apply_measured(&self, net: &WeightStack, rng: &mut ProbeRng) -> (WeightStack, Vec<Measure>) {
                (**self).apply_measured(net, rng)
            }
        }
    };
}

forward_perturbation!(Box);
forward_perturbation!(Arc);

/// The identity: the trained network itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity;

impl Perturbation for Identity {
    fn name(&self) -> String {
        "none".to_string()
    }

    fn apply(&self, net: &WeightStack, _rng: &mut ProbeRng) -> WeightStack {
        net.clone()
    }

    fn is_deterministic(&self) -> bool {
        true
    }
}

/// Perturbations applied one after the other, sharing one random stream
/// (e.g. prune, then binarize: the "signed" variant of a probe).
pub struct Chain(pub Vec<Box<dyn Perturbation>>);

impl Perturbation for Chain {
    fn name(&self) -> String {
        self.0.iter().map(|p| p.name()).collect::<Vec<_>>().join("+")
    }

    fn apply(&self, net: &WeightStack, rng: &mut ProbeRng) -> WeightStack {
        self.0.iter().fold(net.clone(), |acc, p| p.apply(&acc, rng))
    }

    fn is_deterministic(&self) -> bool {
        self.0.iter().all(|p| p.is_deterministic())
    }

    fn apply_measured(&self, net: &WeightStack, rng: &mut ProbeRng) -> (WeightStack, Vec<Measure>) {
        let mut measures = Vec::new();
        let out = self.0.iter().fold(net.clone(), |acc, p| {
            let (next, m) = p.apply_measured(&acc, rng);
            measures.extend(m);
            next
        });
        (out, measures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Activation, Layer};

    struct Scale(f32);
    impl Perturbation for Scale {
        fn name(&self) -> String {
            format!("scale{}", self.0)
        }
        fn apply(&self, net: &WeightStack, _rng: &mut ProbeRng) -> WeightStack {
            net.map(|w| w * self.0)
        }
    }

    #[test]
    fn chain_applies_in_order_and_leaves_input_alone() {
        let net = WeightStack::new(Activation::Relu, vec![Layer::new(1, 1, vec![1.0], vec![2.0])]);
        let chain = Chain(vec![Box::new(Scale(2.0)), Box::new(Identity), Box::new(Scale(3.0))]);
        let out = chain.apply(&net, &mut probe_rng(0));
        assert_eq!(out.layers[0].weights, vec![6.0]);
        assert_eq!(out.layers[0].bias, vec![12.0]);
        assert_eq!(net.layers[0].weights, vec![1.0]);
        assert_eq!(chain.name(), "scale2+none+scale3");
    }
}
