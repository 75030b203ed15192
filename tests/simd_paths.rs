//! Every kernel variant the CPU has (plain, AVX2, AVX-512) gives the same
//! bits: evaluation (the `f32` path and the exact path of ternary
//! networks), incremental sweeps, and training with the fused Adam step.

use mlprobe_binarize::Binarize;
use mlprobe_core::{TrainParams, train};
use mlprobe_graph::simd::{self, SimdLevel};
use mlprobe_graph::{Evaluator, Perturbation, SweepEvaluator, WeightStack, probe_rng};
use mlprobe_runner::{Experiment, evaluate_points, incremental};
use mlprobe_tasks::{Embedded, Task};

/// Everything the kernels compute on one task, as bits.
#[derive(Debug, PartialEq)]
struct Bits {
    trained: Vec<u32>,
    logits: Vec<u32>,
    binarized_logits: Vec<u32>,
    sweep: Vec<u64>,
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

fn weights(net: &WeightStack) -> Vec<u32> {
    net.layers
        .iter()
        .flat_map(|l| bits(&l.weights).into_iter().chain(bits(&l.bias)))
        .collect()
}

fn compute(task: &Task, exp: &Experiment) -> Bits {
    let config = TrainParams {
        epochs: 2,
        ..TrainParams::default()
    }
    .check()
    .unwrap();
    let net = train(task, &config, 3).unwrap().into_model().weights;
    let eval = Evaluator::new(&task.test);
    let binarized = Binarize::SIGN.apply(&net, &mut probe_rng(0));
    assert!(eval.is_exact(&binarized), "the exact kernel is exercised");
    let mut sweep = SweepEvaluator::new(eval.clone());
    let results = evaluate_points(&net, &exp.sweep(true), 1, incremental(&mut sweep));
    assert!(sweep.stats().incremental > 0, "the incremental kernel is exercised");
    Bits {
        trained: weights(&net),
        logits: bits(&eval.logits(&net)),
        binarized_logits: bits(&eval.logits(&binarized)),
        sweep: results.iter().map(|r| r.accuracy.to_bits()).collect(),
    }
}

#[test]
fn every_kernel_variant_gives_the_same_bits() {
    let task = Task::from_classes(Embedded::Mnist.load(), &[7, 9]).unwrap();
    let exp = Experiment::from_toml(
        "simd",
        &mlprobe_e2e::tiny_toml(
            1,
            "[[probes]]\nprobe = \"prune\"\nstrategies = [\"smallest\"]\nlevels = [0.1, 0.2, 0.3]\nsigned = [false, true]\n",
        ),
        std::path::Path::new("simd.toml"),
    )
    .unwrap();
    let levels = simd::supported();
    eprintln!("kernel variants on this CPU: {levels:?}");
    let mut reference: Option<Bits> = None;
    for level in levels {
        simd::force(Some(level)).unwrap();
        assert_eq!(simd::active(), level);
        let now = compute(&task, &exp);
        match &reference {
            None => reference = Some(now),
            Some(r) => assert!(*r == now, "{level} differs from plain"),
        }
    }
    simd::force(None).unwrap();
    for level in SimdLevel::ALL {
        if !level.is_supported() {
            assert!(
                simd::force(Some(level)).is_err(),
                "{level} is refused where the CPU lacks it"
            );
        }
    }
}
