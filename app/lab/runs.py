"""How each kind of lab job runs in the lab process, and what it answers.

The lab process (app/lab/process.py) runs a job with :func:`run`, on a thread of its
own, in slices that take turns with the other sessions' jobs. Each kind is one entry
in :data:`KINDS`: a function of the job record (app/lab/jobs.py) that calls
``hooks.progress`` between slices and honours ``hooks.is_set`` (cancel), the event
its result goes out as, and for a phase diagram (issue 17) the event each finished
cell goes out as (``hooks.partial``), before the result. The answers are JSON
objects: they go to the page as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from engine import Config, check_gradients, loss_landscape, sweep, sweep_grid
from engine.compare import compare_rates
from engine.datasets import CustomData, custom_data

from .jobs import GradcheckJob, LandscapeJob, PhaseJob, SweepJob

if TYPE_CHECKING:
    pass

BLOCK_SECONDS = 0.1  # a lab run's slice: the sweep's block between turns and cancels


class Hooks(Protocol):
    """What a running job sees of the lab process (app/lab/process.py)."""

    def progress(self, done: int, total: int) -> None:
        """Report progress, and give the other sessions' jobs their turn."""

    def is_set(self) -> bool:
        """Cancelled (the engine's CancelToken)."""

    def partial(self, payload: Any) -> None:
        """Send a piece of the answer now (the kind's ``partial_event``)."""


def _points(data: CustomData | None) -> CustomData | None:
    """The session's own points, checked again and read-only in this process."""
    return None if data is None else custom_data(data.points, data.values, data.task, data.domain)


def run_sweep(job: SweepJob, hooks: Hooks) -> dict:
    """A restart-lab run: the engine's sweep, in slices of about BLOCK_SECONDS."""
    parts = 1 if job.against is None else 2

    def run(cfg: Config, chunk: int, part: int):
        def progress(done: int, total: int) -> None:
            hooks.progress(part * total + done, parts * total)

        return sweep(
            cfg,
            seeds=job.seeds,
            seed_start=int(job.config.seed),
            epochs=job.epochs,
            loss_below=job.loss_below,
            chunk=chunk,
            progress=progress,
            cancel=hooks,
            block_seconds=BLOCK_SECONDS,
            data=_points(job.data) if cfg.is_custom else None,
        )

    result = run(job.config, job.chunk, 0)
    out = result.to_dict(surfaces=True)
    if job.against is not None and not result.cancelled:
        assert job.against_chunk is not None  # set with against (app/lab/worker.py)
        other = run(job.against, job.against_chunk, 1)
        out["compare"] = {
            "config": other.config.to_dict(),
            "summary": other.summary(),
            "cancelled": other.cancelled,
            "test": compare_rates(result.outcome == "solved", other.outcome == "solved"),
        }
    return out


def run_phase(job: PhaseJob, hooks: Hooks) -> dict:
    """A phase diagram: the engine's sweep_grid over two settings, in slices of about
    BLOCK_SECONDS; every cell goes out through ``hooks.partial`` as soon as it and the
    cells before it are done (:func:`phase_cell`), the answer says how it ended."""
    (row_key, rows), (col_key, cols) = job.grid.items()
    n_cols = len(cols)

    def on_cell(cell) -> None:  # placed by its settings: a stopped grid may lack some
        index = rows.index(cell.changes[row_key]) * n_cols + cols.index(cell.changes[col_key])
        hooks.partial(phase_cell(index, n_cols, cell))

    result = sweep_grid(
        job.config,
        job.grid,
        seeds=job.seeds,
        seed_start=int(job.config.seed),
        epochs=job.epochs,
        loss_below=job.loss_below,
        chunk=job.chunk,
        progress=hooks.progress,
        cancel=hooks,
        block_seconds=BLOCK_SECONDS,
        on_cell=on_cell,
        data=_points(job.data),
    )
    return {
        "cancelled": result.cancelled,
        "cells": len(result.cells),
        "rows": len(rows),
        "cols": n_cols,
        "seeds": result.seeds,
        "epochs": result.epochs,
        "loss_below": result.loss_below,
    }


def phase_cell(index: int, n_cols: int, cell) -> dict:
    """One finished cell of a phase diagram, for the page: where it sits (``row``,
    ``col``, in the grid's order), its summary (rate, Wilson interval, ...), how many
    seeds ran (fewer than asked if cancelled), the Config it ran (``config``, its
    ``seed`` the first seed) and ``first_failing``: the first seed that did not
    solve, or null if every one did (the seed the page opens live)."""
    failing = [int(s) for s, o in zip(cell.seeds, cell.outcome, strict=True) if o != "solved"]
    return {
        "row": index // n_cols,
        "col": index % n_cols,
        "summary": cell.summary(),
        "cancelled": cell.cancelled,
        "config": cell.config.to_dict(),
        "epochs": cell.epochs,
        "first_failing": failing[0] if failing else None,
    }


def run_gradcheck(job: GradcheckJob, hooks: Hooks) -> dict:
    """The engine's gradient check of the snapshot (one short turn)."""
    # A NetSnapshot is a TrainerLike (config, net, train, epoch): all it reads
    return check_gradients(job.snapshot)


def run_landscape(job: LandscapeJob, hooks: Hooks) -> dict:
    """The engine's loss landscape around the snapshot's weights (one short turn)."""
    snapshot = job.snapshot
    landscape = loss_landscape(
        snapshot,
        steps=job.steps,
        span=job.span,
        directions=job.directions,
        trajectory=snapshot.trajectory,
    )
    if snapshot.trajectory is not None:  # the snapshot lost the recorder's epochs
        landscape.trajectory_epochs = snapshot.trajectory_epochs
    return landscape.to_dict()


@dataclass(frozen=True)
class Kind:
    """A kind of job: how it runs in the worker, the event its answer goes out as,
    and its lane: ``"run"`` jobs are long (a session has at most one running and one
    queued of each kind), ``"probe"`` jobs are one short slice (at most one in
    flight). A run reports ``progress_event`` as it goes, and a kind that streams
    pieces of its answer sends each as ``partial_event``."""

    run: Callable[[Any, Hooks], dict]
    result_event: str
    lane: str
    progress_event: str = "lab_progress"
    partial_event: str | None = None


KINDS: dict[str, Kind] = {
    SweepJob.kind: Kind(run_sweep, "lab_result", "run"),
    PhaseJob.kind: Kind(run_phase, "phase_result", "run", "phase_progress", "phase_cell"),
    GradcheckJob.kind: Kind(run_gradcheck, "gradcheck_result", "probe"),
    LandscapeJob.kind: Kind(run_landscape, "landscape_result", "probe"),
}
# Events that are not a job's answer: more follow.
STREAM_EVENTS = frozenset(
    {kind.progress_event for kind in KINDS.values()}
    | {kind.partial_event for kind in KINDS.values() if kind.partial_event}
)


def run(job: Any, hooks: Hooks) -> tuple[str, Any]:
    """Run one job (a record of app/lab/jobs.py) in the worker: (event, payload) of
    its answer."""
    spec = KINDS[job.kind]
    return spec.result_event, spec.run(job, hooks)
