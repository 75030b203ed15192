//! The probe sweeps: one evaluation, the per-model suite of the figures
//! (burn, straightforward and fast), and every experiment's sweep.

use std::time::Duration;

use mlprobe_graph::{Activation, Evaluator, SweepEvaluator, WeightStack, probe_rng};
use mlprobe_runner::{PointResult, SweepPoint, evaluate_points, from_scratch, incremental};
use mlprobe_tasks::Task;

use super::measure::{self, ms};
use super::{Setup, Target, load};

/// Most time for the whole suite on one model, one core.
const SUITE: Duration = Duration::from_millis(250);

/// One sweep of the per-model suite: its points and the activation of the
/// model it runs on (as in its experiment file).
struct Sweep {
    name: &'static str,
    points: Vec<SweepPoint>,
    activation: Activation,
}

/// The suite of the issue: the first sweep of each figure's experiment, one
/// draw per point: prune 37 x 6, flip 30 x 6, noise 30 x 2 per kind,
/// randomizations A-G full and signed.
fn sweeps() -> anyhow::Result<Vec<Sweep>> {
    [
        ("prune", "pruning"),
        ("flip", "flip"),
        ("noise", "noise"),
        ("randomize", "randomization"),
    ]
    .into_iter()
    .map(|(name, file)| {
        let exp = load(file)?;
        let mut spec = exp.probes[0].clone();
        spec.draws = 1;
        Ok(Sweep {
            name,
            points: spec.points(&exp.registry, false)?,
            activation: exp.training.activation,
        })
    })
    .collect()
}

/// Accuracy (%) of `net` on the test set by burn's own forward pass: the
/// network loaded into a burn model, as a script would.
fn burn_accuracy(task: &Task, net: &WeightStack) -> f64 {
    use burn::tensor::{Tensor, TensorData};
    let device = mlprobe_core::device::cpu();
    let (n, dim) = (task.test.len(), task.test.dim);
    let model = mlprobe_core::Mlp::from_weights(net, &device);
    let x = Tensor::<2>::from_data(TensorData::new(task.test.x.clone(), [n, dim]), &device);
    let predicted: Vec<i64> = model
        .forward(x)
        .argmax(1)
        .into_data()
        .convert::<i64>()
        .try_into_vec::<i64>()
        .unwrap_or_default();
    let correct = predicted
        .iter()
        .zip(&task.test.y)
        .filter(|(p, y)| **p == **y as i64)
        .count();
    100.0 * correct as f64 / n.max(1) as f64
}

/// The cost of evaluating one network on the test set, by burn and by the
/// evaluator, full precision and binarized.
pub(super) fn one_evaluation(s: &Setup) -> anyhow::Result<Vec<Target>> {
    let (task, eval) = (&s.task, &Evaluator::new(&s.task.test));
    let (relu, tanh) = (&s.net_relu.1, &s.net_tanh.1);
    let reps = 20 * s.repeat;
    let per = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1e3 / reps as f64);
    println!("one evaluation of {} test images", task.test.len());
    for (label, net) in [("relu", relu), ("tanh", tanh)] {
        let signed = net.map(|w| if w == 0.0 { 0.0 } else { w.signum() });
        let (burn, _) = measure::timed(1, || (0..reps).map(|_| burn_accuracy(task, net)).sum::<f64>());
        let (full, _) = measure::timed(1, || (0..reps).map(|_| eval.accuracy(net)).sum::<f64>());
        let (exact, _) = measure::timed(1, || (0..reps).map(|_| eval.accuracy(&signed)).sum::<f64>());
        println!(
            "  {label}: burn forward {}, evaluator {}, evaluator on the binarized network (exact) {}",
            per(burn),
            per(full),
            per(exact)
        );
    }
    Ok(Vec::new())
}

/// The suite on one model per activation: burn, straightforward, fast.
pub(super) fn suite(s: &Setup) -> anyhow::Result<Vec<Target>> {
    let eval = Evaluator::new(&s.task.test);
    println!(
        "probe suite per model (relu seed {}, tanh seed {}), one thread",
        s.net_relu.0, s.net_tanh.0
    );
    println!("  burn: every perturbed network loaded into burn and run forward");
    println!("  straightforward: every perturbed network evaluated from scratch by the evaluator");
    println!("  fast: the incremental sweep evaluator (accuracies compared with straightforward)");
    println!(
        "  {:<10} {:>6} {:>10} {:>16} {:>9} {:>8} {:>8} {:>10} {:>10}  networks incremental/full",
        "sweep", "points", "burn", "straightforward", "fast", "vs burn", "vs str.", "accuracies", "probes alone"
    );
    let (mut totals, mut all_same) = ([Duration::ZERO; 3], true);
    for sweep in sweeps()? {
        let net = s.model_for(sweep.activation);
        let (times, differ, stats, perturb) = one_sweep(s, &eval, net, &sweep.points);
        all_same &= differ == 0;
        for (total, t) in totals.iter_mut().zip(times) {
            *total += t;
        }
        let [burn, plain, fast] = times;
        println!(
            "  {:<10} {:>6} {:>10} {:>16} {:>9} {:>7.1}x {:>7.1}x {:>10} {:>10}  {}/{}",
            sweep.name,
            sweep.points.len(),
            ms(burn),
            ms(plain),
            ms(fast),
            burn.as_secs_f64() / fast.as_secs_f64(),
            plain.as_secs_f64() / fast.as_secs_f64(),
            if differ == 0 {
                "same".to_string()
            } else {
                format!("{differ} differ")
            },
            ms(perturb),
            stats.incremental,
            stats.full,
        );
    }
    let [burn, plain, fast] = totals;
    println!(
        "  {:<10} {:>6} {:>10} {:>16} {:>9} {:>7.1}x {:>7.1}x",
        "suite",
        "",
        ms(burn),
        ms(plain),
        ms(fast),
        burn.as_secs_f64() / fast.as_secs_f64(),
        plain.as_secs_f64() / fast.as_secs_f64()
    );
    Ok(vec![
        Target::speed(
            format!("<= {} per model on one core, fast", ms(SUITE)),
            ms(fast),
            fast <= SUITE,
        ),
        Target::check("fast sweeps give the straightforward accuracies", all_same),
    ])
}

/// One sweep timed three ways: `([burn, straightforward, fast], points whose
/// accuracies differ, the fast evaluator's statistics, time to perturb alone)`.
fn one_sweep(
    s: &Setup,
    eval: &Evaluator<'_>,
    net: &WeightStack,
    points: &[SweepPoint],
) -> ([Duration; 3], usize, mlprobe_graph::SweepStats, Duration) {
    let (burn, _) = measure::timed(s.repeat.min(2), || {
        evaluate_points(net, points, 0, |_, _, perturbed| burn_accuracy(&s.task, perturbed))
    });
    let (plain, reference) = measure::timed(s.repeat, || evaluate_points(net, points, 0, from_scratch(eval)));
    let (fast, (results, stats)) = measure::timed(s.repeat, || {
        let mut sweep = SweepEvaluator::new(eval.clone());
        let r = evaluate_points(net, points, 0, incremental(&mut sweep));
        (r, sweep.stats())
    });
    let (perturb, _) = measure::timed(s.repeat, || perturb_only(net, points));
    ([burn, plain, fast], differing(&reference, &results), stats, perturb)
}

/// Every experiment's sweep on one model, as `reproduce` runs it.
pub(super) fn experiments(s: &Setup) -> anyhow::Result<Vec<Target>> {
    let eval = Evaluator::new(&s.task.test);
    println!("every experiment's sweep on one model, fast (as reproduce runs it)");
    for name in [
        "binarization",
        "pruning",
        "flip",
        "noise",
        "randomization",
        "complexity-map",
    ] {
        let exp = load(name)?;
        let points = exp.sweep(false);
        let net = s.model_for(exp.training.activation);
        let (t, _) = measure::timed(s.repeat, || {
            evaluate_points(net, &points, 0, incremental(&mut SweepEvaluator::new(eval.clone())))
        });
        let evaluations: usize = points.iter().map(|p| p.draws).sum();
        println!("  {name:<16} {evaluations:>6} evaluations {:>12}", ms(t));
    }
    Ok(Vec::new())
}

/// Time spent making the perturbed networks alone (no evaluation).
fn perturb_only(net: &WeightStack, points: &[SweepPoint]) -> usize {
    let mut edges = 0;
    for (i, p) in points.iter().enumerate() {
        let out = p.perturbation().apply(net, &mut probe_rng(i as u64));
        edges += out.layers[0].edge_count();
    }
    edges
}

/// How many points have different accuracies.
fn differing(a: &[PointResult], b: &[PointResult]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x.accuracy != y.accuracy).count()
}
