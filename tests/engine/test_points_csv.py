"""Your points as CSV text: the cases in tests/fixtures/points_csv_cases.json, which the
page's reader (static/js/points_csv.js, tests/js/points_csv.test.js) must answer alike."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine.datasets import DataError, custom_data, parse_points_csv, points_csv

CASES = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "points_csv_cases.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_each_case_reads_as_written_down(case):
    if "error" in case:
        with pytest.raises(DataError) as err:
            parse_points_csv(case["text"])
        assert err.value.message == case["error"] and err.value.field == "file"
        return
    data = parse_points_csv(case["text"])
    np.testing.assert_array_equal(data.points, case["points"])
    np.testing.assert_array_equal(data.values, case["values"])
    assert data.task == case["task"]


def test_points_written_as_csv_read_back_exactly():
    rng = np.random.default_rng(3)
    for task, values in (
        ("classification", rng.integers(0, 4, 50)),
        ("regression", rng.normal(size=50)),
    ):
        data = custom_data(rng.normal(size=(50, 2)) * 1e3, values, task)
        text = points_csv(data)
        assert text.splitlines()[0] == (
            "x1,x2,label" if task == "classification" else "x1,x2,target"
        )
        again = parse_points_csv(text)
        assert again.digest == data.digest and again.task == task
