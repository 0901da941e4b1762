"""Checking a hand-written backward pass, as seed 004's author needed: the gradients come
from your code, the numeric side from the engine's forward pass and loss."""

import numpy as np
import pytest

from engine import MLP, gradient_check

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def seed004_net() -> MLP:
    """Seed 004's set-up: 10 ReLU units, weights U(0, 0.25), a sigmoid output."""
    net = MLP(
        [2, 10, 1],
        activation="relu",
        output="sigmoid",
        init="uniform",
        init_low=0.0,
        init_high=0.25,
        seed=3,
    )
    net.params[1][0] = np.linspace(-0.2, 0.2, 10)  # some units off on some points
    return net


def my_backward(W1, b1, W2, b2, mask_relu: bool = True):
    """A plain NumPy backward pass for mean binary cross-entropy, written from scratch."""
    z1 = X @ W1 + b1
    a1 = np.maximum(z1, 0.0)
    out = 1.0 / (1.0 + np.exp(-(a1 @ W2 + b2)))
    dz2 = (out - Y) / len(X)  # d(mean BCE)/dz of a sigmoid output
    da1 = dz2 @ W2.T
    dz1 = da1 * (z1 > 0) if mask_relu else da1  # the bug: forgetting ReLU's derivative
    return [X.T @ dz1, dz1.sum(axis=0), a1.T @ dz2, dz2.sum(axis=0)]


def test_a_correct_hand_written_gradient_passes():
    net = seed004_net()
    mine = my_backward(*(p[0] for p in net.params))
    errors = gradient_check(net, X, Y, analytic=mine)
    assert max(errors) < 1e-7, errors


def test_a_hand_written_gradient_without_the_relu_derivative_fails_where_it_is_wrong():
    net = seed004_net()
    mine = my_backward(*(p[0] for p in net.params), mask_relu=False)
    errors = gradient_check(net, X, Y, analytic=mine)
    assert errors[0] > 1e-2 and errors[1] > 1e-2  # the hidden layer's W and b
    assert errors[2] < 1e-7 and errors[3] < 1e-7  # the output layer is right


def test_the_engines_own_gradient_is_what_a_correct_hand_written_one_gives():
    net = seed004_net()
    _, grads = net.loss_and_grads(X, Y)
    mine = my_backward(*(p[0] for p in net.params))
    for engine_grad, hand in zip(grads, mine, strict=True):
        np.testing.assert_allclose(engine_grad[0], hand, rtol=1e-12, atol=1e-15)


def test_badly_shaped_gradients_are_refused_with_the_index():
    net = seed004_net()
    mine = my_backward(*(p[0] for p in net.params))
    with pytest.raises(ValueError, match="expected 4 arrays"):
        gradient_check(net, X, Y, analytic=mine[:3])
    with pytest.raises(ValueError, match=r"analytic\[2\]"):
        gradient_check(net, X, Y, analytic=[mine[0], mine[1], mine[2].T, mine[3]])
