"""Input features made from the raw points, as the TensorFlow Playground's inputs.

A registry from the name the user sees to a function of the points (N, 2)::

    x1, x2, x1sq = x1², x2sq = x2², x1x2 = x1·x2, sinx1 = sin x1, sinx2 = sin x2
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .registry import lookup

FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda p: p[:, 0],
    "x2": lambda p: p[:, 1],
    "x1sq": lambda p: p[:, 0] ** 2,
    "x2sq": lambda p: p[:, 1] ** 2,
    "x1x2": lambda p: p[:, 0] * p[:, 1],
    "sinx1": lambda p: np.sin(p[:, 0]),
    "sinx2": lambda p: np.sin(p[:, 1]),
}

# The names the page shows (sent in the Config schema).
FEATURE_LABELS: dict[str, str] = {
    "x1": "X₁",
    "x2": "X₂",
    "x1sq": "X₁²",
    "x2sq": "X₂²",
    "x1x2": "X₁X₂",
    "sinx1": "sin(X₁)",
    "sinx2": "sin(X₂)",
}


def make_features(
    points: np.ndarray, names: Sequence[str], dtype: str = "float64", out: np.ndarray | None = None
) -> np.ndarray:
    """Feature matrix (N, len(names)), columns in the order of ``names``."""
    if not names:
        raise ValueError("at least one input feature is needed")
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), got {points.shape}")
    if out is None:
        out = np.empty((len(points), len(names)), dtype)
    for j, name in enumerate(names):
        out[:, j] = lookup(FEATURES, name, "feature")(points)
    return out
