//! The sweep evaluator that `reproduce` uses gives the straightforward
//! evaluator's accuracies bit for bit on every sweep of the figures, for
//! networks trained on easy and hard tasks; and the sweep's draws are shared
//! and nested as documented.

use std::path::Path;

use mlprobe_binarize::Binarize;
use mlprobe_core::train;
use mlprobe_graph::{Evaluator, Perturbation, SweepEvaluator, WeightStack, probe_rng};
use mlprobe_runner::{Experiment, evaluate_points, from_scratch, incremental};
use mlprobe_tasks::{Embedded, GaussianPair, Task};

fn experiment(name: &str) -> Experiment {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("experiments");
    Experiment::load(&dir.join(format!("{name}.toml"))).expect("a valid experiment file")
}

fn assert_same_accuracies(exp: &Experiment, task: &Task, net: &WeightStack, what: &str) {
    let points = exp.sweep(false);
    let eval = Evaluator::new(&task.test);
    let plain = evaluate_points(net, &points, 3, from_scratch(&eval));
    let mut sweep = SweepEvaluator::new(eval.clone());
    let fast = evaluate_points(net, &points, 3, incremental(&mut sweep));
    for ((p, a), b) in points.iter().zip(&plain).zip(&fast) {
        assert_eq!(a.accuracy, b.accuracy, "{what}: {}", p.key());
        assert_eq!(a.measures, b.measures, "{what}: {}", p.key());
    }
    eprintln!("{what}: {} points, {:?}", points.len(), sweep.stats());
}

#[test]
fn every_figure_sweep_matches_the_straightforward_evaluation() {
    for (name, dataset, classes) in [
        ("pruning", Embedded::Mnist, [0, 7]),
        ("flip", Embedded::FashionMnist, [3, 1]),
        ("noise", Embedded::Mnist, [7, 9]),
        ("randomization", Embedded::FashionMnist, [3, 2]),
    ] {
        let exp = experiment(name);
        let task = Task::from_classes(dataset.load(), &classes).unwrap();
        let net = train(&task, &exp.training, 1).unwrap().into_model().weights;
        assert!(Evaluator::new(&task.test).exact_ternary(), "pixels sum exactly");
        assert_same_accuracies(&exp, &task, &net, &format!("{name} on {classes:?}"));
    }
}

#[test]
fn inputs_that_do_not_sum_exactly_are_evaluated_from_scratch() {
    let exp = experiment("pruning");
    let task = GaussianPair {
        n_train: 300,
        n_test: 200,
        ..GaussianPair::with_separation(3.0)
    }
    .generate()
    .unwrap();
    let net = train(&task, &exp.training, 0).unwrap().into_model().weights;
    assert!(!Evaluator::new(&task.test).exact_ternary());
    assert_same_accuracies(&exp, &task, &net, "synthetic");
}

#[test]
fn variants_share_draws_and_random_choices_are_nested() {
    let exp = experiment("pruning");
    let task = Task::from_classes(Embedded::Mnist.load(), &[0, 7]).unwrap();
    let net = train(&task, &exp.training, 0).unwrap().into_model().weights;
    let points: Vec<_> = exp
        .sweep(false)
        .into_iter()
        .filter(|p| p.strategy == "random")
        .collect();
    let mut seen: Vec<WeightStack> = Vec::new();
    evaluate_points(&net, &points, 5, |_, _, perturbed| {
        seen.push(perturbed.clone());
        0.0
    });
    let zeros = |n: &WeightStack| -> Vec<usize> {
        (0..n.layers[0].weights.len())
            .filter(|&i| n.layers[0].weights[i] == 0.0)
            .collect()
    };
    let mut previous: Vec<usize> = Vec::new();
    for (pair, points) in seen.chunks_exact(2).zip(points.chunks_exact(2)) {
        assert!(!points[0].signed && points[1].signed);
        assert_eq!(
            pair[1],
            Binarize::SIGN.apply(&pair[0], &mut probe_rng(0)),
            "the signed variant binarizes the same draw"
        );
        let now = zeros(&pair[0]);
        assert!(
            previous.iter().all(|i| now.binary_search(i).is_ok()),
            "level {} extends the one before",
            points[0].level
        );
        previous = now;
    }
    assert!(previous.len() > 49_000, "the last level prunes 99.9 %");
}
