"""Gradient checking: analytic gradients against central differences.

For every parameter entry θ (the same entry of every replica at once, since replica
k's loss depends on replica k's parameters only)::

    numeric = (L(θ + ε) - L(θ - ε)) / (2 ε)

and for each parameter array and replica the relative error of Andrew Ng's gradient
check (seed 001's advice)::

    ‖analytic - numeric‖ / (‖analytic‖ + ‖numeric‖)

reported as the largest over the replicas, one number per parameter array. The
denominator has a floor of 1e-3·(1 + |L|) (:data:`RESOLUTION`): a gradient far below the
loss's rounding cannot be resolved to 1e-6 by differences, and a stuck net's correct
but tiny gradient must not read as wrong. Below
1e-7 is right; around 1e-2 or more means a wrong gradient.

A ReLU-family unit whose pre-activation sits exactly on its kink (a zero bias at the
input (0, 0), the common case on xor4) makes the loss non-differentiable there: the
analytic gradient takes the convention relu'(0) = 0 while a central difference straddles
the kink. Such an entry is detected by its one-sided slopes disagreeing,

    |(L(θ+ε) - L(θ))/ε - (L(θ) - L(θ-ε))/ε| > 1e-3 (|fwd| + |bwd|) + 10 ε (1 + |L(θ)|),

far beyond the ε·|L''| of a smooth loss, and left out of the comparison (counted in
:func:`gradient_check_details`), so a correct gradient on a stuck ReLU net is not
reported wrong.

The data term and the penalty are differenced separately (the penalty of a weight
entry w changes by l1 (|w+ε| - |w-ε|) + l2 ((w+ε)² - (w-ε)²) / 2): adding the
penalty first would bury a small gradient's difference under the rounding of a
larger loss.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .network import MLP

# Central differences resolve a gradient only down to the loss's rounding,
# ~ε_mach·|L|/ε ≈ 1e-10 per entry at ε = 1e-6 (a few times that over an array): an
# array whose gradient norm is below this floor (a stuck net's, say) is compared
# relative to the floor, not to its own tiny norm. At 1e-4 that rounding still read
# 1.2e-6 against the floor, "wrong" at the page's 1e-6, for a correct stuck ReLU net;
# at 1e-3 it reads ~1e-7, and a wrong gradient still reads ~1e-2.
RESOLUTION = 1e-3


def gradient_check(
    net: MLP,
    X: np.ndarray,
    y: np.ndarray,
    loss: str = "bce",
    l1: float = 0.0,
    l2: float = 0.0,
    eps: float = 1e-6,
    analytic: list[np.ndarray] | None = None,
) -> list[float]:
    """Largest relative error between analytic and numeric gradients, per params array.

    Works on a float64 copy of ``net``, so the network itself is left untouched.

    ``analytic``: gradients to judge instead of the engine's own, e.g. a hand-written
    backward pass's, in ``net.params`` order ``[dW1, db1, dW2, db2, ...]``, each shaped
    like the parameter with or without the leading replica axis (W: (fan_in,
    fan_out), b: (fan_out,)). Put your weights into the net first (``net.params[i][0]
    = ...``); the numeric side differences the engine's forward pass and loss.
    """
    return gradient_check_details(net, X, y, loss, l1, l2, eps, analytic)[0]


def gradient_check_details(
    net: MLP,
    X: np.ndarray,
    y: np.ndarray,
    loss: str = "bce",
    l1: float = 0.0,
    l2: float = 0.0,
    eps: float = 1e-6,
    analytic: list[np.ndarray] | None = None,
) -> tuple[list[float], list[int]]:
    """:func:`gradient_check`'s errors, plus per params array how many entries (summed
    over replicas) sat on a kink and were left out of the comparison."""
    probe = net if net.dtype == np.float64 else _as_float64(net)
    probe = probe.copy()
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if analytic is None:
        _, grads = probe.loss_and_grads(X, y, loss=loss, l1=l1, l2=l2)
        analytic = [g.copy() for g in grads]
    else:
        analytic = _like_params(analytic, probe.params)
    center = probe.loss(X, y, loss=loss)
    kink_floor = 10.0 * eps * (1.0 + np.abs(center))
    resolution = RESOLUTION * (1.0 + np.abs(center))
    errors, kinks = [], []
    for entry, p, a in zip(probe.layout, probe.params, analytic, strict=True):
        is_weight = entry.kind == "weight"  # only weights are regularised
        numeric = np.zeros_like(a)
        flat_p = p.reshape(p.shape[0], -1)  # a view: p is contiguous per replica row
        assert np.shares_memory(flat_p, probe.flat)
        flat_n = numeric.reshape(numeric.shape[0], -1)
        kink_count = 0
        for i in range(flat_p.shape[1]):
            saved = flat_p[:, i].copy()
            flat_p[:, i] = saved + eps
            up = probe.loss(X, y, loss=loss)
            flat_p[:, i] = saved - eps
            down = probe.loss(X, y, loss=loss)
            flat_p[:, i] = saved
            fwd, bwd = (up - center) / eps, (center - down) / eps
            kinked = np.abs(fwd - bwd) > 1e-3 * (np.abs(fwd) + np.abs(bwd)) + kink_floor
            diff = up - down
            if is_weight:
                diff += l1 * (np.abs(saved + eps) - np.abs(saved - eps))
                diff += 0.5 * l2 * ((saved + eps) ** 2 - (saved - eps) ** 2)
            flat_n[:, i] = diff / (2.0 * eps)
            flat_a = a.reshape(a.shape[0], -1)
            # A kinked entry compares the analytic value with itself: it adds nothing.
            flat_n[kinked, i] = flat_a[kinked, i]
            kink_count += int(kinked.sum())
        kinks.append(kink_count)
        k = a.shape[0]
        diff = np.linalg.norm((a - numeric).reshape(k, -1), axis=1)
        scale = np.linalg.norm(a.reshape(k, -1), axis=1) + np.linalg.norm(
            numeric.reshape(k, -1), axis=1
        )
        rel = diff / np.maximum(scale, resolution)
        errors.append(float(rel.max()))
    return errors, kinks


def _like_params(given: list[np.ndarray], params: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Gradients given by a caller, as float64 arrays shaped like ``params``."""
    if len(given) != len(params):
        raise ValueError(
            f"analytic: expected {len(params)} arrays ([dW1, db1, ...]), got {len(given)}"
        )
    out = []
    for i, (g, p) in enumerate(zip(given, params, strict=True)):
        g = np.asarray(g, dtype=np.float64)
        if g.shape == p.shape[1:] and p.shape[0] == 1:
            g = g[None]
        if g.shape != p.shape:
            raise ValueError(
                f"analytic[{i}]: expected shape {p.shape[1:]} or {p.shape}, got {g.shape}"
            )
        out.append(g)
    return out


def _as_float64(net: MLP) -> MLP:
    twin = MLP(net.sizes, net.activation, net.output, net.replicas, init="zeros", dtype="float64")
    twin.flat[...] = net.flat
    return twin
