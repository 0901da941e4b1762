"""A run as one standalone script that trains it again: NumPy, PyTorch or Keras.

``export(trainer, to="numpy")`` returns the script's text (no I/O: the caller writes
it). The script embeds the run's data, its weights where it starts, its optimizer's
state when that is not fresh, and the generator state its mini-batch order comes from,
so it trains the same network to the same losses; ``python SCRIPT --json`` prints
``{"epochs": [...], "loss": [...]}``, the training loss at every epoch, to hold against
the run's history. See docs/EXPORT.md for the measured agreement.
"""

from __future__ import annotations

import os

from .. import checkpoint
from ..trainer import Trainer
from . import to_keras, to_numpy, to_torch
from .spec import RunSpec, run_spec

TARGETS = {"numpy": to_numpy.render, "torch": to_torch.render, "keras": to_keras.render}


def script_name(trainer: Trainer, to: str) -> str:
    """A file name for the script: data set, shape, optimizer and target."""
    cfg = trainer.config
    shape = "-".join(str(s) for s in trainer.net.layout.sizes)
    return f"{cfg.dataset}_{shape}_{cfg.optimizer}_{to}.py"


def export(
    trainer: Trainer, to: str = "numpy", replica: int = 0, filename: str | None = None
) -> str:
    """The script of ``trainer``'s run (replica ``replica``) for target ``to``.

    ``filename`` is the name the script's usage line shows (default
    :func:`script_name`). ValueError for an unknown target or a replica whose weights
    are not finite.
    """
    if to not in TARGETS:
        raise ValueError(f"unknown export target {to!r}; known: {', '.join(TARGETS)}")
    spec = run_spec(trainer, replica)
    return TARGETS[to](spec, filename or script_name(trainer, to))


def script_for(run: Trainer | bytes | str | os.PathLike[str], target: str) -> str:
    """The script of a run for ``target`` ("numpy", "torch" or "keras"), where ``run``
    is a live Trainer or a run file (its bytes or its path, read with
    :func:`engine.checkpoint.load`).

    The one call the server's "Code" button and ``playground export`` make: a stable
    entry point (its signature will not change), so the page can be wired to it
    while the exporters grow. ValueError names what is wrong: an unknown target, a
    broken run file, a run with nothing to reproduce (weights not finite).
    """
    if target not in TARGETS:
        raise ValueError(f"unknown export target {target!r}; known: {', '.join(TARGETS)}")
    if not isinstance(run, Trainer):
        run = checkpoint.load(run)
    return export(run, target)


__all__ = ["TARGETS", "RunSpec", "export", "run_spec", "script_for", "script_name"]
