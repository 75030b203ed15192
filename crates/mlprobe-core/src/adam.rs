//! Adam in one pass over each parameter.
//!
//! burn's [`burn::optim::Adam`] updates a parameter with a dozen tensor
//! operations, each a pass over memory and a new allocation; for the small
//! networks here they cost a fifth of a training step. [`FusedAdam`] does
//! the same arithmetic, operation for operation and rounding for rounding
//! (separate products and sums, never fused), in one loop over each
//! parameter, so the weights it gives are the very bits burn's Adam gives.
//! It keeps its moments in burn's own [`AdamState`].

use burn::optim::{AdamState, AdaptiveMomentumState, LearningRate, Optimizer};
use burn::tensor::{Device, Tensor, TensorData};

/// Adam without weight decay, AMSGrad or gradient clipping (the paper's
/// optimizer), equal bit for bit to `AdamConfig::new().with_beta_1(beta_1)
/// .with_beta_2(beta_2).with_epsilon(epsilon)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FusedAdam {
    pub(crate) beta_1: f32,
    pub(crate) beta_2: f32,
    pub(crate) epsilon: f32,
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().expect("parameters are f32")
}

mlprobe_graph::simd_kernel! {
    /// The moments and weights after one step, elementwise: `w`, `m1`, `m2` are
    /// updated in place from the gradient `g`; `first` when the moments are
    /// still zero (burn's first step starts them from the gradient alone).
    fn update_moments(s: &Scalars, first: bool, w: &mut [f32], g: &[f32], m1: &mut [f32], m2: &mut [f32]) {
        for (((w, &g), m1), m2) in w.iter_mut().zip(g).zip(m1.iter_mut()).zip(m2.iter_mut()) {
            if first {
                *m1 = g * s.f1;
                *m2 = (g * g) * s.f2;
            } else {
                *m1 = *m1 * s.beta_1 + g * s.f1;
                *m2 = *m2 * s.beta_2 + (g * g) * s.f2;
            }
            let step = (*m1 * s.factor) / (m2.sqrt() + s.epsilon);
            *w -= step * s.lr;
        }
    }
}

/// The scalars of one step, each computed as burn's Adam computes it.
struct Scalars {
    beta_1: f32,
    beta_2: f32,
    f1: f32,
    f2: f32,
    factor: f32,
    epsilon: f32,
    lr: f32,
}

impl FusedAdam {
    /// Updates `w` by the gradient `g` at step `time` (1-based) with learning
    /// rate `lr`; `m1`, `m2` are the moments (empty at the first step).
    fn update(&self, lr: f32, time: usize, w: &mut [f32], g: &[f32], m1: &mut Vec<f32>, m2: &mut Vec<f32>) {
        let t = time as i32;
        let correction_2 = (1.0 - self.beta_2.powi(t)).sqrt();
        let s = Scalars {
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            f1: 1.0 - self.beta_1,
            f2: 1.0 - self.beta_2,
            factor: correction_2 / (1.0 - self.beta_1.powi(t)),
            epsilon: self.epsilon * correction_2,
            lr,
        };
        let first = m1.is_empty();
        if first {
            m1.resize(g.len(), 0.0);
            m2.resize(g.len(), 0.0);
        }
        update_moments(&s, first, w, g, m1, m2)
    }
}

impl Optimizer for FusedAdam {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let (shape, device) = (tensor.shape(), tensor.device());
        let mut w = values(tensor);
        let g = values(grad);
        let (time, mut m1, mut m2) = match state {
            Some(state) => {
                let m = state.momentum;
                (m.time + 1, values(m.moment_1), values(m.moment_2))
            }
            None => (1, Vec::with_capacity(g.len()), Vec::with_capacity(g.len())),
        };
        self.update(lr as f32, time, &mut w, &g, &mut m1, &mut m2);
        let tensor = |v: Vec<f32>| Tensor::<D>::from_data(TensorData::new(v, shape.clone()), &device);
        let momentum = AdaptiveMomentumState::new(time, tensor(m1), tensor(m2));
        (tensor(w), Some(AdamState::new(momentum)))
    }

    fn to_device<const D: usize>(mut state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.momentum = state.momentum.to_device(device);
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::{Module, Param};
    use burn::nn::Linear;
    use burn::optim::{AdamConfig, GradientsParams};
    use rand::RngExt;

    use crate::device;

    /// A linear layer with random weights, trained a few steps on random
    /// data by `optim`: its final weights and bias.
    fn trained(mut optim: burn::optim::ModuleOptimizer) -> (Vec<f32>, Vec<f32>) {
        let device = device::cpu().autodiff();
        let mut rng = mlprobe_graph::probe_rng(5);
        let mut random = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect() };
        let mut layer = Linear {
            weight: Param::from_data(TensorData::new(random(12), [4, 3]), &device),
            bias: Some(Param::from_data(TensorData::new(random(3), [3]), &device)),
        };
        for step in 0..6 {
            let x = Tensor::<2>::from_data(TensorData::new(random(20), [5, 4]), &device);
            let loss = layer.forward(x).powi_scalar(2).sum();
            let grads = GradientsParams::from_grads(loss.backward(), &layer);
            layer = optim.step(0.01 / (1 + step) as f64, layer, grads);
        }
        let layer = layer.valid();
        let read = |t: Tensor<1>| t.into_data().try_into_vec::<f32>().unwrap();
        (read(layer.weight.val().flatten(0, 1)), read(layer.bias.unwrap().val()))
    }

    #[test]
    fn the_same_bits_as_burns_adam() {
        for epsilon in [1e-8, 1e-5] {
            let burn = trained(AdamConfig::new().with_epsilon(epsilon).init());
            let fused = trained(
                FusedAdam {
                    beta_1: 0.9,
                    beta_2: 0.999,
                    epsilon,
                }
                .into(),
            );
            assert_eq!(burn, fused, "epsilon {epsilon}");
        }
    }
}
