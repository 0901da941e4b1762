"""Live changes: a new Config applied to a running Trainer keeps what it can, and a
weight set by hand changes replica 0 alone (engine/live_changes.py)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, ConfigError, Trainer


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
