//! Swept training and evaluation keys, per-task training values and
//! layer-restricted probes, end to end: the rows they write, the models
//! they share, and the numbers they must reproduce.

use std::path::Path;

use mlprobe_binarize::Binarize;
use mlprobe_e2e::{options, tiny_toml};
use mlprobe_graph::{Evaluator, LayerRef, OnLayers, Perturbation, probe_rng};
use mlprobe_runner::{CSV_HEADER, Experiment, run_experiment};

fn experiment(name: &str, toml: &str) -> Experiment {
    Experiment::from_toml(name, toml, Path::new("t.toml")).expect("valid experiment")
}

#[test]
fn a_budget_sweep_appends_its_columns_and_shares_models() {
    let toml = tiny_toml(1, "[[probes]]\nprobe = \"binarize\"\n").replace("epochs = 75", "epochs = [2, 75]");
    let exp = experiment("budget", &toml);
    assert_eq!(exp.tasks.len(), 4);
    let out = tempfile::tempdir().unwrap();
    let run = run_experiment(&exp, &options(out.path())).unwrap();
    let csv = std::fs::read_to_string(out.path().join("budget/results.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), format!("{CSV_HEADER},epochs,steps"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 4 * 2);
    // Easy at 2 epochs: 1,627 training images in batches of 128 = 13 steps per epoch.
    assert_eq!(&rows[0][..2], ["mnist", "easy"]);
    assert_eq!(&rows[0][9..], ["2", "26"]);
    assert_eq!(&rows[2][9..], ["75", "975"]);
    assert_eq!(run.summary.results["mnist"]["easy epochs=75"].steps, Some(975));

    // The 75-epoch arm is the unswept experiment's model: trained once.
    let plain = experiment("plain", &tiny_toml(1, "[[probes]]\nprobe = \"binarize\"\n"));
    let again = run_experiment(&plain, &options(out.path())).unwrap();
    assert_eq!(again.trained_now, 0);
    let budget_75 = run.units.iter().find(|u| u.task == 1).unwrap().full;
    assert_eq!(again.units[0].full, budget_75);
    let plain_csv = std::fs::read_to_string(out.path().join("plain/results.csv")).unwrap();
    assert!(plain_csv.starts_with(&format!("{CSV_HEADER}\n")));
}

#[test]
fn the_reference_evaluation_is_an_arm_of_its_own() {
    let probes = "[[probes]]\nprobe = \"flip\"\nstrategies = [\"smallest\"]\nlevels = [0.0, 0.3]\n";
    let toml = tiny_toml(1, probes).replace(
        "learning_rate = 0.01",
        "learning_rate = 0.01\n[evaluation]\nbiases = [\"trained\", \"fresh\"]\nactivation = [\"trained\", \"tanh\"]",
    );
    let exp = experiment("compat", &toml);
    let out = tempfile::tempdir().unwrap();
    let run = run_experiment(&exp, &options(out.path())).unwrap();
    assert_eq!(exp.columns, ["eval_biases", "eval_activation"]);
    // Easy task: arms trained/trained, trained/tanh, fresh/trained, fresh/tanh.
    let at = |t: usize, row: usize| run.units.iter().find(|u| u.task == t).unwrap().rows[row].accuracy;
    let full = at(0, 0);
    assert_eq!(
        at(0, 1),
        full,
        "flipping nothing, evaluated as trained, is the trained network"
    );
    for t in 1..4 {
        assert_eq!(at(t, 0), full, "the row `none` is always the trained network");
    }
    // Somewhere along the curves of both tasks, each quirk changes an accuracy.
    let differs = |arm: usize| (0..2).any(|task| (1..3).any(|row| at(4 * task + arm, row) != at(4 * task, row)));
    assert!(differs(1), "evaluated with tanh, a ReLU network differs");
    assert!(differs(2), "fresh biases change the network");
    // Fresh biases are drawn from the unit's seed: the same on a re-run.
    let again = run_experiment(&exp, &options(tempfile::tempdir().unwrap().path())).unwrap();
    let rows = |r: &mlprobe_runner::ExperimentRun| r.units.iter().map(|u| u.rows.clone()).collect::<Vec<_>>();
    assert_eq!(rows(&run), rows(&again));
    assert_eq!(again.trained_now, 2, "the four arms of a task share one model");
}

#[test]
fn layer_restricted_probes_and_task_training_values() {
    let probes = "[[probes]]\nprobe = \"binarize\"\n[[probes]]\nprobe = \"binarize\"\nlayers = [\"first\"]\n\
                  [[probes]]\nprobe = \"binarize\"\nlayers = [\"last\"]\n";
    let toml = tiny_toml(1, probes)
        .replace("hidden = [64]", "hidden = [[16], [16, 8]]")
        .replace("epochs = 75", "epochs = 3")
        .replacen(
            "classes = [7, 9]",
            "classes = [7, 9]\ntraining = { activation = \"tanh\" }",
            1,
        );
    let exp = experiment("depth", &toml);
    assert_eq!(exp.columns, ["hidden", "steps"]);
    assert_eq!(exp.tasks[3].training.hidden, [16, 8]);
    assert_eq!(exp.tasks[3].training.activation, mlprobe_graph::Activation::Tanh);
    let out = tempfile::tempdir().unwrap();
    let run = run_experiment(&exp, &options(out.path())).unwrap();
    let strategies: Vec<&str> = run.units[0].rows.iter().map(|r| r.strategy.as_str()).collect();
    assert_eq!(strategies, ["none", "none", "first", "last"]);
    let tasks = mlprobe_runner::load_tasks(&exp).unwrap();
    for u in &run.units {
        assert_eq!(u.binarized(), Some(u.rows[1].accuracy));
        // The restricted rows are the cached model with only that layer binarized.
        let path = mlprobe_runner::Store::new(out.path()).model_path(&exp.tasks[u.task], u.seed);
        let (net, _) = mlprobe_graph::load_model(&path).unwrap();
        let eval = Evaluator::new(&tasks[u.task].test);
        for (row, layer) in [(2, LayerRef::First), (3, LayerRef::Last)] {
            let one = OnLayers::new(Binarize::SIGN, vec![layer.clone()]).apply(&net, &mut probe_rng(0));
            assert_eq!(u.rows[row].accuracy, eval.accuracy(&one));
            let kept = if layer == LayerRef::First { 1 } else { 0 };
            assert_eq!(one.layers[kept].weights, net.layers[kept].weights);
        }
    }
    let summary = std::fs::read_to_string(out.path().join("depth/summary.json")).unwrap();
    assert!(summary.contains("\"hard hidden=16-8\""), "{summary}");
}

#[test]
fn a_cnn_is_an_arm_whose_layers_are_probed_by_name() {
    let probes = "[[probes]]\nprobe = \"binarize\"\nlayers = [\"conv1\"]\n\
                  [[probes]]\nprobe = \"prune\"\nstrategies = [\"smallest\"]\nlevels = [0.0, 0.5]\n\
                  after = [{ probe = \"randomize\", strategies = [\"B\"] }]\ncka = [\"conv2\"]\n";
    let toml = tiny_toml(1, probes)
        .replace(
            "hidden = [64]",
            "architecture = [\"mlp\", \"cnn\"]\nhidden = [16]\nconv = { channels = [4, 8], kernel = 5 }",
        )
        .replace("epochs = 75", "epochs = 2");
    // conv1 is a CNN's name: the MLP arm lacks it.
    let err = Experiment::from_toml("arch", &toml, std::path::Path::new("arch.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`probes[0].layers` = conv1") && err.contains("has 2"),
        "{err}"
    );
    let toml = toml.replace("architecture = [\"mlp\", \"cnn\"]", "architecture = \"cnn\"");
    let exp = experiment("arch", &toml);
    let out = tempfile::tempdir().unwrap();
    let run = run_experiment(&exp, &options(out.path())).unwrap();
    let tasks = mlprobe_runner::load_tasks(&exp).unwrap();
    for u in &run.units {
        let path = mlprobe_runner::Store::new(out.path()).model_path(&exp.tasks[u.task], u.seed);
        let (net, _) = mlprobe_graph::load_model(&path).unwrap();
        assert_eq!(net.layer_names(), ["conv1", "conv2", "fc"]);
        assert_eq!(
            net.layers[1].n_in,
            4 * 25,
            "a kernel's inputs are (channel, offset) pairs"
        );
        let eval = Evaluator::new(&tasks[u.task].test);
        let conv1 = OnLayers::new(Binarize::SIGN, vec![LayerRef::Name("conv1".into())]).apply(&net, &mut probe_rng(0));
        assert_eq!(u.rows[1].accuracy, eval.accuracy(&conv1));
        assert_eq!(u.rows[0].accuracy, eval.accuracy(&net));
        assert!(
            u.rows[0].accuracy > 80.0,
            "a CNN learns in two epochs: {}",
            u.rows[0].accuracy
        );
        let cka = |key: &str| u.measures.iter().find(|(n, _)| n == key).map(|m| m.1).unwrap();
        let rewired = cka("prune+randomize/smallest+B/0/false cka[conv2]");
        assert!(
            rewired < 1.0 - 1e-6 && rewired > 0.0,
            "B rewires the kernels: {rewired}"
        );
    }
    // Keys that do not fit: named before anything trains.
    let bad = |from: &str, to: &str| {
        let t = toml.replace(from, to);
        Experiment::from_toml("arch", &t, std::path::Path::new("arch.toml"))
            .unwrap_err()
            .to_string()
    };
    let err = bad("kernel = 5", "kernel = 13");
    assert!(err.contains("`training.conv.kernel` = 13"), "{err}");
    let err = bad("channels = [4, 8]", "channels = [4, 0]");
    assert!(err.contains("`training.conv.channels`"), "{err}");
    let err = bad("architecture = \"cnn\"", "architecture = \"lstm\"");
    assert!(err.contains("lstm") && err.contains("mlp, cnn"), "{err}");
    let err = bad("architecture = \"cnn\"", "architecture = \"mlp\"");
    assert!(err.contains("training.conv"), "{err}");
    let err = bad("layers = [\"conv1\"]", "layers = [\"conv3\"]");
    assert!(err.contains("conv3") && err.contains("conv1, conv2, fc"), "{err}");
}

#[test]
fn a_vit_arm_has_its_own_budget_and_its_matrices_are_probed_by_name() {
    let probes = "[[probes]]\nprobe = \"binarize\"\nlayers = [\"pos_embed\", \"head\"]\n\
                  [[probes]]\nprobe = \"noise\"\nstrategies = [\"gaussian\"]\nlevels = [0.0, 0.5]\n\
                  layers = [\"blocks.0.ff1\"]\ncka = [\"blocks.0.ff2\"]\n";
    let vit = "vit = { dim = 16, blocks = 1, ff = 32, epochs = 5, learning_rate = 0.003 }";
    let toml = tiny_toml(1, probes)
        .replace("hidden = [64]", &format!("architecture = \"vit\"\n{vit}"))
        .replace("epochs = 75", "epochs = 3");
    let exp = experiment("vit", &toml);
    let params = exp.tasks[0].training.params();
    assert_eq!(
        (params.epochs, params.learning_rate),
        (5, 0.003),
        "the ViT's own budget"
    );
    let out = tempfile::tempdir().unwrap();
    let run = run_experiment(&exp, &options(out.path())).unwrap();
    let tasks = mlprobe_runner::load_tasks(&exp).unwrap();
    for u in &run.units {
        let path = mlprobe_runner::Store::new(out.path()).model_path(&exp.tasks[u.task], u.seed);
        let (net, _) = mlprobe_graph::load_model(&path).unwrap();
        let names = net.layer_names();
        assert_eq!(names.len(), 9);
        assert_eq!(
            [&names[0], &names[1], &names[7], &names[8]],
            ["patch_embed", "pos_embed", "blocks.0.ff2", "head"]
        );
        assert!(net.layers[1].bias.is_empty(), "positional embeddings have no bias");
        let eval = Evaluator::new(&tasks[u.task].test);
        let layers = vec![LayerRef::Name("pos_embed".into()), LayerRef::Name("head".into())];
        let signed = OnLayers::new(Binarize::SIGN, layers).apply(&net, &mut probe_rng(0));
        assert_eq!(u.rows[1].accuracy, eval.accuracy(&signed));
        assert!(
            u.rows[0].accuracy > 75.0,
            "a ViT learns in five epochs: {}",
            u.rows[0].accuracy
        );
        let cka = |level: &str| {
            let name = format!("noise/gaussian:blocks.0.ff1/{level}/false cka[blocks.0.ff2]");
            u.measures
                .iter()
                .find(|(n, _)| *n == name)
                .map(|m| m.1)
                .unwrap_or_else(|| panic!("{name}: {:?}", u.measures))
        };
        assert!(
            (cka("0") - 1.0).abs() < 1e-9 && cka("0.5") < 1.0 - 1e-6,
            "{:?}",
            u.measures
        );
    }
    // Each architecture's arms train with their own budget.
    let both = toml.replace(
        "architecture = \"vit\"",
        "architecture = [\"mlp\", \"vit\"]\nhidden = [16]",
    );
    let both = both.replace("layers = [\"pos_embed\", \"head\"]", "layers = [\"last\"]");
    let both = both.replace("layers = [\"blocks.0.ff1\"]\ncka = [\"blocks.0.ff2\"]", "");
    let exp = experiment("both", &both);
    let epochs: Vec<usize> = exp.tasks.iter().map(|t| t.training.params().epochs).collect();
    assert_eq!(epochs, [3, 5, 3, 5]);
    // Keys that do not fit: named before anything trains.
    let bad = |from: &str, to: &str| {
        let t = toml.replace(from, to);
        Experiment::from_toml("vit", &t, Path::new("vit.toml"))
            .unwrap_err()
            .to_string()
    };
    let err = bad("dim = 16", "dim = 16, heads = 3");
    assert!(err.contains("`training.vit.heads` = 3"), "{err}");
    let err = bad("dim = 16", "dim = 16, patch = 5");
    assert!(err.contains("`training.vit.patch` = 5"), "{err}");
    let err = bad("dim = 16", "dim = 16, depth = 5");
    assert!(err.contains("depth"), "{err}");
    let err = bad("epochs = 3", "epochs = [3, 4]");
    assert!(err.contains("training.vit.epochs"), "{err}");
    let err = bad("architecture = \"vit\"", "architecture = \"cnn\"");
    assert!(err.contains("training.vit"), "{err}");
    let err = bad("\"head\"]", "\"blocks.3.ff1\"]");
    assert!(
        err.contains("blocks.3.ff1") && err.contains("patch_embed, pos_embed"),
        "{err}"
    );
}

#[test]
fn any_sweep_measures_the_linear_cka_of_the_layers_it_names() {
    let probes = "[[probes]]\nprobe = \"noise\"\nstrategies = [\"gaussian\"]\nlevels = [0.0, 0.001, 2.0]\n\
                  cka = [\"first\", \"last\"]\n[[probes]]\nprobe = \"binarize\"\n";
    let toml = tiny_toml(2, probes).replace("epochs = 75", "epochs = 3");
    let exp = experiment("cka", &toml);
    let out = tempfile::tempdir().unwrap();
    let run = run_experiment(&exp, &options(out.path())).unwrap();
    for u in &run.units {
        let cka = |level: &str, layer: &str| -> f64 {
            let name = format!("noise/gaussian/{level}/false cka[{layer}]");
            u.measures
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("{name}: {:?}", u.measures))
                .1
        };
        for layer in ["first", "last"] {
            assert!((cka("0", layer) - 1.0).abs() < 1e-9, "the trained network is itself");
            assert!(cka("0.001", layer) > 0.9, "{layer}: {:?}", u.measures);
            assert!(cka("0.001", layer) > cka("2", layer), "{layer}: more noise, less alike");
        }
        assert!(
            u.measures.iter().all(|(n, _)| n.starts_with("noise")),
            "binarize measures nothing"
        );
    }
    let summary = std::fs::read_to_string(out.path().join("cka/summary.json")).unwrap();
    assert!(summary.contains("noise/gaussian/2/false cka[last]"), "{summary}");
    // A layer that the network lacks is named before anything trains.
    let bad = toml.replace("cka = [\"first\", \"last\"]", "cka = [\"conv1\"]");
    let err = Experiment::from_toml("cka", &bad, Path::new("cka.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("conv1"), "{err}");
}
