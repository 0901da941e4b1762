"""The README's Python examples run exactly as written (each ```python block in a
fresh interpreter, in a temporary directory) and print what the README says."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def _run(code: str, cwd: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_the_readme_has_its_three_examples():
    blocks = _blocks()
    assert len(blocks) == 3
    assert "from engine import Config, Trainer" in blocks[0]
    assert "gradient_check" in blocks[1]
    assert "PlaygroundClassifier" in blocks[2]


def test_the_estimator_example_solves_xor_with_restarts(tmp_path):
    # (ConvergenceWarning goes to stderr; what the README shows is stdout)
    out = _run(_blocks()[2], tmp_path)
    assert out == ["1.0 ['differ']"]


@pytest.fixture(scope="module")
def first_example(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path]:
    where = tmp_path_factory.mktemp("readme")
    return _run(_blocks()[0], where), where


def test_the_stuck_relu_run_is_explained(first_example):
    out, _ = first_example
    # seed 0 of the 2-2-1 ReLU net loses a unit (docs/DIAGNOSTICS.md); the explanation
    # is a sentence, not None
    assert out[0].startswith("One of the two hidden units is dead")


def test_the_sweep_summary_counts_500_seeds(first_example):
    out, _ = first_example
    summary = ast.literal_eval(out[1])
    assert summary["n"] == 500 and 0 < summary["rate"] < 1
    assert summary["wilson_low"] < summary["rate"] < summary["wilson_high"]


def test_the_saved_run_predicts_at_two_points(first_example):
    out, where = first_example
    assert (where / "run.npz").is_file()
    values = [float(v) for v in out[2].strip("[]").split()]
    assert len(values) == 2 and all(0 < v < 1 for v in values)


def test_the_six_points_are_all_learned_in_300_epochs(first_example):
    out, _ = first_example
    assert out[3] == "[[0 0 1 1 2 2]]"  # the labels given: every point, every class
    assert out[4].startswith(
        "<Trainer 2-4-3 tanh/softmax adam lr=0.03 on custom, 6 training points; "
        "1 replica, epoch 300, train loss "
    )


def test_the_gradient_check_example_finds_the_hand_written_gradients_right(tmp_path):
    out = _run(_blocks()[1], tmp_path)
    errors = ast.literal_eval(out[0])
    assert len(errors) == 4 and max(errors) < 1e-7
