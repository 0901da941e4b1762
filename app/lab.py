"""The restart lab, gradient check, loss landscape and per-frame diagnostics.

Everything here runs off the session's live training thread: a :class:`LabWorker`
(one per session, made on first use) hands ``lab`` runs to the server's lab process
(:mod:`app.lab_process`) and answers ``gradcheck`` and ``landscape`` from a *copy* of
the session's network, taken under the session's lock, so the live run keeps training
and streaming frames while a sweep of hundreds of seeds runs (docs/PROTOCOL.md, last
section).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from engine import (
    TrajectoryRecorder,
    check_gradients,
    diagnose_trainer,
    explain_stuck,
    loss_landscape,
)

from . import lab_process
from .validation import ValidationError, as_int, as_object

MAX_SEEDS = 1000
MAX_EPOCHS = 20_000
# While playing, neuron health (diagnose, ~1-2 ms) at most ~4/s, frames in between
# carry null; the stuck explanation (~1-3 ms) at most ~2/s, reused in between.
DIAGNOSE_INTERVAL = 0.25
STUCK_INTERVAL = 0.5
# With many sessions computing in turn, both intervals grow by this much per session:
# at 4/s, fifty clients' diagnostics took a third of the server's one core (the
# GIL's), and with it a third of their frame rate. 50 sessions: every 0.75 s / 1.5 s.
DIAGNOSE_SECONDS_PER_SESSION = 0.015
LANDSCAPE_STEPS = (11, 61)
LANDSCAPE_SPAN = (0.01, 10.0)


# ---- payload checks -----------------------------------------------------------------------


def parse_lab(payload: Any) -> dict:
    """``{"action": "run", "seeds", "epochs", "loss_below"}`` or ``{"action": "cancel"}``."""
    data = as_object(payload, ("action", "seeds", "epochs", "loss_below"))
    action = data.get("action")
    if action == "cancel":
        extra = set(data) - {"action"}
        if extra:
            raise ValidationError(sorted(extra)[0], "cancel takes no other field")
        return {"action": "cancel"}
    if action != "run":
        raise ValidationError("action", f"action must be 'run' or 'cancel', got {action!r}")
    if "seeds" not in data or "epochs" not in data:
        raise ValidationError("seeds" if "seeds" not in data else "epochs", "required")
    seeds = as_int("seeds", data["seeds"], 1, MAX_SEEDS)
    epochs = as_int("epochs", data["epochs"], 1, MAX_EPOCHS)
    loss_below = data.get("loss_below")
    if loss_below is not None:
        loss_below = _finite("loss_below", loss_below, 0.0, 1e6)
    return {"action": "run", "seeds": seeds, "epochs": epochs, "loss_below": loss_below}


def parse_landscape(payload: Any) -> dict:
    """``{"steps": 11-61, "span": 0.01-10, "directions": "random"|"trajectory"}``."""
    data = as_object({} if payload is None else payload, ("steps", "span", "directions"))
    steps = as_int("steps", data.get("steps", 41), *LANDSCAPE_STEPS)
    span = _finite("span", data.get("span", 1.0), *LANDSCAPE_SPAN)
    directions = data.get("directions", "random")
    if directions not in ("random", "trajectory"):
        raise ValidationError(
            "directions", f"directions must be 'random' or 'trajectory', got {directions!r}"
        )
    return {"steps": steps, "span": span, "directions": directions}


def _finite(field: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, f"{field} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ValidationError(field, f"{field} must be a finite number in [{lo:g}, {hi:g}]")
    return value


# ---- per-frame diagnostics ---------------------------------------------------------------


class FrameDiagnostics:
    """``frame["diagnostics"]``: the neuron health (every settled frame, at most every
    DIAGNOSE_INTERVAL while playing, longer with many sessions, None in between) and
    the stuck explanation (recomputed at most half as often, or when the epoch went
    back, or when training has stopped (``settled``: this frame may be the last one
    for a while, so it must not show a stale answer); reused in between)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self.reset()

    def reset(self) -> None:
        self._diagnosed_at = -math.inf
        self._stuck: dict | None = None
        self._stuck_at = -math.inf
        self._stuck_epoch = -1

    def compute(self, trainer, settled: bool = False, sharing: int = 1) -> dict | None:
        """The diagnostics for this frame, or None (the client keeps the last) while a
        run plays and the last ones are younger than the interval.

        ``sharing``: how many sessions compute in turn on this server; the intervals
        are max(DIAGNOSE_INTERVAL, sharing x DIAGNOSE_SECONDS_PER_SESSION), and twice
        that for the stuck explanation.
        """
        now = self._clock()
        interval = max(DIAGNOSE_INTERVAL, sharing * DIAGNOSE_SECONDS_PER_SESSION)
        if not settled and now - self._diagnosed_at < interval:
            return None
        self._diagnosed_at = now
        payload = diagnose_trainer(trainer).to_dict(replica=0)
        # Every frame carries this: keep it to what the page shows (docs/PROTOCOL.md),
        # so a 6x8 network's frame stays within its 20 KB budget.
        for key in ("activation", "replica", "loss"):  # in the config / the frame already
            payload.pop(key, None)
        for layer in payload["layers"]:
            layer.pop("active_share", None)
        payload["grad_norms"] = [_round(g) for g in payload["grad_norms"]]
        epoch = int(trainer.epoch)
        if epoch != self._stuck_epoch and (
            settled or now - self._stuck_at >= max(STUCK_INTERVAL, 2 * interval)
            or epoch < self._stuck_epoch
        ):
            report = explain_stuck(trainer)
            self._stuck = None if report is None else report.to_dict()
            self._stuck_at, self._stuck_epoch = now, epoch
        payload["stuck"] = self._stuck
        return payload


def _round(x: float | None, digits: int = 4) -> float | None:
    """``x`` to ``digits`` significant digits (a gradient norm is shown, not reused)."""
    return None if x is None else float(f"{x:.{digits}g}")


# ---- the worker ---------------------------------------------------------------------------


def snapshot(session) -> SimpleNamespace:
    """A frozen copy of what gradcheck and the landscape read from a Trainer.

    Taken under the session's lock; the data split is never mutated in place (a
    rebuild makes a new one), so sharing it is safe.
    """
    with session.hold() as trainer:
        return SimpleNamespace(
            config=trainer.config, net=trainer.net.copy(), train=trainer.train,
            epoch=int(trainer.epoch), replicas=1,
            trajectory=[s.copy() for s in session.recorder.snapshots]
            if len(session.recorder) else None,
            trajectory_epochs=list(session.recorder.epochs),
        )


class LabWorker:
    """One session's lab runs (in the server's lab process, app/lab_process.py) and
    its one-off gradcheck / landscape requests (answered here, from a copy)."""

    def __init__(self, session):
        self.session = session
        self._lock = threading.Lock()
        self._job: int | None = None  # the session's latest run

    def lab(self, payload: Any) -> None:
        request = parse_lab(payload)
        self.cancel()  # a new run cancels the old one; a cancel just cancels
        if request["action"] == "cancel":
            return
        with self.session.hold() as trainer:
            config = trainer.config
        with self._lock:
            # the worker runs jobs in order: the cancelled run's partial result reaches
            # the client before the new run's
            self._job = lab_process.runner().submit(config.to_dict(), request, self._deliver)

    def cancel(self, drop: bool = False) -> None:
        """Stop the run under way (it answers with ``cancelled: true``); no wait."""
        with self._lock:
            job = self._job
        if job is not None:
            lab_process.runner().cancel(job, drop=drop)

    def stop(self) -> None:
        """On disconnect: cancel, and send nothing more to the gone client."""
        self.cancel(drop=True)

    def _deliver(self, event: str, payload: Any) -> None:
        if event == "error":
            self.session.send_error("lab", "payload", payload)
        else:
            self.session.send(event, payload)

    def gradcheck(self, payload: Any) -> None:
        as_object({} if payload is None else payload, ())
        self.session.send("gradcheck_result", check_gradients(snapshot(self.session)))

    def landscape(self, payload: Any) -> None:
        request = parse_landscape(payload)
        copy = snapshot(self.session)
        if request["directions"] == "trajectory" and (
            copy.trajectory is None or len(copy.trajectory) < 3
        ):
            raise ValidationError(
                "directions", "no trajectory yet: train a little first (or use random)")
        landscape = loss_landscape(copy, steps=request["steps"], span=request["span"],
                                   directions=request["directions"],
                                   trajectory=copy.trajectory)
        if copy.trajectory is not None:  # the copy lost the recorder's epochs
            landscape.trajectory_epochs = copy.trajectory_epochs
        self.session.send("landscape_result", landscape.to_dict())


def worker_for(session) -> LabWorker:
    """The session's LabWorker, made on first use."""
    worker = getattr(session, "lab_worker", None)
    if worker is None:
        worker = session.lab_worker = LabWorker(session)
    return worker


__all__ = ["FrameDiagnostics", "LabWorker", "TrajectoryRecorder", "parse_lab",
           "parse_landscape", "worker_for"]
