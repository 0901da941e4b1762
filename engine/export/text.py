"""Python source text for numbers and arrays, shared by the exporters.

Floats are written with ``repr``, the shortest text that reads back as the same
float64, so an embedded array is the run's array bit for bit.
"""

from __future__ import annotations

import numpy as np

WIDTH = 88  # the scripts' line length


def number(x: float) -> str:
    """A float as the shortest text that reads back exactly (``repr``)."""
    value = float(x)
    if not np.isfinite(value):
        raise ValueError(f"cannot embed the non-finite number {value}")
    return repr(value)


def literal(value: float | str | tuple[float, ...] | list[float]) -> str:
    """A hyper-parameter: a bool, an int, a float, a name, or a tuple of them."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return repr(int(value))
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(literal(v) for v in value) + ")"
    return number(value)


def items(a: np.ndarray) -> list[str]:
    """The entries of a 1-D array as text: ints as ints, floats exactly."""
    a = np.asarray(a)
    if a.dtype.kind in "iub":
        return [str(int(v)) for v in a]
    return [number(v) for v in a]


def wrapped(parts: list[str], indent: str, width: int = WIDTH) -> list[str]:
    """``parts`` joined by ", " into lines that start with ``indent`` and stay
    within ``width`` where they can; every line but the last ends with a comma."""
    lines, line = [], ""
    for part in parts:
        candidate = f"{line}, {part}" if line else part
        if line and len(indent) + len(candidate) + 1 > width:
            lines.append(line + ",")
            line = part
        else:
            line = candidate
    lines.append(line)
    return [indent + text for text in lines]


def nested(
    a: np.ndarray, indent: str = "", width: int = WIDTH, start: int | None = None, end: int = 0
) -> str:
    """A 1-D or 2-D array as a nested Python list, laid out over lines: a short
    array on one line, else one row (or a run of numbers) per line. ``indent`` is the
    indentation of the line the literal starts on, ``start`` the column it starts at
    (default: right after the indentation), ``end`` the characters that follow it."""
    a = np.asarray(a)
    room = width - (len(indent) if start is None else start) - end
    if a.ndim == 1:
        flat = "[" + ", ".join(items(a)) + "]"
        if len(flat) <= room:
            return flat
        body = wrapped(items(a), indent + "    ", width)
        return "[\n" + "\n".join(body) + f"\n{indent}]"
    if a.ndim != 2:
        raise ValueError(f"only 1-D and 2-D arrays are embedded, got shape {a.shape}")
    rows = ["[" + ", ".join(items(row)) + "]" for row in a]
    one_line = "[" + ", ".join(rows) + "]"
    if len(one_line) <= room:
        return one_line
    inner = indent + "    "
    if all(len(inner) + len(row) + 1 <= width for row in rows):
        body = [f"{inner}{row}," for row in rows]
    else:
        body = [inner + nested(row, inner, width) + "," for row in a]
    return "[\n" + "\n".join(body) + f"\n{indent}]"
