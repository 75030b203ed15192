"""Arrays in and out: numpy as is, torch tensors converted (torch is imported
only when one is handed in)."""

from __future__ import annotations

import numpy as np


def _is_torch_tensor(x) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def as_numpy(x, name):
    """``x`` as a numpy array, and a function giving results back in ``x``'s type.

    A torch tensor is copied to a CPU numpy array; results go back as a
    tensor of its dtype on its device. Anything else is handed to the Rust
    side as it is, which names ``name`` if it is no float array.
    """
    if _is_torch_tensor(x):
        import torch

        device, dtype = x.device, x.dtype
        array = x.detach().to("cpu")
        if dtype not in (torch.float32, torch.float64):
            array = array.to(torch.float32)
        return array.numpy(), lambda out: torch.from_numpy(out).to(device=device, dtype=dtype)
    return x, lambda out: out


def state_dict_to_numpy(state_dict) -> dict:
    """A dict of numpy arrays from a torch ``state_dict`` (or any mapping).

    Tensors become float32 or float64 CPU arrays (half precision becomes
    float32); numpy arrays pass through; other values are left out.

    Parameters
    ----------
    state_dict : Mapping[str, torch.Tensor | numpy.ndarray]

    Returns
    -------
    dict[str, numpy.ndarray]
    """
    out = {}
    for name, value in state_dict.items():
        if _is_torch_tensor(value):
            import torch

            tensor = value.detach().to("cpu")
            if tensor.dtype != torch.float64:
                tensor = tensor.to(torch.float32)
            out[name] = tensor.numpy()
        elif isinstance(value, np.ndarray):
            out[name] = value
    return out
