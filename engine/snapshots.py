"""Kept epochs: a run's past, to look back at (rewind) and to go on from (fork).

A Trainer keeps, at *kept epochs*, everything its next epochs depend on (:func:`numbers_of`:
the weights, each replica's generator (the mini-batch shuffles), the optimizer's state,
the divergence flags, the Config and the points in force, the hand edits and the origin).
So :meth:`Trainer.at` builds a Trainer standing at a kept epoch that is bit-identical to
a fresh run stepped there, and goes on from it exactly as that run would.

Which epochs (:func:`is_kept`): every epoch up to 100, then 18 per decade (every 50th
from 100 to 1 000, every 500th to 10 000, ...: 300 and 500 among them), the epoch 0
start, and the epoch of every live change (the state *after* the change, what the next
epoch starts from). The count grows with the logarithm of the run's length: 100 + 18 per
decade, 191 by epoch 10⁷: 2.7 MB for the largest network the schema allows. A byte
budget (:data:`DEFAULT_BUDGET`, 4 MiB, above that) bounds them anyway, live changes
included (a client changing a setting at thousands of epochs adds one each): past it,
the kept epoch whose neighbours are closest in log-epochs is dropped, so the timeline
thins evenly on the page's log axis. docs/ENGINE.md ("Kept epochs") gives the figures.

Only a single-replica Trainer keeps epochs by default (the page's runs): a sweep's
thousand replicas would copy megabytes per epoch for a rewind nobody asks of it.

The live changes (``change``, ``edit``, ``data``) are noted with their epochs
(:class:`LiveChange`), at most :data:`MAX_CHANGES`, for the page's timeline.

:class:`Rewind` is the Trainer's side of it (``snapshots``, ``weights_at``, ``frame_at``,
``at``, ``animate``): a mixin, since the Trainer class is at its size limit.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .optimizers import make_optimizer

if TYPE_CHECKING:  # pragma: no cover
    from .trainer import Trainer
    from .views import Frame

KEPT_DENSE = 100  # every epoch up to here is kept
DEFAULT_BUDGET = 4 * 2**20  # bytes of kept arrays per Trainer (a page's session: 64 per process)
FILE_BUDGET = 512 * 2**10  # bytes of kept arrays a run file carries (the page opens <= 1 MiB)
MAX_CHANGES = 1000  # live changes noted for the timeline (the oldest dropped past it)
_OVERHEAD = 512  # bytes of Python objects around one kept epoch's arrays (measured ~0.4 KB)
CHANGE_REASONS = ("change", "edit", "data")


def is_kept(epoch: int) -> bool:
    """Whether ``epoch`` is kept: e <= 100, or a multiple of half its decade's base
    (10^d / 2 for 10^d <= e < 10^(d+1)): 18 epochs per decade past 100."""
    if epoch <= KEPT_DENSE:
        return epoch >= 0
    return bool(epoch % (10 ** (len(str(epoch)) - 1) // 2) == 0)


def numbers_of(trainer: Trainer) -> dict[str, Any]:
    """What ``trainer``'s next epochs depend on, as values and array copies: the part
    of a run's state (:func:`engine.run_state.state_of`) that changes with the epoch."""
    return {
        "config": trainer.config,
        "data": trainer._custom,
        "epoch": trainer.epoch,
        "flat": trainer.net.flat.copy(),
        "rngs": [rng.bit_generator.state for rng in trainer.net.rngs],
        "optimizer": trainer.optimizer.state_dict(),
        "diverged": trainer.diverged.copy(),
        "edits": trainer.edits,
        "last_edit_epoch": trainer.last_edit_epoch,
        "origin": trainer.origin,
    }


def nbytes(snapshot: dict[str, Any]) -> int:
    """The bytes one kept epoch holds: its weights, its optimizer's arrays, and a small
    allowance for the objects around them."""
    arrays = [a for e in snapshot["optimizer"]["state"] for a in e.values()]
    held = sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))
    return int(snapshot["flat"].nbytes + held + _OVERHEAD)


@dataclass(frozen=True)
class LiveChange:
    """A live change at ``epoch``: ``reason`` "change" (a training setting, ``fields``
    naming which), "edit" (a weight set by hand) or "data" (new points)."""

    epoch: int
    reason: str
    fields: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "reason": self.reason, "fields": list(self.fields)}


class Kept:
    """The kept epochs of one run (``epoch -> numbers_of``) and its live changes."""

    def __init__(self, enabled: bool = True, budget: int = DEFAULT_BUDGET) -> None:
        self.enabled = enabled
        self.budget = int(budget)
        self._at: dict[int, dict[str, Any]] = {}
        self.changes: list[LiveChange] = []
        self.nbytes = 0

    @classmethod
    def start(cls, trainer: Trainer) -> Kept:
        """A run's kept epochs from where it stands (epoch 0 of a fresh build)."""
        kept = cls(enabled=trainer.replicas == 1)
        kept.take(trainer)
        return kept

    def after_epoch(self, trainer: Trainer) -> None:
        """Keep the epoch just trained if it is a kept one (:func:`is_kept`)."""
        if self.enabled and is_kept(trainer.epoch):
            self.take(trainer)

    def take(self, trainer: Trainer) -> None:
        """Keep ``trainer``'s epoch as it stands now (replacing one kept there)."""
        if self.enabled:
            self.put(numbers_of(trainer))

    def put(self, snapshot: dict[str, Any]) -> None:
        """Keep ``snapshot`` at its epoch, then drop the least needed past the budget."""
        epoch = int(snapshot["epoch"])
        old = self._at.pop(epoch, None)
        if old is not None:
            self.nbytes -= nbytes(old)
        self._at[epoch] = snapshot
        self.nbytes += nbytes(snapshot)
        while self.nbytes > self.budget and len(self._at) > 2:
            self._drop_one()

    def _drop_one(self) -> None:
        """Drop the inner kept epoch whose neighbours are closest in log(1 + epoch)."""
        epochs = sorted(self._at)
        logs = [math.log1p(e) for e in epochs]
        i = min(range(1, len(epochs) - 1), key=lambda j: logs[j + 1] - logs[j - 1])
        self.nbytes -= nbytes(self._at.pop(epochs[i]))

    def changed(self, trainer: Trainer, reason: str, fields: tuple[str, ...] = ()) -> None:
        """Note a live change at ``trainer``'s epoch, and keep the state after it."""
        self.changes.append(LiveChange(trainer.epoch, reason, tuple(fields)))
        del self.changes[:-MAX_CHANGES]
        self.take(trainer)

    def epochs(self) -> list[int]:
        """The kept epochs, rising."""
        return sorted(self._at)

    def get(self, epoch: int) -> dict[str, Any]:
        """The numbers kept at ``epoch``; ValueError naming the nearest kept epochs."""
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)):
            raise TypeError(f"epoch must be an integer, got {epoch!r}")
        found = self._at.get(int(epoch))
        if found is None:
            epochs = self.epochs()
            if not epochs:
                raise ValueError("epoch: this run keeps no epochs (more than one replica)")
            i = int(np.searchsorted(epochs, epoch))
            near = sorted({epochs[max(i - 1, 0)], epochs[min(i, len(epochs) - 1)]})
            raise ValueError(
                f"epoch {epoch} is not kept (kept near it: {', '.join(map(str, near))}; "
                f"trainer.snapshots() lists them all)"
            )
        return found

    def until(self, epoch: int) -> Kept:
        """A copy holding the kept epochs and changes up to ``epoch`` (shared arrays:
        kept numbers are never written to)."""
        kept = Kept(self.enabled, self.budget)
        for e in self.epochs():
            if e <= epoch:
                kept.put(self._at[e])
        kept.changes = [c for c in self.changes if c.epoch <= epoch]
        return kept

    def saved(self) -> dict[str, Any]:
        """What :meth:`restored` takes back: the kept numbers (rising) and the changes."""
        return {
            "snapshots": [self._at[e] for e in self.epochs()],
            "changes": [c.to_dict() for c in self.changes],
        }

    @classmethod
    def restored(cls, trainer: Trainer, saved: dict[str, Any] | Kept | None) -> Kept:
        """The kept epochs in ``saved`` for ``trainer`` (just restored), each checked
        against it (ValueError naming the epoch); the trainer's own epoch kept too. A
        Kept (:meth:`Rewind.at`'s, made from a live run's own) is taken as it is."""
        if isinstance(saved, Kept):
            saved.take(trainer)
            return saved
        kept = cls(enabled=trainer.replicas == 1)
        saved = saved or {}
        checkers: dict[Any, Any] = {}  # one optimizer per config to check states against
        for snapshot in saved.get("snapshots", ()):
            # a run file's kept epochs are on the run's own points
            snapshot = {"data": trainer._custom, **snapshot}
            _check(trainer, snapshot, checkers)
            kept.put(snapshot)
        for change in saved.get("changes", ()):
            kept.changes.append(_checked_change(trainer, change))
        kept.take(trainer)
        return kept


def _check(trainer: Trainer, snapshot: dict[str, Any], checkers: dict[Any, Any]) -> None:
    """A kept epoch that fits ``trainer``'s run (its arrays' shapes, an epoch not past
    the run's, a generator per replica), or ValueError naming what does not."""
    epoch = snapshot["epoch"]
    if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)):
        raise ValueError(f"kept epochs: epoch must be an integer, got {epoch!r}")
    if not 0 <= epoch <= trainer.epoch:
        raise ValueError(f"kept epochs: epoch {epoch} is outside [0, {trainer.epoch}]")
    flat = snapshot["flat"]
    if not isinstance(flat, np.ndarray) or flat.shape != trainer.net.flat.shape:
        raise ValueError(f"kept epoch {epoch}: weights of shape {trainer.net.flat.shape} expected")
    if flat.dtype != trainer.net.flat.dtype:
        raise ValueError(f"kept epoch {epoch}: weights must be {trainer.net.flat.dtype}")
    if len(snapshot["rngs"]) != trainer.replicas:
        raise ValueError(f"kept epoch {epoch}: expected {trainer.replicas} generators")
    diverged = np.asarray(snapshot["diverged"])
    if diverged.shape != (trainer.replicas,) or diverged.dtype != bool:
        raise ValueError(f"kept epoch {epoch}: expected {trainer.replicas} divergence flags")
    config = snapshot["config"]
    if snapshot["data"] is trainer._custom and config.needs_rebuild(trainer.config):
        raise ValueError(f"kept epoch {epoch}: its config is another network or data set")
    check = checkers.get(config)
    if check is None:
        check = checkers[config] = make_optimizer(
            config.optimizer,
            [np.empty_like(a) for a in trainer.optimizer._arrays],
            **config.optimizer_kwargs(),
        )
    try:
        check.load_state_dict(snapshot["optimizer"])
    except ValueError as err:
        raise ValueError(f"kept epoch {epoch}: {err}") from None


def _checked_change(trainer: Trainer, change: Any) -> LiveChange:
    if not isinstance(change, dict) or change.get("reason") not in CHANGE_REASONS:
        raise ValueError(f"changes: reason must be one of {', '.join(CHANGE_REASONS)}")
    epoch, fields = change.get("epoch"), change.get("fields", [])
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 0 <= epoch <= trainer.epoch:
        raise ValueError(f"changes: epoch must be an integer in [0, {trainer.epoch}]")
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise ValueError("changes: fields must be a list of names")
    return LiveChange(epoch, str(change["reason"]), tuple(fields))


def thinned(snapshots: list[dict[str, Any]], budget: int) -> list[dict[str, Any]]:
    """``snapshots`` (rising) thinned to ``budget`` bytes as :class:`Kept` thins: the
    first and last stay, the inner ones closest in log-epochs go first."""
    kept = Kept(budget=budget)
    for snapshot in snapshots:
        kept.put(snapshot)
    return [kept._at[e] for e in kept.epochs()]


def history_until(saved: dict[str, Any], epoch: int) -> dict[str, Any]:
    """A history's saved rows (:meth:`History.saved`) up to and including ``epoch``."""
    n = int(np.searchsorted(saved["epoch"], epoch, side="right"))
    return {"stride": saved["stride"], "epoch": saved["epoch"][:n], "data": saved["data"][:, :n]}


class Rewind:
    """The Trainer's kept-epoch methods (mixed into :class:`engine.trainer.Trainer`)."""

    _kept: Kept

    def snapshots(self) -> list[int]:
        """The kept epochs, rising (see :mod:`engine.snapshots` for which)."""
        return self._kept.epochs()

    def live_changes(self) -> list[LiveChange]:
        """The live changes noted so far, with their epochs (the page's timeline)."""
        return list(self._kept.changes)

    def at(self, epoch: int) -> Trainer:
        """A new Trainer standing at kept ``epoch`` (or the run's own): bit-identical to
        a fresh run stepped there, with this run's history and kept epochs up to it.
        Stepping it goes on from there ("go on from here"); this run is unchanged."""
        this = cast("Trainer", self)
        snapshot = numbers_of(this) if epoch == this.epoch else self._kept.get(epoch)
        state = {
            **snapshot,
            "replicas": this.replicas,
            "max_history_rows": this.max_history_rows,
            "history": history_until(this._history.saved(), int(epoch)),
            "last": np.full((4, this.replicas), np.nan),
            "kept": self._kept.until(int(epoch)),  # ours: no need to check it again
        }
        trainer = type(this)._from_state(state)
        trainer._evaluate_and_record()  # its `last` (and row) at that epoch
        return trainer

    def weights_at(self, epoch: int) -> list[np.ndarray]:
        """Copies of the parameter arrays at kept ``epoch``, shaped as ``net.params``
        (``[W1, b1, W2, ...]``, each with its replica axis first)."""
        this = cast("Trainer", self)
        flat = this.net.flat if epoch == this.epoch else self._kept.get(epoch)["flat"]
        return [a.copy() for a in this.net.layout.unpack(flat)]

    def frame_at(self, epoch: int, grid: int | None = None) -> Frame:
        """The frame the page drew at kept ``epoch`` (:func:`engine.views.frame`), copied."""
        this = cast("Trainer", self)
        if epoch == this.epoch:
            return this.frame(grid).copy()
        return self.at(epoch).frame(grid).copy()

    def animate(
        self,
        path: str | os.PathLike[str],
        fps: float = 10.0,
        epochs: list[int] | None = None,
        size: tuple[int, int] | None = None,
    ) -> int:
        """Write the boundary's evolution beside the loss curve to ``path``: a GIF
        (``.gif``), MP4 (``.mp4``) or WebM (``.webm``); see :mod:`engine.animation`.
        ``epochs``: kept epochs to draw (default at least 30, log-spaced, as the page
        plays them). Returns the number of frames written."""
        from .animation import animate  # Pillow and imageio: the [animate] extra

        return animate(cast("Trainer", self), path, fps=fps, epochs=epochs, size=size)
