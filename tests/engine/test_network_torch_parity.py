"""Per-layer activations against PyTorch: a 2-4-3-1 net, ReLU then tanh hidden layers.

The expected weights come from torch.nn and torch.optim.SGD, written to a committed
fixture by tests/fixtures/make_layer_activation_fixtures.py (CI has no torch); when
torch is importable, the same training also runs live here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine import Config, Trainer

FIXTURE = Path(__file__).parents[1] / "fixtures" / "layer_activations_torch.json"


def _fixture() -> dict:
    data: dict = json.loads(FIXTURE.read_text())
    return data


def _trained_by_the_engine(fx: dict) -> list[np.ndarray]:
    """The Trainer on the fixture's points, from its initial weights, after its epochs."""
    cfg = Config(
        hidden=fx["sizes"][1:-1],
        activation=fx["activation"],
        output=fx["output"],
        loss=fx["loss"],
        optimizer=fx["optimizer"],
        lr=fx["lr"],
    )
    trainer = Trainer(cfg, data=(np.array(fx["X"]), np.array(fx["y"], dtype=int)))
    assert list(trainer.net.sizes) == fx["sizes"]
    assert len(trainer.train) == len(fx["X"])  # every point trains
    for param, value in zip(trainer.net.params, fx["initial"], strict=True):
        param[0] = np.array(value)
    trainer.step(fx["epochs"])
    return [p[0].copy() for p in trainer.net.params]


def test_relu_then_tanh_weights_match_torch_after_150_sgd_epochs():
    fx = _fixture()
    assert fx["activation"] == ["relu", "tanh"] and fx["epochs"] == 150
    ours = _trained_by_the_engine(fx)
    for mine, theirs in zip(ours, fx["final"], strict=True):
        np.testing.assert_allclose(mine, np.array(theirs), rtol=1e-9, atol=1e-12)
    # the run moved: the comparison is not of two untrained nets
    moved = max(
        np.abs(np.array(a) - np.array(b)).max()
        for a, b in zip(fx["initial"], fx["final"], strict=True)
    )
    assert moved > 0.05


def test_one_activation_for_all_layers_differs_from_the_per_layer_run():
    """The fixture's weights depend on the per-layer choice: relu in both layers (the
    same data, weights and steps) ends elsewhere, so the match above is not luck."""
    fx = dict(_fixture(), activation="relu")
    ours = _trained_by_the_engine(fx)
    gap = max(np.abs(m - np.array(t)).max() for m, t in zip(ours, fx["final"], strict=True))
    assert gap > 1e-3


def test_the_fixture_is_reproduced_by_torch_itself():
    torch = pytest.importorskip("torch")
    import importlib.util

    path = FIXTURE.with_name("make_layer_activation_fixtures.py")
    spec = importlib.util.spec_from_file_location("make_layer_activation_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    X, y, params = module.draw()
    final, _ = module.train(X, y, params)
    fx = _fixture()
    np.testing.assert_allclose(X, np.array(fx["X"]), rtol=0, atol=0)
    for live, kept in zip(final, fx["final"], strict=True):
        np.testing.assert_allclose(np.array(live), np.array(kept), rtol=1e-12)
    assert torch.get_default_dtype() == torch.float64
