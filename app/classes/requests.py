"""The ``class`` event's payloads, checked (docs/PROTOCOL.md, Class mode).

Each action has its own keys; anything else is refused naming the key. A push's
``config`` is checked as a ``config`` event is (over the defaults), its ``points`` as a
``data`` event is, and then the set-up is built once here: a push that would fail in a
student's session is refused to the teacher instead, before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine import Config, Trainer

from ..operations import config_for_points
from ..validation import (
    DATA_KEYS,
    ValidationError,
    as_number,
    as_object,
    describe_value,
    parse_config,
    parse_data,
)
from .bus import pack_bytes
from .codes import check_key, normalize

ACTION_KEYS: dict[str, tuple[str, ...]] = {
    "create": ("action",),
    "join": ("action", "code", "key"),
    "push": ("action", "config", "seeds", "points", "lock", "loss_below"),
    "lock": ("action", "lock"),
    "show": ("action", "student"),
    "leave": ("action",),
}
SEEDS = ("same", "each")
MAX_LOSS_BELOW = 1e9


def parse_action(payload: Any) -> tuple[str, dict]:
    """The action and the payload, its keys those of the action."""
    data = as_object(payload)
    action = data.get("action")
    if action not in ACTION_KEYS:
        raise ValidationError(
            "action",
            f"action must be one of {', '.join(ACTION_KEYS)}, got {describe_value(action)}",
        )
    as_object(data, ACTION_KEYS[action])
    return action, data


def parse_join(data: dict) -> tuple[str, str | None]:
    """``code`` (normalised) and ``key`` (or None) of a ``join``."""
    if "code" not in data:
        raise ValidationError("code", "join needs the class's code")
    return normalize(data["code"]), check_key(data.get("key"))


def parse_lock(data: dict, default: bool | None = None) -> bool:
    value = data.get("lock", default)
    if not isinstance(value, bool):
        raise ValidationError("lock", f"lock must be true or false, got {describe_value(value)}")
    return value


def parse_student(data: dict) -> str:
    value = data.get("student")
    if not isinstance(value, str) or not 1 <= len(value) <= 64:
        raise ValidationError("student", "student must be a pseudonym from class_state")
    return value


@dataclass(frozen=True)
class Push:
    """A checked push, as the bus carries it (JSON, bytes as base64)."""

    config: dict  # the whole validated Config
    seeds: str
    points: dict | None  # a `data` payload, packed (bus.pack_bytes)
    lock: bool
    loss_below: float | None

    def to_dict(self) -> dict:
        return {
            "config": self.config,
            "seeds": self.seeds,
            "points": self.points,
            "lock": self.lock,
            "loss_below": self.loss_below,
        }


def parse_push(data: dict) -> Push:
    """A ``push``: the set-up checked and built once (see the module docstring)."""
    if "config" not in data or not isinstance(data["config"], dict):
        raise ValidationError("config", "push needs config: an object of Config fields")
    config = parse_config(data["config"], Config())
    seeds = data.get("seeds")
    if seeds not in SEEDS:
        raise ValidationError(
            "seeds", f"seeds must be 'same' or 'each', got {describe_value(seeds)}"
        )
    loss_below = data.get("loss_below")
    if loss_below is not None:
        loss_below = as_number("loss_below", loss_below, MAX_LOSS_BELOW)
        if loss_below <= 0:
            raise ValidationError("loss_below", "loss_below must be above 0")
    packed = None
    trainer = None
    if data.get("points") is not None:
        points = as_object(data["points"], DATA_KEYS)
        custom = parse_data(points)
        config = config_for_points(config, custom)
        trainer = Trainer(config, replicas=1, data=custom)
        config = trainer.config
        packed = pack_bytes(points)
    elif config.is_custom:
        raise ValidationError("points", "a set-up on your own points needs points")
    else:
        trainer = Trainer(config, replicas=1)
    if trainer.task == "regression" and loss_below is None:
        raise ValidationError("loss_below", "a regression set-up needs loss_below to say solved")
    return Push(config.to_dict(), seeds, packed, parse_lock(data, False), loss_below)
