//! A perturbation defined outside the probe crates runs through the same
//! sweep code as the built-in ones.

use std::path::Path;

use mlprobe_e2e::{options, tiny_experiment};
use mlprobe_graph::{Evaluator, Perturbation, ProbeRng, WeightStack};
use mlprobe_runner::{SweepPoint, evaluate_sweep, run_experiment_with};

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
fn a_user_perturbation_is_swept_like_a_builtin() {
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
    let tasks = mlprobe_runner::data::load_tasks(&exp).unwrap();
    let (net, _) =
        mlprobe_graph::store::load_model(&mlprobe_runner::cache::model_path(out.path(), &exp, &exp.tasks[0], 0))
            .unwrap();
    let direct = evaluate_sweep(&net, &Evaluator::new(&tasks[0].test), &points, 0);
    assert_eq!(direct[0].accuracy, acc("mnist,easy,0-7,0,scale,all,3,false"));
    assert_eq!(direct[3].accuracy, acc("mnist,easy,0-7,0,scale,all,-1,true"));
    assert!(Path::new(&run.dir.join("medians.csv")).exists());
}
