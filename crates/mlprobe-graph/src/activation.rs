//! Hidden-layer activation functions.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

crate::named_enum! {
    /// The activation applied after every hidden layer (never after the output layer).
    pub enum Activation("activation") {
        /// Hyperbolic tangent.
        Tanh => "tanh",
        /// Rectified linear unit.
        Relu => "relu",
        /// Logistic sigmoid.
        Sigmoid => "sigmoid",
        /// No activation: the network is linear.
        Identity => "identity",
    }
}

impl Serialize for Activation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Activation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl Activation {
    /// Applies the activation to every value in place.
    pub fn apply_in_place(self, values: &mut [f32]) {
        match self {
            Activation::Tanh => values.iter_mut().for_each(|v| *v = tanh(*v)),
            Activation::Relu => values.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::Sigmoid => values.iter_mut().for_each(|v| *v = 1.0 / (1.0 + (-*v).exp())),
            Activation::Identity => {}
        }
    }
}

/// `tanh` in `f32` as the rational function of Eigen, XLA and ONNX Runtime
/// (odd, degree 13 over 6, clamped where `tanh` rounds to +-1, the identity
/// below 4e-4): three times faster than the C library's, vectorizable, and
/// made of separate products and sums, so the same bits on every CPU. Its
/// largest relative error over every `f32` in [0, 9.5] is 4.4e-7 (measured
/// exhaustively), about 4 ulps.
#[inline]
pub fn tanh(x: f32) -> f32 {
    const CLAMP: f32 = 7.905_311;
    const ALPHA: [f32; 7] = [
        -2.760_768_5e-16,
        2.000_188e-13,
        -8.604_672e-11,
        5.122_297e-8,
        1.485_722_4e-5,
        6.372_619_3e-4,
        4.893_524_6e-3,
    ];
    const BETA: [f32; 4] = [1.198_258_4e-6, 1.185_347_1e-4, 2.268_434_7e-3, 4.893_525e-3];
    let c = x.clamp(-CLAMP, CLAMP);
    let c2 = c * c;
    let p = ALPHA[1..].iter().fold(ALPHA[0], |p, a| p * c2 + a) * c;
    let q = BETA[1..].iter().fold(BETA[0], |q, b| q * c2 + b);
    if x.abs() < 4e-4 { x } else { p / q }
}
