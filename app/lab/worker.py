"""One session's lab: its restart-lab runs, phase diagrams, gradient checks and loss
landscapes, checked, priced and handed to the app's lab process.

Everything here runs off the session's live training thread and off the socket
handlers: a :class:`LabWorker` (one per session, made on first use) checks each
``lab``, ``phase``, ``gradcheck`` and ``landscape`` request (app/lab/requests.py),
builds its job record from it and from a *copy* of what it needs of the session's
Trainer, taken under the session's lock (app/lab/jobs.py), prices it, and hands it to
the app's LabRunner (app/lab/process.py), so the live run keeps training and
streaming frames meanwhile (docs/PROTOCOL.md, last section).

What one session may hold there (issue 16: one client took the shared worker):
one run under way and one queued behind it, of restart-lab runs and of phase
diagrams each, and one gradient check or landscape in flight. More is refused with
an ``error`` that says so; a job over the cost ceiling too. A disconnect drops all
of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from engine import Config, ConfigError, Trainer
from engine.datasets import CustomData

from ..validation import ValidationError, parse_config
from . import jobs, phase, requests
from .jobs import GradcheckJob, Job, LandscapeJob, NetSnapshot, PhaseJob, Shape, SweepJob
from .process import LabRunner
from .runs import STREAM_EVENTS

RUNS_PER_SESSION = 2  # one under way, one queued behind it


def snapshot(session: Any) -> tuple[NetSnapshot, Shape]:
    """A copy of what gradcheck and the landscape read from the session's Trainer, and
    its cost shape; taken under the session's lock."""
    with session.hold() as trainer:
        recorder = session.recorder
        copy = NetSnapshot(
            config=trainer.config,
            net=trainer.net.copy(),
            train=trainer.train,
            epoch=int(trainer.epoch),
            trajectory=recorder.snapshots if len(recorder) else None,
            trajectory_epochs=list(recorder.epochs),
        )
        return copy, Shape.of(trainer)


class LabWorker:
    """One session's jobs in the app's lab process (``runner``): its restart-lab runs
    and its phase diagrams (of each, one under way and one queued) and its one
    gradient check or landscape in flight."""

    def __init__(self, session: Any, runner: LabRunner, max_cost: float = jobs.MAX_COST):
        self.session = session
        self.runner = runner
        self.max_cost = max_cost
        self._lock = threading.Lock()
        # per kind of run ("sweep", "phase"), job ids: the one under way, then the queued
        self._runs: dict[str, list[int]] = {SweepJob.kind: [], PhaseJob.kind: []}
        self._probe_job: int | None = None  # the gradcheck or landscape in flight
        self._probe_kind = ""
        self._stopped = False

    # -- restart-lab runs and phase diagrams

    def lab(self, payload: Any) -> None:
        """A restart-lab run (``lab``), alone or against a pinned set-up; or its cancel."""
        request = requests.parse_lab(payload)
        if isinstance(request, requests.Cancel):
            self.cancel(SweepJob.kind)
            return
        self._check_room(SweepJob.kind, "a lab run")
        config, shape, custom = self._live()
        cost = jobs.sweep_cost(shape, request.seeds, request.epochs)
        against = against_chunk = None
        if request.against is not None:
            against, against_shape = _against(request.against, config, custom)
            cost += jobs.sweep_cost(against_shape, request.seeds, request.epochs)
            against_chunk = jobs.sweep_chunk(against_shape)
        self._check_cost(cost, "seeds", "this run")
        custom_used = config.is_custom or (against is not None and against.is_custom)
        job = SweepJob(
            config=config,
            seeds=request.seeds,
            epochs=request.epochs,
            loss_below=request.loss_below,
            chunk=jobs.sweep_chunk(shape),
            against=against,
            against_chunk=against_chunk,
            data=custom if custom_used else None,  # the points go along
        )
        self._submit_run(job, "lab")

    def phase(self, payload: Any) -> None:
        """A phase diagram (app/lab/phase.py), priced over every cell's network; or its
        cancel."""
        request = requests.parse_phase(payload)
        if isinstance(request, requests.Cancel):
            self.cancel(PhaseJob.kind)
            return
        self._check_room(PhaseJob.kind, "a phase diagram")
        config, shape, custom = self._live()
        grid = phase.engine_grid(config, rows=request.y, cols=request.x)
        shapes = [phase.cell_shape(shape, cell) for cell in phase.cell_configs(config, grid)]
        self._check_cost(
            jobs.phase_cost(shapes, request.seeds, request.epochs), "seeds", "this phase diagram"
        )
        job = PhaseJob(
            config=config,
            grid=grid,
            seeds=request.seeds,
            epochs=request.epochs,
            loss_below=request.loss_below,
            chunk=jobs.phase_chunk(shapes),
            data=custom if config.is_custom else None,  # the points go along
        )
        self._submit_run(job, "phase")

    def _live(self) -> tuple[Config, Shape, CustomData | None]:
        """The session's Config, cost shape and own points, read under its lock."""
        with self.session.hold() as trainer:
            return trainer.config, Shape.of(trainer), trainer.custom_data

    def _check_room(self, kind: str, what: str) -> None:
        with self._lock:
            if len(self._runs[kind]) >= RUNS_PER_SESSION:
                raise ValidationError(
                    "action",
                    f"{what} is already queued behind the one under way (one "
                    f"running and one queued at most): wait for it, or cancel",
                )

    def _submit_run(self, job: SweepJob | PhaseJob, event: str) -> None:
        kind = job.kind
        runs = self._runs[kind]
        with self._lock:
            if self._stopped or len(runs) >= RUNS_PER_SESSION:
                return
            # A new run replaces the one under way: that one answers first, with what
            # it finished, and the new one starts after it (the worker keeps order).
            self._cancel_locked(kind)
            runs.append(
                self.runner.submit(
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
                    self.runner.cancel(job, drop=drop)

    def _deliver_run(self, kind: str, request: str, event: str, payload: Any) -> None:
        if event not in STREAM_EVENTS:
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
        """A gradient check of the live network, on a copy."""
        requests.parse_gradcheck(payload)
        self._probe(GradcheckJob.kind, "payload", lambda copy, shape: jobs.gradcheck_cost(shape))

    def landscape(self, payload: Any) -> None:
        """A loss landscape around the live weights, on a copy."""
        request = requests.parse_landscape(payload)

        def price(copy: NetSnapshot, shape: Shape) -> float:
            trajectory = copy.trajectory
            if request.directions == "trajectory" and (trajectory is None or len(trajectory) < 3):
                raise ValidationError(
                    "directions", "no trajectory yet: train a little first (or use random)"
                )
            snapshots = 0 if trajectory is None else len(trajectory)
            return jobs.landscape_cost(shape, request.steps, snapshots)

        self._probe(LandscapeJob.kind, "steps", price, request)

    def _probe(
        self,
        kind: str,
        field: str,
        cost: Callable[[NetSnapshot, Shape], float],
        request: requests.LandscapeRequest | None = None,
    ) -> None:
        """Price and submit a gradcheck or landscape (``kind``) of a fresh snapshot;
        ``field`` names what to make smaller when it costs too much."""
        with self._lock:
            if self._probe_job is not None:
                raise ValidationError(
                    "busy",
                    f"a {self._probe_kind} is still being computed for this page: "
                    f"wait for its answer (one at a time)",
                )
        copy, shape = snapshot(self.session)
        self._check_cost(cost(copy, shape), field, f"this {kind}")
        job: Job = (
            GradcheckJob(copy)
            if request is None
            else LandscapeJob(copy, request.steps, request.span, request.directions)
        )
        with self._lock:
            if self._stopped:
                return
            self._probe_kind = kind
            self._probe_job = self.runner.submit(
                self.session.sid,
                job,
                lambda event, answer: self._deliver_probe(kind, event, answer),
            )

    def _deliver_probe(self, kind: str, event: str, payload: Any) -> None:
        with self._lock:
            self._probe_job = None
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
            if self._probe_job is not None:
                self.runner.cancel(self._probe_job, drop=True)

    def _check_cost(self, cost: float, field: str, what: str) -> None:
        jobs.check_cost(cost, self.max_cost, field, what)


def _against(partial: dict, config: Config, custom: CustomData | None) -> tuple[Config, Shape]:
    """The set-up to compare with: ``partial`` over the session's config, on the same
    seeds (its ``seed`` is the session's), and its cost shape; ValidationError naming
    the field when it is not a set-up this session can train."""
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
    return against, Shape.of(probe)


def worker_for(session: Any, runner: LabRunner, max_cost: float = jobs.MAX_COST) -> LabWorker:
    """The session's LabWorker on ``runner`` (the app's), made on first use."""
    worker = getattr(session, "lab_worker", None)
    if worker is None:
        worker = session.lab_worker = LabWorker(session, runner, max_cost)
    return worker
