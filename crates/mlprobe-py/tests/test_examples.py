"""The machinery of the DistilBERT example, offline on a small randomly
initialised DistilBertForTokenClassification (skipped without torch and
transformers)."""

import importlib.util

import pytest

from conftest import REPO

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


def example():
    spec = importlib.util.spec_from_file_location("ner", REPO / "examples" / "python" / "distilbert_ner_fig5.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_entity_f1_counts_exact_spans():
    ner = example()
    assert ner.entity_f1([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "B-LOC"]]) == 1.0
    assert ner.entity_f1([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]]) == 0.0
    assert ner.entity_f1([["B-PER", "O", "B-LOC"]], [["B-PER", "O", "O"]]) == pytest.approx(2 / 3)


def test_the_fig5_sweep_runs_on_a_small_random_distilbert(tmp_path):
    ner = example()
    config = transformers.DistilBertConfig(
        vocab_size=50, dim=16, hidden_dim=32, n_layers=6, n_heads=2, max_position_embeddings=16,
        num_labels=3, id2label={0: "O", 1: "B-PER", 2: "I-PER"}, label2id={"O": 0, "B-PER": 1, "I-PER": 2},
    )
    torch.manual_seed(0)
    model = transformers.DistilBertForTokenClassification(config).eval()
    ids = torch.randint(0, 50, (4, 8))
    encodings = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    word_ids = [list(range(8))] * 4
    true_tags = [["B-PER", "I-PER", "O", "O", "B-PER", "O", "O", "O"]] * 4
    evaluate = ner.make_evaluate(model, encodings, word_ids, true_tags)
    import mlprobe

    rows = mlprobe.sweep(
        mlprobe.state_dict_to_numpy(model.state_dict()), REPO / "examples" / "python" / "fig5-probes.toml",
        evaluate, layers=ner.MATRICES, out=tmp_path, progress=False,
    )
    assert set(rows.layer) == set(ner.MATRICES)
    assert ((rows.accuracy >= 0) & (rows.accuracy <= 1)).all()
