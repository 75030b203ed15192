"""Torch tensors and state dicts (skipped where torch is not installed)."""

import numpy as np
import pytest

import mlprobe

torch = pytest.importorskip("torch")


def test_a_tensor_comes_back_as_a_tensor_of_its_dtype():
    w = torch.linspace(-1, 1, 12, dtype=torch.float64).reshape(3, 4)
    out = mlprobe.prune(w, 0.5)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
    assert np.array_equal(out.numpy(), mlprobe.prune(w.numpy(), 0.5))


def test_a_state_dict_is_swept(tmp_path):
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    x = torch.randn(20, 4)

    def evaluate(w):
        net.load_state_dict({k: torch.from_numpy(v) for k, v in w.items()}, strict=False)
        with torch.no_grad():
            return float(net(x).abs().mean())

    state = {k: v.clone() for k, v in net.state_dict().items()}
    rows = mlprobe.sweep(state, "pruning", evaluate, layers=["0.weight", "2.weight"], out=tmp_path, quick=True, progress=False)
    assert len(rows) == 2 * 43
