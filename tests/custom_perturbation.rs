//! A probe defined outside mlprobe's crates, as a user's crate would: it is
//! declared through the weight graph's probe API (`ProbeKind`, `Registry`,
//! no runner needed), registered beside the built-in probes, named in an experiment file,
//! swept, stored, invalidated by a new version, and reported like a built-in.

use std::path::Path;
use std::sync::Arc;

use mlprobe_e2e::{options, report_context, tiny_experiment, tiny_toml};
use mlprobe_graph::{Evaluator, Perturbation, ProbeKind, ProbeRng, Registry, SweepEvaluator, WeightStack};
use mlprobe_runner::{
    ConfigError, Experiment, Store, SweepPoint, builtin_probes, error_chain, evaluate_points, incremental, load_tasks,
    run_experiment, run_experiment_with,
};

/// Rounds every weight and bias to a multiple of a step.
struct Round(f32);

impl Perturbation for Round {
    fn name(&self) -> String {
        format!("round@{}", self.0)
    }

    fn apply(&self, net: &WeightStack, _rng: &mut ProbeRng) -> WeightStack {
        net.map(|w| (w / self.0).round() * self.0)
    }

    fn is_deterministic(&self) -> bool {
        true
    }
}

/// The built-in probes and `round` at `version`.
fn registry(version: u32) -> Arc<Registry> {
    let mut registry: Registry = builtin_probes();
    registry
        .register(
            ProbeKind::new("round", version, |_, step| {
                if !(step.is_finite() && step > 0.0) {
                    return Err(format!("round step {step} is out of range: expected a finite number > 0").into());
                }
                Ok(Round(step as f32))
            })
            .with_level("rounding step"),
        )
        .unwrap();
    Arc::new(registry)
}

fn experiment(probes: &str, version: u32) -> Result<Experiment, ConfigError> {
    Experiment::from_toml_with(
        "custom",
        &tiny_toml(1, probes),
        Path::new("custom.toml"),
        registry(version),
    )
}

const ROUND: &str = "[[probes]]\nprobe = \"round\"\nlevels = [0.001, 0.01, 0.1]\n";

#[test]
fn a_probe_from_outside_runs_through_an_experiment_file_and_its_version_counts() {
    let out = tempfile::tempdir().unwrap();
    let exp = experiment(ROUND, 1).unwrap();
    let run = run_experiment(&exp, &options(out.path())).unwrap();
    assert_eq!((run.computed_now, run.trained_now), (2, 2));

    let csv = std::fs::read_to_string(run.dir.join("results.csv")).unwrap();
    let accuracy = |prefix: &str| -> f64 {
        let line = csv
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix}:\n{csv}"));
        line.rsplit(',').next().unwrap().parse().unwrap()
    };
    let full = accuracy("mnist,easy,0-7,0,none,none,0,false,");
    assert!(
        (accuracy("mnist,easy,0-7,0,round,none,0.001,false,") - full).abs() <= 1.0,
        "a fine grid keeps the network"
    );
    assert_eq!(
        csv.lines().count(),
        1 + 2 * 4,
        "header, then 2 units x (full + 3 levels)"
    );

    // The same probe again: nothing to compute. A new version of it: every
    // unit is evaluated again, from the cached models.
    let again = run_experiment(&exp, &options(out.path())).unwrap();
    assert_eq!((again.computed_now, again.trained_now), (0, 0));
    let bumped = run_experiment(&experiment(ROUND, 2).unwrap(), &options(out.path())).unwrap();
    assert_eq!((bumped.computed_now, bumped.trained_now), (2, 0));
    assert_eq!(std::fs::read_to_string(bumped.dir.join("results.csv")).unwrap(), csv);

    // The report: the axis is the probe kind's, no "signed" legend without a
    // signed curve, and a table of the probe's medians, as no claim reads it.
    let report = mlprobe_report::write_report(out.path(), &[(&exp, &run)], &report_context()).unwrap();
    let md = std::fs::read_to_string(&report.path).unwrap();
    assert!(md.contains("## Sweeps no claim reads (custom)"), "{md}");
    assert!(md.contains("### custom: round\n"), "{md}");
    assert!(md.contains("| level | mnist/easy | mnist/hard |"), "{md}");
    let caption = md
        .lines()
        .find(|l| l.starts_with("*round on mnist"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(!caption.contains("signed"), "{caption}");
    let svg = std::fs::read_to_string(out.path().join("figures/custom-mnist-round-none.svg")).unwrap();
    assert!(svg.contains("rounding step") && !svg.contains("round none"));
}

#[test]
fn a_probe_from_outside_has_its_errors_named_by_key() {
    let err = experiment("[[probes]]\nprobe = \"round\"\nlevels = [0.1, 0.0]\n", 1).unwrap_err();
    let text = error_chain(&err);
    assert!(
        text.contains("`probes[0].levels` = 0 is invalid: round step 0 is out of range"),
        "{text}"
    );
    let err = experiment("[[probes]]\nprobe = \"quantise\"\nlevels = [0.1]\n", 1).unwrap_err();
    assert!(error_chain(&err).contains("one of binarize, prune, noise, flip, randomize, quantize"));
    // Without the registration, the built-in registry does not know it.
    let err = Experiment::from_toml("custom", &tiny_toml(1, ROUND), Path::new("custom.toml")).unwrap_err();
    assert!(error_chain(&err).contains("`probes[0].probe` = \"round\" is invalid"));
}

/// Scales the hidden layer's weights by a factor: with ReLU and the biases
/// scaled too, a positive factor never changes a prediction; a negative one does.
struct ScaleAll(f32);

impl Perturbation for ScaleAll {
    fn name(&self) -> String {
        format!("scale@{}", self.0)
    }

    fn apply(&self, net: &WeightStack, _rng: &mut ProbeRng) -> WeightStack {
        net.map_layers(|l, layer| {
            if l == 0 {
                layer.map(|w| w * self.0)
            } else {
                layer.clone()
            }
        })
    }

    fn is_deterministic(&self) -> bool {
        true
    }
}

#[test]
fn sweep_points_made_by_hand_are_swept_like_a_builtin() {
    let exp = tiny_experiment(1);
    let out = tempfile::tempdir().unwrap();
    let points: Vec<SweepPoint> = [3.0f32, -1.0]
        .into_iter()
        .flat_map(|f| {
            [false, true].map(|signed| SweepPoint::new("scale", "all", f as f64, signed, Box::new(ScaleAll(f))))
        })
        .collect();
    let run = run_experiment_with(&exp, &options(out.path()), &points).unwrap();

    let csv = std::fs::read_to_string(run.dir.join("results.csv")).unwrap();
    let easy: Vec<&str> = csv.lines().filter(|l| l.starts_with("mnist,easy,0-7,0,")).collect();
    assert_eq!(easy.len(), 5, "full + 2 factors x 2 variants:\n{csv}");
    let acc = |prefix: &str| -> f64 {
        let line = easy
            .iter()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix}"));
        line.rsplit(',').next().unwrap().parse().unwrap()
    };
    let full = acc("mnist,easy,0-7,0,none,none,0,false");
    assert_eq!(
        acc("mnist,easy,0-7,0,scale,all,3,false"),
        full,
        "a positive factor changes nothing"
    );
    assert!(acc("mnist,easy,0-7,0,scale,all,-1,false") < full - 20.0);

    // The same numbers from the sweep function on its own.
    let tasks = load_tasks(&exp).unwrap();
    let (net, _) = mlprobe_graph::store::load_model(&Store::new(out.path()).model_path(&exp.tasks[0], 0)).unwrap();
    let mut sweep = SweepEvaluator::new(Evaluator::new(&tasks[0].test));
    let direct = evaluate_points(&net, &points, 0, incremental(&mut sweep));
    assert_eq!(direct[0].accuracy, acc("mnist,easy,0-7,0,scale,all,3,false"));
    assert_eq!(direct[3].accuracy, acc("mnist,easy,0-7,0,scale,all,-1,true"));
    assert!(Path::new(&run.dir.join("medians.csv")).exists());
}
