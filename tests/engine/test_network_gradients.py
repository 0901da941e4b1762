"""Analytic gradients against central differences, over the whole valid matrix."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine import ACTIVATIONS, LOSSES, MLP, gradient_check
from engine.activations import Activation

# (output, loss) pairs that make sense; bce needs a sigmoid output, ce a softmax one.
PAIRS = [(out, loss) for loss, spec in LOSSES.items() for out in spec.outputs]
REGS = {"none": (0.0, 0.0), "l1": (0.01, 0.0), "l2": (0.0, 0.05), "l1+l2": (0.01, 0.05)}
DEPTHS = {"1 hidden": [2, 3, 1], "3 hidden": [2, 3, 4, 3, 1]}
CLASSES = 4  # the softmax nets' output units


def _sizes(depth: str, output: str) -> list[int]:
    sizes = DEPTHS[depth]
    return [*sizes[:-1], CLASSES] if output == "softmax" else sizes


def _problem(output: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(7, 2))
    labels = (rng.random((7, 1)) > 0.5).astype(float)
    if output == "softmax":
        y = rng.integers(0, CLASSES, 7)  # integer labels (N,)
    elif output == "tanh":
        y = 2 * labels - 1
    elif output == "linear":
        y = rng.normal(size=(7, 1))
    else:
        y = labels
    return X, y


def test_the_matrix_covers_every_output_and_loss():
    assert {o for o, _ in PAIRS} == {"sigmoid", "tanh", "linear", "softmax"}
    assert ("tanh", "bce") not in PAIRS and ("linear", "bce") not in PAIRS
    assert [o for o, loss in PAIRS if loss == "ce"] == ["softmax"]


@pytest.mark.parametrize("replicas", [1, 5])
@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("reg", REGS)
@pytest.mark.parametrize(("output", "loss"), PAIRS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradients_match_central_differences(activation, output, loss, reg, depth, replicas):
    X, y = _problem(output)
    # Weights of moderate scale and non-zero biases: every activation works off its
    # linear part, outputs do not saturate (which would leave only rounding noise to
    # compare), and no point sits on a ReLU kink.
    net = MLP(
        _sizes(depth, output),
        activation,
        output,
        replicas=replicas,
        init="normal",
        init_std=0.6,
        bias_init=0.1,
        seed=3,
    )
    l1, l2 = REGS[reg]
    # eps = 1e-5 rather than the default 1e-6: the truncation error (~eps²) is still
    # ~1e-10, and the rounding noise (~1e-16 / eps) of the deep sigmoid nets' tiny
    # gradients stays 10x below the bar (with 1e-6 the worst case is 8.5e-7).
    errors = gradient_check(net, X, y, loss=loss, l1=l1, l2=l2, eps=1e-5)
    assert len(errors) == len(net.params)
    assert max(errors) < 1e-6, errors


def test_gradient_check_catches_a_wrong_derivative(monkeypatch):
    """A check that always passed would be worthless: break tanh' and watch it fail."""
    wrong = Activation(
        "tanh",
        "wrong",
        ACTIVATIONS["tanh"].forward,
        lambda z, a, out: np.multiply(a, 0.0, out=out) + 1.0,
    )
    X, y = _problem("sigmoid")
    net = MLP([2, 3, 1], "tanh", "sigmoid", init="normal", init_std=1.0, seed=1)
    monkeypatch.setattr(net, "acts", [wrong, net.acts[-1]])
    errors = gradient_check(net, X, y, loss="bce")
    assert errors[0] > 1e-2  # W1: its gradient goes through the broken derivative
    assert errors[2] < 1e-6  # W2: it does not


def test_gradient_check_leaves_the_network_untouched():
    X, y = _problem("sigmoid")
    net = MLP([2, 3, 1], "tanh", "sigmoid", replicas=2, seed=2)
    before = net.flat.copy()
    gradient_check(net, X, y)
    np.testing.assert_array_equal(net.flat, before)


def test_float32_network_is_checked_in_float64():
    X, y = _problem("sigmoid")
    net = MLP(
        [2, 4, 1],
        "swish",
        "sigmoid",
        replicas=2,
        seed=5,
        dtype="float32",
        init="normal",
        init_std=1.0,
    )
    assert max(gradient_check(net, X, y, loss="mse")) < 1e-6


def test_gradients_are_per_replica():
    """Replica k's gradient depends only on replica k's parameters."""
    X, y = _problem("sigmoid")
    net = MLP([2, 4, 1], "tanh", "sigmoid", replicas=3, seed=0)
    _, g = net.loss_and_grads(X, y)
    g = [a.copy() for a in g]
    net.params[0][1] *= 3.0  # change replica 1 only
    _, g2 = net.loss_and_grads(X, y)
    for a, b in zip(g, g2, strict=True):
        np.testing.assert_array_equal(a[[0, 2]], b[[0, 2]])
        assert not np.array_equal(a[1], b[1])


def test_reused_buffers_never_serve_stale_data():
    """The public methods replay a program per shape over reused buffers: new data of
    the same shape, many shapes (past the cache's size) and per-replica inputs all
    give what a fresh network gives."""
    rng = np.random.default_rng(7)
    net = MLP([2, 3, 1], "tanh", "sigmoid", replicas=2, seed=1)
    for n in [5, 6, 5, 7, 8, 9, 10, 11, 12, 13, 5, 6]:
        X, y = rng.normal(size=(n, 2)), (rng.random((n, 1)) > 0.5).astype(float)
        fresh = net.copy()
        np.testing.assert_array_equal(net.loss(X, y), fresh.loss(X, y))
        loss, grads = net.loss_and_grads(X, y, loss="mse", l2=0.1)
        loss2, grads2 = fresh.loss_and_grads(X, y, loss="mse", l2=0.1)
        np.testing.assert_array_equal(loss, loss2)
        np.testing.assert_array_equal(grads.flat, grads2.flat)
        XK = rng.normal(size=(2, n, 2))
        np.testing.assert_allclose(net.forward(XK)[1], fresh.forward(XK[1])[1])
    out = net.forward(X)
    net.params[0][:] *= 2  # parameters are read live, never cached
    assert not np.allclose(net.forward(X), out)


def test_regularisation_counts_weights_not_biases():
    X, y = _problem("sigmoid")
    net = MLP([2, 3, 1], "tanh", "sigmoid", seed=0, bias_init=0.7)
    base = net.loss(X, y)
    weights = np.concatenate([w.ravel() for w in net.params[0::2]])
    l1, l2 = 0.3, 0.2
    expected = base + l1 * np.abs(weights).sum() + l2 * 0.5 * (weights**2).sum()
    np.testing.assert_allclose(net.loss(X, y, l1=l1, l2=l2), expected, rtol=1e-12)
    _, g = net.loss_and_grads(X, y, l1=0.0, l2=0.0)
    gb = [b.copy() for b in g[1::2]]
    _, g = net.loss_and_grads(X, y, l1=l1, l2=l2)
    for a, b in zip(gb, g[1::2], strict=True):
        np.testing.assert_array_equal(a, b)


def test_bce_is_stable_for_saturated_outputs():
    """From the pre-activation, a confident wrong answer costs ~|z|, never inf/nan."""
    net = MLP([1, 1], "linear", "sigmoid", init="zeros")
    net.params[0][0, 0, 0] = 1000.0
    X = np.array([[1.0], [-1.0]])
    y = np.array([[0.0], [0.0]])
    loss, grads = net.loss_and_grads(X, y)
    np.testing.assert_allclose(loss, [500.0])  # (softplus(1000) + softplus(-1000)) / 2
    assert all(np.isfinite(g).all() for g in grads)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activations_match_their_formulas(activation):
    z = np.linspace(-30, 30, 121)
    s = 1 / (1 + np.exp(-z))
    expected = {
        "linear": z,
        "relu": np.maximum(z, 0),
        "leaky_relu": np.where(z > 0, z, 0.01 * z),
        "elu": np.where(z > 0, z, np.exp(z) - 1),
        "tanh": np.tanh(z),
        "sigmoid": s,
        "softplus": np.log1p(np.exp(z)),
        "swish": z * s,
    }[activation]
    act = ACTIVATIONS[activation]
    a = act.forward(z, np.empty_like(z))
    np.testing.assert_allclose(a, expected, rtol=1e-12, atol=1e-300)
    # the derivative, against a central difference away from kinks
    zz = np.array([-2.3, -0.7, 0.4, 1.9])
    h = 1e-6
    numeric = (act.forward(zz + h, np.empty(4)) - act.forward(zz - h, np.empty(4))) / (2 * h)
    d = act.derivative(zz, act.forward(zz, np.empty(4)), np.empty(4))
    np.testing.assert_allclose(d, numeric, rtol=1e-7, atol=1e-9)


def test_fast_tanh_is_within_rounding_of_numpys():
    """tanh is computed from exp for speed; it must still be tanh to float64 rounding."""
    z = np.concatenate(
        [
            np.linspace(-40, 40, 400_001),
            np.logspace(-30, 3, 5000),
            -np.logspace(-30, 3, 5000),
            [0.0, np.inf, -np.inf],
        ]
    )
    with np.errstate(over="ignore"):
        a = ACTIVATIONS["tanh"].forward(z, np.empty_like(z))
    np.testing.assert_allclose(a, np.tanh(z), rtol=0, atol=4e-16)
    assert a[-3] == 0.0 and a[-2] == 1.0 and a[-1] == -1.0
    assert np.isnan(ACTIVATIONS["tanh"].forward(np.array([np.nan]), np.empty(1))).all()


def test_bce_terms_match_the_textbook_formula():
    from engine.losses import LOSSES

    z = np.linspace(-30, 30, 601).reshape(1, 1, -1)
    y = (np.arange(601) % 2).astype(float).reshape(1, 1, -1)
    a = 1 / (1 + np.exp(-z))
    terms = LOSSES["bce"].terms(z, a, y, np.empty_like(z), np.empty_like(z))
    expected = np.log1p(np.exp(z)) - y * z  # softplus(z) - y z, fine at |z| <= 30
    # both forms subtract numbers of size |z|: absolute precision ~ulp(30) = 3.6e-15
    np.testing.assert_allclose(terms, expected, rtol=1e-12, atol=1e-14)


def test_every_registered_combination_is_tested():
    tested = set(itertools.product(ACTIVATIONS, PAIRS))
    assert len(tested) == len(ACTIVATIONS) * 5
