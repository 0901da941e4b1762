"""The restart lab, gradient check, loss landscape and per-frame diagnostics.

Everything here runs off the session's live training thread and off the socket
handlers: a :class:`LabWorker` (one per session, made on first use) prices each
``lab``, ``phase``, ``gradcheck`` and ``landscape`` request (app/lab_jobs.py) and hands it to
the server's lab process (:mod:`app.lab_process`), with a *copy* of the session's
network taken under the session's lock, so the live run keeps training and
streaming frames meanwhile (docs/PROTOCOL.md, last section).

What one session may hold there (issue 16: one client took the shared worker):
one run under way and one queued behind it, of restart-lab runs and of phase
diagrams each (app/lab_phase.py), and one gradient check or landscape
in flight. More is refused with an ``error`` that says so; a job over the cost
ceiling too. A disconnect drops all of them.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

from engine import TrajectoryRecorder, diagnose_trainer, explain_stuck

from . import lab_jobs, lab_process
from .validation import ValidationError, as_int, as_object, parse_config

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
    """``{"action": "run", "seeds", "epochs", "loss_below", "against"}`` or
    ``{"action": "cancel"}``. ``against``: a set-up (a partial Config, checked against
    the session's when the run is asked) to compare with on the same seeds, or absent
    (None)."""
    data, request = parse_run(payload, optional=("against",))
    against = data.get("against")
    if request["action"] == "run":
        if against is not None and not isinstance(against, dict):
            raise ValidationError(
                "against", "against must be a set-up (an object of config fields)"
            )
        request["against"] = against
    return request


def parse_run(
    payload: Any, axes: tuple[str, ...] = (), optional: tuple[str, ...] = ()
) -> tuple[dict, dict]:
    """What a lab run and a phase diagram ask alike: ``action`` run or cancel, ``seeds``,
    ``epochs``, ``loss_below``, and the fields ``axes`` (required for a run) and
    ``optional`` (checked by the caller). Returns the payload as a dict and the request
    without the axes."""
    data = as_object(payload, ("action", *axes, *optional, "seeds", "epochs", "loss_below"))
    action = data.get("action")
    if action == "cancel":
        extra = set(data) - {"action"}
        if extra:
            raise ValidationError(sorted(extra)[0], "cancel takes no other field")
        return data, {"action": "cancel"}
    if action != "run":
        raise ValidationError("action", f"action must be 'run' or 'cancel', got {action!r}")
    for field in (*axes, "seeds", "epochs"):
        if field not in data:
            raise ValidationError(field, "required")
    seeds = as_int("seeds", data["seeds"], 1, MAX_SEEDS)
    epochs = as_int("epochs", data["epochs"], 1, MAX_EPOCHS)
    loss_below = data.get("loss_below")
    if loss_below is not None:
        loss_below = _finite("loss_below", loss_below, 0.0, 1e6)
    return data, {"action": "run", "seeds": seeds, "epochs": epochs, "loss_below": loss_below}


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
            settled
            or now - self._stuck_at >= max(STUCK_INTERVAL, 2 * interval)
            or epoch < self._stuck_epoch
        ):
            report = explain_stuck(trainer)
            self._stuck = None if report is None else report.to_dict()
            if self._stuck is not None:  # every output: thousands of numbers on big data
                self._stuck["details"].pop("outputs", None)
            self._stuck_at, self._stuck_epoch = now, epoch
        payload["stuck"] = self._stuck
        return payload


def _round(x: float | None, digits: int = 4) -> float | None:
    """``x`` to ``digits`` significant digits (a gradient norm is shown, not reused)."""
    return None if x is None else float(f"{x:.{digits}g}")


# ---- the worker ---------------------------------------------------------------------------


RUNS_PER_SESSION = 2  # one under way, one queued behind it
PROBE_KINDS = ("gradcheck", "landscape")


def snapshot(session) -> dict:
    """A copy of what gradcheck and the landscape read from the session's Trainer,
    for the lab process (app/lab_jobs.py rebuilds it there), and its cost shape.

    Taken under the session's lock; the data split is never mutated in place (a
    rebuild makes a new one), so sharing it is safe.
    """
    with session.hold() as trainer:
        recorder = session.recorder
        return {
            "config": trainer.config.to_dict(),
            "net": trainer.net.copy(),
            "train": trainer.train,
            "epoch": int(trainer.epoch),
            "trajectory": recorder.snapshots if len(recorder) else None,
            "trajectory_epochs": list(recorder.epochs),
            "shape": lab_jobs.Shape.of(trainer),
        }


class LabWorker:
    """One session's jobs in the server's lab process: its restart-lab runs and its
    phase diagrams (of each, one under way and one queued) and its one gradient
    check or landscape in flight."""

    def __init__(self, session, max_cost: float = lab_jobs.MAX_COST):
        self.session = session
        self.max_cost = max_cost
        self._lock = threading.Lock()
        # per kind of run ("sweep", "phase"), job ids: the one under way, then the queued
        self._runs: dict[str, list[int]] = {"sweep": [], "phase": []}
        self._probe: int | None = None  # the gradcheck or landscape in flight
        self._probe_kind = ""
        self._stopped = False

    # -- restart-lab runs and phase diagrams

    def lab(self, payload: Any) -> None:
        request = parse_lab(payload)
        if request["action"] == "cancel":
            self.cancel("sweep")
            return
        self._check_room("sweep", "a lab run")
        with self.session.hold() as trainer:
            config, shape = trainer.config, lab_jobs.Shape.of(trainer)
            custom = trainer.custom_data
        cost = lab_jobs.sweep_cost(shape, request["seeds"], request["epochs"])
        job = {
            "config": config.to_dict(),
            "seeds": request["seeds"],
            "epochs": request["epochs"],
            "loss_below": request["loss_below"],
            "chunk": lab_jobs.sweep_chunk(shape),
        }
        if request["against"] is not None:
            against, against_shape = _against(request["against"], config, custom)
            cost += lab_jobs.sweep_cost(against_shape, request["seeds"], request["epochs"])
            job["against"] = against.to_dict()
            job["against_chunk"] = lab_jobs.sweep_chunk(against_shape)
            if against.is_custom:  # the points go along
                job["data"] = (custom.points, custom.values, custom.task, custom.domain)
        self._check_cost(cost, "seeds", "this run")
        self._submit_run("sweep", "lab", job, config, custom)

    def phase(self, payload: Any) -> None:
        """A phase diagram (app/lab_phase.py): priced over every cell's network."""
        from . import lab_phase  # it builds on this module's parse_run

        request = lab_phase.parse_phase(payload)
        if request["action"] == "cancel":
            self.cancel("phase")
            return
        self._check_room("phase", "a phase diagram")
        with self.session.hold() as trainer:
            config, shape = trainer.config, lab_jobs.Shape.of(trainer)
            custom = trainer.custom_data
        grid = lab_phase.engine_grid(config, request)
        shapes = [
            lab_phase.cell_shape(shape, cell) for cell in lab_phase.cell_configs(config, grid)
        ]
        self._check_cost(
            lab_jobs.phase_cost(shapes, request["seeds"], request["epochs"]),
            "seeds",
            "this phase diagram",
        )
        job = {
            "config": config.to_dict(),
            "grid": grid,
            "seeds": request["seeds"],
            "epochs": request["epochs"],
            "loss_below": request["loss_below"],
            "chunk": lab_jobs.phase_chunk(shapes),
        }
        self._submit_run("phase", "phase", job, config, custom)

    def _check_room(self, kind: str, what: str) -> None:
        with self._lock:
            if len(self._runs[kind]) >= RUNS_PER_SESSION:
                raise ValidationError(
                    "action",
                    f"{what} is already queued behind the one under way (one "
                    f"running and one queued at most): wait for it, or cancel",
                )

    def _submit_run(self, kind: str, event: str, job: dict, config, custom) -> None:
        if config.is_custom:  # the points go along
            job["data"] = (custom.points, custom.values, custom.task, custom.domain)
        runs = self._runs[kind]
        with self._lock:
            if self._stopped or len(runs) >= RUNS_PER_SESSION:
                return
            # A new run replaces the one under way: that one answers first, with what
            # it finished, and the new one starts after it (the worker keeps order).
            self._cancel_locked(kind)
            runs.append(
                lab_process.runner().submit(
                    kind,
                    self.session.sid,
                    job,
                    lambda name, answer: self._deliver_run(kind, event, name, answer),
                )
            )

    def cancel(self, kind: str | None = None, drop: bool = False) -> None:
        """Stop the runs of ``kind`` (all if None; each answers with ``cancelled:
        true``); no wait."""
        with self._lock:
            self._cancel_locked(kind, drop)

    def _cancel_locked(self, kind: str | None = None, drop: bool = False) -> None:
        for name, runs in self._runs.items():
            if kind is None or name == kind:
                for job in runs:
                    lab_process.runner().cancel(job, drop=drop)

    def _deliver_run(self, kind: str, request: str, event: str, payload: Any) -> None:
        if event not in lab_jobs.STREAM_EVENTS:
            with self._lock:
                runs = self._runs[kind]
                if runs:
                    runs.pop(0)  # the worker answers a session's runs in order
        if event == "error":
            self.session.send_error(request, "payload", payload)
        else:
            self.session.send(event, payload)

    # -- gradient check and loss landscape

    def gradcheck(self, payload: Any) -> None:
        as_object({} if payload is None else payload, ())
        self._probe_job("gradcheck", {}, lambda copy: lab_jobs.gradcheck_cost(copy["shape"]))

    def landscape(self, payload: Any) -> None:
        request = parse_landscape(payload)

        def cost(copy: dict) -> float:
            trajectory = copy["trajectory"]
            if request["directions"] == "trajectory" and (
                trajectory is None or len(trajectory) < 3
            ):
                raise ValidationError(
                    "directions", "no trajectory yet: train a little first (or use random)"
                )
            snapshots = 0 if trajectory is None else len(trajectory)
            return lab_jobs.landscape_cost(copy["shape"], request["steps"], snapshots)

        self._probe_job("landscape", request, cost)

    def _probe_job(self, kind: str, request: dict, cost: Callable[[dict], float]) -> None:
        with self._lock:
            if self._probe is not None:
                raise ValidationError(
                    "busy",
                    f"a {self._probe_kind} is still being computed for this page: "
                    f"wait for its answer (one at a time)",
                )
        copy = snapshot(self.session)
        self._check_cost(cost(copy), "steps" if kind == "landscape" else "payload", f"this {kind}")
        del copy["shape"]
        with self._lock:
            if self._stopped:
                return
            self._probe_kind = kind
            self._probe = lab_process.runner().submit(
                kind,
                self.session.sid,
                {**request, "snapshot": copy},
                lambda event, answer: self._deliver_probe(kind, event, answer),
            )

    def _deliver_probe(self, kind: str, event: str, payload: Any) -> None:
        with self._lock:
            self._probe = None
        if event == "error":
            self.session.send_error(kind, "payload", payload)
        else:
            self.session.send(event, payload)

    # -- both

    def stop(self) -> None:
        """On disconnect: drop every job (one not started never runs), and send
        nothing more to the gone client."""
        with self._lock:
            self._stopped = True
            self._cancel_locked(drop=True)
            if self._probe is not None:
                lab_process.runner().cancel(self._probe, drop=True)

    def _check_cost(self, cost: float, field: str, what: str) -> None:
        lab_jobs.check_cost(cost, self.max_cost, field, what)


def _against(partial: dict, config, custom) -> tuple:
    """The set-up to compare with: ``partial`` over the session's config, on the same
    seeds (its ``seed`` is the session's), and its cost shape; ValidationError naming
    the field when it is not a set-up this session can train."""
    from engine import ConfigError, Trainer

    against = parse_config(partial, config).replace({"seed": config.seed})
    if against.is_custom and custom is None:
        raise ValidationError(
            "dataset",
            "the set-up to compare with trains on your own points, and this session has none",
        )
    try:
        probe = Trainer(against, data=custom if against.is_custom else None)
    except (ConfigError, ValueError) as err:
        raise ValidationError(getattr(err, "field", "against"), str(err)) from None
    return against, lab_jobs.Shape.of(probe)


def worker_for(session, max_cost: float = lab_jobs.MAX_COST) -> LabWorker:
    """The session's LabWorker, made on first use."""
    worker = getattr(session, "lab_worker", None)
    if worker is None:
        worker = session.lab_worker = LabWorker(session, max_cost)
    return worker


__all__ = [
    "FrameDiagnostics",
    "LabWorker",
    "TrajectoryRecorder",
    "parse_lab",
    "parse_landscape",
    "worker_for",
]
