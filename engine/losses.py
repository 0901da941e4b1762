"""Losses: a registry from the name the user sees to per-point terms and a gradient.

Every loss is a mean over the points, one number per replica. The network lays its
arrays out points-last, so the output layer's pre-activation ``z`` and activation
``a = f(z)`` have shape (m, C, N) (or (C, N) for one replica; C = 1 but for a softmax
output), and so do the targets ``y``, already in the output's space (0/1 for a
sigmoid output, -1/+1 for a tanh output, any real for linear, one-hot rows of the
labels for softmax):

* ``terms(z, a, y, s1, s2) -> s1``: the per-point losses, written into ``s1`` (``s2``
  is scratch); the network averages them over the N points;
* ``grad(z, a, y, output, out, s1) -> out``: dL/dz of the *mean* loss (note: with
  respect to ``z``, not ``a``), where backpropagation starts.

``s1`` and ``s2`` are one row per point, (m, 1, N). ``terms_ops`` and ``grad_ops``,
where given, return the same computations as lists of NumPy calls bound to these
arrays (any scratch they need made once, when the calls are built), which
:meth:`engine.network.MLP.program` inlines.

All buffers are preallocated by the caller and written in place. Regularisation is
not a loss here; :mod:`engine.network` adds it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .activations import Activation
from .registry import lookup

Terms = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]
Grad = Callable[
    [np.ndarray, np.ndarray, np.ndarray, Activation, np.ndarray, np.ndarray], np.ndarray
]


@dataclass(frozen=True)
class Loss:
    """A named loss: per-point ``terms`` and ``grad`` with respect to the pre-activation."""

    name: str
    formula: str
    outputs: tuple[str, ...]  # output activations this loss makes sense with
    terms: Terms
    grad: Grad
    grad_ops: Callable | None = None  # grad as a list of (function, args), if given
    terms_ops: Callable | None = None  # terms as a list of (function, args), if given
    label: str = ""  # the name the page shows


def _bce_terms(z, a, y, s1, s2):
    # BCE(y, a) = -y ln a - (1-y) ln(1-a) = softplus(z) - y z, a = sigmoid(z), and
    # softplus(z) = max(z, 0) + ln(1 + exp(-|z|)) = max(z, 0) - ln(max(a, 1 - a)).
    # max(a, 1 - a) >= 1/2, so the ln never sees 0 even where sigmoid(z) rounds to
    # exactly 0 or 1: a confident wrong answer costs ~|z|, never inf. (One ln of a
    # number we have, instead of np.logaddexp's exp and log1p.)
    np.subtract(1.0, a, s1)
    np.maximum(a, s1, out=s1)
    np.log(s1, s1)
    np.maximum(z, 0.0, out=s2)
    np.subtract(s2, s1, s2)
    np.multiply(y, z, s1)
    np.subtract(s2, s1, s1)
    return s1


def _bce_grad_ops(z, a, y, output, out, s1):
    # d/dz [softplus(z) - y z] = sigmoid(z) - y = a - y; the sigmoid's own
    # derivative cancels, which is why BCE pairs with a sigmoid output.
    inv_n = np.array(1.0 / z.shape[-1], dtype=out.dtype)  # 0-d: cheaper than a float
    return [(np.subtract, (a, y, out)), (np.multiply, (out, inv_n, out))]


def _bce_grad(z, a, y, output, out, s1):
    for f, args in _bce_grad_ops(z, a, y, output, out, s1):
        f(*args)
    return out


def _mse_terms(z, a, y, s1, s2):
    # MSE = mean (a - y)², as torch.nn.MSELoss (no factor 1/2).
    np.subtract(a, y, s1)
    np.multiply(s1, s1, s1)
    return s1


def _mse_grad(z, a, y, output, out, s1):
    # dL/dz = 2 (a - y) / N * f'(z).
    output.derivative(z, a, out)
    np.subtract(a, y, s1)
    np.multiply(s1, 2.0 / z.shape[-1], s1)
    np.multiply(out, s1, out)
    return out


def _ce_terms_ops(z, a, y, s1, s2):
    # CE = -Σ_c y_c ln softmax(z)_c = lse(z) - Σ_c y_c z_c for one-hot y, with
    # lse(z) = m + ln Σ_c exp(z_c - m), m = max_c z_c: every exp is in (0, 1] and the
    # sum >= 1, so the ln is finite, and a confident wrong answer costs ~(z_max - z_y),
    # never inf (ln a_y would be ln 0 once a_y underflows). Computed from the logits,
    # not from a, as torch's F.cross_entropy does.
    scratch = np.empty(z.shape, s1.dtype)
    return [
        (np.maximum.reduce, (z, -2, None, s2, True)),  # m
        (np.subtract, (z, s2, scratch)),
        (np.exp, (scratch, scratch)),
        (np.add.reduce, (scratch, -2, None, s1, True)),  # Σ exp(z - m)
        (np.log, (s1, s1)),
        (np.add, (s1, s2, s1)),  # lse
        (np.multiply, (y, z, scratch)),
        (np.add.reduce, (scratch, -2, None, s2, True)),  # z_y
        (np.subtract, (s1, s2, s1)),
    ]


def _ce_terms(z, a, y, s1, s2):
    for f, args in _ce_terms_ops(z, a, y, s1, s2):
        f(*args)
    return s1


# d/dz [lse(z) - z_y] = softmax(z) - onehot(y) = a - y, the mean's 1/N on top: the
# same two calls as BCE's (softmax's Jacobian cancels as the sigmoid's derivative does).
_ce_grad_ops = _bce_grad_ops
_ce_grad = _bce_grad


LOSSES: dict[str, Loss] = {
    "bce": Loss(
        "bce",
        "mean(softplus(z) - y z) = mean(-y ln a - (1 - y) ln(1 - a)), a = sigmoid(z)",
        ("sigmoid",),
        _bce_terms,
        _bce_grad,
        _bce_grad_ops,
        label="Cross-entropy",
    ),
    "mse": Loss(
        "mse",
        "mean((a - y)²)",
        ("sigmoid", "tanh", "linear"),
        _mse_terms,
        _mse_grad,
        label="Mean squared error",
    ),
    "ce": Loss(
        "ce",
        "mean(lse(z) - z_y) = mean(-ln softmax(z)_y), lse(z) = ln Σ_c exp(z_c)",
        ("softmax",),
        _ce_terms,
        _ce_grad,
        _ce_grad_ops,
        _ce_terms_ops,
        label="Categorical cross-entropy",
    ),
}


def get_loss(name: str, output: str | None = None) -> Loss:
    """Look a loss up by name; refuse it if it makes no sense with ``output``."""
    loss = lookup(LOSSES, name, "loss")
    if output is not None and output not in loss.outputs:
        allowed = ", ".join(loss.outputs)
        raise ValueError(f"loss {name!r} needs an output activation in: {allowed}")
    return loss
