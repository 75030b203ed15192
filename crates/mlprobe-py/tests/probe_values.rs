//! The values the Python tests compare the package's probes with, bit for
//! bit: computed here by the probe crates themselves and kept in
//! `crates/mlprobe-py/tests/fixtures/probe_values.json`. This test fails when the file is not
//! what the crates give now; `MLPROBE_BLESS=1` rewrites it.

use std::path::Path;

use mlprobe_graph::{Perturbation, ProbeKind, TensorKind, WeightStack, probe_rng};
use serde_json::{Value, json};

/// `(probe kind, strategy, level, seed, signed, tensor kind, shape)`.
type Case = (
    &'static str,
    &'static str,
    f64,
    u64,
    bool,
    &'static str,
    &'static [usize],
);

/// Every case.
const CASES: [Case; 19] = [
    ("prune", "smallest", 0.5, 0, false, "linear", &[4, 6]),
    ("prune", "random", 0.3, 5, false, "linear", &[4, 6]),
    ("prune", "largest", 0.25, 0, true, "linear", &[4, 6]),
    ("noise", "gaussian", 0.1, 2, false, "linear", &[4, 6]),
    ("noise", "uniform", 0.2, 3, true, "embedding", &[4, 6]),
    ("noise", "multiplicative", 0.3, 4, false, "vector", &[24]),
    ("flip", "smallest", 0.25, 0, false, "linear", &[4, 6]),
    ("flip", "random", 0.5, 1, false, "conv", &[2, 3, 2, 2]),
    ("binarize", "none", 0.0, 0, false, "conv", &[2, 3, 2, 2]),
    ("randomize", "A", 0.0, 3, false, "linear", &[4, 6]),
    ("randomize", "B", 0.0, 3, false, "embedding", &[4, 6]),
    ("randomize", "C", 0.0, 7, false, "linear", &[4, 6]),
    ("randomize", "E", 0.0, 8, true, "conv", &[2, 3, 2, 2]),
    ("randomize", "G", 0.0, 9, false, "linear", &[4, 6]),
    ("binarize", "layer", 0.0, 0, false, "embedding", &[4, 6]),
    ("binarize", "channel", 0.0, 0, false, "conv", &[2, 3, 2, 2]),
    ("quantize", "layer", 3.0, 0, false, "linear", &[4, 6]),
    ("quantize", "channel", 4.0, 0, false, "conv", &[2, 3, 2, 2]),
    ("quantize", "channel", 1.0, 0, true, "linear", &[4, 6]),
];

fn kind(name: &str) -> ProbeKind {
    [
        mlprobe_prune::kind(),
        mlprobe_noise::kind(),
        mlprobe_flip::kind(),
        mlprobe_binarize::kind(),
        mlprobe_randomize::kind(),
        mlprobe_quantize::kind(),
    ]
    .into_iter()
    .find(|k| k.name() == name)
    .expect("a probe of the crates")
}

/// The input of every case: 24 distinct values of both signs, some zero.
fn input() -> Vec<f32> {
    (0..24)
        .map(|i| {
            if i % 7 == 3 {
                0.0
            } else {
                ((i as f32) * 0.7).sin() * (1.0 + i as f32 / 10.0)
            }
        })
        .collect()
}

fn case(c: &Case) -> Value {
    let &(probe, strategy, level, seed, signed, tensor, shape) = c;
    let tensor_kind: TensorKind = tensor.parse().unwrap();
    let layer = tensor_kind.to_layer("w", shape, &input(), Vec::new()).unwrap();
    let net = WeightStack::unwired(vec![layer]);
    let mut out = kind(probe)
        .build(strategy, level)
        .unwrap()
        .apply(&net, &mut probe_rng(seed));
    if signed {
        out = mlprobe_binarize::Binarize::SIGN.apply(&out, &mut probe_rng(0));
    }
    json!({
        "probe": probe, "strategy": strategy, "level": level, "seed": seed, "signed": signed,
        "kind": tensor, "shape": shape, "output": tensor_kind.values_of(&out.layers[0]),
    })
}

#[test]
fn the_fixture_holds_what_the_probe_crates_give() {
    let expected = json!({ "input": input(), "cases": CASES.iter().map(case).collect::<Vec<_>>() });
    let text = serde_json::to_string_pretty(&expected).unwrap() + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/probe_values.json");
    if std::env::var_os("MLPROBE_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(stored == text, "{} is stale: run with MLPROBE_BLESS=1", path.display());
}
