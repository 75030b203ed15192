"""mlprobe: how a trained network's weights carry its task.

The probes of *Task complexity shapes internal representations and
robustness in neural networks* (Jankowski et al., arXiv:2508.05463) -
pruning, binarization, noise, sign flipping and bipartite randomization
(null models A-G) - as functions from arrays to arrays, computed by mlprobe's
Rust crates: for the same seed and input, the same bits as they give.

Arrays are numpy float32 or float64 (torch tensors are converted, and given
back as tensors), in the layout PyTorch stores them:

- ``linear`` ``[out, in]`` (an ``nn.Linear`` weight);
- ``conv`` ``[out, in, kh, kw]``, viewed as an ``(in*kh*kw) x out``
  bipartite graph (input nodes: in channel and kernel offset);
- ``embedding`` ``[tokens, features]`` (``nn.Embedding``, positional tables);
- ``vector`` ``[n]`` (a bias or a gain).

The kind is inferred from the rank (and, for 2-D arrays, a name ending in
``embeddings`` or ``pos_embed``); pass ``kind=`` to say it. The weight graph
computes in float32: a float64 array is rounded to float32 first and comes
back as float64.

Beyond the array functions:

- :func:`sweep` runs an experiment's ``[[probes]]`` over named tensors of
  any model (a dict of arrays or a torch ``state_dict``) and calls your
  ``evaluate(weights)`` back, writing ``results.csv``, ``medians.csv``,
  figures and ``REPORT.md``; resumable;
- :func:`probe_mlp` is ``cargo xtask probe`` on an MLP;
- :class:`Model`, :func:`load_model`, :func:`save_model`, :class:`Evaluator`
  and :func:`linear_cka` give mlprobe's model files, its fast evaluator and
  the linear CKA.
"""

from __future__ import annotations

from . import _native
from ._arrays import as_numpy, state_dict_to_numpy
from ._harness import FIGURE_EXPERIMENTS, probe_mlp, sweep
from ._native import Evaluator, Model, linear_cka, load_dataset, load_model, read_safetensors, save_model

__all__ = [
    "FIGURE_EXPERIMENTS",
    "Evaluator",
    "Model",
    "binarize",
    "experiments",
    "flip",
    "linear_cka",
    "load_dataset",
    "load_model",
    "noise",
    "perturb",
    "probe_mlp",
    "probes",
    "prune",
    "quantize",
    "randomize",
    "read_safetensors",
    "save_model",
    "state_dict_to_numpy",
    "sweep",
]

__version__ = "0.1.0"


def probes() -> list[dict]:
    """The probes mlprobe knows.

    Returns
    -------
    list of dict
        One dict per probe: ``name``, ``strategies`` (empty for a probe
        without), ``level`` (what its level means, or None when it takes
        none) and ``binarizes``.
    """
    return _native.probe_kinds()


def experiments() -> list[str]:
    """Names of the experiment files built into the package.

    Any of them may be given as ``probes=`` to :func:`sweep` or in
    ``experiments=`` to :func:`probe_mlp`, beside paths to TOML files.
    """
    return _native.names()


def perturb(w, probe, strategy=None, level=0.0, *, seed=0, signed=False, kind=None):
    """Perturb one array with any probe of :func:`probes`.

    Parameters
    ----------
    w : numpy.ndarray or torch.Tensor
        float32 or float64, in PyTorch's layout (see the module's help).
    probe : str
        A probe's name: ``prune``, ``binarize``, ``noise``, ``flip``,
        ``randomize``.
    strategy : str, optional
        One of the probe's strategies; default its first.
    level : float
        The swept level (a fraction, or a noise scale); ignored by probes
        without one.
    seed : int
        Seed of the random draws: the same seed and input give the same
        bits as mlprobe's Rust crates.
    signed : bool
        Replace the result by its signs afterwards, as the ``signed``
        variant of experiment files.
    kind : {"linear", "conv", "embedding", "vector"}, optional
        How ``w`` is viewed as a bipartite layer; inferred by default.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        A new array of ``w``'s shape and dtype.

    Raises
    ------
    TypeError
        ``w`` is not a float32 or float64 array.
    ValueError
        An unknown probe or strategy, a level out of range, NaN or infinite
        values, a null model on a 1-D array, or a rank the kind lacks.
    """
    array, back = as_numpy(w, "w")
    out = _native.perturb(array, probe, strategy, float(level), seed=int(seed), signed=bool(signed), kind=kind)
    return back(out)


def prune(w, fraction, strategy="smallest", *, seed=0, signed=False, kind=None):
    """Set a fraction of the entries to zero.

    Parameters
    ----------
    w : numpy.ndarray or torch.Tensor
        The weights, float32 or float64.
    fraction : float
        Fraction of entries removed, in [0, 1].
    strategy : {"smallest", "random", "largest"}
        Which entries go: the smallest or largest by magnitude, or random.
    seed : int
        Seed of the random draws (``random`` only).
    signed : bool
        Binarize the pruned array afterwards (zeros stay zero).
    kind : str, optional
        See :func:`perturb`.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The pruned copy.

    Examples
    --------
    >>> import numpy as np, mlprobe
    >>> mlprobe.prune(np.array([[0.1, -2.0], [0.5, 3.0]], np.float32), 0.5)
    array([[ 0., -2.],
           [ 0.,  3.]], dtype=float32)
    """
    return perturb(w, "prune", strategy, fraction, seed=seed, signed=signed, kind=kind)


def binarize(w, scale=None, *, kind=None):
    """Replace every entry by its sign (-1, 0 or +1), unscaled as in the paper.

    Parameters
    ----------
    w : numpy.ndarray or torch.Tensor
        The weights, float32 or float64.
    scale : {None, "layer", "channel"}
        ``None``: plain signs. ``"layer"`` / ``"channel"``: the signs times
        the mean ``|w|`` of the non-zero entries of the whole array or of
        each output channel (XNOR-Net's scaled binarization).
    kind : str, optional
        See :func:`perturb`.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        ``sign(w)``, scaled when asked.

    Raises
    ------
    ValueError
        ``scale="channel"`` on a 1-D array, which has no channels.
    """
    return perturb(w, "binarize", scale or "none", kind=kind)


def quantize(w, bits, scope="layer", *, signed=False, kind=None):
    """Round every entry to ``bits``-bit symmetric uniform levels.

    Parameters
    ----------
    w : numpy.ndarray or torch.Tensor
        The weights, float32 or float64.
    bits : int
        Bits per weight, 1 to 8: ``2**(bits-1) - 1`` steps of
        ``max|w| / (2**(bits-1) - 1)`` each side of zero (one bit: the
        scaled sign). Zeros stay zero.
    scope : {"layer", "channel"}
        One scale for the whole array, or one per output channel.
    signed : bool
        Binarize afterwards.
    kind : str, optional
        See :func:`perturb`.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The quantized copy.

    Raises
    ------
    ValueError
        ``bits`` is not a whole number from 1 to 8, or ``scope="channel"``
        on a 1-D array.
    """
    return perturb(w, "quantize", scope, float(bits), signed=signed, kind=kind)


def noise(w, level, strategy="gaussian", *, seed=0, signed=False, kind=None):
    """Add noise to the non-zero entries.

    Parameters
    ----------
    w : numpy.ndarray or torch.Tensor
        The weights, float32 or float64.
    level : float
        The noise's scale (for ``gaussian``, its standard deviation).
    strategy : {"gaussian", "uniform", "multiplicative", "relative"}
        The kind of noise (see ``docs/methods.md``).
    seed : int
        Seed of the draws.
    signed : bool
        Binarize afterwards.
    kind : str, optional
        See :func:`perturb`.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The noisy copy.
    """
    return perturb(w, "noise", strategy, level, seed=seed, signed=signed, kind=kind)


def flip(w, fraction, strategy="smallest", *, seed=0, signed=False, kind=None):
    """Flip the sign of a fraction of the entries.

    Parameters
    ----------
    w : numpy.ndarray or torch.Tensor
        The weights, float32 or float64.
    fraction : float
        Fraction of entries flipped, in [0, 1].
    strategy : {"smallest", "random", "largest"}
        Which entries flip, by magnitude or at random.
    seed : int
        Seed of the random draws (``random`` only).
    signed : bool
        Binarize afterwards.
    kind : str, optional
        See :func:`perturb`.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The flipped copy.
    """
    return perturb(w, "flip", strategy, fraction, seed=seed, signed=signed, kind=kind)


def randomize(w, null_model="A", *, seed=0, signed=False, kind=None):
    """Rewire the bipartite graph of a matrix by a null model.

    Parameters
    ----------
    w : numpy.ndarray or torch.Tensor
        A 2-D or 4-D array, float32 or float64.
    null_model : {"A", "B", "C", "D", "E", "F", "G"}
        A: shuffle all weights; B: shuffle positive and negative weights
        apart; C/D: keep input/output strengths; E/F: keep signed
        strengths; G: degree-preserving switches (see ``docs/methods.md``).
    seed : int
        Seed of the draws.
    signed : bool
        Binarize afterwards.
    kind : str, optional
        See :func:`perturb`.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        The rewired copy.

    Raises
    ------
    ValueError
        ``w`` is 1-D: a null model needs a matrix.
    """
    return perturb(w, "randomize", null_model, seed=seed, signed=signed, kind=kind)

