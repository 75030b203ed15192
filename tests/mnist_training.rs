//! Training on the embedded MNIST with burn, evaluated through the plain
//! weight view and through burn itself.

use burn::tensor::{Tensor, TensorData};
use mlprobe_binarize::Binarize;
use mlprobe_core::{Mlp, TrainOutcome, TrainParams, device, train};
use mlprobe_graph::{Evaluator, Perturbation, probe_rng};
use mlprobe_tasks::{Embedded, Task};

fn params() -> TrainParams {
    TrainParams::embedded()
}

#[test]
fn easy_mnist_reaches_97_percent_and_burn_agrees_with_the_weight_view() {
    let task = Task::from_classes(Embedded::Mnist.load(), &[0, 7]).unwrap();
    let config = params().check().unwrap();
    let eval = Evaluator::new(&task.test);
    // The first seed that trains (ReLU on 0 vs 7 essentially always does).
    let model = (0..4)
        .find_map(|seed| match train(&task, &config, seed).unwrap() {
            TrainOutcome::Trained(m) => Some(m),
            TrainOutcome::Failed(_) => None,
        })
        .expect("a seed that trains");
    let acc = model.test_accuracy;
    assert_eq!(acc, eval.accuracy(&model.weights));
    assert!(acc >= 97.0, "MNIST 0 vs 7 test accuracy {acc}");

    // burn's forward pass and the plain weight view predict the same classes,
    // for the trained and for the binarized network.
    for net in [
        model.weights.clone(),
        Binarize::SIGN.apply(&model.weights, &mut probe_rng(0)),
    ] {
        let device = device::cpu();
        let burn_model = Mlp::from_weights(&net, &device);
        let x = Tensor::<2>::from_data(TensorData::new(task.test.x.clone(), [task.test.len(), 784]), &device);
        let logits: Vec<f32> = burn_model.forward(x).into_data().try_to_vec().unwrap();
        let ours = eval.logits(&net);
        assert_eq!(logits.len(), ours.len());
        let max_diff = logits
            .iter()
            .zip(&ours)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        let scale = ours.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(max_diff <= 1e-4 * scale.max(1.0), "logits differ by {max_diff}");
        let burn_pred: Vec<u32> = logits
            .chunks_exact(2)
            .map(|r| if r[1] > r[0] { 1 } else { 0 })
            .collect();
        let differing = burn_pred
            .iter()
            .zip(eval.predictions(&net))
            .filter(|(a, b)| **a != *b)
            .count();
        // Only exact ties (possible for integer-valued binarized logits) may
        // round differently; there are none here but allow them in principle.
        let ties = ours
            .chunks_exact(2)
            .filter(|r| (r[0] - r[1]).abs() <= 1e-4 * scale.max(1.0))
            .count();
        assert!(differing <= ties, "{differing} predictions differ, {ties} near-ties");
    }
}

#[test]
fn same_seed_gives_bit_identical_weights() {
    let task = Task::from_classes(Embedded::FashionMnist.load(), &[3, 1]).unwrap();
    let config = TrainParams { epochs: 3, ..params() }.check().unwrap();
    let a = train(&task, &config, 11).unwrap().into_model();
    let b = train(&task, &config, 11).unwrap().into_model();
    let bits = |m: &mlprobe_core::TrainedModel| -> Vec<u32> {
        m.weights
            .layers
            .iter()
            .flat_map(|l| l.weights.iter().chain(&l.bias))
            .map(|w| w.to_bits())
            .collect()
    };
    assert_eq!(bits(&a), bits(&b));
    let c = train(&task, &config, 12).unwrap().into_model();
    assert_ne!(bits(&a), bits(&c));
}
