"""Trainer: stepping, history, reset, outputs (live changes: test_live_changes.py; frames
and predictions: test_views.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import MLP, Config, Trainer, make_optimizer


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
