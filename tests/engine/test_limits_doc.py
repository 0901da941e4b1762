"""docs/ENGINE.md's table of limits says what the code enforces: each row's numbers
are read from the document and compared with the constant behind them."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from engine import Config, ConfigError
from engine.config import SPECS
from engine.datasets import (
    MAX_CLASSES,
    MAX_COLUMNS,
    MAX_CSV_CHARS,
    MAX_POINTS,
    DataError,
    custom_data,
)
from engine.estimators import MAX_RESTARTS  # the test extra has scikit-learn
from engine.features import FEATURES

DOC = Path(__file__).resolve().parents[2] / "docs" / "ENGINE.md"


def _rows() -> dict[str, tuple[int, int]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Limits", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"\| ([a-z ]+) \| (\d+) to (\d+)", line)
        if m:
            rows[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return rows


def test_the_table_of_limits_equals_the_constants():
    hidden, features = SPECS["hidden"], SPECS["features"]
    assert _rows() == {
        "classes": (2, MAX_CLASSES),
        "your own points": (2, MAX_POINTS),
        "generated points": (SPECS["n_points"].min, SPECS["n_points"].max),
        "units per hidden layer": (hidden.min, hidden.max),
        "hidden layers": (hidden.min_len, hidden.max_len),
        "input features": (features.min_len, features.max_len),
        "training share": (SPECS["train_share"].min, SPECS["train_share"].max),
        "columns of your own points": (1, MAX_COLUMNS),
        "estimator restarts": (1, MAX_RESTARTS),
    }
    assert features.max_len == len(FEATURES)
    assert f"at most {MAX_CSV_CHARS} characters" in DOC.read_text(encoding="utf-8")


def test_each_limit_is_enforced_one_past_it():
    with pytest.raises(DataError, match="limit is 6 classes"):
        custom_data(np.zeros((MAX_CLASSES + 1, 2)), np.arange(MAX_CLASSES + 1))
    with pytest.raises(DataError, match="2 to 5000 points"):
        custom_data(np.zeros((MAX_POINTS + 1, 2)), np.arange(MAX_POINTS + 1) % 2)
    rows = _rows()
    for changes in (
        {"hidden": [rows["units per hidden layer"][1] + 1]},
        {"hidden": [2] * (rows["hidden layers"][1] + 1)},
        {"n_points": rows["generated points"][1] + 1},
        {"train_share": rows["training share"][1] + 1},
    ):
        with pytest.raises(ConfigError):
            Config(**changes)
