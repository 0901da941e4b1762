"""The schedule cases of tests/fixtures/schedule_cases.json (PyTorch's own schedulers'
numbers, written by tests/fixtures/make_schedule_fixtures.py) and the engine's run of
one: shared by the fixture test and the live-torch test."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import numpy as np

from engine import Config, Trainer

FIXTURES = Path(__file__).parents[1] / "fixtures"
CASES_FILE = FIXTURES / "schedule_cases.json"


def fixture() -> dict:
    """The committed fixture: data, initial weights, and per case the rates and weights."""
    return json.loads(CASES_FILE.read_text(encoding="utf-8"))


def generator() -> ModuleType:
    """tests/fixtures/make_schedule_fixtures.py as a module (its cases and torch runs)."""
    path = FIXTURES / "make_schedule_fixtures.py"
    spec = importlib.util.spec_from_file_location("make_schedule_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def engine_run(config: dict, data: dict, epochs: int) -> tuple[Trainer, list[float]]:
    """The engine's run of a case: a 2-4-1 tanh/sigmoid/BCE net on the fixture's points
    from its initial weights, full batch; the optimizer's rate read before each epoch."""
    cfg = Config(hidden=[4], activation="tanh", output="sigmoid", loss="bce", **config)
    points = np.array(data["points"], np.float64)
    labels = np.array(data["labels"])
    trainer = Trainer(cfg, data=(points, labels))
    for layer, values in enumerate(data["layers"]):
        trainer.net.params[2 * layer][0] = np.array(values["W"])
        trainer.net.params[2 * layer + 1][0] = np.array(values["b"])
    lrs = []
    for _ in range(epochs):
        trainer.step(1)
        lrs.append(trainer.optimizer.lr)
    return trainer, lrs


def weights_of(trainer: Trainer) -> list[dict[str, np.ndarray]]:
    """Replica 0's W and b per layer."""
    params = trainer.net.params
    return [{"W": params[2 * i][0], "b": params[2 * i + 1][0]} for i in range(len(params) // 2)]


def assert_weights_close(trainer: Trainer, expected: list[dict], rtol: float) -> None:
    """Every weight within ``rtol`` of torch's, relative to the layer's largest."""
    for mine, theirs in zip(weights_of(trainer), expected, strict=True):
        for key in ("W", "b"):
            want = np.array(theirs[key])
            scale = np.abs(want).max()
            np.testing.assert_allclose(mine[key], want, rtol=0, atol=rtol * scale)
