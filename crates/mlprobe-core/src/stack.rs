//! Many models of one training configuration and task, trained together:
//! their parameters stacked along a leading dimension, every operation
//! batched over the stack, one optimizer step for all. burn's cost per
//! operation is then paid once per stack instead of once per model.
//!
//! Each model's arithmetic is the one it would do alone: the products are
//! the same matrix products, slice by slice, the rest is elementwise or
//! reduces within one model, and each model draws its initial weights and
//! batch orders from its own seed. So a model's weights are the same bits
//! in a stack of any size, on any thread, as trained alone ([`crate::train()`]
//! is a stack of one).

use burn::module::{Module, Param};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::{log_softmax, relu, sigmoid};
use burn::tensor::{Device, Tensor, TensorData};
use mlprobe_graph::{Activation, Evaluator, Layer, WeightStack, initial_weights, probe_rng};
use mlprobe_tasks::Task;
use rand::seq::SliceRandom;

use crate::device;
use crate::errors::TrainError;
use crate::hyperparams::TrainConfig;
use crate::train::{RunStatus, TrainOutcome, TrainedModel};

/// Adam's epsilon as in PyTorch (burn's default is 1e-5).
const ADAM_EPSILON: f32 = 1e-8;

/// `M` MLPs of the same shape: layer `l` holds weights `[M, n_in, n_out]`
/// and biases `[M, 1, n_out]`.
#[derive(Module, Debug)]
struct StackedMlp {
    weights: Vec<Param<Tensor<3>>>,
    biases: Vec<Param<Tensor<3>>>,
    #[module(skip)]
    activation: Activation,
}

impl StackedMlp {
    /// The networks `nets` (all of one shape and activation), stacked.
    fn new(nets: &[WeightStack], device: &Device) -> Self {
        let m = nets.len();
        let depth = nets[0].layers.len();
        let (mut weights, mut biases) = (Vec::with_capacity(depth), Vec::with_capacity(depth));
        for l in 0..depth {
            let (n_in, n_out) = (nets[0].layers[l].n_in, nets[0].layers[l].n_out);
            let w: Vec<f32> = nets.iter().flat_map(|n| n.layers[l].weights.iter().copied()).collect();
            let b: Vec<f32> = nets.iter().flat_map(|n| n.layers[l].bias.iter().copied()).collect();
            weights.push(Param::from_data(TensorData::new(w, [m, n_in, n_out]), device));
            biases.push(Param::from_data(TensorData::new(b, [m, 1, n_out]), device));
        }
        Self {
            weights,
            biases,
            activation: nets[0].activation,
        }
    }

    /// Log-probabilities `[M, batch, classes]` of inputs `[M, batch, features]`.
    fn log_probs(&self, x: Tensor<3>) -> Tensor<3> {
        let last = self.weights.len() - 1;
        let mut h = x;
        for (l, (w, b)) in self.weights.iter().zip(&self.biases).enumerate() {
            h = h.matmul(w.val()) + b.val();
            if l < last {
                h = match self.activation {
                    Activation::Tanh => h.tanh(),
                    Activation::Relu => relu(h),
                    Activation::Sigmoid => sigmoid(h),
                    Activation::Identity => h,
                };
            }
        }
        log_softmax(h, 2)
    }

    /// The plain weight view of every model of the stack.
    fn to_weights(&self) -> Vec<WeightStack> {
        let layers: Vec<(usize, usize, Vec<f32>, Vec<f32>)> = self
            .weights
            .iter()
            .zip(&self.biases)
            .map(|(w, b)| {
                let [_, n_in, n_out] = w.val().dims();
                let values = |t: Tensor<3>| t.into_data().try_to_vec::<f32>().expect("parameters are f32");
                (n_in, n_out, values(w.val()), values(b.val()))
            })
            .collect();
        let m = self.weights[0].val().dims()[0];
        (0..m)
            .map(|i| {
                let net = layers
                    .iter()
                    .map(|(n_in, n_out, w, b)| {
                        let (wn, bn) = (n_in * n_out, *n_out);
                        Layer::new(
                            *n_in,
                            *n_out,
                            w[i * wn..(i + 1) * wn].to_vec(),
                            b[i * bn..(i + 1) * bn].to_vec(),
                        )
                    })
                    .collect();
                WeightStack::new(self.activation, net)
            })
            .collect()
    }
}

/// Trains one network per seed on `task.train`, all in one stack, and
/// judges each on `task.test`. Every model is the same bits as
/// [`crate::train()`] with its seed; a model that fails (stays below
/// `config.failed_below`) does not touch the others.
pub fn train_stack(task: &Task, config: &TrainConfig, seeds: &[u64]) -> Result<Vec<TrainOutcome>, TrainError> {
    let dim = task.input_dim();
    let k = task.n_classes;
    if k < 2 || task.train.is_empty() {
        return Err(TrainError::TaskMismatch(format!(
            "{} classes and {} training examples; need >= 2 of each",
            k,
            task.train.len()
        )));
    }
    config.check_size(dim, k)?;
    if let Some(bad) = task.train.y.iter().find(|&&y| y as usize >= k) {
        return Err(TrainError::TaskMismatch(format!("label {bad} with only {k} classes")));
    }
    if seeds.is_empty() {
        return Ok(Vec::new());
    }

    let m = seeds.len();
    let sizes = config.sizes(dim, k);
    let mut rngs: Vec<_> = seeds.iter().map(|&s| probe_rng(s)).collect();
    let init: Vec<WeightStack> = rngs
        .iter_mut()
        .map(|rng| initial_weights(&sizes, config.activation, rng))
        .collect();

    let device = device::cpu().autodiff();
    let mut model = StackedMlp::new(&init, &device);
    let mut optim = AdamConfig::new().with_epsilon(ADAM_EPSILON).init();
    let n = task.train.len();
    let mut orders: Vec<Vec<usize>> = vec![(0..n).collect(); m];
    let mut loss_sums = vec![0.0f64; m];
    let mut epoch_loss: Vec<Vec<f32>> = vec![Vec::with_capacity(config.epochs); m];
    let mut xb: Vec<f32> = Vec::with_capacity(m * config.batch_size * dim);
    let mut target: Vec<f32> = Vec::with_capacity(m * config.batch_size * k);

    for epoch in 0..config.epochs {
        let lr = config.learning_rate_at(epoch);
        for (order, rng) in orders.iter_mut().zip(&mut rngs) {
            order.shuffle(rng);
        }
        loss_sums.iter_mut().for_each(|s| *s = 0.0);
        for start in (0..n).step_by(config.batch_size) {
            let b = config.batch_size.min(n - start);
            xb.clear();
            target.clear();
            target.resize(m * b * k, 0.0);
            for (j, order) in orders.iter().enumerate() {
                for (r, &i) in order[start..start + b].iter().enumerate() {
                    xb.extend_from_slice(task.train.row(i));
                    target[(j * b + r) * k + task.train.y[i] as usize] = 1.0;
                }
            }
            let x = Tensor::<3>::from_data(TensorData::new(xb.clone(), [m, b, dim]), &device);
            let t = Tensor::<3>::from_data(TensorData::new(target.clone(), [m, b, k]), &device);
            // Each model's mean loss over its batch; their sum has each
            // model's own gradient.
            let losses = (model.log_probs(x) * t)
                .sum_dim(2)
                .sum_dim(1)
                .mul_scalar(-1.0 / b as f64);
            let values = losses
                .clone()
                .inner()
                .into_data()
                .try_to_vec::<f32>()
                .expect("losses are f32");
            for (s, v) in loss_sums.iter_mut().zip(values) {
                *s += v as f64 * b as f64;
            }
            let grads = GradientsParams::from_grads(losses.sum().backward(), &model);
            model = optim.step(lr, model, grads);
        }
        for (curve, s) in epoch_loss.iter_mut().zip(&loss_sums) {
            curve.push((s / n as f64) as f32);
        }
    }

    let eval = Evaluator::new(&task.test);
    Ok(model
        .valid()
        .to_weights()
        .into_iter()
        .zip(epoch_loss)
        .map(|(weights, epoch_loss)| {
            let test_accuracy = eval.accuracy(&weights);
            let model = TrainedModel {
                weights,
                epoch_loss,
                test_accuracy,
            };
            match RunStatus::from_accuracy(test_accuracy, config.failed_below) {
                RunStatus::Trained => TrainOutcome::Trained(model),
                RunStatus::Failed => TrainOutcome::Failed(model),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TrainParams, train};
    use mlprobe_tasks::Embedded;

    #[test]
    fn a_stack_trains_each_model_as_alone() {
        let task = Task::from_classes(Embedded::Mnist.load(), &[7, 9]).unwrap();
        for activation in [Activation::Relu, Activation::Tanh] {
            let config = TrainParams {
                hidden: vec![16, 8],
                activation,
                epochs: 3,
                ..TrainParams::default()
            }
            .check()
            .unwrap();
            let seeds = [3, 11, 12, 40, 41];
            let alone: Vec<TrainOutcome> = seeds.iter().map(|&s| train(&task, &config, s).unwrap()).collect();
            for size in [1, 2, 5] {
                for chunk in seeds.chunks(size).zip(alone.chunks(size)) {
                    let stacked = train_stack(&task, &config, chunk.0).unwrap();
                    for (a, b) in stacked.iter().zip(chunk.1) {
                        assert_eq!(a.model().weights, b.model().weights, "{activation}, stack of {size}");
                    }
                }
            }
        }
    }
}
