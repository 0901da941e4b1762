"""What a client may ask of the lab, checked: the ``lab``, ``phase`` and ``landscape``
payloads (docs/PROTOCOL.md, last sections) parsed into typed requests.

Every check raises :class:`app.validation.ValidationError` naming the field at fault,
before anything is priced or queued (app/lab/worker.py). A request says only what the
client asked; the job built from it with the session's set-up (app/lab/jobs.py) is
what travels to the lab process.

A phase diagram's axis is

* ``units``: hidden units per layer (1-8), every hidden layer of the session's net
  at once (a 2-h-1 net for the one-layer default);
* ``init_scale``: initial weights U(-a, a) (:mod:`engine.grid_axes`);
* any number field of the Config's initialiser, optimizer and training groups
  (``lr``, ``momentum``, ``batch_size``, ``bias_init``, ``beta1``, ...), ``seed``
  aside: the seeds are what every cell repeats;
* ``activation``: each value a name (every hidden layer's) or a list of names, one per
  hidden layer of the session's net (``[["relu", "relu"], ["relu", "tanh"]]``); the
  names are checked here, the lengths against the net with the cells
  (app/lab/phase.py); two values the Config would say alike (``relu`` and ``[relu,
  relu]``) are one value given twice.

Settings that change the data (the data set, its points, noise) are not axes: every
cell trains on the session's own training set, so the cells differ in one thing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

from engine.config import SPECS, FieldSpec, _check_value, canonical_per_layer
from engine.errors import ConfigError
from engine.grid_axes import AXES, axis_spec

from ..validation import ValidationError, as_int, as_object

MAX_SEEDS = 1000
MAX_EPOCHS = 20_000
LANDSCAPE_STEPS = (11, 61)
LANDSCAPE_SPAN = (0.01, 10.0)
MAX_AXIS_VALUES = 12  # per axis: at most 144 cells
AXIS_GROUPS = ("init", "optimizer", "training")
UNITS = FieldSpec("units", "int", 2, "Hidden units per layer", min=1, max=8, group="network")


@dataclass(frozen=True)
class Cancel:
    """``{"action": "cancel"}``: stop this session's runs of the kind asked."""


@dataclass(frozen=True)
class RunRequest:
    """What a lab run and a phase diagram ask alike: ``seeds`` (1-MAX_SEEDS) seeds from
    the session's own, ``epochs`` (1-MAX_EPOCHS) each, and ``loss_below``, the loss a
    seed must reach to count as solved (None: the engine's default test)."""

    seeds: int
    epochs: int
    loss_below: float | None


@dataclass(frozen=True)
class LabRequest(RunRequest):
    """A restart-lab run; ``against``: a set-up (a partial Config, checked against the
    session's when the run is asked) to compare with on the same seeds, or None."""

    against: dict | None = None


class Axis(NamedTuple):
    """One axis of a phase diagram: a setting and its 2-MAX_AXIS_VALUES values (numbers;
    for ``activation``, names or tuples of names)."""

    key: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class PhaseRequest(RunRequest):
    """A phase diagram: every cell of ``y`` (rows) by ``x`` (columns)."""

    x: Axis
    y: Axis


@dataclass(frozen=True)
class LandscapeRequest:
    """A loss landscape: ``steps`` x ``steps`` points over ``span`` either side of the
    weights, along ``directions`` ``random`` or ``trajectory`` (the path's own)."""

    steps: int = 41
    span: float = 1.0
    directions: str = "random"


def parse_lab(payload: Any) -> LabRequest | Cancel:
    """``{"action": "run", "seeds", "epochs", "loss_below", "against"}`` or
    ``{"action": "cancel"}``."""
    data, run = _parse_run(payload, optional=("against",))
    if isinstance(run, Cancel):
        return run
    against = data.get("against")
    if against is not None and not isinstance(against, dict):
        raise ValidationError("against", "against must be a set-up (an object of config fields)")
    return LabRequest(run.seeds, run.epochs, run.loss_below, against)


def parse_phase(payload: Any) -> PhaseRequest | Cancel:
    """``{"action": "run", "x": {"key", "values"}, "y": {"key", "values"}, "seeds",
    "epochs", "loss_below"}`` or ``{"action": "cancel"}``; each axis 2-12 distinct
    numbers in its setting's range, the two axes different settings."""
    data, run = _parse_run(payload, ("x", "y"))
    if isinstance(run, Cancel):
        return run
    x, y = _axis("x", data["x"]), _axis("y", data["y"])
    if x.key == y.key:
        raise ValidationError("y", f"the two axes must be different settings (both {x.key})")
    return PhaseRequest(run.seeds, run.epochs, run.loss_below, x, y)


def parse_landscape(payload: Any) -> LandscapeRequest:
    """``{"steps": 11-61, "span": 0.01-10, "directions": "random"|"trajectory"}``,
    each optional."""
    data = as_object({} if payload is None else payload, ("steps", "span", "directions"))
    default = LandscapeRequest()
    steps = as_int("steps", data.get("steps", default.steps), *LANDSCAPE_STEPS)
    span = _finite("span", data.get("span", default.span), *LANDSCAPE_SPAN)
    directions = data.get("directions", default.directions)
    if directions not in ("random", "trajectory"):
        raise ValidationError(
            "directions", f"directions must be 'random' or 'trajectory', got {directions!r}"
        )
    return LandscapeRequest(steps, span, directions)


def parse_gradcheck(payload: Any) -> None:
    """A gradient check takes nothing: ``{}`` or no payload."""
    as_object({} if payload is None else payload, ())


def _parse_run(
    payload: Any, axes: tuple[str, ...] = (), optional: tuple[str, ...] = ()
) -> tuple[dict, RunRequest | Cancel]:
    """``action`` run or cancel, ``seeds``, ``epochs``, ``loss_below``, and the fields
    ``axes`` (required for a run) and ``optional`` (checked by the caller). Returns the
    payload as a dict, and the run without the other fields, or Cancel."""
    data = as_object(payload, ("action", *axes, *optional, "seeds", "epochs", "loss_below"))
    action = data.get("action")
    if action == "cancel":
        extra = set(data) - {"action"}
        if extra:
            raise ValidationError(sorted(extra)[0], "cancel takes no other field")
        return data, Cancel()
    if action != "run":
        raise ValidationError("action", f"action must be 'run' or 'cancel', got {action!r}")
    for field in (*axes, "seeds", "epochs"):
        if field not in data:
            raise ValidationError(field, "required")
    seeds = as_int("seeds", data["seeds"], 1, MAX_SEEDS)
    epochs = as_int("epochs", data["epochs"], 1, MAX_EPOCHS)
    loss_below = data.get("loss_below")
    if loss_below is not None:
        loss_below = _finite("loss_below", loss_below, 0.0, 1e6)
    return data, RunRequest(seeds, epochs, loss_below)


def _finite(field: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, f"{field} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ValidationError(field, f"{field} must be a finite number in [{lo:g}, {hi:g}]")
    return value


# ---- phase diagram axes ----------------------------------------------------------------------


def axis_field(key: Any) -> FieldSpec | None:
    """The spec of a setting a phase diagram may sweep, or None."""
    if key == "units":
        return UNITS
    if not isinstance(key, str) or key == "seed":
        return None
    spec = axis_spec(key)
    if spec is not None and spec.type == "choice_per_layer":
        return spec  # the hidden activation: names, one or one per layer
    if spec is None or spec.type not in ("int", "float"):
        return None
    if spec.name != key or (spec.group not in AXIS_GROUPS and key != "init_scale"):
        return None
    return spec


def axis_keys() -> list[str]:
    """Every key an axis may have (for the error that names them)."""
    return ["units", *AXES, *(k for k in SPECS if axis_field(k) is not None and k not in AXES)]


def _axis(field: str, value: Any) -> Axis:
    """One axis, each value checked against its setting's range."""
    data = as_object(value, ("key", "values"))
    key = data.get("key")
    spec = axis_field(key)
    if spec is None or not isinstance(key, str):  # axis_field takes string keys only
        raise ValidationError(
            field, f"{field}.key must be one of {', '.join(axis_keys())}; got {key!r}"
        )
    values = data.get("values")
    if spec.type == "choice_per_layer":
        return _names_axis(field, spec, values)
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
    return Axis(key, tuple(out))


def _names_axis(field: str, spec: FieldSpec, values: Any) -> Axis:
    """An ``activation`` axis: 2-MAX_AXIS_VALUES values, each one name or a list of one
    name per hidden layer (its length checked by the cells' Configs), distinct as the
    Config says them (equal names: one name)."""
    if not isinstance(values, list) or not 2 <= len(values) <= MAX_AXIS_VALUES:
        raise ValidationError(
            field,
            f"{field}.values must be a list of 2 to {MAX_AXIS_VALUES} activations, each a "
            f"name or a list of names (one per hidden layer)",
        )
    out = []
    for v in values:
        try:
            out.append(_check_value(spec, v))
        except ConfigError as err:
            raise ValidationError(field, f"{field}.values: {err.message}") from None
    if len({canonical_per_layer(v) for v in out}) != len(out):
        raise ValidationError(field, f"{field}.values: each value once")
    return Axis(spec.name, tuple(out))
