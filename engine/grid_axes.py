"""Settings a grid can sweep that are not one Config field.

A phase diagram's axis is sometimes one knob that moves several fields at once: the
initial weights' scale ``a`` of ``U(-a, a)`` sets ``init`` to ``uniform``,
``init_low`` to ``-a`` and ``init_high`` to ``a``. :data:`AXES` lists each such axis
with a :class:`~engine.config.FieldSpec` (its name, type, range and label, as a
Config field has: the CLI's ``--grid`` and the page read it the same way) and the
Config changes a value stands for. A grid cell keeps the axis value in its
``changes`` (what was swept) and the expanded fields in its Config (what ran).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .config import SPECS, FieldSpec, _check_value
from .errors import ConfigError


@dataclass(frozen=True)
class Axis:
    """A derived grid axis: ``spec`` describes its values, ``changes(value)`` gives
    the Config fields one value sets."""

    spec: FieldSpec
    changes: Callable[[Any], dict[str, Any]]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.changes(self.spec.default))


AXES: dict[str, Axis] = {
    "init_scale": Axis(
        FieldSpec(
            "init_scale",
            "float",
            0.05,
            "Initial weights U(-a, a): a",
            min=0.001,
            max=SPECS["init_high"].max,
            group="init",
        ),
        lambda a: {"init": "uniform", "init_low": -a, "init_high": a},
    ),
}


def axis_spec(name: str) -> FieldSpec | None:
    """The spec of a grid axis: a Config field's, or a derived axis's; None if neither."""
    axis = AXES.get(name)
    return axis.spec if axis is not None else SPECS.get(name)


def expand(changes: dict[str, Any]) -> dict[str, Any]:
    """A grid cell's ``changes`` as Config changes: every derived axis replaced by the
    fields it sets (its value range checked here, the fields' by the Config).

    Raises :class:`~engine.config.ConfigError` naming the axis for a value out of its
    range, or for a field that the grid also sweeps by itself.
    """
    out = {key: value for key, value in changes.items() if key not in AXES}
    for name, value in changes.items():
        axis = AXES.get(name)
        if axis is None:
            continue
        fields = axis.changes(_check_value(axis.spec, value))
        clash = sorted(set(fields) & set(changes))
        if clash:
            raise ConfigError(
                name, f"{name} sets {', '.join(axis.fields)}: do not sweep {clash[0]} as well"
            )
        out.update(fields)
    return out
