"""Plain JSON values from the engine's results: the one conversion they all use.

``to_json`` turns NumPy arrays, scalars, tuples and dicts of them into lists, floats,
ints and dicts, with NaN and ±inf as None (JSON has no such numbers, and the page
reads null as "no value").
"""

from __future__ import annotations

import math
from typing import Any, SupportsFloat

import numpy as np


def json_float(x: SupportsFloat) -> float | None:
    """``float(x)``, or None when it is NaN or ±inf."""
    value = float(x)
    return value if math.isfinite(value) else None


def to_json(a: Any) -> Any:
    """Plain lists/floats/ints/dicts for JSON, NaN and ±inf as None."""
    if isinstance(a, np.ndarray):
        if a.dtype.kind == "f":
            return [to_json(v) for v in a] if a.ndim > 1 else [json_float(v) for v in a]
        return a.tolist()
    if isinstance(a, (float, np.floating)):
        return json_float(a)
    if isinstance(a, np.integer):
        return int(a)
    if isinstance(a, dict):
        return {k: to_json(v) for k, v in a.items()}
    if isinstance(a, (list, tuple)):
        return [to_json(v) for v in a]
    return a
