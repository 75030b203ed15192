//! `cargo xtask probe` as a user runs it: a model saved by PyTorch comes back
//! with the accuracies PyTorch measured, and every bad input ends in one
//! clear error, exit code 1, and nothing written.

use std::path::{Path, PathBuf};
use std::process::Command;

use safetensors::serialize;
use safetensors::tensor::{Dtype, TensorView};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn fixture() -> PathBuf {
    root().join("tests/fixtures/pytorch/mlp-784-32-16-2.safetensors")
}

/// Runs `xtask probe` with `args` into `out`; returns (exit code, stderr).
fn probe(args: &[&str], out: &Path) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("probe")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs the binarization experiment on `model` (relu, MNIST 7 vs 9) with `extra` flags.
fn probe_binarization(model: &Path, extra: &[&str], out: &Path) -> (i32, String) {
    let model = model.to_str().unwrap();
    let mut args = vec![
        "--model",
        model,
        "--activation",
        "relu",
        "--dataset",
        "mnist",
        "--classes",
        "7,9",
        "--experiment",
        "binarization",
    ];
    args.extend_from_slice(extra);
    probe(&args, out)
}

/// A safetensors file of f32 tensors (small values), or of another dtype.
fn safetensors_file(path: &Path, tensors: &[(&str, &[usize])], dtype: Dtype) {
    let size = match dtype {
        Dtype::I64 | Dtype::F64 => 8,
        _ => 4,
    };
    let data: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
        .iter()
        .map(|(name, shape)| {
            let n: usize = shape.iter().product();
            let bytes = (0..n)
                .flat_map(|i| {
                    let v = ((i % 7) as f32 - 3.0) * 0.01;
                    let mut b = v.to_le_bytes().to_vec();
                    b.resize(size, 0);
                    b
                })
                .collect();
            (name.to_string(), bytes, shape.to_vec())
        })
        .collect();
    let views: Vec<(String, TensorView<'_>)> = data
        .iter()
        .map(|(n, b, s)| (n.clone(), TensorView::new(dtype, s.clone(), b).unwrap()))
        .collect();
    std::fs::write(path, serialize(views, None).unwrap()).unwrap();
}

/// An .npz with `x_test` of `dim` columns (when `with_x`) and labels `y`.
fn npz_file(path: &Path, dim: u64, labels: &[i64], with_x: bool) {
    use npyz::WriterBuilder;
    let mut npz = npyz::npz::NpzWriter::create(path).unwrap();
    if with_x {
        let mut w = npz
            .array::<f32>("x_test", Default::default())
            .unwrap()
            .default_dtype()
            .shape(&[labels.len() as u64, dim])
            .begin_nd()
            .unwrap();
        w.extend((0..labels.len() as u64 * dim).map(|i| (i % 5) as f32 * 0.1))
            .unwrap();
        w.finish().unwrap();
    }
    let mut w = npz
        .array::<i64>("y_test", Default::default())
        .unwrap()
        .default_dtype()
        .shape(&[labels.len() as u64])
        .begin_nd()
        .unwrap();
    w.extend(labels.iter().copied()).unwrap();
    w.finish().unwrap();
}

#[test]
fn a_pytorch_model_comes_back_with_pytorchs_accuracies() {
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tests/fixtures/pytorch/expected.json")).unwrap())
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let model = fixture();
    let (code, stderr) = probe_binarization(&model, &[], &out);
    assert_eq!(code, 0, "{stderr}");
    let csv = std::fs::read_to_string(out.join("binarization/results.csv")).unwrap();
    let accuracy = |probe: &str| -> f64 {
        let line = csv.lines().find(|l| l.split(',').nth(4) == Some(probe)).unwrap();
        line.rsplit(',').next().unwrap().parse().unwrap()
    };
    let one_image = 100.0 / expected["test_images"].as_f64().unwrap();
    for (probe, key) in [("none", "accuracy_full"), ("binarize", "accuracy_binarized")] {
        let (ours, theirs) = (accuracy(probe), expected[key].as_f64().unwrap());
        assert!(
            (ours - theirs).abs() <= one_image + 1e-9,
            "{probe}: {ours} vs PyTorch {theirs}"
        );
    }
    assert!(csv.starts_with("dataset,task,classes,seed,probe,strategy,level,signed,accuracy\n"));
    assert!(
        csv.contains("mnist,mlp-784-32-16-2,7-9,0,binarize,none,0,true,"),
        "{csv}"
    );
    assert!(out.join("REPORT.md").is_file());
}

#[test]
fn a_pytorch_cnn_and_vit_come_back_with_pytorchs_accuracies() {
    let fixtures = root().join("tests/fixtures/pytorch");
    let text = std::fs::read_to_string(fixtures.join("expected_architectures.json")).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    let one_image = 100.0 / expected["test_images"].as_f64().unwrap();
    let models = expected["models"].as_object().unwrap();
    assert_eq!(models.len(), 2);
    for (name, e) in models {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let model = fixtures.join(e["model"].as_str().unwrap());
        let architecture = e["architecture"].as_str().unwrap();
        let (code, stderr) = probe_binarization(&model, &["--architecture", architecture], &out);
        assert_eq!(code, 0, "{name}: {stderr}");
        let csv = std::fs::read_to_string(out.join("binarization/results.csv")).unwrap();
        for (probe, key) in [("none", "accuracy_full"), ("binarize", "accuracy_binarized")] {
            let line = csv.lines().find(|l| l.split(',').nth(4) == Some(probe)).unwrap();
            let ours: f64 = line.rsplit(',').next().unwrap().parse().unwrap();
            let theirs = e[key].as_f64().unwrap();
            assert!(
                (ours - theirs).abs() <= one_image + 1e-9,
                "{name} {probe}: {ours} vs PyTorch {theirs}"
            );
        }
    }
}

#[test]
fn bad_inputs_are_one_clear_error_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fixture_bytes = std::fs::read(fixture()).unwrap();
    std::fs::write(
        d.join("truncated.safetensors"),
        &fixture_bytes[..fixture_bytes.len() / 2],
    )
    .unwrap();
    std::fs::write(d.join("text.safetensors"), "this is not a model").unwrap();
    safetensors_file(&d.join("ints.safetensors"), &[("0.weight", &[2, 784])], Dtype::I64);
    safetensors_file(
        &d.join("nochain.safetensors"),
        &[("fc1.weight", &[16, 784]), ("fc2.weight", &[2, 15])],
        Dtype::F32,
    );
    safetensors_file(
        &d.join("twoways.safetensors"),
        &[
            ("a.weight", &[784, 784]),
            ("b.weight", &[3, 784]),
            ("c.weight", &[784, 3]),
            ("d.weight", &[2, 784]),
        ],
        Dtype::F32,
    );
    safetensors_file(&d.join("small.safetensors"), &[("fc.weight", &[2, 10])], Dtype::F32);
    safetensors_file(&d.join("four.safetensors"), &[("fc.weight", &[2, 4])], Dtype::F32);
    let mut nan = fixture_bytes.clone();
    let at = nan.len() - 8;
    nan[at..].copy_from_slice(&[0, 0, 0xc0, 0x7f, 0, 0, 0x80, 0x7f]);
    std::fs::write(d.join("nan.safetensors"), nan).unwrap();
    npz_file(&d.join("labels.npz"), 4, &[0, 1, 5, 1], true);
    npz_file(&d.join("nox.npz"), 4, &[0, 1], false);

    let path = |name: &str| d.join(name).to_str().unwrap().to_string();
    let mnist = |model: &str| vec!["--model".to_string(), path(model), "--dataset".into(), "mnist".into()];
    let cases: Vec<(Vec<String>, &str)> = vec![
        (mnist("truncated.safetensors"), "not a safetensors file"),
        (mnist("text.safetensors"), "not a safetensors file"),
        (
            mnist("ints.safetensors"),
            "tensor `0.weight` is I64; supported are F32, F16, BF16 and F64",
        ),
        (mnist("nochain.safetensors"), "chain no way from 784 inputs"),
        (mnist("twoways.safetensors"), "chain in more than one way"),
        (
            mnist("small.safetensors"),
            "fc.weight takes 10 inputs, the data has 784",
        ),
        (
            vec![
                "--model".into(),
                path("four.safetensors"),
                "--data-npz".into(),
                path("labels.npz"),
            ],
            "the data's labels are 0, 1, 2, 3, 4, 5 (6 classes) but the model has 2 outputs",
        ),
        (
            vec![
                "--model".into(),
                path("four.safetensors"),
                "--data-npz".into(),
                path("nox.npz"),
            ],
            "no array `x_test` (it has: y_test)",
        ),
        (mnist("missing.safetensors"), "cannot read"),
        (
            mnist("nan.safetensors"),
            "1 tensors hold NaN or infinite values: 4.weight (1 NaN, 1 infinite); probes need finite weights",
        ),
    ];
    for (i, (mut args, message)) in cases.into_iter().enumerate() {
        args.extend(["--activation".into(), "relu".into(), "--classes".into(), "7,9".into()]);
        if args.iter().any(|a| a.ends_with(".npz")) {
            args.truncate(args.len() - 2);
        }
        let out = d.join(format!("out-{i}"));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stderr) = probe(&refs, &out);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: expected `{message}` in:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "one message: {stderr}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }

    // Named in order, the ambiguous layers load.
    let out = d.join("named");
    let (code, stderr) = probe_binarization(&d.join("twoways.safetensors"), &["--layers", "a,b,c,d"], &out);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("note: a.weight: no bias beside it, taken as zero"),
        "{stderr}"
    );
}

#[test]
fn a_folder_of_edge_lists_is_probed_with_zero_biases() {
    let bytes = std::fs::read(fixture()).unwrap();
    let imported = mlprobe_graph::store::read_safetensors(&bytes, &fixture(), 784, Some(2), None).unwrap();
    let net = mlprobe_graph::WeightStack::new(mlprobe_graph::Activation::Relu, imported.layers);
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("edges");
    assert_eq!(mlprobe_graph::store::write_edge_lists(&lists, &net).unwrap().len(), 3);
    let out = dir.path().join("out");
    let (code, stderr) = probe_binarization(&lists, &[], &out);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("note: edge lists carry no biases: zero biases"),
        "{stderr}"
    );
    let csv = std::fs::read_to_string(out.join("binarization/results.csv")).unwrap();
    assert!(csv.contains("mnist,edges,7-9,0,none,none,0,false,"), "{csv}");
}

#[test]
fn a_cnn_saved_as_pytorch_saves_it_is_probed_layer_by_layer() {
    use mlprobe_graph::{Evaluator, Task};
    let task = Task::from_classes(mlprobe_tasks::Embedded::Mnist.load(), &[7, 9]).unwrap();
    let config = mlprobe_core::TrainParams {
        architecture: mlprobe_graph::ArchitectureKind::Cnn,
        conv: Some(mlprobe_core::ConvParams {
            channels: vec![4, 8],
            kernel: 5,
        }),
        epochs: 2,
        ..mlprobe_core::TrainParams::default()
    }
    .check()
    .unwrap();
    let net = mlprobe_core::train(&task, &config, 1).unwrap().into_model().weights;
    // As `safetensors.torch.save_file(model.state_dict())` writes it: no metadata.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cnn.safetensors");
    let tensors: Vec<(String, Vec<u8>, Vec<usize>)> = (net.layer_names().iter().zip(&net.layers))
        .flat_map(|(name, l)| {
            let shape = if name == "fc" {
                vec![l.n_out, l.n_in]
            } else {
                vec![l.n_out, l.n_in / 25, 5, 5]
            };
            let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
            [
                (format!("{name}.weight"), bytes(&l.out_in()), shape),
                (format!("{name}.bias"), bytes(&l.bias), vec![l.n_out]),
            ]
        })
        .collect();
    let views = tensors
        .iter()
        .map(|(n, b, s)| (n.clone(), TensorView::new(Dtype::F32, s.clone(), b).unwrap()));
    std::fs::write(&path, serialize(views, None).unwrap()).unwrap();

    let out = dir.path().join("out");
    let (code, stderr) = probe_binarization(&path, &[], &out);
    assert_eq!(code, 1, "read as an MLP, the kernels do not fit");
    assert!(stderr.contains("conv1.weight") && !out.exists(), "{stderr}");
    let (code, stderr) = probe_binarization(&path, &["--architecture", "cnn"], &out);
    assert_eq!(code, 0, "{stderr}");
    let csv = std::fs::read_to_string(out.join("binarization/results.csv")).unwrap();
    let full: f64 = csv.lines().nth(1).unwrap().rsplit(',').next().unwrap().parse().unwrap();
    assert_eq!(full, Evaluator::new(&task.test).accuracy(&net), "{csv}");
    assert!(full > 80.0, "{full}");
}

#[test]
fn a_vit_saved_as_pytorch_saves_it_is_probed_with_its_layer_norms() {
    use mlprobe_graph::{Evaluator, Task};
    let task = Task::from_classes(mlprobe_tasks::Embedded::Mnist.load(), &[7, 9]).unwrap();
    let config = mlprobe_core::TrainParams {
        architecture: mlprobe_graph::ArchitectureKind::Vit,
        vit: Some(mlprobe_core::VitParams {
            dim: 16,
            blocks: 1,
            ff: 32,
            ..mlprobe_core::VitParams::default()
        }),
        hidden: Vec::new(),
        epochs: 4,
        learning_rate: 0.003,
        ..mlprobe_core::TrainParams::default()
    }
    .check()
    .unwrap();
    let net = mlprobe_core::train(&task, &config, 1).unwrap().into_model().weights;
    // As `safetensors.torch.save_file(model.state_dict())` writes the README's module.
    let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let mut tensors: Vec<(String, Vec<u8>, Vec<usize>)> = Vec::new();
    for (name, l) in net.layer_names().iter().zip(&net.layers) {
        if name == "pos_embed" {
            tensors.push((name.clone(), bytes(&l.weights), vec![l.n_in, l.n_out]));
            continue;
        }
        tensors.push((format!("{name}.weight"), bytes(&l.out_in()), vec![l.n_out, l.n_in]));
        tensors.push((format!("{name}.bias"), bytes(&l.bias), vec![l.n_out]));
    }
    for (name, norm) in net.architecture.norm_names().iter().zip(&net.norms) {
        tensors.push((format!("{name}.weight"), bytes(&norm.gain), vec![16]));
        tensors.push((format!("{name}.bias"), bytes(&norm.bias), vec![16]));
    }
    let views = tensors
        .iter()
        .map(|(n, b, s)| (n.clone(), TensorView::new(Dtype::F32, s.clone(), b).unwrap()));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vit.safetensors");
    std::fs::write(&path, serialize(views, None).unwrap()).unwrap();

    let out = dir.path().join("out");
    let (code, stderr) = probe_binarization(&path, &["--architecture", "vit", "--heads", "3"], &out);
    assert_eq!(code, 1);
    assert!(stderr.contains("heads = 3") && !out.exists(), "{stderr}");
    let (code, stderr) = probe_binarization(&path, &["--architecture", "vit"], &out);
    assert_eq!(code, 0, "{stderr}");
    let csv = std::fs::read_to_string(out.join("binarization/results.csv")).unwrap();
    let full: f64 = csv.lines().nth(1).unwrap().rsplit(',').next().unwrap().parse().unwrap();
    assert_eq!(full, Evaluator::new(&task.test).accuracy(&net), "{csv}");
    assert!(full > 65.0, "a ViT learns in four epochs: {full}");
}

#[test]
fn the_python_harness_fixtures_are_what_probe_writes() {
    // The Python tests compare mlprobe.sweep's results.csv with these bytes.
    let dir = tempfile::tempdir().unwrap();
    let model = fixture();
    let mut args = vec![
        "--model",
        model.to_str().unwrap(),
        "--activation",
        "relu",
        "--dataset",
        "mnist",
    ];
    args.extend([
        "--classes",
        "7,9",
        "--experiment",
        "pruning",
        "--experiment",
        "noise",
        "--experiment",
        "compression",
        "--quick",
    ]);
    let (code, stderr) = probe(&args, dir.path());
    assert_eq!(code, 0, "{stderr}");
    for exp in ["pruning", "noise", "compression"] {
        let written = std::fs::read(dir.path().join(exp).join("results.csv")).unwrap();
        let fixture = root().join(format!("crates/mlprobe-py/tests/fixtures/xtask-probe-{exp}-quick.csv"));
        assert!(
            written == std::fs::read(&fixture).unwrap(),
            "{} is stale",
            fixture.display()
        );
    }
}
