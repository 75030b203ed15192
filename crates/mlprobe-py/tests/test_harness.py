"""The sweep harness: the bytes of `cargo xtask probe`, resuming, bad input named."""

import csv
import sys

import numpy as np
import pytest

import mlprobe
from conftest import FIXTURES, MLP

LABELS = dict(dataset="mnist", task="mlp-784-32-16-2", classes="7-9")


@pytest.fixture(scope="module")
def mlp():
    tensors = mlprobe.read_safetensors(MLP)
    x, y = mlprobe.load_dataset("mnist", [7, 9])
    modules = ["0", "2", "4"]

    def forward(w):
        h = x
        for i, m in enumerate(modules):
            h = h @ w[f"{m}.weight"].T + w[f"{m}.bias"]
            if i < len(modules) - 1:
                h = np.maximum(h, 0)
        # As mlprobe counts: 100 * correct / n.
        return 100.0 * int(np.sum(h.argmax(1) == y)) / len(y)

    names = [f"{m}.{p}" for m in modules for p in ("weight", "bias")]
    return tensors, names, forward


@pytest.mark.parametrize("experiment", ["pruning", "noise", "compression"])
def test_a_numpy_forward_gives_the_bytes_of_cargo_xtask_probe(mlp, tmp_path, experiment):
    tensors, names, forward = mlp
    rows = mlprobe.sweep(tensors, experiment, forward, layers=names, together=True, out=tmp_path, quick=True, progress=False, **LABELS)
    written = (tmp_path / experiment / "results.csv").read_bytes()
    assert written == (FIXTURES / f"xtask-probe-{experiment}-quick.csv").read_bytes()
    assert len(rows) == written.count(b"\n") - 1
    assert (tmp_path / "REPORT.md").exists() and (tmp_path / experiment / "medians.csv").exists()


def test_one_tensor_at_a_time_adds_a_layer_column_and_a_column_per_measure(mlp, tmp_path):
    tensors, names, forward = mlp
    probes = tmp_path / "probes.toml"
    probes.write_text('[[probes]]\nprobe = "prune"\nstrategies = ["smallest"]\nlevels = [0, 0.5, 0.9]\nsigned = [false, true]\n')
    calls = []

    def evaluate(w):
        calls.append(sorted(w))
        return {"accuracy": forward({**tensors, **w}), "mean_abs": float(np.mean([np.abs(v).mean() for v in w.values()]))}

    mlprobe.sweep(tensors, probes, evaluate, layers=["0.weight", "0.bias", "4.weight"], seeds=[0, 1], out=tmp_path / "o", progress=False)
    with open(tmp_path / "o" / "probes" / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[-2:] == ["layer", "mean_abs"]
    assert {r["layer"] for r in rows} == {"0.weight", "4.weight"}
    assert ["0.bias", "0.weight"] in calls, "a weight takes its bias along"
    assert len(rows) == 2 * 2 * (1 + 6)
    full = [r for r in rows if r["probe"] == "none"]
    assert all(float(r["accuracy"]) == pytest.approx(91.95121951219512) for r in full)


def test_a_failing_callback_keeps_what_was_scored_and_the_rerun_resumes(mlp, tmp_path):
    tensors, names, forward = mlp
    seen = []

    def flaky(w):
        seen.append(1)
        if len(seen) == 5:
            raise KeyboardInterrupt("stopped by hand")
        return forward(w)

    kwargs = dict(layers=names, together=True, out=tmp_path, quick=True, progress=False, **LABELS)
    with pytest.raises(KeyboardInterrupt) as stopped:
        mlprobe.sweep(tensors, "pruning", flaky, **kwargs)
    if sys.version_info >= (3, 11):
        assert "re-run resumes" in " ".join(stopped.value.__notes__)
    assert not (tmp_path / "pruning" / "results.csv").exists()
    before = len(seen)
    mlprobe.sweep(tensors, "pruning", flaky, **kwargs)
    rows = (FIXTURES / "xtask-probe-pruning-quick.csv").read_bytes().count(b"\n") - 1
    assert len(seen) - before == rows - 4, "the re-run began at the point that failed"
    assert (tmp_path / "pruning" / "results.csv").read_bytes() == (FIXTURES / "xtask-probe-pruning-quick.csv").read_bytes()


@pytest.mark.parametrize(
    "kwargs,returned,error,words",
    [
        (dict(layers=["nope.weight"]), 1.0, ValueError, "no tensor named 'nope.weight'"),
        (dict(layers=["0.bias"], probes="randomization"), 1.0, ValueError, "null model"),
        (dict(probes="no-such-file.toml"), 1.0, ValueError, "built-in experiments"),
        (dict(kinds={"x": "linear"}), 1.0, ValueError, "kinds: 'x'"),
        (dict(kinds={"0.weight": "matrix"}), 1.0, ValueError, "tensor kind"),
        (dict(), float("nan"), ValueError, "finite number"),
        (dict(), "high", TypeError, "return a number"),
        (dict(), {"f1": True}, TypeError, "f1 = True"),
        (dict(), {}, ValueError, "empty dict"),
    ],
)
def test_bad_input_is_named_and_writes_no_results(mlp, tmp_path, kwargs, returned, error, words):
    tensors, names, _ = mlp
    args = dict(probes="pruning", layers=["0.weight"], out=tmp_path, quick=True, progress=False)
    args.update(kwargs)
    with pytest.raises(error, match=words):
        mlprobe.sweep(tensors, args.pop("probes"), lambda w: returned, **args)
    assert not any(tmp_path.glob("*/results.csv"))


def test_nan_weights_and_non_arrays_are_refused(mlp, tmp_path):
    tensors, _, forward = mlp
    broken = dict(tensors, **{"0.weight": np.full((32, 784), np.nan, np.float32)})
    with pytest.raises(ValueError, match="NaN"):
        mlprobe.sweep(broken, "pruning", forward, layers=["0.weight"], out=tmp_path, quick=True, progress=False)
    with pytest.raises(TypeError, match="dict of arrays"):
        mlprobe.sweep([1, 2], "pruning", forward, out=tmp_path)
    with pytest.raises(TypeError, match="callable"):
        mlprobe.sweep(tensors, "pruning", 3, out=tmp_path)


def test_probe_mlp_is_cargo_xtask_probe(tmp_path):
    rows = mlprobe.probe_mlp(MLP, ["pruning"], out=tmp_path, dataset="mnist", classes=[7, 9], quick=True, progress=False)
    assert (tmp_path / "pruning" / "results.csv").read_bytes() == (FIXTURES / "xtask-probe-pruning-quick.csv").read_bytes()
    assert len(rows) == 43 and (tmp_path / "REPORT.md").exists()
    with pytest.raises(ValueError, match="give the data"):
        mlprobe.probe_mlp(MLP, ["pruning"], out=tmp_path / "x")
    with pytest.raises(ValueError, match="2 outputs"):
        mlprobe.probe_mlp(MLP, ["pruning"], out=tmp_path / "x", dataset="mnist")
