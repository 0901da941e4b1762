"""The network's equations, written to be read: the oracle the fast path is tested against.

One network (no replicas), points first, fresh arrays, float64, textbook names
(Goodfellow, Bengio & Courville, *Deep Learning*, §6.5). Nothing here is tuned for
speed and nothing in ``engine/`` calls it; ``tests/engine/test_reference.py`` holds
the fast path (:class:`engine.network.MLP`, the Trainer's programs, frames) against it.

Forward, for layers l = 1..L, with ``A[0] = X`` (N, n_in)::

    Z[l] = A[l-1] @ W[l] + b[l]        W[l]: (n[l-1], n[l]),  b[l]: (n[l],)
    A[l] = f(Z[l])                     f: layer l's hidden activation, the output's at l = L

Each activation's f and f' are written out in its one declaration
(:data:`engine.activations.ACTIVATIONS`, ``reference``), beside the fast path's
in-place functions and away from them: :func:`formulas` reads them from there, and
:func:`loss_formulas` each loss's from :data:`engine.losses.LOSSES`.

Loss: the mean over every output entry (torch's ``reduction="mean"``), plus the
penalty on the weights (never the biases)::

    bce = mean(-y ln a - (1 - y) ln(1 - a)) = mean(softplus(z) - y z),  a = sigmoid(z)
    mse = mean((a - y)²)
    ce  = mean over the N points of -ln a[n, y_n] = lse(z_n) - z[n, y_n],
          a = softmax(z) over each point's C logits, lse(z) = ln Σ_c exp(z_c)
    penalty = l1 Σ|W| + l2 ½ ΣW²

(ce takes integer labels y (N,) and reads them as one-hot rows Y (N, C).)

Backward, the chain rule from ``delta[L] = ∂loss/∂Z[L]`` (for bce and ce the
output's derivative cancels: ``(A - Y) / N``)::

    ∂loss/∂W[l] = A[l-1]ᵀ @ delta[l] + l1 sign(W[l]) + l2 W[l]
    ∂loss/∂b[l] = Σ_n delta[l]
    delta[l-1]  = (delta[l] @ W[l]ᵀ) * f'(Z[l-1])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .activations import Readable, declared, per_layer
from .losses import Delta, Value, get_loss


def formulas(name: str) -> tuple[Readable, Readable | None]:
    """(f, f') of activation ``name``, both functions of the pre-activation z, as its
    declaration writes them to be read (:class:`engine.activations.Activation`'s
    ``reference``; f' is None for softmax)."""
    act = declared(name)
    if act.reference is None:
        raise ValueError(f"activation {name!r} declares no readable formulas")
    return act.reference


def one_hot(y: ArrayLike, classes: int) -> NDArray[np.float64]:
    """Integer labels (N,) as rows Y (N, C): Y[n, c] = 1 if y[n] == c."""
    labels = np.asarray(y).reshape(-1).astype(int)
    Y: NDArray[np.float64] = (labels[:, None] == np.arange(classes)).astype(float)
    return Y


def forward(
    params: Sequence[np.ndarray],
    X: ArrayLike,
    activation: str | Sequence[str] = "tanh",
    output: str = "sigmoid",
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(Z1, A1), ..., (ZL, AL)]`` for ``params = [W1, b1, W2, b2, ...]``;
    ``activation``: one name for every hidden layer, or one per hidden layer."""
    A = np.asarray(X, dtype=float)
    layers = []
    L = len(params) // 2
    names = [*per_layer(activation, L - 1), output]
    for l in range(L):  # noqa: E741 - the equations' l
        W, b = params[2 * l], params[2 * l + 1]
        f, _ = formulas(names[l])
        Z = A @ W + b
        A = f(Z)
        layers.append((Z, A))
    return layers


def loss_formulas(name: str) -> tuple[Value, Delta]:
    """(value(Z, A, Y), delta(Z, A, Y, f')) of loss ``name``, as its declaration writes
    them to be read (:class:`engine.losses.Loss`'s ``reference``)."""
    declared = get_loss(name).reference
    if declared is None:
        raise ValueError(f"loss {name!r} declares no readable formulas")
    return declared


def data_loss(Z: np.ndarray, A: np.ndarray, y: np.ndarray, loss: str = "bce") -> float:
    """The mean loss of the output layer's Z and A = f(Z) against targets y (for ce:
    one-hot rows)."""
    value, _ = loss_formulas(loss)
    return value(Z, A, y)


def output_delta(
    Z: np.ndarray, A: np.ndarray, y: np.ndarray, output: str = "sigmoid", loss: str = "bce"
) -> np.ndarray:
    """delta[L] = ∂loss/∂Z[L]. For bce the sigmoid's derivative cancels: (a - y) / size;
    for ce the softmax's Jacobian cancels: (a - Y) / N; for mse 2 (a - y) / size f'(Z)."""
    _, delta = loss_formulas(loss)
    return delta(Z, A, y, formulas(output)[1])


def penalty(params: Sequence[np.ndarray], l1: float = 0.0, l2: float = 0.0) -> float:
    weights = params[0::2]
    total: float = sum(l1 * np.abs(W).sum() + 0.5 * l2 * (W**2).sum() for W in weights)
    return total


def loss_and_grads(
    params: Sequence[ArrayLike],
    X: ArrayLike,
    y: ArrayLike,
    activation: str | Sequence[str] = "tanh",
    output: str = "sigmoid",
    loss: str = "bce",
    l1: float = 0.0,
    l2: float = 0.0,
) -> tuple[float, list[np.ndarray | None]]:
    """(loss, ``[dW1, db1, dW2, db2, ...]``) of one network on the points X (N, n_in)
    with targets y (N, n_out), in the output's space (0/1 for sigmoid, ±1 for tanh),
    or for ce integer labels y (N,) in 0..C-1; ``activation``: one name for every
    hidden layer, or one per hidden layer."""
    arrays = [np.asarray(p, dtype=float) for p in params]
    X = np.asarray(X, dtype=float)
    if loss == "ce":
        Y = one_hot(y, arrays[-1].shape[0])
    else:
        Y = np.asarray(y, dtype=float).reshape(len(X), -1)
    layers = forward(arrays, X, activation, output)
    hidden = per_layer(activation, len(layers) - 1)
    Z, A = layers[-1]
    value = data_loss(Z, A, Y, loss) + penalty(arrays, l1, l2)
    delta = output_delta(Z, A, Y, output, loss)
    # every entry is written below; None stays only past the last (W, b) pair
    grads: list[np.ndarray | None] = [None] * len(arrays)
    for l in reversed(range(len(layers))):  # noqa: E741
        W = arrays[2 * l]
        A_below = layers[l - 1][1] if l > 0 else X
        grads[2 * l] = A_below.T @ delta + l1 * np.sign(W) + l2 * W
        grads[2 * l + 1] = delta.sum(axis=0)
        if l > 0:
            Z_below = layers[l - 1][0]
            _, f_prime = formulas(hidden[l - 1])
            if f_prime is None:
                raise ValueError(f"hidden activation {hidden[l - 1]!r} has no element-wise f'")
            delta = (delta @ W.T) * f_prime(Z_below)
    return value, grads
