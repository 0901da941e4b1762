"""Views of a Trainer's network: frames on a grid and predictions at any points
(engine/views.py)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, Trainer, make_features


def test_frame_shapes_and_surface_equals_forward():
    cfg = Config(dataset="circle", features=["x1", "x2", "x1sq"], hidden=[4, 3], grid=30)
    tr = Trainer(cfg, replicas=2)
    tr.step(5)
    f = tr.frame()
    assert f.surface.shape == (30, 30) and f.xs.shape == (30,) and f.ys.shape == (30,)
    assert [a.shape for a in f.neurons] == [(3, 30, 30), (4, 30, 30), (3, 30, 30), (1, 30, 30)]
    assert f.xs[0] == -6 and f.xs[-1] == 6 and (np.diff(f.ys) > 0).all()
    # row i = y index, column j = x index
    gx, gy = np.meshgrid(f.xs, f.ys)
    feats = make_features(np.column_stack([gx.ravel(), gy.ravel()]), cfg.features)
    expected = tr.net.forward(feats)[0, :, 0].reshape(30, 30)
    np.testing.assert_allclose(f.surface, expected, atol=2e-6)
    np.testing.assert_allclose(
        f.neurons[1][2, 7, 11],
        np.tanh(feats[7 * 30 + 11] @ f.weights[0][:, 2] + f.biases[0][2]),
        atol=2e-6,
    )
    np.testing.assert_allclose(f.neurons[0][2], gx**2, rtol=1e-6)
    assert [w.shape for w in f.weights] == [(3, 4), (4, 3), (3, 1)]
    assert tr.frame(grid=12).surface.shape == (12, 12)


def test_frame_reuses_its_buffers():
    tr = Trainer()
    a = tr.frame(40)
    b = tr.frame(40)
    assert np.shares_memory(a.surface, b.surface)


@pytest.mark.parametrize(
    "changes",
    [
        {},  # sigmoid output: probabilities as they are
        {"output": "tanh", "loss": "mse", "features": ["x1", "x2", "x1x2", "sinx1"]},
        {"dataset": "circle", "n_points": 60, "noise": 20, "hidden": [4]},
    ],
)
def test_predict_at_the_training_points_gives_what_the_trainer_scores(changes):
    """predict applies the features itself; its classes agree with the accuracy the
    Trainer records, and on new points the probabilities stay in [0, 1]."""
    tr = Trainer(Config(**changes), replicas=3)
    tr.step(150)
    p = tr.predict(tr.train.points)
    assert p.shape == (3, len(tr.train))
    raw = tr.outputs()
    want = (raw + 1) / 2 if tr.config.output == "tanh" else raw
    np.testing.assert_allclose(p, want, rtol=1e-12, atol=1e-15)
    labels = tr.predict_class(tr.train.points)
    assert labels.dtype.kind == "i" and set(np.unique(labels)) <= {0, 1}
    np.testing.assert_array_equal((labels == tr.train.y[:, 0]).mean(axis=1), tr.last["train_acc"])
    grid = np.random.default_rng(0).uniform(-6, 6, (50, 2))
    assert ((tr.predict(grid) >= 0) & (tr.predict(grid) <= 1)).all()


def test_predict_on_regression_gives_values_and_no_classes():
    tr = Trainer(Config(dataset="plane", output="linear", loss="mse", n_points=40))
    tr.step(50)
    np.testing.assert_allclose(tr.predict(tr.train.points), tr.outputs(), rtol=1e-12)
    with pytest.raises(ValueError, match="regression"):
        tr.predict_class(tr.train.points)


@pytest.mark.parametrize(
    "points", [[[0.0, 1.0, 2.0]], [0.0, 1.0], [[np.nan, 0.0]], [[np.inf, 1.0]]]
)
def test_predict_refuses_points_that_are_not_finite_pairs(points):
    with pytest.raises(ValueError, match="points"):
        Trainer().predict(points)
