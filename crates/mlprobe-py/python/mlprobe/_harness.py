"""The sweep harness and ``probe_mlp``: argument checks in Python, the work in Rust."""

from __future__ import annotations

import os


from . import _native
from ._arrays import state_dict_to_numpy

#: The experiments ``probe_mlp`` runs by default: those of the paper's figures.
FIGURE_EXPERIMENTS = ("binarization", "pruning", "noise", "flip", "randomization", "compression")


def _rows(rows):
    """Rows as a pandas DataFrame when pandas is installed, else as dicts."""
    try:
        import pandas
    except ImportError:
        return rows
    return pandas.DataFrame(rows)


def _probed(tensors, layers):
    """The (name, array) pairs to probe, in order."""
    if not hasattr(tensors, "items"):
        raise TypeError(f"tensors must be a dict of arrays or a state_dict, not {type(tensors).__name__}")
    arrays = state_dict_to_numpy(tensors)
    if layers is None:
        names = [n for n, a in arrays.items() if a.ndim in (2, 4)]
        if not names:
            raise ValueError("tensors holds no 2-D or 4-D array to probe; name the tensors with layers=")
    else:
        names = [layers] if isinstance(layers, str) else list(layers)
        unknown = [n for n in names if n not in tensors]
        if unknown:
            known = ", ".join(list(tensors)[:20])
            raise ValueError(f"layers: no tensor named {', '.join(map(repr, unknown))}; the tensors are {known}")
        dropped = [n for n in names if n not in arrays]
        if dropped:
            raise TypeError(f"layers: {', '.join(map(repr, dropped))} is no array or tensor")
    return [(n, arrays[n]) for n in names]


def sweep(
    tensors,
    probes,
    evaluate,
    *,
    layers=None,
    together=False,
    seeds=(0,),
    out="probe-results",
    name=None,
    kinds=None,
    dataset="data",
    task="model",
    classes="",
    quick=False,
    progress=True,
):
    """Run an experiment's probes over named tensors, calling your evaluation back.

    Every sweep point of ``probes`` perturbs the tensors named in ``layers``
    (one at a time, as the paper's Fig. 5, or all ``together``), draw by draw
    as ``cargo xtask probe`` does, and hands the perturbed tensors to
    ``evaluate``. The rows go to ``out/<name>/results.csv`` (the columns of
    ``cargo xtask probe``, then ``layer`` when tensors are probed one at a
    time, then one column per extra measure), with ``medians.csv``,
    ``out/figures/`` and ``out/REPORT.md``. After every point the results so
    far are on disk: after Ctrl-C, a crash or an exception, the same call
    resumes at the next point.

    Parameters
    ----------
    tensors : Mapping[str, array]
        The model's tensors: a dict of numpy arrays or a torch ``state_dict``.
    probes : str
        An experiment file (its ``[[probes]]``; a file of ``[[probes]]``
        entries alone will do) or the name of a built-in one (see
        :func:`mlprobe.experiments`).
    evaluate : callable
        ``evaluate(weights) -> float | dict[str, float]``, where ``weights``
        maps each probed tensor's name (and its bias, when ``name.bias`` is
        probed with ``name.weight``) to the perturbed numpy array; the other
        tensors are as you gave them. A number is the score (the
        ``accuracy`` column); in a dict, ``accuracy`` (else the first entry)
        is the score and every other entry gets a column.
    layers : str or list of str, optional
        The tensors to probe; default every 2-D and 4-D one.
    together : bool
        Perturb all of them at once (as mlprobe probes its own networks)
        instead of one at a time.
    seeds : sequence of int
        Seeds of the random draws; each seed sweeps every target again.
    out : str or os.PathLike
        Output folder.
    name : str, optional
        The run's folder under ``out``; default the experiment's name.
    kinds : dict[str, str], optional
        How a tensor is viewed (``linear``, ``conv``, ``embedding``,
        ``vector``) where the inferred kind is wrong.
    dataset, task, classes : str
        The ``dataset``, ``task`` and ``classes`` columns.
    quick : bool
        The experiment's quick levels.
    progress : bool
        Draw a progress bar on standard error.

    Returns
    -------
    pandas.DataFrame or list of dict
        The rows of ``results.csv`` (a DataFrame when pandas is installed).

    Raises
    ------
    ValueError, TypeError
        Bad arguments, named; nothing is written.
    Exception
        Whatever ``evaluate`` raised, with a note naming the sweep point;
        the points scored before are kept.
    """
    if not callable(evaluate):
        raise TypeError(f"evaluate must be callable, not {type(evaluate).__name__}")
    kinds = dict(kinds or {})
    probed = _probed(tensors, layers)
    unknown = sorted(set(kinds) - {n for n, _ in probed})
    if unknown:
        raise ValueError(f"kinds: {', '.join(map(repr, unknown))} is not a probed tensor")
    seeds = [int(s) for s in ([seeds] if isinstance(seeds, int) else seeds)]
    rows = _native.sweep(
        [(n, a, kinds.get(n)) for n, a in probed],
        os.fspath(probes),
        evaluate,
        out=os.fspath(out),
        targets="together" if together else "each",
        seeds=seeds,
        name=name,
        dataset=dataset,
        task=task,
        classes=classes,
        quick=bool(quick),
        progress=bool(progress),
    )
    return _rows(rows)


def probe_mlp(
    model,
    experiments=FIGURE_EXPERIMENTS,
    *,
    out="probe-results",
    activation="relu",
    dataset=None,
    data_dir=None,
    data_npz=None,
    classes=None,
    layers=None,
    seed=0,
    quick=False,
    progress=True,
):
    """``cargo xtask probe`` on an MLP: every probe of the experiments, mlprobe's evaluator, its report.

    Parameters
    ----------
    model : str or os.PathLike
        A safetensors file saved from PyTorch (``nn.Linear`` layers), a model
        file of mlprobe, or a folder of edge lists.
    experiments : sequence of str
        Built-in experiment names (:func:`mlprobe.experiments`) or paths of
        experiment files.
    out : str or os.PathLike
        Output folder: ``<experiment>/results.csv`` and the rest, ``REPORT.md``.
    activation : {"relu", "tanh", "sigmoid", "identity"}
        The activation after every hidden layer.
    dataset : {"mnist", "fashion-mnist"}, optional
        An embedded dataset's test split; or ``data_dir`` (four IDX files),
        or ``data_npz`` (``x_test``, ``y_test``). Give exactly one.
    classes : sequence of int, optional
        The classes, in the model's label order (default: all).
    layers : sequence of str, optional
        The weight tensors in order, where shapes do not chain one way only.
    seed : int
        Seed of the probes' draws (the ``seed`` column).
    quick : bool
        The experiments' coarse grids.
    progress : bool
        Draw progress bars.

    Returns
    -------
    pandas.DataFrame or list of dict
        Every row of every experiment's ``results.csv``, with an
        ``experiment`` column.
    """
    experiments = [experiments] if isinstance(experiments, str) else [os.fspath(e) for e in experiments]
    rows = _native.probe_mlp(
        os.fspath(model),
        experiments,
        out=os.fspath(out),
        activation=activation,
        dataset=dataset,
        data_dir=None if data_dir is None else os.fspath(data_dir),
        data_npz=None if data_npz is None else os.fspath(data_npz),
        classes=None if classes is None else [int(c) for c in classes],
        layers=None if layers is None else list(layers),
        seed=int(seed),
        quick=bool(quick),
        progress=bool(progress),
    )
    return _rows(rows)


__all__ = ["FIGURE_EXPERIMENTS", "probe_mlp", "sweep"]
