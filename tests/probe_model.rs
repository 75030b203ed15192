//! Models trained elsewhere, probed through the runner's library API: a
//! 3-layer PyTorch model through every figure experiment, and a model of
//! mlprobe's own, read back from its safetensors file as any PyTorch file,
//! giving the very numbers of the run that trained it.

use std::path::{Path, PathBuf};

use mlprobe_e2e::{options, report_context, tiny_all_probes};
use mlprobe_graph::WeightStack;
use mlprobe_graph::store::read_safetensors;
use mlprobe_runner::{DataSource, Experiment, GivenModel, GivenTask, run_experiment};
use mlprobe_tasks::{Embedded, Task};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn mnist_task(label: &str, classes: &[u8]) -> GivenTask {
    GivenTask {
        label: label.into(),
        dataset: "mnist".into(),
        source: DataSource::Embedded(Embedded::Mnist),
        classes: classes.to_vec(),
    }
}

#[test]
fn a_three_layer_pytorch_model_runs_every_figure_experiment() {
    let path = root().join("tests/fixtures/pytorch/mlp-784-32-16-2.safetensors");
    let bytes = std::fs::read(&path).unwrap();
    let imported = read_safetensors(&bytes, &path, 784, Some(2), None).unwrap();
    assert_eq!(imported.names, ["0.weight", "2.weight", "4.weight"]);
    let net = WeightStack::new(mlprobe_graph::Activation::Relu, imported.layers);
    assert_eq!(net.sizes(), [784, 32, 16, 2]);
    let model = GivenModel::new(&path, net, imported.notes);

    let out = tempfile::tempdir().unwrap();
    let opts = mlprobe_runner::RunOptions {
        quick: true,
        ..options(out.path())
    };
    let mut experiments = Vec::new();
    for name in ["binarization", "pruning", "noise", "flip", "randomization"] {
        let file = root().join("experiments").join(format!("{name}.toml"));
        let exp = Experiment::load(&file)
            .unwrap()
            .probing(model.clone(), mnist_task("pytorch", &[7, 9]), 3)
            .unwrap();
        experiments.push(exp);
    }
    let runs: Vec<_> = experiments.iter().map(|e| run_experiment(e, &opts).unwrap()).collect();
    for run in &runs {
        assert_eq!(run.units.len(), 1);
        let csv = std::fs::read_to_string(run.dir.join("results.csv")).unwrap();
        assert!(csv.lines().count() > 2, "{csv}");
        assert!(
            csv.lines().skip(1).all(|l| l.starts_with("mnist,pytorch,7-9,3,")),
            "{csv}"
        );
    }
    // PyTorch measured 91.95 % (377 of 410 images); binarized 75.61 %.
    let binarized = runs[0].units[0].accuracy_of("binarize", true).unwrap();
    assert!((runs[0].units[0].full - 91.951).abs() < 0.25 && (binarized - 75.610).abs() < 0.25);

    let inputs: Vec<_> = experiments.iter().zip(&runs).collect();
    let report = mlprobe_report::write_report(out.path(), &inputs, &report_context()).unwrap();
    let md = std::fs::read_to_string(&report.path).unwrap();
    assert!(
        md.contains("an MLP 784-32-16-2 with relu activations, probed as given"),
        "{md}"
    );
    assert!(md.contains("### randomization: randomize\n"), "{md}");
    let pngs = std::fs::read_dir(out.path().join("figures"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "png"))
        .count();
    assert!(pngs >= 10, "{pngs} figures");
}

#[test]
fn a_model_of_mlprobe_probed_as_given_gives_the_numbers_of_its_run() {
    let exp = tiny_all_probes(1);
    let out = tempfile::tempdir().unwrap();
    let trained = run_experiment(&exp, &options(out.path())).unwrap();

    // Its cached file, read as any PyTorch file (by the chain of shapes).
    let path = mlprobe_runner::Store::new(out.path()).model_path(&exp.tasks[1], 0);
    assert_eq!(path.extension().unwrap(), "safetensors");
    let bytes = std::fs::read(&path).unwrap();
    let imported = read_safetensors(&bytes, &path, 784, Some(2), None).unwrap();
    let (own, meta) = mlprobe_graph::load_model(&path).unwrap();
    assert_eq!(imported.layers, own.layers);
    assert_eq!(imported.metadata["activation"], "relu");
    assert_eq!(meta["seed"], 0);
    let task = Task::from_classes(Embedded::Mnist.load(), &[7, 9]).unwrap();
    assert_eq!(
        mlprobe_graph::Evaluator::new(&task.test).accuracy(&own),
        trained.units[1].full
    );

    let given = Experiment::from_toml("tiny-all", &mlprobe_e2e::tiny_all_probes_toml(1), Path::new("t.toml"))
        .unwrap()
        .probing(GivenModel::new(&path, own, Vec::new()), mnist_task("hard", &[7, 9]), 0)
        .unwrap();
    let probed_out = tempfile::tempdir().unwrap();
    let probed = run_experiment(&given, &options(probed_out.path())).unwrap();
    let accuracies = |rows: &[mlprobe_runner::Row]| rows.iter().map(|r| r.accuracy).collect::<Vec<_>>();
    assert_eq!(accuracies(&probed.units[0].rows), accuracies(&trained.units[1].rows));
    assert_eq!(probed.trained_now, 0);
}
