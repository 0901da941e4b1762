"""Run files: a Trainer saved to one ``.npz`` and loaded back to train on exactly.

The functions over a Trainer that the app and the exporters call: :func:`save` /
:func:`load` (a path or a binary file object; the same as ``trainer.save(file)`` and
``Trainer.load(source)``) and :func:`to_bytes` / :func:`from_bytes` for a network
transfer or an upload. The format itself, header and arrays, is
:mod:`engine.run_file`; what a run's state holds and how it is checked on the way
back, :mod:`engine.run_state`.

Why three modules: this one returns Trainers, so it imports the Trainer; the Trainer
saves, loads and pickles itself with the other two, which import no Trainer, so no
module imports one that imports it back.
"""

from __future__ import annotations

import io
import os
from typing import IO

from .run_file import FORMAT, KIND
from .snapshots import FILE_BUDGET
from .trainer import Trainer


def save(trainer: Trainer, file: str | os.PathLike[str] | IO[bytes]) -> None:
    """Write ``trainer``'s run to ``file``, a path or a binary file object."""
    trainer.save(file)


def to_bytes(trainer: Trainer, kept_budget: int = FILE_BUDGET) -> bytes:
    """The run file's bytes, its kept epochs thinned to ``kept_budget`` bytes of arrays."""
    buf = io.BytesIO()
    trainer.save(buf, kept_budget)
    return buf.getvalue()


def load(source: str | os.PathLike[str] | IO[bytes] | bytes) -> Trainer:
    """The Trainer saved in ``source`` (a path, a binary file object or bytes)."""
    return Trainer.load(source)


def from_bytes(data: bytes) -> Trainer:
    """:func:`load` from a run file's bytes."""
    return Trainer.load(data)


__all__ = ["FILE_BUDGET", "FORMAT", "KIND", "from_bytes", "load", "save", "to_bytes"]
