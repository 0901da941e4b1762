"""Diagnostics: dead and saturated units, gradient norms, the stuck detector, and a
gradient check that catches a wrong gradient."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from engine import MLP, Config, Trainer, gradient_check
from engine.diagnostics import (
    CASES,
    check_gradients,
    classify_outcomes,
    diagnose,
    diagnose_trainer,
    explain_stuck,
)

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
XOR_Y = np.array([[0], [1], [1], [0]], float)


def _net(activation: str, hidden=(2,), replicas: int = 1) -> MLP:
    return MLP([2, *hidden, 1], activation=activation, output="sigmoid", replicas=replicas, seed=3)


def test_a_relu_unit_negative_on_every_point_is_dead_and_its_twin_is_not():
    net = _net("relu", replicas=2)
    W, b = net.weights[0], net.biases[0]
    W[0, :, 1] = [-1.0, -1.0]  # z = -x1 - x2 - 0.5 < 0 on all four corners
    b[0, 1] = -0.5
    W[0, :, 0] = [1.0, 1.0]
    b[0, 0] = 0.1
    W[1] = [[1.0, 1.0], [-1.0, 1.0]]  # replica 1: both units live on some point
    b[1] = 0.0
    d = diagnose(net, XOR_X)
    assert list(d.layers[0].status[0]) == ["healthy", "dead"]
    assert list(d.layers[0].status[1]) == ["healthy", "healthy"]
    assert d.dead.tolist() == [1, 0]
    assert d.layers[0].active_share[0].tolist() == [1.0, 0.0]
    # the same weights with leaky ReLU: slope 0.01 everywhere, never dead
    leaky = _net("leaky_relu", replicas=2)
    leaky.flat[...] = net.flat
    assert diagnose(leaky, XOR_X).dead.tolist() == [0, 0]


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_a_unit_driven_deep_into_its_tail_is_saturated(activation):
    net = _net(activation)
    net.weights[0][0, :, 0] = [0.0, 0.0]
    net.biases[0][0, 0] = 20.0  # f'(20) < 1e-3 on every point
    net.weights[0][0, :, 1] = [1.0, -1.0]
    net.biases[0][0, 1] = 0.0
    d = diagnose(net, XOR_X)
    assert list(d.layers[0].status[0]) == ["saturated", "healthy"]
    assert d.saturated.tolist() == [1]
    net.biases[0][0, 0] = 2.0  # tanh'(2) = 0.07, sigmoid'(2) = 0.1: healthy again
    assert diagnose(net, XOR_X).saturated.tolist() == [0]


def test_gradient_norms_per_layer_match_loss_and_grads_and_leave_the_net_alone():
    net = _net("tanh", hidden=(4, 2), replicas=3)
    before = net.flat.copy()
    d = diagnose(net, XOR_X, XOR_Y, loss="bce")
    _, grads = net.copy().loss_and_grads(XOR_X, XOR_Y, loss="bce")
    for layer in range(3):
        gw, gb = grads[2 * layer], grads[2 * layer + 1]
        want = np.sqrt((gw**2).sum(axis=(1, 2)) + (gb**2).sum(axis=1))
        np.testing.assert_allclose(d.grad_norms[:, layer], want, rtol=1e-12)
    assert d.grad_norms.shape == (3, 3)
    assert len(d.layers) == 2
    np.testing.assert_array_equal(net.flat, before)
    out = d.to_dict(replica=1)
    json.dumps(out)
    assert out["layers"][0]["units"] == 4 and len(out["grad_norms"]) == 3


def _stuck_and_solved(activation="tanh"):
    """32 restarts of the default 2-2-1 Adam run: about half end two-at-0.5."""
    trainer = Trainer(Config(activation=activation), replicas=32)
    trainer.step(2000)
    out = trainer.outputs()
    two_at_half = (np.abs(out - 0.5) < 0.05).sum(axis=1) == 2
    solved = trainer.last["train_acc"] == 1.0
    return trainer, np.flatnonzero(two_at_half), np.flatnonzero(solved)


def test_a_stuck_xor_run_is_identified_as_the_two_at_half_plateau_and_a_solved_one_is_not():
    trainer, stuck, solved = _stuck_and_solved()
    assert len(stuck) >= 3 and len(solved) >= 3
    report = explain_stuck(trainer, replica=int(stuck[0]))
    assert report is not None and report.case == "half_plateau"
    assert abs(report.loss - math.log(2) / 2) < 2e-3
    assert report.details["points_at_mid"] == 2
    assert "Two of the four points sit at output 0.50" in report.message
    assert "0.3466" in report.message
    labels = [s["label"] for s in report.suggestions]
    assert any(label.startswith("More units") for label in labels)
    more = next(s for s in report.suggestions if s["key"] == "more_units")
    assert more["config_change"] == {"hidden": [3]}
    for s in report.suggestions:  # every button applies cleanly
        trainer.config.replace(s["config_change"])
    json.dumps(report.to_dict())
    solved_report = explain_stuck(trainer, replica=int(solved[0]))
    assert solved_report.case == "not_stuck" and not solved_report.stuck
    assert "100 % training accuracy" in solved_report.message
    assert solved_report.message.startswith("Not stuck at epoch")
    cases = classify_outcomes(trainer)
    assert all(cases[i] == "half_plateau" for i in stuck)
    assert all(cases[i] == "solved" for i in solved)


def test_relu_2_2_1_stuck_runs_are_tagged_with_their_dead_units():
    trainer = Trainer(Config(activation="relu"), replicas=32)
    trainer.step(1500)
    cases = classify_outcomes(trainer)
    dead = diagnose_trainer(trainer).dead
    for case, n_dead in zip(cases, dead, strict=True):
        if n_dead and case != "solved":
            assert case == "dead_units"
    assert cases.count("dead_units") >= 5
    r = cases.index("dead_units")
    report = explain_stuck(trainer, replica=r)
    assert report.case == "dead_units" and "dead" in report.message
    assert {"activation": "leaky_relu"} in [s["config_change"] for s in report.suggestions]


def test_a_run_that_is_still_learning_is_not_stuck():
    trainer = Trainer(Config(hidden=[4], optimizer="sgd", lr=0.3))
    trainer.step(100)  # its loss still falls over the last half of the run (epochs 50-100)
    report = explain_stuck(trainer)
    assert not report.stuck and report.suggestions == []
    assert report.message.startswith("Not stuck at epoch 100")
    assert classify_outcomes(trainer) in (["still_improving"], ["solved"])


def test_tiny_weights_under_plain_gradient_descent_are_small_steps():
    cfg = Config(
        hidden=[5], activation="sigmoid", init="normal", init_std=0.01, optimizer="sgd", lr=0.03
    )
    trainer = Trainer(cfg)
    trainer.step(700)
    report = explain_stuck(trainer)
    assert report.case == "small_steps"
    assert abs(report.loss - math.log(2)) < 1e-6
    assert report.suggestions[0]["config_change"] == {"optimizer": "adam", "lr": 0.03}


def test_a_non_finite_replica_is_diverged_and_the_others_are_not():
    trainer = Trainer(Config(), replicas=3)
    trainer.net.weights[0][1, 0, 0] = np.nan
    trainer.step(1)
    assert trainer.diverged.tolist() == [False, True, False]
    report = explain_stuck(trainer, replica=1)
    assert report.case == "diverged"
    assert report.suggestions[0]["key"] == "smaller_lr"
    assert report.to_dict()["loss"] is None  # NaN becomes null in JSON
    assert explain_stuck(trainer, replica=0).case == "not_stuck"
    assert classify_outcomes(trainer)[1] == "diverged"
    assert set(CASES) >= {"diverged", "dead_units", "half_plateau", "saturated"}


def _backprop_without_hidden_derivative(self, X, y, loss="bce", l1=0.0, l2=0.0):
    """Seed 004's bug: a 1-hidden-layer backward pass that forgets f'(z) of the
    hidden layer (the output's sigmoid derivative cancels in BCE, so that part is right)."""
    X = np.asarray(X, float)
    y = np.asarray(y, float).reshape(-1, 1)
    W1, b1, W2, b2 = self.params
    z1 = np.matmul(X[None], W1) + b1[:, None, :]
    a1 = np.maximum(z1, 0.0) if self.activation == "relu" else np.tanh(z1)
    z2 = np.matmul(a1, W2) + b2[:, None, :]
    out = 1.0 / (1.0 + np.exp(-z2))
    n = len(X)
    value = (np.logaddexp(0.0, z2) - y * z2).mean(axis=(1, 2))
    dz2 = (out - y) / n
    g = self.grads
    g[2][...] = np.matmul(a1.swapaxes(1, 2), dz2)
    g[3][...] = dz2.sum(axis=1)
    dz1 = np.matmul(dz2, W2.swapaxes(1, 2))  # missing: * f'(z1)
    g[0][...] = np.matmul(X.T[None], dz1)
    g[1][...] = dz1.sum(axis=1)
    return value, g


def test_a_gradient_that_drops_the_activation_derivative_fails_the_gradient_check(monkeypatch):
    net = MLP([2, 3, 1], activation="tanh", output="sigmoid", replicas=2, seed=5)
    right = gradient_check(net, XOR_X, XOR_Y)
    assert max(right) < 1e-6
    monkeypatch.setattr(MLP, "loss_and_grads", _backprop_without_hidden_derivative)
    wrong = gradient_check(net, XOR_X, XOR_Y)
    assert wrong[0] > 1e-2 and wrong[1] > 1e-2  # first layer's W and b
    assert wrong[2] < 1e-6 and wrong[3] < 1e-6  # the output layer was right


def test_check_gradients_reports_per_layer_for_the_page():
    trainer = Trainer(Config(hidden=[4, 2]))
    report = check_gradients(trainer)
    assert report["ok"] and len(report["layers"]) == 3
    assert all(layer["max_relative_error"] < 1e-6 for layer in report["layers"])
    json.dumps(report)


def test_a_net_with_one_dead_hidden_unit_says_so_in_the_singular():
    """A 2-1-1 ReLU net (seed 0): its only hidden unit dies. The page once read
    "All one hidden units is saturated"; the words must agree with the count."""
    trainer = Trainer(Config.from_dict({"hidden": [1], "activation": "relu", "seed": 0}))
    trainer.step(1500)
    report = explain_stuck(trainer)
    assert report is not None and report.case == "dead_units"
    assert report.details["hidden_units"] == 1 and report.details["dead_units"] == 1
    assert report.message.startswith("The only hidden unit is dead: its input")
    assert "All one" not in report.message and "units is" not in report.message
    assert "The net is left with 0 working units" in report.message


@pytest.mark.parametrize(
    ("k", "n", "expected"),
    [
        (1, 1, "The only hidden unit is"),
        (2, 2, "Both hidden units are"),
        (5, 5, "All five hidden units are"),
        (1, 2, "One of the two hidden units is"),
        (3, 8, "Three of the eight hidden units are"),
    ],
)
def test_shares_of_hidden_units_agree_in_number(k, n, expected):
    from engine.diagnostics import _of

    assert _of(k, n, "hidden unit") == expected


def test_shares_of_points_use_the_verb_given():
    from engine.diagnostics import _of

    assert _of(1, 4, "point", ("sits", "sit")) == "One of the four points sits"
    assert _of(2, 4, "point", ("sits", "sit")) == "Two of the four points sit"


# ---- one activation per hidden layer ----------------------------------------------------


def test_each_hidden_layer_is_judged_by_its_own_activation():
    """tanh then ReLU. Layer 1's unit 1 sits at tanh(20): saturated by tanh's slope
    (ReLU's would be 1, healthy). Layer 2's unit 1 has z = -10 everywhere: dead by
    ReLU's (tanh's slope from a = 0 would be 1, healthy)."""
    net = MLP([2, 2, 2, 1], ["tanh", "relu"], "sigmoid", seed=3)
    net.weights[0][0] = [[0.0, 1.0], [0.0, -1.0]]
    net.biases[0][0] = [20.0, 0.0]
    net.weights[1][0] = [[0.0, 1.0], [0.0, 1.0]]
    net.biases[1][0] = [-10.0, 1.0]
    d = diagnose(net, XOR_X)
    assert [layer.activation for layer in d.layers] == ["tanh", "relu"]
    assert list(d.layers[0].status[0]) == ["saturated", "healthy"]
    assert list(d.layers[1].status[0]) == ["dead", "healthy"]
    assert d.dead.tolist() == [1] and d.saturated.tolist() == [1]
    as_json = json.loads(json.dumps(d.to_dict(0)))
    assert as_json["activation"] == ["tanh", "relu"]
    assert [layer["activation"] for layer in as_json["layers"]] == ["tanh", "relu"]


def test_a_dead_relu_under_a_tanh_layer_is_explained_with_its_layer():
    """2-1-2-1, ReLU then tanh, seed 0: the one ReLU unit dies. The message names ReLU
    and its layer, and the Leaky ReLU suggestion replaces the ReLU layer only."""
    trainer = Trainer(Config.from_dict({"hidden": [1, 2], "activation": ["relu", "tanh"]}))
    trainer.step(1500)
    report = explain_stuck(trainer)
    assert report is not None and report.case == "dead_units"
    assert "so ReLU (layer 1) gives 0 there" in report.message
    leaky = next(s for s in report.suggestions if s["key"] == "leaky_relu")
    assert leaky["config_change"] == {"activation": ["leaky_relu", "tanh"]}
