"""The paper's Fig. 5 exactly: dslim/distilbert-NER on the CoNLL-2003 test
split, entity-level F1 (as seqeval's default), one matrix at a time.

Needs internet access (the model and the dataset come from the Hugging Face
hub) and torch, transformers and datasets:

    pip install torch transformers datasets ./crates/mlprobe-py
    python examples/python/distilbert_ner_fig5.py --out distilbert-results

The paper's grid is fig5-probes.toml made finer (noise sigma =
linspace(0, 1, 100) with 5 draws, flip q = linspace(0, 1, 50), pruning kept
fractions 0.999 .. 1e-6); pass --probes to use such a file.
"""

import argparse
from pathlib import Path

import numpy as np

import mlprobe

HERE = Path(__file__).resolve().parent
#: The matrices of the paper's figure, by the names DistilBERT gives them.
MATRICES = [
    "classifier.weight",
    "distilbert.embeddings.position_embeddings.weight",
    "distilbert.transformer.layer.0.ffn.lin1.weight",
    "distilbert.transformer.layer.0.ffn.lin2.weight",
    "distilbert.transformer.layer.5.ffn.lin1.weight",
    "distilbert.transformer.layer.5.ffn.lin2.weight",
]


def spans(tags):
    """The entities of an IOB2 tag sequence as (type, start, end) spans."""
    out, start, kind = set(), None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        inside = tag.startswith("I-") and kind == tag[2:]
        if start is not None and not inside:
            out.add((kind, start, i))
            start = kind = None
        if tag.startswith("B-") or (tag.startswith("I-") and not inside):
            start, kind = i, tag[2:]
    return out


def entity_f1(true_tags, predicted_tags):
    """Micro entity-level F1 over sentences (exact span and type matches)."""
    hits = n_true = n_pred = 0
    for t, p in zip(true_tags, predicted_tags):
        a, b = spans(t), spans(p)
        hits, n_true, n_pred = hits + len(a & b), n_true + len(a), n_pred + len(b)
    if hits == 0:
        return 0.0
    precision, recall = hits / n_pred, hits / n_true
    return 2 * precision * recall / (precision + recall)


def make_evaluate(model, encodings, word_ids, true_tags):
    """evaluate(weights) -> F1 of the model with these weights on the encoded sentences."""
    import torch

    original = {k: v.clone() for k, v in model.state_dict().items()}
    labels = model.config.id2label

    def evaluate(weights):
        model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=False)
        with torch.no_grad():
            logits = model(**encodings).logits.numpy()
        model.load_state_dict(original)
        predicted = []
        for s, ids in enumerate(word_ids):
            tags, last = [], None
            for t, w in enumerate(ids):
                if w is not None and w != last:
                    tags.append(labels[int(np.argmax(logits[s, t]))])
                last = w
            predicted.append(tags)
        return entity_f1(true_tags, predicted)

    return evaluate


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="distilbert-results")
    p.add_argument("--probes", default=str(HERE / "fig5-probes.toml"))
    p.add_argument("--sentences", type=int, default=None, help="the first N test sentences (default all)")
    args = p.parse_args()
    from datasets import load_dataset
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained("dslim/distilbert-NER")
    model = AutoModelForTokenClassification.from_pretrained("dslim/distilbert-NER").eval()
    test = load_dataset("conll2003", split="test")
    if args.sentences:
        test = test.select(range(args.sentences))
    names = test.features["ner_tags"].feature.names
    words = [s for s in test["tokens"]]
    true_tags = [[names[t] for t in s] for s in test["ner_tags"]]
    encodings = tokenizer(words, is_split_into_words=True, padding=True, truncation=True, return_tensors="pt")
    word_ids = [encodings.word_ids(i) for i in range(len(words))]
    evaluate = make_evaluate(model, encodings, word_ids, true_tags)
    rows = mlprobe.sweep(
        mlprobe.state_dict_to_numpy(model.state_dict()), args.probes, evaluate, layers=MATRICES, out=args.out,
        name="distilbert-ner-fig5", dataset="conll2003-test", task="dslim-distilbert-NER",
    )
    print(rows)


if __name__ == "__main__":
    main()
