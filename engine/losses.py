"""Losses: a registry from the name the user sees to a value and a gradient.

Every loss is a mean over the points, one number per replica. Both functions work
on the output layer's pre-activation ``z`` and activation ``a = f(z)``, shape
(K, N, 1), and the targets ``y``, shape (N, 1) or (K, N, 1), already in the output's
space (0/1 for a sigmoid output, -1/+1 for a tanh output, any real for linear):

* ``value(z, a, y, s1, s2) -> (K,)``, with two scratch buffers shaped like ``z``;
* ``grad(z, a, y, output, out) -> out`` writes dL/dz (note: ``z``, not ``a``), the
  quantity backpropagation starts from.

Regularisation is not a loss here; :mod:`engine.network` adds it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .activations import Activation

Value = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]
Grad = Callable[[np.ndarray, np.ndarray, np.ndarray, Activation, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Loss:
    """A named loss: ``value`` per replica, ``grad`` with respect to the pre-activation."""

    name: str
    formula: str
    outputs: tuple[str, ...]  # output activations this loss makes sense with
    value: Value
    grad: Grad


def _mean_over_points(s: np.ndarray) -> np.ndarray:
    k, n = s.shape[0], s.shape[1]
    return s.reshape(k, n).sum(axis=1) / n


def _bce_value(z, a, y, s1, s2):
    # BCE(y, sigmoid(z)) = -y ln s - (1-y) ln(1-s) = softplus(z) - y z.
    # From z it never takes ln(0), even where sigmoid(z) rounds to exactly 0 or 1.
    np.logaddexp(0.0, z, out=s1)
    np.multiply(y, z, out=s2)
    s1 -= s2
    return _mean_over_points(s1)


def _bce_grad(z, a, y, output, out):
    # d/dz [softplus(z) - y z] = sigmoid(z) - y = a - y; the sigmoid's own
    # derivative cancels, which is why BCE pairs with a sigmoid output.
    np.subtract(a, y, out=out)
    out *= 1.0 / z.shape[1]
    return out


def _mse_value(z, a, y, s1, s2):
    # MSE = mean (a - y)², as torch.nn.MSELoss (no factor 1/2).
    np.subtract(a, y, out=s1)
    np.multiply(s1, s1, out=s1)
    return _mean_over_points(s1)


def _mse_grad(z, a, y, output, out):
    # dL/dz = 2 (a - y) / N * f'(z).
    output.derivative(z, a, out)
    diff = np.subtract(a, y)
    diff *= 2.0 / z.shape[1]
    out *= diff
    return out


LOSSES: dict[str, Loss] = {
    "bce": Loss(
        "bce",
        "mean(softplus(z) - y z) = mean(-y ln a - (1 - y) ln(1 - a)), a = sigmoid(z)",
        ("sigmoid",),
        _bce_value,
        _bce_grad,
    ),
    "mse": Loss(
        "mse", "mean((a - y)²)", ("sigmoid", "tanh", "linear"), _mse_value, _mse_grad
    ),
}


def get_loss(name: str, output: str | None = None) -> Loss:
    """Look a loss up by name; refuse it if it makes no sense with ``output``."""
    try:
        loss = LOSSES[name]
    except KeyError:
        known = ", ".join(LOSSES)
        raise ValueError(f"unknown loss {name!r}; known: {known}") from None
    if output is not None and output not in loss.outputs:
        allowed = ", ".join(loss.outputs)
        raise ValueError(f"loss {name!r} needs an output activation in: {allowed}")
    return loss
