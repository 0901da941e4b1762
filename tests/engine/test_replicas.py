"""K stacked replicas behave exactly as K separate runs, and never contaminate each other."""

from __future__ import annotations

import numpy as np
import pytest

from engine import MLP, Config, Trainer, make_optimizer


def _same(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_replica_k_starts_from_seed_plus_k():
    many = MLP([2, 4, 3, 1], replicas=6, seed=10)
    for k in range(6):
        one = MLP([2, 4, 3, 1], replicas=1, seed=10 + k)
        for p_many, p_one in zip(many.params, one.params, strict=True):
            np.testing.assert_array_equal(p_many[k], p_one[0])


@pytest.mark.parametrize(
    "changes",
    [
        {"optimizer": "adam", "lr": 0.05},  # full batch
        {
            "optimizer": "sgd",
            "lr": 0.3,
            "momentum": 0.9,
            "batch_size": 3,  # mini-batch
            "xor4_sample": True,
            "n_points": 40,
            "train_share": 50,
        },
        {
            "optimizer": "rprop",
            "dataset": "circle",
            "n_points": 60,
            "batch_size": 7,
            "hidden": [3, 2],
            "activation": "relu",
            "regularization": "l2",
            "reg_rate": 0.01,
        },
    ],
)
def test_k_replicas_follow_k_single_runs(changes):
    """seed 0 with K = 5 and five single runs with seeds 0..4: the same trajectory,
    including each replica's own mini-batch order."""
    cfg = Config(**changes)
    many = Trainer(cfg, replicas=5)
    many.step(60)
    for k in range(5):
        one = Trainer(cfg.replace({"seed": k}), replicas=1)
        one.step(60)
        for p_many, p_one in zip(many.net.params, one.net.params, strict=True):
            _same(p_many[k], p_one[0])
        hist_many, hist_one = many.history, one.history
        np.testing.assert_array_equal(hist_many["epoch"], hist_one["epoch"])
        _same(hist_many["train_loss"][:, k], hist_one["train_loss"][:, 0])
        _same(hist_many["test_loss"][:, k], hist_one["test_loss"][:, 0])


def test_chunked_large_k_matches_single_runs(monkeypatch):
    """Enough replicas x points that the network works in chunks of replicas."""
    monkeypatch.setattr("engine.network.CHUNK_ELEMENTS", 16384)  # 10 replicas a chunk
    X = np.random.default_rng(0).normal(size=(400, 2))
    y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    # 41 replicas: four chunks of 10, then a chunk of one (which takes the 2-D path)
    many = MLP([2, 4, 2, 1], replicas=41, seed=0)
    assert len(many._programs.plan(many, 400, True).bounds) > 1  # really chunked
    opt = make_optimizer("adam", many.params, lr=0.02)
    for _ in range(30):
        opt.step(many.loss_and_grads(X, y)[1])
    for k in (0, 17, 39, 40):
        one = MLP([2, 4, 2, 1], replicas=1, seed=k)
        opt1 = make_optimizer("adam", one.params, lr=0.02)
        for _ in range(30):
            opt1.step(one.loss_and_grads(X, y)[1])
        _same(many.flat[k], one.flat[0])


def test_a_diverged_replica_is_frozen_and_harms_no_one():
    cfg = Config(optimizer="sgd", lr=0.5, hidden=[3])
    clean = Trainer(cfg, replicas=3)
    blown = Trainer(cfg, replicas=3)
    # Replica 1 alone gets absurd weights: its loss overflows to inf at once.
    blown.net.params[0][1] = 1e308
    blown.net.params[2][1] = 1e308
    frozen = blown.net.flat[1].copy()
    with np.errstate(all="raise"):  # and no floating-point warning escapes the Trainer
        clean.step(200)
        blown.step(200)
    assert blown.diverged.tolist() == [False, True, False]
    np.testing.assert_array_equal(blown.net.flat[1], frozen)
    for k in (0, 2):
        np.testing.assert_array_equal(blown.net.flat[k], clean.net.flat[k])
        np.testing.assert_array_equal(
            blown.history["train_loss"][:, k], clean.history["train_loss"][:, k]
        )
    assert not np.isfinite(blown.history["train_loss"][-1, 1])


def test_divergence_from_a_huge_learning_rate_is_caught():
    """Adagrad-free SGD at lr 10 on a linear output explodes; the Trainer notices."""
    cfg = Config(
        dataset="plane",
        output="linear",
        loss="mse",
        optimizer="sgd",
        lr=10.0,
        hidden=[4],
        activation="linear",
        n_points=100,
    )
    tr = Trainer(cfg, replicas=2)
    with np.errstate(all="raise"):
        tr.step(300)
    assert tr.diverged.all()
    assert np.isfinite(tr.net.flat).all()  # frozen before the non-finite update
