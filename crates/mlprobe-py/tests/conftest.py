"""Paths the tests share."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MLP = REPO / "tests" / "fixtures" / "pytorch" / "mlp-784-32-16-2.safetensors"


@pytest.fixture
def repo():
    return REPO
