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

Each entry is the loss's one declaration: beside the fast functions, its display name,
its readable formulas (``reference``, the oracle :mod:`engine.reference` reads) and how
each exported script writes it (:class:`LossScripts`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from .activations import Activation, Ops, Readable
from .registry import lookup

Terms = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]
Grad = Callable[
    [np.ndarray, np.ndarray, np.ndarray, Activation, np.ndarray, np.ndarray], np.ndarray
]
TermsOps = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], Ops]
GradOps = Callable[[np.ndarray, np.ndarray, np.ndarray, Activation, np.ndarray, np.ndarray], Ops]

# The readable formulas, points first: value(Z, A, Y), the mean loss, and
# delta(Z, A, Y, f'), dL/dZ, given the output's f' (None for softmax, whose loss never
# calls it).
Value = Callable[[np.ndarray, np.ndarray, np.ndarray], float]
Delta = Callable[[np.ndarray, np.ndarray, np.ndarray, Readable | None], np.ndarray]


@dataclass(frozen=True)
class LossScripts:
    """How the exported scripts (:mod:`engine.export`) write one loss.

    * ``logits_of``: the output activation the loss applies itself, given the logits
      (bce: sigmoid, ce: softmax), so the scripts' models end without it; None if the
      loss takes the output ``a``;
    * ``numpy_doc``: what the NumPy script's loss_and_grads computes; ``numpy``: the
      lines that compute ``loss`` from ``z``, ``a``, ``y`` and ``n`` (points);
      ``numpy_grad``: dL/da's part of dz (an expression), ``numpy_grad_note`` its
      comment; unless ``logits_of``, the script multiplies it by the output's f';
    * ``torch_doc`` and ``torch``: the PyTorch script's loss_fn; ``torch_outputs``:
      each point's output for the report, from ``model(X)``;
    * ``keras`` and ``keras_outputs``: the same for the Keras script.
    """

    logits_of: str | None
    numpy_doc: str
    numpy: tuple[str, ...]
    numpy_grad: str
    numpy_grad_note: str
    torch_doc: str
    torch: str
    torch_outputs: str
    keras: str
    keras_outputs: str


@dataclass(frozen=True)
class Loss:
    """A named loss: per-point ``terms`` and ``grad`` with respect to the pre-activation."""

    name: str
    formula: str
    outputs: tuple[str, ...]  # output activations this loss makes sense with
    terms: Terms
    grad: Grad
    grad_ops: GradOps | None = None  # grad as a list of (function, args), if given
    terms_ops: TermsOps | None = None  # terms as a list of (function, args), if given
    label: str = ""  # the name the page shows
    # (value(Z, A, Y), delta(Z, A, Y, f')): the mean loss and dL/dZ, points first
    # (engine/reference.py), Y one-hot for ce; f' the output's derivative
    reference: tuple[Value, Delta] | None = None
    scripts: LossScripts | None = None

    def __reduce__(self) -> tuple[Callable[..., Loss], tuple[object, ...]]:
        # A registered loss pickles as its name (its readable formulas are lambdas,
        # which pickle cannot carry); any other by its fields.
        if LOSSES.get(self.name) is self:
            return (get_loss, (self.name,))
        return (Loss, tuple(getattr(self, f.name) for f in fields(self)))


def _bce_terms(
    z: np.ndarray, a: np.ndarray, y: np.ndarray, s1: np.ndarray, s2: np.ndarray
) -> np.ndarray:
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


def _bce_grad_ops(
    z: np.ndarray,
    a: np.ndarray,
    y: np.ndarray,
    output: Activation,
    out: np.ndarray,
    s1: np.ndarray,
) -> Ops:
    # d/dz [softplus(z) - y z] = sigmoid(z) - y = a - y; the sigmoid's own
    # derivative cancels, which is why BCE pairs with a sigmoid output.
    inv_n = np.array(1.0 / z.shape[-1], dtype=out.dtype)  # 0-d: cheaper than a float
    return [(np.subtract, (a, y, out)), (np.multiply, (out, inv_n, out))]


def _bce_grad(
    z: np.ndarray,
    a: np.ndarray,
    y: np.ndarray,
    output: Activation,
    out: np.ndarray,
    s1: np.ndarray,
) -> np.ndarray:
    for f, args in _bce_grad_ops(z, a, y, output, out, s1):
        f(*args)
    return out


def _mse_terms(
    z: np.ndarray, a: np.ndarray, y: np.ndarray, s1: np.ndarray, s2: np.ndarray
) -> np.ndarray:
    # MSE = mean (a - y)², as torch.nn.MSELoss (no factor 1/2).
    np.subtract(a, y, s1)
    np.multiply(s1, s1, s1)
    return s1


def _mse_grad(
    z: np.ndarray,
    a: np.ndarray,
    y: np.ndarray,
    output: Activation,
    out: np.ndarray,
    s1: np.ndarray,
) -> np.ndarray:
    # dL/dz = 2 (a - y) / N * f'(z).
    output.derivative(z, a, out)
    np.subtract(a, y, s1)
    np.multiply(s1, 2.0 / z.shape[-1], s1)
    np.multiply(out, s1, out)
    return out


def _ce_terms_ops(
    z: np.ndarray, a: np.ndarray, y: np.ndarray, s1: np.ndarray, s2: np.ndarray
) -> Ops:
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


def _ce_terms(
    z: np.ndarray, a: np.ndarray, y: np.ndarray, s1: np.ndarray, s2: np.ndarray
) -> np.ndarray:
    for f, args in _ce_terms_ops(z, a, y, s1, s2):
        f(*args)
    return s1


# d/dz [lse(z) - z_y] = softmax(z) - onehot(y) = a - y, the mean's 1/N on top: the
# same two calls as BCE's (softmax's Jacobian cancels as the sigmoid's derivative does).
_ce_grad_ops = _bce_grad_ops
_ce_grad = _bce_grad


# -- Readable formulas: the reference's (engine/reference.py), points first.


def logsumexp(Z: np.ndarray) -> np.ndarray:
    """ln Σ_c exp(Z[n, c]) per row, computed as m + ln Σ exp(Z - m), m the row's max."""
    m = Z.max(axis=1, keepdims=True)
    lse: np.ndarray = (m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True)))[:, 0]
    return lse


def _element_wise(f_prime: Readable | None) -> Readable:
    """The output's f', for a delta that multiplies by it; softmax has none (its
    derivative is a Jacobian), and only ce, which never calls it, pairs with softmax."""
    if f_prime is None:
        raise ValueError("this loss needs an output activation with an element-wise f'")
    return f_prime


LOSSES: dict[str, Loss] = {
    "bce": Loss(
        "bce",
        "mean(softplus(z) - y z) = mean(-y ln a - (1 - y) ln(1 - a)), a = sigmoid(z)",
        ("sigmoid",),
        _bce_terms,
        _bce_grad,
        _bce_grad_ops,
        label="Cross-entropy",
        # the sigmoid's derivative cancels: delta = (a - y) / size
        reference=(
            lambda Z, A, Y: np.mean(np.logaddexp(0.0, Z) - Y * Z),
            lambda Z, A, Y, f_prime: (A - Y) / Y.size,
        ),
        scripts=LossScripts(
            logits_of="sigmoid",
            numpy_doc="mean binary cross-entropy",
            numpy=(
                "# -y ln a - (1 - y) ln(1 - a), from z without overflow: softplus(z) - y z",
                "loss = np.mean(np.maximum(z, 0.0) - np.log(np.maximum(a, 1 - a)) - y * z)",
            ),
            numpy_grad="(a - y) * (1 / n)",
            numpy_grad_note="d loss / dz: the sigmoid's derivative cancels",
            torch_doc="The mean binary cross-entropy, from the logits",
            torch="F.binary_cross_entropy_with_logits(model(X), y)",
            torch_outputs="torch.sigmoid(model(X)).detach()[:, 0].numpy()",
            keras="keras.losses.BinaryCrossentropy(from_logits=True)",
            keras_outputs="keras.ops.convert_to_numpy(keras.ops.sigmoid(model(X)))[:, 0]",
        ),
    ),
    "mse": Loss(
        "mse",
        "mean((a - y)²)",
        ("sigmoid", "tanh", "linear"),
        _mse_terms,
        _mse_grad,
        label="Mean squared error",
        reference=(
            lambda Z, A, Y: np.mean((A - Y) ** 2),
            lambda Z, A, Y, f_prime: 2.0 * (A - Y) / Y.size * _element_wise(f_prime)(Z),
        ),
        scripts=LossScripts(
            logits_of=None,
            numpy_doc="mean squared error",
            numpy=("loss = np.mean((a - y) ** 2)",),
            numpy_grad="(a - y) * (2 / n)",
            numpy_grad_note="d loss / dz",
            torch_doc="The mean squared error",
            torch="F.mse_loss(model(X), y)",
            torch_outputs="model(X).detach()[:, 0].numpy()",
            keras="keras.losses.MeanSquaredError()",
            keras_outputs="keras.ops.convert_to_numpy(model(X))[:, 0]",
        ),
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
        # the softmax's Jacobian cancels: delta = (a - Y) / N
        reference=(
            lambda Z, A, Y: np.mean(logsumexp(Z) - (Y * Z).sum(axis=1)),
            lambda Z, A, Y, f_prime: (A - Y) / len(Y),
        ),
        scripts=LossScripts(
            logits_of="softmax",
            numpy_doc="mean cross-entropy",
            numpy=(
                "# -ln a_y = ln Σ_c exp(z_c) - z_y, from the logits (the largest, m, taken out",
                "# first: no overflow, and a confident wrong answer costs ~(m - z_y), never inf)",
                "m = z.max(axis=0, keepdims=True)",
                "lse = np.log(np.exp(z - m).sum(axis=0, keepdims=True)) + m",
                "loss = np.mean(lse - (y * z).sum(axis=0, keepdims=True))",
            ),
            numpy_grad="(a - y) * (1 / n)",
            numpy_grad_note="d loss / dz = softmax(z) - onehot(y)",
            torch_doc="The mean cross-entropy, from the logits and the classes' indices",
            torch="F.cross_entropy(model(X), y)",
            torch_outputs="torch.softmax(model(X), dim=1).detach().numpy()",
            keras="keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
            keras_outputs="keras.ops.convert_to_numpy(keras.ops.softmax(model(X), axis=1))",
        ),
    ),
}


def get_loss(name: str, output: str | None = None) -> Loss:
    """Look a loss up by name; refuse it if it makes no sense with ``output``."""
    loss = lookup(LOSSES, name, "loss")
    if output is not None and output not in loss.outputs:
        allowed = ", ".join(loss.outputs)
        raise ValueError(f"loss {name!r} needs an output activation in: {allowed}")
    return loss


def loss_scripts(name: str) -> LossScripts:
    """How the exported scripts write loss ``name``; ValueError if it declares none."""
    scripts = lookup(LOSSES, name, "loss").scripts
    if scripts is None:
        raise ValueError(f"loss {name!r} declares no exported-script forms")
    return scripts
