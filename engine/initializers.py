"""Weight initialisers: a registry from the name the user sees to a sampling function.

Each function draws one weight matrix of shape (fan_in, fan_out) from a
``numpy.random.Generator``. The network calls it once per layer, in layer order,
with replica k's own generator, so replica k's weights depend only on ``seed + k``.

The variance-scaling schemes follow Keras (the seeds' framework):

===============  =====================================================
glorot_uniform   U(-l, l), l = sqrt(6 / (fan_in + fan_out))  (Keras's default)
glorot_normal    truncated N(0, s²), s = sqrt(2 / (fan_in + fan_out)) / 0.8796
he_uniform       U(-l, l), l = sqrt(6 / fan_in)
he_normal        truncated N(0, s²), s = sqrt(2 / fan_in) / 0.8796
lecun_normal     truncated N(0, s²), s = sqrt(1 / fan_in) / 0.8796
uniform          U(low, high)                (seed 004's U(0, 0.25))
normal           N(mean, std²)               (seed 001's 0.01 randn, seed 003's N(0.75, 0.01))
zeros            0                           (every hidden unit stays identical: a lesson)
playground       U(-0.5, 0.5), biases 0.1    (the TensorFlow Playground)
===============  =====================================================

"Truncated" means Keras's truncated normal: values beyond two standard deviations
are redrawn, and 0.8796 (the standard deviation of a unit normal truncated at ±2)
restores the intended variance. Biases are not drawn: they all start at
``bias_init`` (default 0), except for ``playground``, whose biases start at 0.1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .registry import lookup

# Standard deviation of a unit normal truncated to [-2, 2] (Keras's constant).
_TRUNC_STD = 0.87962566103423978

Sampler = Callable[..., np.ndarray]


@dataclass(frozen=True)
class Initializer:
    """A named weight sampler ``sample(rng, fan_in, fan_out, **hyper)``.

    ``fields``: which Config field feeds each of the sampler's hyper-parameters
    (``engine.config`` derives from it what each initialiser reads). ``bias``
    overrides the configured bias value (``bias_init``) when not None (the
    Playground's 0.1).
    """

    name: str
    formula: str
    sample: Sampler
    bias: float | None = None
    fields: dict[str, str] = field(default_factory=dict)
    label: str = ""  # the name the page shows


def _truncated_normal(
    rng: np.random.Generator, std: float, shape: tuple[int, int]
) -> NDArray[np.float64]:
    """N(0, std²) with draws beyond 2 std redrawn, until none is left."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2.0
    return out * std


def glorot_uniform(
    rng: np.random.Generator, fan_in: int, fan_out: int, **_: object
) -> NDArray[np.float64]:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out))


def glorot_normal(
    rng: np.random.Generator, fan_in: int, fan_out: int, **_: object
) -> NDArray[np.float64]:
    std = np.sqrt(2.0 / (fan_in + fan_out)) / _TRUNC_STD
    return _truncated_normal(rng, std, (fan_in, fan_out))


def he_uniform(
    rng: np.random.Generator, fan_in: int, fan_out: int, **_: object
) -> NDArray[np.float64]:
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, (fan_in, fan_out))


def he_normal(
    rng: np.random.Generator, fan_in: int, fan_out: int, **_: object
) -> NDArray[np.float64]:
    std = np.sqrt(2.0 / fan_in) / _TRUNC_STD
    return _truncated_normal(rng, std, (fan_in, fan_out))


def lecun_normal(
    rng: np.random.Generator, fan_in: int, fan_out: int, **_: object
) -> NDArray[np.float64]:
    std = np.sqrt(1.0 / fan_in) / _TRUNC_STD
    return _truncated_normal(rng, std, (fan_in, fan_out))


def uniform(
    rng: np.random.Generator,
    fan_in: int,
    fan_out: int,
    low: float = -0.05,
    high: float = 0.05,
    **_: object,
) -> NDArray[np.float64]:
    if not low < high:
        raise ValueError(f"uniform init needs low < high, got low={low}, high={high}")
    return rng.uniform(low, high, (fan_in, fan_out))


def normal(
    rng: np.random.Generator,
    fan_in: int,
    fan_out: int,
    mean: float = 0.0,
    std: float = 0.05,
    **_: object,
) -> NDArray[np.float64]:
    if std < 0:
        raise ValueError(f"normal init needs std >= 0, got {std}")
    return rng.normal(mean, std, (fan_in, fan_out))


def zeros(rng: np.random.Generator, fan_in: int, fan_out: int, **_: object) -> NDArray[np.float64]:
    return np.zeros((fan_in, fan_out))


def playground(
    rng: np.random.Generator, fan_in: int, fan_out: int, **_: object
) -> NDArray[np.float64]:
    return rng.uniform(-0.5, 0.5, (fan_in, fan_out))


INITIALIZERS: dict[str, Initializer] = {
    "glorot_uniform": Initializer(
        "glorot_uniform",
        "U(-l, l), l = sqrt(6 / (fan_in + fan_out))",
        glorot_uniform,
        label="Glorot uniform",
    ),
    "glorot_normal": Initializer(
        "glorot_normal",
        "truncated N(0, 2 / (fan_in + fan_out))",
        glorot_normal,
        label="Glorot normal",
    ),
    "he_uniform": Initializer(
        "he_uniform", "U(-l, l), l = sqrt(6 / fan_in)", he_uniform, label="He uniform"
    ),
    "he_normal": Initializer(
        "he_normal", "truncated N(0, 2 / fan_in)", he_normal, label="He normal"
    ),
    "lecun_normal": Initializer(
        "lecun_normal", "truncated N(0, 1 / fan_in)", lecun_normal, label="LeCun normal"
    ),
    "uniform": Initializer(
        "uniform",
        "U(low, high)",
        uniform,
        fields={"low": "init_low", "high": "init_high"},
        label="Uniform U(low, high)",
    ),
    "normal": Initializer(
        "normal",
        "N(mean, std²)",
        normal,
        fields={"mean": "init_mean", "std": "init_std"},
        label="Normal N(mean, std²)",
    ),
    "zeros": Initializer("zeros", "0", zeros, label="Zeros"),
    "playground": Initializer(
        "playground", "U(-0.5, 0.5), biases 0.1", playground, bias=0.1, label="TF Playground"
    ),
}


def get_initializer(name: str) -> Initializer:
    """Look an initialiser up by name, with an error that lists the known ones."""
    return lookup(INITIALIZERS, name, "initializer")
