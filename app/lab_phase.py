"""The ``phase`` request: a phase diagram, two settings swept against each other.

A phase diagram is the restart lab over a grid: every cell of two axes (rows ``y``,
columns ``x``) trains the same seeds of the session's set-up with that cell's two
settings changed, and reports its success rate (docs/PROTOCOL.md, "Phase
diagrams"). This module checks the request and turns it into the engine's grid
(:func:`engine.sweep.sweep_grid`): which settings may be an axis, their values, and
each cell's network shape, which prices the job (app/lab_jobs.py).

An axis is

* ``units``: hidden units per layer (1-8), every hidden layer of the session's net
  at once (a 2-h-1 net for the one-layer default);
* ``init_scale``: initial weights U(-a, a) (:mod:`engine.grid_axes`);
* any number field of the Config's initialiser, optimizer and training groups
  (``lr``, ``momentum``, ``batch_size``, ``bias_init``, ``beta1``, ...), ``seed``
  aside: the seeds are what every cell repeats.

Settings that change the data (the data set, its points, noise) are not axes: every
cell trains on the session's own training set, so the cells differ in one thing.
"""

from __future__ import annotations

import math
from typing import Any

from engine import Config
from engine.config import ConfigError, FieldSpec
from engine.grid_axes import axis_spec
from engine.sweep import grid_cells

from . import lab_jobs
from .lab import parse_run
from .validation import ValidationError, as_object

MAX_AXIS_VALUES = 12  # per axis: at most 144 cells
AXIS_GROUPS = ("init", "optimizer", "training")
UNITS = FieldSpec("units", "int", 2, "Hidden units per layer", min=1, max=8, group="network")


def axis_field(key: Any) -> FieldSpec | None:
    """The spec of a setting a phase diagram may sweep, or None."""
    if key == "units":
        return UNITS
    if not isinstance(key, str) or key == "seed":
        return None
    spec = axis_spec(key)
    if spec is None or spec.type not in ("int", "float"):
        return None
    if spec.name != key or (spec.group not in AXIS_GROUPS and key != "init_scale"):
        return None
    return spec


def axis_keys() -> list[str]:
    """Every key an axis may have (for the error that names them)."""
    from engine.config import SPECS
    from engine.grid_axes import AXES

    return ["units", *AXES, *(k for k in SPECS if axis_field(k) is not None and k not in AXES)]


def parse_phase(payload: Any) -> dict:
    """``{"action": "run", "x": {"key", "values"}, "y": {"key", "values"}, "seeds",
    "epochs", "loss_below"}`` or ``{"action": "cancel"}``; each axis 2-12 distinct
    numbers in its setting's range, the two axes different settings."""
    data, request = parse_run(payload, ("x", "y"))
    if request["action"] == "cancel":
        return request
    x, y = _axis("x", data["x"]), _axis("y", data["y"])
    if x[0] == y[0]:
        raise ValidationError("y", f"the two axes must be different settings (both {x[0]})")
    return {**request, "x": x, "y": y}


def _axis(field: str, value: Any) -> tuple[str, list]:
    """(key, values) of one axis, each value checked against its setting's range."""
    data = as_object(value, ("key", "values"))
    key = data.get("key")
    spec = axis_field(key)
    if spec is None:
        raise ValidationError(
            field, f"{field}.key must be one of {', '.join(axis_keys())}; got {key!r}"
        )
    values = data.get("values")
    if not isinstance(values, list) or not 2 <= len(values) <= MAX_AXIS_VALUES:
        raise ValidationError(
            field, f"{field}.values must be a list of 2 to {MAX_AXIS_VALUES} numbers"
        )
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ValidationError(field, f"{field}.values: {v!r} is not a finite number")
        if spec.type == "int":
            if not float(v).is_integer():
                raise ValidationError(
                    field, f"{field}.values: {key} takes whole numbers, got {v!r}"
                )
            v = int(v)
        if not spec.min <= v <= spec.max:
            raise ValidationError(
                field, f"{field}.values: {key} must be in [{spec.min:g}, {spec.max:g}], got {v!r}"
            )
        out.append(float(v) if spec.type == "float" else v)
    if len(set(out)) != len(out):
        raise ValidationError(field, f"{field}.values: each value once")
    return key, out


def engine_grid(config: Config, request: dict) -> dict[str, list]:
    """The request's axes as the engine's grid: rows (``y``) first, then columns
    (``x``); ``units`` becomes ``hidden`` lists of the session's depth (at least
    one layer)."""
    layers = max(1, len(config.hidden))
    grid = {}
    for key, values in (request["y"], request["x"]):
        if key == "units":
            grid["hidden"] = [[int(h)] * layers for h in values]
        else:
            grid[key] = list(values)
    return grid


def cell_configs(config: Config, grid: dict[str, list]) -> list[Config]:
    """Every cell's Config, validated (an error names the axis whose value the
    schema or the other axis refuses)."""
    (row_key, rows), (col_key, cols) = grid.items()
    for axis, part in (("y", {row_key: rows}), ("x", {col_key: cols}), ("x", grid)):
        try:
            cells = [cfg for _, cfg in grid_cells(config, part)]
        except ConfigError as err:
            raise ValidationError(axis, f"{axis}: {err}") from None
    return cells


def cell_shape(live: lab_jobs.Shape, config: Config) -> lab_jobs.Shape:
    """A cell's cost shape: the live training set, the cell's network and batch."""
    sizes = config.sizes()
    params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    batch = int(config.batch_size)
    updates = 1 if batch == 0 or batch >= live.points else math.ceil(live.points / batch)
    return lab_jobs.Shape(points=live.points, params=params, layers=len(sizes) - 1, updates=updates)
