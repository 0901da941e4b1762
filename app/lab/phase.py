"""A phase diagram's grid: the request's two axes as the engine's grid, and each
cell's Config and network shape, which price the job (app/lab/jobs.py).

A phase diagram is the restart lab over a grid: every cell of two axes (rows ``y``,
columns ``x``) trains the same seeds of the session's set-up with that cell's two
settings changed, and reports its success rate (docs/PROTOCOL.md, "Phase
diagrams"). Which settings may be an axis, and their values, is checked with the
request (app/lab/requests.py); this module turns the checked axes into the engine's
grid (:func:`engine.sweep.sweep_grid`).
"""

from __future__ import annotations

import math
from typing import Any

from engine import Config
from engine.errors import ConfigError
from engine.sweep import grid_cells

from ..validation import ValidationError
from .jobs import Shape
from .requests import Axis


def engine_grid(config: Config, rows: Axis, cols: Axis) -> dict[str, list[Any]]:
    """The axes as the engine's grid: ``rows`` (the request's ``y``) first, then
    ``cols`` (``x``); ``units`` becomes ``hidden`` lists of the session's depth (at
    least one layer)."""
    layers = max(1, len(config.hidden))
    grid: dict[str, list[Any]] = {}
    for key, values in (rows, cols):
        if key == "units":
            grid["hidden"] = [[int(h)] * layers for h in values]
        else:  # an activation axis's lists of names as lists
            grid[key] = [v if isinstance(v, str | int | float) else list(v) for v in values]
    return grid


def cell_configs(config: Config, grid: dict[str, list[Any]]) -> list[Config]:
    """Every cell's Config, validated (an error names the axis whose value the
    schema or the other axis refuses)."""
    (row_key, rows), (col_key, cols) = grid.items()
    for axis, part in (("y", {row_key: rows}), ("x", {col_key: cols}), ("x", grid)):
        try:
            cells = [cfg for _, cfg in grid_cells(config, part)]
        except ConfigError as err:
            raise ValidationError(axis, f"{axis}: {err}") from None
    return cells


def cell_shape(live: Shape, config: Config) -> Shape:
    """A cell's cost shape: the live training set, the cell's network and batch."""
    sizes = config.sizes()
    params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    batch = int(config.batch_size)
    updates = 1 if batch == 0 or batch >= live.points else math.ceil(live.points / batch)
    return Shape(points=live.points, params=params, layers=len(sizes) - 1, updates=updates)
