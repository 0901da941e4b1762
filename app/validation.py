"""Checks on everything a client sends, before it touches a session.

Each ``parse_*`` function takes the raw payload of one event (whatever JSON the client
sent, already decoded) and returns clean Python values, or raises
:class:`ValidationError` naming the offending field. The limits on Config fields live
in one place, the engine's schema: :func:`parse_config` only checks the JSON shape
(an object of known names whose values are scalars or short flat lists) and then lets
``Config.replace`` decide, so the server, the page and the URL agree on every range.

Numbers: a bool is never a number, NaN and the infinities are refused everywhere (the
JSON decoder of python-socketio accepts the literals ``NaN`` and ``Infinity``), and an
integer field accepts an integral float such as ``3.0`` (JavaScript has one number
type) but refuses ``3.5``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine import Config, PlaygroundError
from engine.datasets import MAX_POINTS, CustomData, custom_data

ACTIONS = ("play", "pause", "step", "reset", "regenerate")
MAX_STEP_EPOCHS = 100_000
MAX_ABS_PARAM = 100.0
MAX_KEYS = 64  # Config has about 45 fields; a payload with more keys is junk
MAX_LIST = 16  # the longest list field (hidden layers, features) is shorter
MAX_STRING = 64


class ValidationError(PlaygroundError):
    """A refused payload (its shape on the wire, before the engine sees it); the
    engine's own refusals (:class:`ConfigError`, :class:`DataError`) travel as they are:
    all are :class:`PlaygroundError` with ``field`` and ``message``."""


def describe_value(value: Any) -> str:
    """A value as an error message quotes it: its repr, cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_scalar(field: str, value: Any) -> Any:
    """A JSON scalar (str, int, float, bool, None), finite and of sane length."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(field, f"{field} must be a finite number, got {value!r}")
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise ValidationError(field, f"{field} is too long ({len(value)} characters)")
        return value
    raise ValidationError(field, f"{field} must be a single value, got {describe_value(value)}")


def check_value(field: str, value: Any) -> Any:
    """A scalar, or a flat list of at most MAX_LIST scalars (copied)."""
    if isinstance(value, list):
        if len(value) > MAX_LIST:
            raise ValidationError(field, f"{field} has too many items ({len(value)} > {MAX_LIST})")
        return [check_scalar(field, item) for item in value]
    return check_scalar(field, value)


def as_int(field: str, value: Any, lo: int, hi: int) -> int:
    """An integer in [lo, hi]; an integral float counts, a bool does not."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, f"{field} must be an integer, got {describe_value(value)}")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ValidationError(field, f"{field} must be an integer, got {value!r}")
        value = int(value)
    if not lo <= value <= hi:
        raise ValidationError(field, f"{field} must be an integer in [{lo}, {hi}], got {value}")
    return value


def as_number(field: str, value: Any, bound: float) -> float:
    """A finite number with abs <= bound; a bool is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, f"{field} must be a number, got {describe_value(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise ValidationError(field, f"{field} must be a finite number, got {value!r}")
    if abs(value) > bound:
        raise ValidationError(field, f"{field} must be in [-{bound:g}, {bound:g}], got {value:g}")
    return value


def as_object(payload: Any, allowed: tuple[str, ...] | frozenset[str] | None = None) -> dict:
    """The payload as a dict with string keys, each of them in ``allowed`` (if given)."""
    if not isinstance(payload, dict):
        raise ValidationError("payload", f"expected an object, got {describe_value(payload)}")
    if len(payload) > MAX_KEYS:
        raise ValidationError("payload", f"too many fields ({len(payload)})")
    for key in payload:
        if not isinstance(key, str) or len(key) > MAX_STRING:
            raise ValidationError("payload", f"bad field name {describe_value(key)}")
        if allowed is not None and key not in allowed:
            raise ValidationError(key, f"unknown field {key!r}")
    return payload


# From the engine's schema, once: it is a fixed table, and describing it for every
# `config` message was a visible share of a handler's time with fifty clients.
_SCHEMA = Config.schema()
_KNOWN = frozenset(f["name"] for f in _SCHEMA)
_INT_FIELDS = frozenset(f["name"] for f in _SCHEMA if f.get("type") == "int")
_INT_LIST_FIELDS = frozenset(f["name"] for f in _SCHEMA if f.get("type") == "int_list")


def parse_config(payload: Any, current: Config) -> Config:
    """The config that results from applying ``payload`` (a partial Config) to ``current``.

    All or nothing: if any field is bad, ``ValidationError`` names the first one (in
    payload order) and ``current`` stays as it was.
    """
    changes = as_object(payload, _KNOWN)
    int_fields, int_lists = _INT_FIELDS, _INT_LIST_FIELDS
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        value = check_value(name, value)
        # JavaScript sends 3.0 as 3, but a computed value may arrive as a float
        if name in int_fields and isinstance(value, float) and value.is_integer():
            value = int(value)
        elif name in int_lists and isinstance(value, list):
            value = [int(v) if isinstance(v, float) and v.is_integer() else v for v in value]
        clean[name] = value
    return current.replace(clean)


def parse_control(payload: Any) -> tuple[str, int]:
    """``(action, epochs)`` from a ``control`` payload; ``epochs`` is 0 unless stepping."""
    data = as_object(payload, ("action", "epochs"))
    if "action" not in data:
        raise ValidationError("action", "action is missing")
    action = data["action"]
    if not isinstance(action, str) or action not in ACTIONS:
        raise ValidationError(
            "action", f"action must be one of {', '.join(ACTIONS)}, got {describe_value(action)}"
        )
    if "epochs" in data and action != "step":
        raise ValidationError("epochs", f"epochs only goes with step, not {action}")
    epochs = as_int("epochs", data.get("epochs", 1), 1, MAX_STEP_EPOCHS) if action == "step" else 0
    return action, epochs


def parse_set_weight(payload: Any) -> tuple[Any, Any, Any, Any, float]:
    """``(layer, kind, i, j, value)`` from a ``set_weight`` payload, as the wire must
    carry them: an object with its keys (``j`` for a weight only; None for a bias) and
    a finite ``value`` within ±MAX_ABS_PARAM, the page's limit.

    Which layer, unit and kind exist is the network's to say: the engine checks them
    (``Trainer.set_param``, one place), against the live layout, naming the field.
    """
    data = as_object(payload, ("kind", "layer", "i", "j", "value"))
    kind = data.get("kind")
    required = ("layer", "i", "j", "value") if kind == "weight" else ("kind", "layer", "i", "value")
    for key in required:
        if key not in data:
            raise ValidationError(key, f"{key} is missing")
    value = as_number("value", data["value"], MAX_ABS_PARAM)
    return data["layer"], kind, data["i"], data.get("j"), value


# ---- your own points: the `data` event ------------------------------------------------------

DATA_KEYS = ("task", "n", "points", "labels", "targets", "domain", "restart")


def _attachment(field: str, value: Any, size: int, what: str) -> bytes:
    """A binary attachment of exactly ``size`` bytes."""
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ValidationError(
            field, f"{field} must be a binary attachment ({what}), got {describe_value(value)}"
        )
    if len(value) != size:
        raise ValidationError(field, f"{field} must be {size} bytes ({what}), got {len(value)}")
    return bytes(value)


def data_restarts(payload: Any) -> bool:
    """Whether a ``data`` payload asks to start the run again from epoch 0 (``restart``,
    a boolean, default false): a whole new point set (a CSV file, pasted text) rather
    than a point drawn into the set in training."""
    data = as_object(payload, DATA_KEYS)
    restart = data.get("restart", False)
    if not isinstance(restart, bool):
        raise ValidationError(
            "restart", f"restart must be true or false, got {describe_value(restart)}"
        )
    return restart


def parse_data(payload: Any) -> CustomData:
    """Your own points from a ``data`` payload (docs/PROTOCOL.md), as the engine's
    validated :class:`~engine.datasets.CustomData`: ``n`` points (2 to 5000),
    ``points`` float32 little-endian (x, y) pairs, and either ``labels`` uint8 (0..C-1
    with every class present, 2 to 6 classes, checked by the engine's custom_data;
    ``task`` "classification", the default) or ``targets``
    float32 (``task`` "regression"); ``domain`` [xmin, xmax, ymin, ymax] optional (it
    must hold every point). Every refusal names its field."""
    data = as_object(payload, DATA_KEYS)
    task = data.get("task", "classification")
    if task not in ("classification", "regression"):
        raise ValidationError(
            "task", f"task must be 'classification' or 'regression', got {describe_value(task)}"
        )
    if "n" not in data:
        raise ValidationError("n", "n (the number of points) is missing")
    n = as_int("n", data["n"], 2, MAX_POINTS)
    if "points" not in data:
        raise ValidationError("points", "points is missing")
    points = np.frombuffer(
        _attachment("points", data["points"], 8 * n, f"{n} float32 (x, y) pairs"), "<f4"
    ).reshape(n, 2)
    wanted, other = ("labels", "targets") if task == "classification" else ("targets", "labels")
    if other in data:
        raise ValidationError(other, f"{other} does not go with task {task}; send {wanted}")
    if wanted not in data:
        raise ValidationError(wanted, f"{wanted} is missing")
    if task == "classification":
        values = np.frombuffer(
            _attachment("labels", data["labels"], n, f"{n} uint8 labels"), np.uint8
        )
    else:
        values = np.frombuffer(
            _attachment("targets", data["targets"], 4 * n, f"{n} float32 targets"), "<f4"
        )
    domain = data.get("domain")
    if domain is not None:
        if not isinstance(domain, list) or len(domain) != 4:
            raise ValidationError("domain", "domain must be [xmin, xmax, ymin, ymax]")
        domain = [as_number("domain", v, 1e9) for v in domain]
    if not np.isfinite(points).all() or np.abs(points).max() > 1e9:
        row = int(np.flatnonzero(~(np.abs(points) <= 1e9).all(axis=1))[0])
        raise ValidationError(
            "points", f"point {row} is not a finite number within ±1e9: {points[row].tolist()}"
        )
    return custom_data(points.astype(np.float64), values.astype(np.float64), task, domain)
