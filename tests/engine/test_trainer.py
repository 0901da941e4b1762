"""Trainer: stepping, history, live updates, reset, frames, editing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import MLP, Config, ConfigError, Trainer, make_features, make_optimizer


def test_defaults_learn_xor():
    """The page's first run (xor4, 2-2-1 tanh, adam lr 0.03, seed 0) solves XOR."""
    tr = Trainer()
    tr.step(2000)
    assert tr.last["train_acc"][0] == 1.0
    assert tr.last["train_loss"][0] < 0.01


def test_full_batch_epoch_is_one_update_and_matches_the_bare_engine():
    cfg = Config(optimizer="sgd", lr=0.5, hidden=[3], seed=4)
    tr = Trainer(cfg)
    net = MLP([2, 3, 1], "tanh", "sigmoid", seed=4)
    opt = make_optimizer("sgd", net.params, lr=0.5)
    for _ in range(25):
        opt.step(net.loss_and_grads(tr.train.X, tr.train.y)[1])
    tr.step(25)
    assert tr.epoch == 25 and opt.t == 25 and tr.optimizer.t == 25
    np.testing.assert_array_equal(tr.net.flat, net.flat)


def test_minibatch_epoch_is_ceil_n_over_b_updates():
    cfg = Config(xor4_sample=True, n_points=50, train_share=50, batch_size=7)
    tr = Trainer(cfg, replicas=2)
    tr.step(3)
    assert len(tr.train) == 25 and tr.optimizer.t == 3 * math.ceil(25 / 7)
    tr.update(cfg.replace({"batch_size": 2000}))  # clamped to N: full batch
    tr.step(2)
    assert tr.optimizer.t == 3 * 4 + 2


def test_history_rows_are_the_state_after_each_epoch():
    cfg = Config(dataset="circle", n_points=100, hidden=[3])
    tr = Trainer(cfg, replicas=3)
    tr.step(5)
    tr.step(4)
    h = tr.history
    np.testing.assert_array_equal(h["epoch"], np.arange(10))
    for key in ("train_loss", "test_loss", "train_acc", "test_acc"):
        assert h[key].shape == (10, 3)
    # row 9 is the current state: recompute it from scratch
    loss = tr.net.loss(tr.train.X, tr.train.target)
    np.testing.assert_allclose(h["train_loss"][-1], loss, rtol=1e-12)
    test_loss = tr.net.loss(tr.test.X, tr.test.target)
    np.testing.assert_allclose(h["test_loss"][-1], test_loss, rtol=1e-12)
    out = tr.outputs()
    acc = ((out > 0.5) == (tr.train.y[:, 0] > 0.5)).mean(axis=1)
    np.testing.assert_array_equal(h["train_acc"][-1], acc)
    since = tr.history_since(6)
    np.testing.assert_array_equal(since["epoch"], [7, 8, 9])
    np.testing.assert_array_equal(since["train_loss"], h["train_loss"][7:])
    assert tr.history_since(9)["epoch"].size == 0


def test_minibatch_history_and_regression_accuracy_is_nan():
    cfg = Config(
        dataset="plane",
        output="linear",
        loss="mse",
        batch_size=10,
        n_points=60,
        regularization="l2",
        reg_rate=0.01,
    )
    tr = Trainer(cfg)
    tr.step(3)
    h = tr.history
    np.testing.assert_array_equal(h["epoch"], [0, 1, 2, 3])
    assert np.isnan(h["train_acc"]).all() and np.isnan(h["test_acc"]).all()
    l1, l2 = cfg.penalty()
    np.testing.assert_allclose(
        h["train_loss"][-1], tr.net.loss(tr.train.X, tr.train.target, "mse", l1, l2)
    )


def test_tanh_output_trains_on_plus_minus_one():
    tr = Trainer(Config(output="tanh", loss="mse"))
    np.testing.assert_array_equal(tr.train.target.ravel(), [-1, 1, 1, -1])
    np.testing.assert_array_equal(tr.train.y.ravel(), [0, 1, 1, 0])
    tr.step(1500)
    assert tr.last["train_acc"][0] == 1.0  # threshold 0 for a tanh output


def test_history_stays_bounded_by_thinning():
    tr = Trainer(Config(), max_history_rows=64)
    tr.step(1000)
    h = tr.history
    assert len(h["epoch"]) <= 64
    # thinned four times (64 rows hold 1000 epochs at a stride of 16)
    assert (np.diff(h["epoch"]) == 16).all()
    assert h["epoch"][0] == 0 and h["epoch"][-1] == 992
    assert tr.last["epoch"] == 1000  # the latest numbers are always at hand


def test_live_update_keeps_epoch_weights_and_state():
    tr = Trainer(Config(lr=0.03))
    tr.step(10)
    weights, m = tr.net.flat.copy(), tr.optimizer.state[0]["exp_avg"].copy()
    opt = tr.optimizer
    rebuilt = tr.update(
        tr.config.replace(
            {"lr": 0.1, "beta1": 0.5, "batch_size": 2, "regularization": "l1", "reg_rate": 0.001}
        )
    )
    assert not rebuilt
    assert tr.epoch == 10 and tr.optimizer is opt and opt.lr == 0.1 and opt.betas == (0.5, 0.999)
    np.testing.assert_array_equal(tr.net.flat, weights)
    np.testing.assert_array_equal(opt.state[0]["exp_avg"], m)
    tr.step(1)
    assert tr.epoch == 11 and opt.t == 10 + 2  # batch 2 of 4 points: two updates


def test_optimizer_change_keeps_weights_and_starts_fresh_state():
    tr = Trainer(Config())
    tr.step(10)
    weights = tr.net.flat.copy()
    assert not tr.update(tr.config.replace({"optimizer": "rmsprop", "lr": 0.01}))
    assert tr.epoch == 10 and tr.optimizer.name == "rmsprop" and tr.optimizer.t == 0
    np.testing.assert_array_equal(tr.net.flat, weights)
    assert tr.optimizer.params is tr.net.params


def test_shape_change_rebuilds():
    tr = Trainer(Config())
    tr.step(10)
    assert tr.update(tr.config.replace({"hidden": [4, 3]}))
    assert tr.epoch == 0 and tr.net.sizes == (2, 4, 3, 1)
    assert tr.history["epoch"].tolist() == [0]
    assert tr.update(tr.config.replace({"features": ["x1", "x2", "x1x2"]}))
    assert tr.train.X.shape == (4, 3)


def test_reset_reproduces_the_start():
    tr = Trainer(Config(hidden=[5, 3], batch_size=1), replicas=2)
    first = tr.frame().copy()
    start = tr.net.flat.copy()
    tr.step(20)
    after20 = tr.net.flat.copy()
    tr.reset()
    assert tr.epoch == 0
    np.testing.assert_array_equal(tr.net.flat, start)
    np.testing.assert_array_equal(tr.frame().surface, first.surface)
    fresh = Trainer(tr.config, replicas=2)
    np.testing.assert_array_equal(fresh.frame().surface, first.surface)
    tr.step(20)  # the same batch order again
    np.testing.assert_array_equal(tr.net.flat, after20)


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


def test_set_param_edits_replica_zero_only():
    tr = Trainer(Config(hidden=[3]), replicas=2)
    before = tr.net.flat[1].copy()
    tr.set_param(0, "weight", 1, 2, 0.75)
    tr.set_param(1, "bias", 0, None, -0.5)
    assert tr.net.params[0][0, 1, 2] == 0.75 and tr.net.params[3][0, 0] == -0.5
    np.testing.assert_array_equal(tr.net.flat[1], before)
    assert tr.frame().weights[0][1, 2] == 0.75
    np.testing.assert_allclose(tr.last["train_loss"], tr.net.loss(tr.train.X, tr.train.target))
    bad = [
        ((2, "weight", 0, 0, 1.0), "layer"),
        ((0, "weight", 2, 0, 1.0), "i"),
        ((0, "weight", 0, 3, 1.0), "j"),
        ((0, "bias", 0, 1, 1.0), "j"),
        ((0, "bias", 3, None, 1.0), "i"),
        ((0, "weight", 0, 0, float("nan")), "value"),
        ((0, "gain", 0, 0, 1.0), "kind"),
        ((0, "weight", 0, 0, "1"), "value"),
        ((True, "weight", 0, 0, 1.0), "layer"),
    ]
    for args, field in bad:
        with pytest.raises(ConfigError) as err:
            tr.set_param(*args)
        assert err.value.field == field


def test_outputs_and_float32():
    tr = Trainer(Config(dtype="float32", hidden=[4]), replicas=3)
    tr.step(50)
    out = tr.outputs()
    assert out.shape == (3, 4) and out.dtype == np.float32
    assert tr.net.flat.dtype == np.float32 and tr.train.X.dtype == np.float32


def test_replicas_argument_is_checked():
    with pytest.raises(ValueError):
        Trainer(replicas=0)
    with pytest.raises(TypeError):
        Trainer().update({"lr": 0.1})


# ---- predict ---------------------------------------------------------------------


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
