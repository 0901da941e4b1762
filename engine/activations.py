"""Activation functions: a registry from the name the user sees to ``f`` and ``f'``.

Each entry is an :class:`Activation` with two in-place functions, in the spirit of
scikit-learn's ``ACTIVATIONS`` / ``DERIVATIVES`` dictionaries and the TensorFlow
Playground's ``{output, der}`` objects:

* ``forward(z, out)`` writes ``a = f(z)`` into ``out`` and returns it;
* ``derivative(z, a, out)`` writes ``f'(z)`` into ``out``, given ``a = f(z)``
  (several derivatives are cheapest in terms of the output, e.g. tanh' = 1 - a²).

``out`` may be ``z`` itself for ``forward`` (it is never read again), but for
``derivative`` it must be a third buffer. Everything works element-wise, so any
shape goes, and replicas never mix, except the output-only ``softmax``
(:data:`OUTPUTS`), which normalises over its layer's units (axis -2 of the
points-last arrays).

Each entry is the activation's one declaration (as torch.optim registers each
optimizer once): beside the fast functions it carries its display name (the page's
words, sent in the Config schema), its readable formulas (``reference``: f and f' of
z, fresh arrays, the oracle :mod:`engine.reference` holds the fast path against), and
how each exported script writes it (:class:`Scripts`). The exporters, the reference,
the schema and the tests' parameter lists all read :data:`ACTIVATIONS`, so adding an
activation is one function pair and one entry here, and it is then trained, exported
and tested everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

import numpy as np

from .registry import lookup

LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0

Forward = Callable[[np.ndarray, np.ndarray], np.ndarray]
Derivative = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


# A computation as NumPy calls bound to their arrays: (function, args), run as f(*args).
Ops = list[tuple[Callable[..., object], tuple[object, ...]]]


Readable = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Scripts:
    """How the exported scripts (:mod:`engine.export`) write one activation.

    * ``numpy``: f(z) as a NumPy expression of ``z`` (one column per point);
      ``numpy_derivative``: f'(z) as one of ``z`` and ``a = f(z)``, None when f' = 1;
      ``numpy_def``: the source of a helper function named after the activation, for
      expressions that call it; ``numpy_uses``: other activations whose helpers the
      expressions call;
    * ``torch``: the module after each ``nn.Linear`` (None: nothing, the identity);
    * ``keras``: ``Dense``'s ``activation=`` argument (None: none); ``keras_layer``: a
      layer after each hidden ``Dense``, for an activation Keras has as a layer only;
    * ``torch_note``, ``keras_note``: a comment under the script's model, where the
      library computes the activation differently.
    """

    numpy: str
    numpy_derivative: str | None
    torch: str | None
    keras: str | None
    numpy_def: str = ""
    numpy_uses: tuple[str, ...] = ()
    keras_layer: str | None = None
    torch_note: str = ""
    keras_note: str = ""


@dataclass(frozen=True)
class Activation:
    """A named activation: ``forward(z, out)`` and ``derivative(z, a, out)``.

    ``forward_ops(z, out)`` and ``derivative_ops(z, a, out)``, where given, return
    the same computation as a list of NumPy calls ``(function, args)`` bound to those
    arrays, which :meth:`engine.network.MLP.program` inlines into its programs.

    ``scaled``, where given, is ``(c, g)`` with ``f(z) = g(c z)`` and c a power of two
    (or -1): a caller that multiplies its weights by c beforehand (exact in floating
    point) computes f with one pass over the data fewer. Frames do this.

    ``label``: the name the page shows. ``reference``: ``(f, f')``, each a function of
    the pre-activation z alone, written to be read (f' None for softmax, whose
    derivative is not element-wise). ``scripts``: how the exported scripts write it.
    """

    name: str
    formula: str
    forward: Forward
    derivative: Derivative
    forward_ops: Callable[[np.ndarray, np.ndarray], Ops] | None = None
    derivative_ops: Callable[[np.ndarray, np.ndarray, np.ndarray], Ops] | None = None
    scaled: tuple[float, Forward] | None = None
    label: str = ""
    reference: tuple[Readable, Readable | None] | None = None
    scripts: Scripts | None = None

    def __reduce__(self) -> tuple[Callable[..., Activation], tuple[object, ...]]:
        # A registered activation pickles as its name (its readable formulas may be
        # lambdas, which pickle cannot carry); any other by its fields.
        if ACTIVATIONS.get(self.name) is self or OUTPUTS.get(self.name) is self:
            return (declared, (self.name,))
        return (Activation, tuple(getattr(self, f.name) for f in fields(self)))


def _k(value: float, like: np.ndarray) -> np.ndarray:
    """A constant as a 0-d array of ``like``'s dtype: NumPy takes it ~0.3 µs faster
    than a Python float in a ufunc call, which matters in a replayed program."""
    return np.array(value, dtype=like.dtype)


def _run(ops: Ops, out: np.ndarray) -> np.ndarray:
    for f, args in ops:
        f(*args)
    return out


def _linear(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """f(z) = z."""
    if out is not z:
        np.copyto(out, z)
    return out


def _linear_der(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    out.fill(1.0)
    return out


def _relu(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """f(z) = max(z, 0)."""
    np.maximum(z, 0.0, out=out)
    return out


def _relu_der(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    # f'(0) = 0, as in torch and the TensorFlow Playground.
    np.greater(z, 0.0, out)
    return out


def _leaky_relu(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """f(z) = max(z, 0.01 z)."""
    np.maximum(z, LEAKY_SLOPE * z, out=out)
    return out


def _leaky_relu_der(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.greater(z, 0.0, out)
    out *= 1.0 - LEAKY_SLOPE
    out += LEAKY_SLOPE
    return out


def _elu(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """f(z) = z if z > 0 else alpha (exp(z) - 1), alpha = 1.

    Computed as max(z, 0) + alpha expm1(min(z, 0)): expm1 never sees a positive
    number (no overflow), each term is exactly zero on the other side, and ``out``
    may be ``z`` (the positive part is kept before ``out`` is written).
    """
    positive_part = np.maximum(z, 0.0)
    np.minimum(z, 0.0, out=out)
    np.expm1(out, out)
    out *= ELU_ALPHA
    out += positive_part
    return out


def _elu_der(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    # For z <= 0, f'(z) = alpha exp(z) = f(z) + alpha.
    np.add(a, ELU_ALPHA, out)
    np.copyto(out, 1.0, where=z > 0.0)
    return out


# Below this many numbers per replica np.tanh's single call beats the five calls
# of the exp form (each NumPy call costs ~1 µs). The choice depends on the shape of
# one replica only, so K stacked replicas compute exactly what K single runs do.
_FAST_TANH_MIN = 512


def _tanh_ops(z: np.ndarray, out: np.ndarray) -> Ops:
    """f(z) = tanh(z); on large arrays computed as 1 - 2 / (exp(2z) + 1).

    Why not always np.tanh: without AVX-512, NumPy evaluates float64 tanh with scalar
    libm code (~15 ns a number) while exp is ~7 ns; on the small nets here tanh is
    the largest single cost of a training step. The exp form's error stays below 1.5
    units of float64 rounding at 1 (3.3e-16 absolute, 6.6e-16 relative where
    |tanh z| > 0.46, measured against np.tanh over [-30, 30]); tiny outputs are
    correct in absolute, not relative, terms. exp(2z) overflows to inf for z > 354,
    giving exactly 1 (callers run under np.errstate(over="ignore")).
    """
    per_replica = z.shape[-1] * z.shape[-2] if z.ndim >= 2 else z.size
    if per_replica < _FAST_TANH_MIN:
        return [(np.tanh, (z, out))]
    one, two = _k(1.0, out), _k(2.0, out)
    return [
        (np.multiply, (z, two, out)),
        (np.exp, (out, out)),
        (np.add, (out, one, out)),
        (np.divide, (two, out, out)),
        (np.subtract, (one, out, out)),
    ]


def _tanh(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    return _run(_tanh_ops(z, out), out)


def _tanh_of_half(y: np.ndarray, out: np.ndarray) -> np.ndarray:
    """g(y) = tanh(y / 2) = 1 - 2 / (exp(y) + 1): the exp form above without its
    first multiplication, for callers that fold the 2 into their weights."""
    one = _k(1.0, out)
    np.exp(y, out)
    np.add(out, one, out)
    np.divide(_k(-2.0, out), out, out)
    np.add(out, one, out)
    return out


def _tanh_der_ops(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> Ops:
    # f'(z) = 1 - a²
    return [(np.multiply, (a, a, out)), (np.subtract, (_k(1.0, out), out, out))]


def _tanh_der(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    return _run(_tanh_der_ops(z, a, out), out)


def _sigmoid_ops(z: np.ndarray, out: np.ndarray) -> Ops:
    """f(z) = 1 / (1 + exp(-z))."""
    # exp(-z) may overflow to inf for z < -709; 1 / inf = 0 is then the right answer.
    # Callers run under np.errstate(over="ignore").
    one = _k(1.0, out)
    return [
        (np.negative, (z, out)),
        (np.exp, (out, out)),
        (np.add, (out, one, out)),
        (np.divide, (one, out, out)),
    ]


def _sigmoid(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    return _run(_sigmoid_ops(z, out), out)


def _sigmoid_of_negative(y: np.ndarray, out: np.ndarray) -> np.ndarray:
    """g(y) = sigmoid(-y) = 1 / (1 + exp(y)), for callers that fold the -1 into
    their weights."""
    one = _k(1.0, out)
    np.exp(y, out)
    np.add(out, one, out)
    np.divide(one, out, out)
    return out


def _sigmoid_der_ops(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> Ops:
    # f'(z) = a (1 - a)
    return [(np.subtract, (_k(1.0, out), a, out)), (np.multiply, (out, a, out))]


def _sigmoid_der(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    return _run(_sigmoid_der_ops(z, a, out), out)


def _softplus(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """f(z) = ln(1 + exp(z)), computed without overflow."""
    np.logaddexp(0.0, z, out)
    return out


def _softplus_der(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    return _sigmoid(z, out)


def _swish(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """f(z) = z sigmoid(z) (a.k.a. SiLU)."""
    s = _sigmoid(z, np.empty_like(z))
    np.multiply(z, s, out)
    return out


def _swish_der(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    # f' = s + z s (1 - s) = s (1 - a) + a, with s = sigmoid(z), a = z s.
    _sigmoid(z, out)
    out *= 1.0 - a
    out += a
    return out


def _softmax_ops(z: np.ndarray, out: np.ndarray) -> Ops:
    """f(z)_c = exp(z_c - m) / Σ_j exp(z_j - m), m = max_j z_j, over the units axis
    (-2: arrays are points-last, (units, N) or (K, units, N)).

    Subtracting the largest logit changes nothing mathematically and keeps every exp in
    (0, 1]: no overflow, and the sum is at least 1. ``out`` may be ``z``. The scratch
    row (1, N) is made when the calls are built, so a replayed program allocates none.
    """
    row = np.empty((*z.shape[:-2], 1, z.shape[-1]), out.dtype)
    return [
        (np.maximum.reduce, (z, -2, None, row, True)),
        (np.subtract, (z, row, out)),
        (np.exp, (out, out)),
        (np.add.reduce, (out, -2, None, row, True)),
        (np.divide, (out, row, out)),
    ]


def _softmax(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    return _run(_softmax_ops(z, out), out)


def _softmax_der(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    # ∂a_c/∂z_j = a_c (δ_cj - a_j) is a C x C Jacobian per point, not an element-wise
    # derivative; the cross-entropy's gradient with respect to z, a - onehot(y), never
    # needs it, which is why softmax goes only with ce.
    raise ValueError(
        "softmax has no element-wise derivative: it pairs with the ce loss, "
        "whose gradient with respect to z is a - onehot(y)"
    )


# -- Readable formulas: the reference's (engine/reference.py), points first, fresh arrays.


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)), as written."""
    a: np.ndarray = 1.0 / (1.0 + np.exp(-z))
    return a


def softmax(Z: np.ndarray) -> np.ndarray:
    """Each row's C logits to probabilities; the row's largest logit is subtracted
    first (the same numbers, no overflow)."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P: np.ndarray = E / E.sum(axis=1, keepdims=True)
    return P


# -- How the NumPy script defines the functions its expressions call.

_NUMPY_TANH = """
def tanh(z):
    # From 512 numbers on, the playground computes tanh as 1 - 2 / (exp(2z) + 1),
    # faster than np.tanh on most CPUs; the two differ in the last bit, and doing the
    # same keeps this script's numbers the playground's.
    if z.size < 512:
        return np.tanh(z)
    return 1 - 2 / (np.exp(2 * z) + 1)
"""

_NUMPY_SIGMOID = """
def sigmoid(z):
    return 1 / (1 + np.exp(-z))
"""

_NUMPY_SOFTMAX = '''
def softmax(z):
    """Each point's class probabilities, over axis 0 (one row per class): the largest
    logit subtracted first, which changes nothing but keeps every exp within (0, 1]."""
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
'''

_SOFTPLUS_TORCH_NOTE = (
    "# nn.Softplus returns z itself for z > 20, where the playground's "
    "ln(1 + e^z)\n# differs from z by less than 2e-9."
)
_SOFTPLUS_KERAS_NOTE = (
    "# Keras's softplus may return z itself for large z, where the playground's "
    "ln(1 + e^z)\n# differs from z by less than 2e-9."
)


ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation(
        "linear",
        "f(z) = z",
        _linear,
        _linear_der,
        label="Linear",
        reference=(lambda z: z, lambda z: np.ones_like(z)),
        scripts=Scripts("z", None, torch=None, keras=None),
    ),
    "relu": Activation(
        "relu",
        "f(z) = max(0, z)",
        _relu,
        _relu_der,
        label="ReLU",
        # f'(0) = 0
        reference=(lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
        scripts=Scripts("np.maximum(z, 0.0)", "z > 0", torch="nn.ReLU()", keras='"relu"'),
    ),
    "leaky_relu": Activation(
        "leaky_relu",
        "f(z) = z if z > 0 else 0.01 z",
        _leaky_relu,
        _leaky_relu_der,
        label="Leaky ReLU",
        reference=(
            lambda z: np.where(z > 0, z, 0.01 * z),
            lambda z: np.where(z > 0, 1.0, 0.01),
        ),
        scripts=Scripts(
            "np.maximum(z, 0.01 * z)",
            "np.where(z > 0, 1.0, 0.01)",
            torch="nn.LeakyReLU(0.01)",
            keras=None,
            keras_layer="keras.layers.LeakyReLU(negative_slope=0.01)",
        ),
    ),
    "elu": Activation(
        "elu",
        "f(z) = z if z > 0 else exp(z) - 1",
        _elu,
        _elu_der,
        label="ELU",
        reference=(
            lambda z: np.where(z > 0, z, np.exp(np.minimum(z, 0.0)) - 1.0),
            lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0))),
        ),
        scripts=Scripts(
            "np.maximum(z, 0.0) + np.expm1(np.minimum(z, 0.0))",
            "np.where(z > 0, 1.0, a + 1)",
            torch="nn.ELU()",
            keras='"elu"',
        ),
    ),
    "tanh": Activation(
        "tanh",
        "f(z) = tanh(z)",
        _tanh,
        _tanh_der,
        _tanh_ops,
        _tanh_der_ops,
        scaled=(2.0, _tanh_of_half),
        label="Tanh",
        reference=(np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
        scripts=Scripts(
            "tanh(z)", "1 - a * a", torch="nn.Tanh()", keras='"tanh"', numpy_def=_NUMPY_TANH
        ),
    ),
    "sigmoid": Activation(
        "sigmoid",
        "f(z) = 1 / (1 + exp(-z))",
        _sigmoid,
        _sigmoid_der,
        _sigmoid_ops,
        _sigmoid_der_ops,
        scaled=(-1.0, _sigmoid_of_negative),
        label="Sigmoid",
        reference=(sigmoid, lambda z: sigmoid(z) * (1.0 - sigmoid(z))),
        scripts=Scripts(
            "sigmoid(z)",
            "(1 - a) * a",
            torch="nn.Sigmoid()",
            keras='"sigmoid"',
            numpy_def=_NUMPY_SIGMOID,
        ),
    ),
    "softplus": Activation(
        "softplus",
        "f(z) = ln(1 + exp(z))",
        _softplus,
        _softplus_der,
        label="Softplus",
        reference=(lambda z: np.logaddexp(0.0, z), sigmoid),
        scripts=Scripts(
            "np.logaddexp(0.0, z)",
            "sigmoid(z)",
            torch="nn.Softplus()",
            keras='"softplus"',
            numpy_uses=("sigmoid",),
            torch_note=_SOFTPLUS_TORCH_NOTE,
            keras_note=_SOFTPLUS_KERAS_NOTE,
        ),
    ),
    "swish": Activation(
        "swish",
        "f(z) = z / (1 + exp(-z))",
        _swish,
        _swish_der,
        label="Swish",
        reference=(
            lambda z: z * sigmoid(z),
            lambda z: sigmoid(z) + z * sigmoid(z) * (1.0 - sigmoid(z)),
        ),
        scripts=Scripts(
            "z * sigmoid(z)",
            "sigmoid(z) * (1 - a) + a",
            torch="nn.SiLU()",
            keras='"silu"',
            numpy_uses=("sigmoid",),
        ),
    ),
}

HIDDEN_ACTIVATIONS: tuple[str, ...] = tuple(ACTIVATIONS)
# Output activations: three element-wise ones with one unit (a probability of class 1,
# a ±1 score, a value), and softmax, one unit per class, normalised over them. Only
# with the ce loss, which the scripts give the logits (so no module or layer of its own).
OUTPUTS: dict[str, Activation] = {
    **{name: ACTIVATIONS[name] for name in ("sigmoid", "tanh", "linear")},
    "softmax": Activation(
        "softmax",
        "f(z)_c = exp(z_c) / Σ_j exp(z_j)",
        _softmax,
        _softmax_der,
        _softmax_ops,
        label="Softmax",
        reference=(softmax, None),
        scripts=Scripts(
            "softmax(z)", None, torch=None, keras='"softmax"', numpy_def=_NUMPY_SOFTMAX
        ),
    ),
}
OUTPUT_ACTIVATIONS: tuple[str, ...] = tuple(OUTPUTS)
SINGLE_UNIT_OUTPUTS: tuple[str, ...] = ("sigmoid", "tanh", "linear")


def get_activation(name: str) -> Activation:
    """Look a hidden activation up by name, with an error that lists the known ones."""
    return lookup(ACTIVATIONS, name, "activation")


def per_layer(activation: str | Sequence[str], layers: int) -> tuple[str, ...]:
    """The hidden activation of each of ``layers`` hidden layers, inputs first: one name
    is every layer's; a list must name one per layer (ValueError otherwise)."""
    if isinstance(activation, str):
        return (activation,) * layers
    names = tuple(activation)
    if len(names) != layers:
        raise ValueError(
            f"activation lists {len(names)} names for {layers} hidden layers: give "
            f"one name per hidden layer, or one name for all"
        )
    return names


def get_output(name: str) -> Activation:
    """Look an output activation up by name (softmax included)."""
    return lookup(OUTPUTS, name, "output")


def declared(name: str) -> Activation:
    """The declaration of ``name``, hidden or output (softmax), for the readers of
    declarations (the exporters, the reference): whichever table has it."""
    return ACTIVATIONS[name] if name in ACTIVATIONS else get_output(name)


def script_forms(name: str) -> Scripts:
    """How the exported scripts write activation ``name`` (its declaration's
    ``scripts``); ValueError if it declares none."""
    scripts = declared(name).scripts
    if scripts is None:
        raise ValueError(f"activation {name!r} declares no exported-script forms")
    return scripts


def every_activation() -> list[Activation]:
    """Every declared activation once, hidden ones first, in declaration order."""
    return [*ACTIVATIONS.values(), *(a for n, a in OUTPUTS.items() if n not in ACTIVATIONS)]
