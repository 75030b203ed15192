"""The array functions: the Rust crates' bits, dtypes and shapes kept, bad input named."""

import json

import numpy as np
import pytest

import mlprobe
from conftest import FIXTURES


def cases():
    data = json.loads((FIXTURES / "probe_values.json").read_text())
    return [(np.array(data["input"], np.float32), c) for c in data["cases"]]


@pytest.mark.parametrize("values,case", cases(), ids=lambda c: f"{c['probe']}-{c['strategy']}-{c['kind']}" if isinstance(c, dict) else "")
def test_the_bits_equal_the_rust_crates(values, case):
    w = values.reshape(case["shape"])
    out = mlprobe.perturb(
        w,
        case["probe"],
        None if case["strategy"] == "none" else case["strategy"],
        case["level"],
        seed=case["seed"],
        signed=case["signed"],
        kind=case["kind"],
    )
    expected = np.array(case["output"], np.float32).reshape(case["shape"])
    assert out.dtype == np.float32 and out.shape == w.shape
    assert out.tobytes() == expected.tobytes()


def test_float64_comes_back_as_float64_and_input_is_untouched():
    w = np.linspace(-1, 1, 12).reshape(3, 4)
    before = w.copy()
    out = mlprobe.prune(w, 0.5)
    assert out.dtype == np.float64 and np.array_equal(w, before)
    assert (out == 0).sum() == 6
    assert np.array_equal(mlprobe.binarize(w), np.sign(w.astype(np.float32)).astype(np.float64))


def test_non_contiguous_arrays_are_read_in_their_logical_order():
    w = np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5
    assert np.array_equal(mlprobe.binarize(w.T), np.sign(w.T))


def test_the_wrappers_are_perturb_and_seeds_matter():
    w = np.random.default_rng(0).normal(size=(8, 5)).astype(np.float32)
    assert np.array_equal(mlprobe.noise(w, 0.1, seed=3), mlprobe.perturb(w, "noise", "gaussian", 0.1, seed=3))
    assert not np.array_equal(mlprobe.noise(w, 0.1, seed=3), mlprobe.noise(w, 0.1, seed=4))
    assert np.array_equal(mlprobe.flip(w, 1.0), -w)
    a = mlprobe.randomize(w, "A", seed=1)
    assert np.array_equal(np.sort(a, axis=None), np.sort(w, axis=None))
    b = mlprobe.randomize(w, "B", seed=1)
    assert np.array_equal(np.sign(b) != 0, np.sign(w) != 0) or (b > 0).sum() == (w > 0).sum()


def test_quantization_and_scaled_signs_follow_their_definitions():
    w = np.random.default_rng(4).normal(size=(6, 10)).astype(np.float32)
    step = np.abs(w).max() / np.float32(7)
    expected = np.clip(np.round(w / step), -7, 7) * step
    assert np.allclose(mlprobe.quantize(w, 4), expected, atol=1e-6)
    rows = mlprobe.quantize(w, 8, "channel")
    assert np.all(np.abs(rows - w) <= np.abs(w).max(axis=1, keepdims=True) / 127 / 2 * 1.0001)
    scaled = mlprobe.binarize(w, "channel")
    assert np.allclose(scaled, np.sign(w) * np.abs(w).mean(axis=1, keepdims=True), atol=1e-6)
    assert np.array_equal(mlprobe.quantize(w, 1), mlprobe.binarize(w, "layer"))


def test_kinds_are_inferred_and_can_be_given():
    conv = np.random.default_rng(1).normal(size=(4, 2, 3, 3)).astype(np.float32)
    assert mlprobe.randomize(conv, "C", seed=0).shape == conv.shape
    table = np.random.default_rng(2).normal(size=(5, 3)).astype(np.float32)
    assert mlprobe.randomize(table, "D", seed=0, kind="embedding").shape == (5, 3)


@pytest.mark.parametrize(
    "call,error,words",
    [
        (lambda w: mlprobe.prune(w, 1.5), ValueError, "prune fraction 1.5"),
        (lambda w: mlprobe.prune(w.astype(np.int32), 0.5), TypeError, "float32 or float64"),
        (lambda w: mlprobe.prune([[1.0]], 0.5), TypeError, "not a list"),
        (lambda w: mlprobe.randomize(w[0], "A"), ValueError, "null model"),
        (lambda w: mlprobe.perturb(w, "zap"), ValueError, "unknown probe `zap`"),
        (lambda w: mlprobe.prune(w, 0.5, "biggest"), ValueError, "biggest"),
        (lambda w: mlprobe.binarize(w, kind="tensor"), ValueError, "tensor kind"),
        (lambda w: mlprobe.prune(w.reshape(1, 2, 6), 0.5), ValueError, "rank 1, 2 or 4"),
        (lambda w: mlprobe.perturb(w, "binarize", "smallest"), ValueError, "unknown scale scope `smallest`"),
        (lambda w: mlprobe.perturb(w, "noise", "gaussian", 0.1, kind="vector"), ValueError, "rank 1"),
        (lambda w: mlprobe.quantize(w, 2.5), ValueError, "quantize bits 2.5"),
        (lambda w: mlprobe.quantize(w, 9), ValueError, "whole number from 1 to 8"),
        (lambda w: mlprobe.quantize(w[0], 4, "channel"), ValueError, "per-channel scale needs output channels"),
        (lambda w: mlprobe.binarize(w[0], "channel"), ValueError, "per-channel scale"),
        (lambda w: mlprobe.noise(np.where(w > 0, np.nan, w), 0.1), ValueError, "NaN"),
        (lambda w: mlprobe.noise(np.where(w > 0, np.inf, w), 0.1), ValueError, "infinite"),
    ],
)
def test_bad_input_is_a_python_exception_naming_it(call, error, words):
    w = np.arange(12, dtype=np.float32).reshape(2, 6) - 6
    with pytest.raises(error, match=words.replace("(", r"\(")):
        call(w)


def test_every_probe_is_listed_and_the_docs_read_like_numpys():
    names = [p["name"] for p in mlprobe.probes()]
    assert names == ["binarize", "prune", "noise", "flip", "randomize", "quantize"]
    assert "Parameters\n    ----------" in mlprobe.prune.__doc__
    assert "pruning" in mlprobe.experiments()


def test_linear_cka_evaluator_and_model_files(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 4)).astype(np.float32)
    assert mlprobe.linear_cka(x, 2.0 * x) == pytest.approx(1.0, abs=1e-9)
    with pytest.raises(ValueError, match="x has 50 examples, y has 49"):
        mlprobe.linear_cka(x, x[:49])
    w1, b1 = rng.normal(size=(3, 4)).astype(np.float32), np.zeros(3, np.float32)
    w2, b2 = rng.normal(size=(2, 3)).astype(np.float32), np.zeros(2, np.float32)
    model = mlprobe.Model.from_layers([(w1, b1), (w2, b2)], activation="relu")
    labels = (np.maximum(x @ w1.T, 0) @ w2.T).argmax(1)
    evaluator = mlprobe.Evaluator(x, labels)
    assert evaluator.accuracy(model) == 100.0
    assert evaluator.activations(model, 0).shape == (50, 3)
    path = tmp_path / "m.safetensors"
    mlprobe.save_model(path, model, {"note": "test"})
    loaded, meta = mlprobe.load_model(path)
    assert meta["note"] == "test" and loaded.label == "4-3-2"
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(loaded.layers(), model.layers()))
    with pytest.raises(ValueError, match="label 5 is not a class"):
        mlprobe.Evaluator(x, np.full(50, 5)).accuracy(model)
    with pytest.raises(ValueError, match="chain"):
        mlprobe.Model.from_layers([(w1, b1), (w1, b1)])
    (tmp_path / "bad.safetensors").write_bytes(b"not a model")
    with pytest.raises(OSError, match="bad.safetensors"):
        mlprobe.load_model(tmp_path / "bad.safetensors")
