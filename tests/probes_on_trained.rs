//! The probes' invariants on a trained network, and the consequences for its
//! accuracy.

use mlprobe_binarize::Binarize;
use mlprobe_core::{TrainParams, train};
use mlprobe_flip::FlipParams;
use mlprobe_graph::{Evaluator, Perturbation, Selection, WeightStack, count_of, probe_rng};
use mlprobe_noise::{NoiseKind, NoiseParams};
use mlprobe_prune::PruneParams;
use mlprobe_randomize::{NullModel, RandomizeParams};
use mlprobe_tasks::{Embedded, Task};

fn trained() -> (Task, WeightStack) {
    let task = Task::from_classes(Embedded::Mnist.load(), &[7, 9]).unwrap();
    let config = TrainParams {
        epochs: 20,
        ..TrainParams::default()
    }
    .check()
    .unwrap();
    let net = train(&task, &config, 1).unwrap().into_model().weights;
    (task, net)
}

fn zeros(v: &[f32]) -> usize {
    v.iter().filter(|w| **w == 0.0).count()
}

#[test]
fn probe_invariants_hold_on_trained_weights() {
    let (task, net) = trained();
    let eval = Evaluator::new(&task.test);
    let full = eval.accuracy(&net);
    assert!(full > 90.0, "the network trained ({full}%)");
    assert!(
        net.layers.iter().all(|l| zeros(&l.weights) == 0),
        "a trained layer is dense"
    );

    // Pruning: exact zero counts; p = 0 is the identity; smallest pruning of
    // a few weights costs little, largest pruning of as many costs a lot.
    for p in [0.0, 0.5, 0.9] {
        for s in Selection::ALL {
            let out = PruneParams::new(p, s).check().unwrap().apply(&net, &mut probe_rng(3));
            for (a, b) in net.layers.iter().zip(&out.layers) {
                assert_eq!(zeros(&b.weights), count_of(p, a.weights.len()));
                assert_eq!(zeros(&b.bias), count_of(p, a.bias.len()));
            }
            if p == 0.0 {
                assert_eq!(out, net);
            }
        }
    }
    let small = eval.accuracy(
        &PruneParams::new(0.3, Selection::Smallest)
            .check()
            .unwrap()
            .apply(&net, &mut probe_rng(0)),
    );
    let large = eval.accuracy(
        &PruneParams::new(0.3, Selection::Largest)
            .check()
            .unwrap()
            .apply(&net, &mut probe_rng(0)),
    );
    assert!(
        small > full - 2.0 && large < small - 10.0,
        "smallest {small}, largest {large}"
    );

    // Flipping: exactly floor(q n) signs change, magnitudes stay.
    let out = FlipParams::new(0.25, Selection::Random)
        .check()
        .unwrap()
        .apply(&net, &mut probe_rng(4));
    for (a, b) in net.layers.iter().zip(&out.layers) {
        let changed = a.weights.iter().zip(&b.weights).filter(|(x, y)| x != y).count();
        assert_eq!(changed, count_of(0.25, a.weights.len()));
        assert!(a.weights.iter().zip(&b.weights).all(|(x, y)| x.abs() == y.abs()));
    }

    // Noise on a pruned network leaves pruned entries at zero.
    let pruned = PruneParams::new(0.5, Selection::Smallest)
        .check()
        .unwrap()
        .apply(&net, &mut probe_rng(0));
    for kind in NoiseKind::ALL {
        let noisy = NoiseParams::new(kind, 0.1)
            .check()
            .unwrap()
            .apply(&pruned, &mut probe_rng(5));
        for (a, b) in pruned.layers.iter().zip(&noisy.layers) {
            assert!(
                a.weights.iter().zip(&b.weights).all(|(x, y)| *x != 0.0 || *y == 0.0),
                "{kind:?}"
            );
        }
    }

    // B, E and F keep every sign: the binarized network, and its accuracy,
    // are exactly unchanged, also after pruning. A, C and D are not.
    let signed = |n: &WeightStack| Binarize::SIGN.apply(n, &mut probe_rng(0));
    for base in [&net, &pruned] {
        let binarized_acc = eval.accuracy(&signed(base));
        for model in NullModel::ALL {
            let r = RandomizeParams::new(model)
                .check()
                .unwrap()
                .apply(base, &mut probe_rng(6));
            for (a, b) in base.layers.iter().zip(&r.layers) {
                assert!(
                    a.weights
                        .iter()
                        .zip(&b.weights)
                        .all(|(x, y)| (*x == 0.0) == (*y == 0.0)),
                    "zeros stay"
                );
            }
            if model.keeps_signs() {
                assert_eq!(signed(&r), signed(base), "{model:?}");
                assert_eq!(eval.accuracy(&signed(&r)), binarized_acc, "{model:?}");
            } else {
                assert_ne!(signed(&r), signed(base), "{model:?}");
            }
        }
    }
}
