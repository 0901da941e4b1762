"""A student's result as the teacher sees it, and the class's solved share.

A result is small on purpose: the teacher's ``class_state`` carries one per student,
up to 200, twice a second. The loss curve is at most ``CURVE_POINTS`` points spread
evenly in log(1 + epoch), so the first epochs, where runs part ways, keep their shape
however long the run. Solved is the restart lab's rule (``engine.diagnostics.
success_mask``), and the share's interval is the lab's Wilson interval
(``engine.sweep.wilson_interval``): the class is read as a restart lab.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from engine import Trainer, explain_stuck
from engine.diagnostics import success_mask
from engine.sweep import wilson_interval

CURVE_POINTS = 64
STUCK_INTERVAL = 2.0  # seconds between two stuck explanations of one student (~1-3 ms)


def _finite(value: Any, digits: int = 6) -> float | None:
    if value is None:
        return None
    value = float(np.asarray(value).ravel()[0])
    if not math.isfinite(value):
        return None
    return float(f"{value:.{digits}g}")


def curve(epochs: np.ndarray, losses: np.ndarray, points: int = CURVE_POINTS) -> list[list]:
    """At most ``points`` ``[epoch, loss]`` pairs of a loss history: the recorded rows
    nearest to epochs spread evenly in ``log(1 + epoch)`` from the first to the last
    (both always in); a loss that is not finite is ``None``."""
    epochs = np.asarray(epochs, dtype=np.int64)
    if not len(epochs):
        return []
    first, last = int(epochs[0]), int(epochs[-1])
    targets = np.expm1(np.linspace(math.log1p(first), math.log1p(last), points))
    index = np.clip(np.searchsorted(epochs, targets), 0, len(epochs) - 1)
    previous = np.clip(index - 1, 0, len(epochs) - 1)
    closer = np.abs(epochs[previous] - targets) < np.abs(epochs[index] - targets)
    index = np.unique(np.where(closer, previous, index))
    return [[int(epochs[i]), _finite(losses[i], 4)] for i in index]  # 4 digits: a thin line


def solved(trainer: Trainer, loss_below: float | None) -> bool | None:
    """The restart lab's success rule on the run now; None for a regression without a
    loss threshold (nothing defines solved)."""
    if trainer.task == "regression" and loss_below is None:
        return None
    last = trainer.last
    acc = np.asarray(last.get("train_acc", np.nan), dtype=float).ravel()[:1]
    loss = np.asarray(last.get("train_loss", np.nan), dtype=float).ravel()[:1]
    with np.errstate(invalid="ignore"):
        return bool(success_mask(acc, loss, loss_below, trainer.task)[0])


class StuckWatch:
    """One student's ``stuck`` kind, explained again at most every STUCK_INTERVAL
    seconds and only when the epoch moved (the explanation costs ~1-3 ms). A student
    whose page takes frames has it explained already by its frames' diagnostics
    (``seen``: when, on the same monotonic clock, and the case): that is reused."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._at = -math.inf
        self._epoch = -1
        self.kind: str | None = None

    def read(self, trainer: Trainer, seen: tuple[float, str | None] | None = None) -> str | None:
        epoch, now = int(trainer.epoch), self._clock()
        if seen is not None and now - seen[0] < STUCK_INTERVAL:
            self.kind, self._at, self._epoch = seen[1], seen[0], epoch
            return self.kind
        if epoch != self._epoch and (now - self._at >= STUCK_INTERVAL or epoch < self._epoch):
            report = explain_stuck(trainer)
            self.kind = str(report.case) if report.stuck else None
            self._at, self._epoch = now, epoch
        return self.kind


def student_result(
    trainer: Trainer,
    pseudonym: str,
    loss_below: float | None,
    stuck: StuckWatch,
    seen: tuple[float, str | None] | None = None,
) -> dict:
    """One entry of ``class_state``'s ``results`` (docs/PROTOCOL.md, Class mode);
    ``seen``: the frames' last stuck explanation (:meth:`StuckWatch.read`)."""
    history = trainer.history
    losses = np.asarray(history["train_loss"])
    if losses.ndim == 2:
        losses = losses[:, 0]
    return {
        "pseudonym": pseudonym,
        "epoch": int(trainer.epoch),
        "loss": _finite(trainer.last.get("train_loss")),
        "solved": solved(trainer, loss_below),
        "stuck": stuck.read(trainer, seen),
        "seed": int(trainer.config.seed),
        "curve": curve(history["epoch"], losses),
    }


def solved_share(results: Iterable[dict]) -> dict:
    """``{"count", "n", "share", "low", "high"}``: solved results of those that define
    solved, and the 95 % Wilson score interval; share and interval None when n is 0."""
    known = [r["solved"] for r in results if r.get("solved") is not None]
    n, k = len(known), sum(1 for s in known if s)
    if not n:
        return {"count": 0, "n": 0, "share": None, "low": None, "high": None}
    low, high = wilson_interval(k, n)
    return {"count": k, "n": n, "share": k / n, "low": low, "high": high}
