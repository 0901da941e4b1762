"""Looking a name up in one of the engine's registries, the one way it is done.

Activations, losses, initialisers, optimizers, data sets, features and presets are
dictionaries from the name the user sees to what it stands for; an unknown name is
refused with the names that are known, so the error says what to type instead.
:class:`Choices` is a registry's names as a Config field's choices, with the display
names the page shows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar, overload

T = TypeVar("T")


def lookup(
    registry: Mapping[str, T], name: str, what: str, error: type[Exception] = ValueError
) -> T:
    """``registry[name]``, or ``error("unknown <what> 'name'; known: a, b, c")``."""
    try:
        return registry[name]
    except (KeyError, TypeError):  # TypeError: an unhashable "name"
        raise error(f"unknown {what} {name!r}; known: {', '.join(registry)}") from None


class Choices(Sequence[str]):
    """A choice field's names, read live from the registry that declares them, each
    with the name the page shows (:meth:`label`).

    Live, so that the Config field built on a registry accepts an entry added to it
    later (a test's made-up activation) and the schema sends that entry with its
    display name: the declaration is the only place a choice is written. A label is,
    in order: ``labels[name]``; the entry itself when it is a string (a table from
    name to display name); the entry's ``label`` attribute; else the name.
    """

    def __init__(self, registry: Mapping[str, Any], labels: Mapping[str, str] | None = None):
        self._registry = registry
        self._labels = labels or {}

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        return list(self._registry)[index]

    def __len__(self) -> int:
        return len(self._registry)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._registry))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._registry

    def __repr__(self) -> str:
        return f"Choices({list(self)!r})"

    def __reduce__(self) -> tuple[type[Choices], tuple[dict[str, str]]]:
        # pickled as what it shows now: names and display names (a registry may hold
        # lambdas, which pickle cannot carry)
        return (Choices, (self.labels(),))

    def label(self, name: str) -> str:
        """The display name of ``name``."""
        if name in self._labels:
            return self._labels[name]
        entry = self._registry[name]
        return entry if isinstance(entry, str) else (getattr(entry, "label", "") or name)

    def labels(self) -> dict[str, str]:
        """Every name to its display name, in the registry's order."""
        return {name: self.label(name) for name in self}
