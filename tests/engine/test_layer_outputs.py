"""MLP.layer_outputs: every neuron of one replica, as frames use it.

Frames fold an activation's inner scale into copies of the weights (tanh(z) =
g(2z), sigmoid(z) = g(-z)); these tests check the values stay those of the forward
pass and that the network's own weights are never touched.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import MLP, reference
from engine.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS

SCALED = [name for name, act in ACTIVATIONS.items() if act.scaled is not None]


def test_tanh_and_sigmoid_fold_a_scale():
    assert set(SCALED) == {"tanh", "sigmoid"}


@pytest.mark.parametrize("name", SCALED)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_scaled_form_equals_the_activation(name, dtype):
    """g(c z) = f(z) over [-40, 40], overflow included, to a few units of rounding."""
    act = ACTIVATIONS[name]
    c, g = act.scaled
    z = np.linspace(-40, 40, 4001, dtype=dtype)
    with np.errstate(over="ignore"):
        got = g(c * z, np.empty_like(z))
    want = act.forward(z, np.empty_like(z))
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, want, rtol=0, atol=4 * np.finfo(dtype).eps)


def _layers_by_hand(net: MLP, X: np.ndarray, replica: int) -> list[np.ndarray]:
    """Each layer's outputs, (units, N), from the readable reference's equations."""
    params = [p[replica].astype(float) for p in net.params]
    layers = reference.forward(params, X, net.activation, net.output)
    return [X.T] + [A.T for _, A in layers]


@pytest.mark.parametrize("output", OUTPUT_ACTIVATIONS)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_every_layer_matches_the_forward_pass(activation, output):
    net = MLP(
        [3, 5, 4, 3 if output == "softmax" else 1],
        activation,
        output,
        replicas=3,
        init="normal",
        seed=2,
    )
    X = np.random.default_rng(0).uniform(-3, 3, (700, 3))
    before = net.flat.copy()
    got = net.layer_outputs(X, replica=1)
    # the weights were scaled in copies only (float64 output layer: a (1, 5) row
    # that a view-returning copy would have scaled in place)
    np.testing.assert_array_equal(net.flat, before)
    for mine, theirs in zip(got, _layers_by_hand(net, X, 1), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got[-1], net.forward(X)[1].T, rtol=1e-12, atol=1e-14)


def test_float32_layers_stay_within_float32_rounding():
    net = MLP([2, 8, 8, 8, 1], "tanh", "sigmoid", init="normal", seed=5)
    X = np.random.default_rng(1).uniform(-6, 6, (2500, 2))
    got = net.layer_outputs(X, dtype="float32")
    assert all(a.dtype == np.float32 for a in got)
    for mine, theirs in zip(got, _layers_by_hand(net, X, 0), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=5e-6)
