"""Looking a name up in one of the engine's registries, the one way it is done.

Activations, losses, initialisers, optimizers, data sets, features and presets are
dictionaries from the name the user sees to what it stands for; an unknown name is
refused with the names that are known, so the error says what to type instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def lookup(
    registry: Mapping[str, T], name: str, what: str, error: type[Exception] = ValueError
) -> T:
    """``registry[name]``, or ``error("unknown <what> 'name'; known: a, b, c")``."""
    try:
        return registry[name]
    except (KeyError, TypeError):  # TypeError: an unhashable "name"
        raise error(f"unknown {what} {name!r}; known: {', '.join(registry)}") from None
