"""The kinds of work the lab worker does, what each costs, and how each runs there.

A *job* is one request of one session: a restart-lab run (``sweep``), a gradient
check or a loss landscape. The server prices it here before it leaves (a job over
the ceiling is refused with an ``error`` naming the limit) and the worker process
(:mod:`app.lab_process`) runs it with :func:`run`, in slices that take turns with the
other sessions' jobs. Each kind is one entry in :data:`KINDS`: a runner that calls
``hooks.progress`` between slices and honours ``hooks.is_set`` (cancel), the event
its result goes out as, and for a phase diagram (issue 17) the event each finished
cell goes out as (``hooks.partial``), before the result.

The cost is in *work units*, about what the engine's arithmetic takes::

    cost = seeds × epochs × points × parameters
         + epochs × updates × layers × STEP_OVERHEAD × chunks

The first term is the arithmetic of a run: every training point through every
parameter, once per epoch and seed. The second is what the arithmetic formula
misses: a mini-batch update costs about STEP_OVERHEAD units per weight layer of
Python and NumPy call overhead, once per chunk of replicas however many it holds.
Measured on the 2-core VM of docs/SERVER.md, a unit is 4-9 ns: the ceiling of 3e10
is a few minutes of the lab worker. Without the second term a one-seed run of a
6x8 net with batch size 1 on 1,800 points "cost" 7e5 an epoch and took 0.5 s.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Protocol

from engine.errors import PlaygroundError

MAX_COST = 3e10  # work units per job (module docstring); LAB_MAX_COST overrides it
STEP_OVERHEAD = 10_000  # work units per weight layer per mini-batch update of a chunk
EPOCH_UNITS = 1e7  # one epoch of a chunk of seeds: ~0.05-0.1 s of arithmetic
BLOCK_SECONDS = 0.1  # a lab run's slice: the sweep's block between turns and cancels
MAX_CHUNK = 1000  # the engine's default chunk of seeds


class Hooks(Protocol):
    """What a running job sees of the worker (app.lab_process)."""

    def progress(self, done: int, total: int) -> None:
        """Report progress, and give the other sessions' jobs their turn."""

    def is_set(self) -> bool:
        """Cancelled (the engine's CancelToken)."""

    def partial(self, payload: Any) -> None:
        """Send a piece of the answer now (the kind's ``partial_event``)."""


@dataclass(frozen=True)
class Shape:
    """What a job's cost depends on: the live network and its training set."""

    points: int  # training points
    params: int  # parameters of one replica
    layers: int  # weight layers
    updates: int  # updates per epoch: 1 full batch, else ceil(points / batch_size)

    @classmethod
    def of(cls, trainer) -> Shape:
        points = len(trainer.train)
        batch = int(trainer.config.batch_size)
        updates = 1 if batch == 0 or batch >= points else math.ceil(points / batch)
        return cls(
            points=points,
            params=int(trainer.net.n_params),
            layers=len(trainer.net.sizes) - 1,
            updates=updates,
        )


class TooCostly(PlaygroundError):
    """A job over the ceiling; ``field`` names what to make smaller."""


def sweep_chunk(shape: Shape) -> int:
    """Seeds per chunk, so that one epoch of a chunk is about EPOCH_UNITS: a slice
    (at least one epoch) stays short whatever the network."""
    return max(1, min(MAX_CHUNK, int(EPOCH_UNITS // (shape.points * shape.params))))


def sweep_cost(shape: Shape, seeds: int, epochs: int, chunk: int | None = None) -> float:
    """Work units of a restart-lab run (module docstring), its seeds in chunks of
    ``chunk`` (by default :func:`sweep_chunk`)."""
    from engine.sweep import _chunk_size  # the engine's own cap (a chunk's history)

    chunk = sweep_chunk(shape) if chunk is None else chunk
    chunks = math.ceil(seeds / _chunk_size(chunk, epochs))
    arithmetic = seeds * epochs * shape.points * shape.params
    overhead = epochs * shape.updates * shape.layers * STEP_OVERHEAD * chunks
    return float(arithmetic + overhead)


def phase_chunk(shapes: list[Shape]) -> int:
    """Seeds per chunk for a phase diagram: the largest cell's :func:`sweep_chunk`
    (one chunk size for the whole grid, as the engine's sweep_grid takes)."""
    return min(sweep_chunk(shape) for shape in shapes)


def phase_cost(shapes: list[Shape], seeds: int, epochs: int) -> float:
    """Work units of a phase diagram: every cell's run, each with its own network
    (``shapes``, one per cell), in chunks of :func:`phase_chunk`."""
    chunk = phase_chunk(shapes)
    return float(sum(sweep_cost(shape, seeds, epochs, chunk) for shape in shapes))


def gradcheck_cost(shape: Shape) -> float:
    """Central differences: two passes over the points per parameter."""
    return float(2 * shape.params * shape.points * shape.params)


def landscape_cost(shape: Shape, steps: int, snapshots: int) -> float:
    """One pass over the points per grid point, path point and the centre."""
    return float((steps * steps + snapshots + 1) * shape.points * shape.params)


def check_cost(cost: float, limit: float, field: str, what: str) -> None:
    """Raise TooCostly naming the limit when ``cost`` is over it."""
    if cost > limit:
        raise TooCostly(
            field,
            f"{what} would cost {cost:.2g} work units (seeds × epochs "
            f"× points × parameters, plus per-update overhead); the "
            f"limit is {limit:.2g}: use fewer seeds or epochs, or a "
            f"smaller network or data set",
        )


# ---- in the worker process ----------------------------------------------------------------


def run_sweep(payload: dict, hooks: Hooks) -> dict:
    """A restart-lab run: the engine's sweep, in slices of about BLOCK_SECONDS."""
    from engine import Config, sweep
    from engine.compare import compare_rates
    from engine.datasets import custom_data

    config = Config.from_dict(payload["config"])
    data = payload.get("data")  # a session's own points: (points, values, task, domain)
    against = payload.get("against")  # a set-up to compare with, on the same seeds
    parts = 1 if against is None else 2

    def run(cfg: Config, chunk: int, part: int):
        def progress(done: int, total: int) -> None:
            hooks.progress(part * total + done, parts * total)

        points = None if data is None or not cfg.is_custom else custom_data(*data)
        return sweep(
            cfg,
            seeds=payload["seeds"],
            seed_start=int(config.seed),
            epochs=payload["epochs"],
            loss_below=payload["loss_below"],
            chunk=chunk,
            progress=progress,
            cancel=hooks,
            block_seconds=BLOCK_SECONDS,
            data=points,
        )

    result = run(config, payload["chunk"], 0)
    out = result.to_dict(surfaces=True)
    if against is not None and not result.cancelled:
        other = run(Config.from_dict(against), payload["against_chunk"], 1)
        out["compare"] = {
            "config": other.config.to_dict(),
            "summary": other.summary(),
            "cancelled": other.cancelled,
            "test": compare_rates(result.outcome == "solved", other.outcome == "solved"),
        }
    return out


def run_phase(payload: dict, hooks: Hooks) -> dict:
    """A phase diagram: the engine's sweep_grid over two settings (``grid``: the rows'
    key first, then the columns'), in slices of about BLOCK_SECONDS; every cell goes
    out through ``hooks.partial`` as soon as it and the cells before it are done
    (:func:`phase_cell`), the answer says how it ended."""
    from engine import Config, sweep_grid
    from engine.datasets import custom_data

    config = Config.from_dict(payload["config"])
    data = payload.get("data")
    grid = payload["grid"]
    (row_key, rows), (col_key, cols) = grid.items()
    n_cols = len(cols)

    def on_cell(cell) -> None:  # placed by its settings: a stopped grid may lack some
        index = rows.index(cell.changes[row_key]) * n_cols + cols.index(cell.changes[col_key])
        hooks.partial(phase_cell(index, n_cols, cell))

    result = sweep_grid(
        config,
        grid,
        seeds=payload["seeds"],
        seed_start=int(config.seed),
        epochs=payload["epochs"],
        loss_below=payload["loss_below"],
        chunk=payload["chunk"],
        progress=hooks.progress,
        cancel=hooks,
        block_seconds=BLOCK_SECONDS,
        on_cell=on_cell,
        data=None if data is None else custom_data(*data),
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


def run_gradcheck(payload: dict, hooks: Hooks) -> dict:
    from engine import check_gradients

    return check_gradients(_snapshot(payload))


def run_landscape(payload: dict, hooks: Hooks) -> dict:
    from engine import loss_landscape

    copy = _snapshot(payload)
    landscape = loss_landscape(
        copy,
        steps=payload["steps"],
        span=payload["span"],
        directions=payload["directions"],
        trajectory=copy.trajectory,
    )
    if copy.trajectory is not None:  # the copy lost the recorder's epochs
        landscape.trajectory_epochs = copy.trajectory_epochs
    return landscape.to_dict()


def _snapshot(payload: dict) -> SimpleNamespace:
    """What gradcheck and the landscape read from a Trainer, from the session's copy."""
    from engine import Config

    snap = payload["snapshot"]
    return SimpleNamespace(
        config=Config.from_dict(snap["config"]),
        net=snap["net"],
        train=snap["train"],
        epoch=snap["epoch"],
        replicas=1,
        trajectory=snap["trajectory"],
        trajectory_epochs=snap["trajectory_epochs"],
    )


@dataclass(frozen=True)
class Kind:
    """A kind of job: how it runs in the worker, the event its answer goes out as,
    and its lane: ``"run"`` jobs are long (a session has at most one running and one
    queued of each kind), ``"probe"`` jobs are one short slice (at most one in
    flight). A run reports ``progress_event`` as it goes, and a kind that streams
    pieces of its answer sends each as ``partial_event``."""

    run: Callable[[dict, Hooks], dict]
    result_event: str
    lane: str
    progress_event: str = "lab_progress"
    partial_event: str | None = None


KINDS: dict[str, Kind] = {
    "sweep": Kind(run_sweep, "lab_result", "run"),
    "phase": Kind(run_phase, "phase_result", "run", "phase_progress", "phase_cell"),
    "gradcheck": Kind(run_gradcheck, "gradcheck_result", "probe"),
    "landscape": Kind(run_landscape, "landscape_result", "probe"),
}
# Events that are not a job's answer: more follow.
STREAM_EVENTS = frozenset(
    {kind.progress_event for kind in KINDS.values()}
    | {kind.partial_event for kind in KINDS.values() if kind.partial_event}
)


def total_units(payload: dict) -> int:
    """A run's progress total: seeds × epochs, times the cells of its grid if any."""
    cells = math.prod(len(values) for values in payload.get("grid", {}).values())
    return int(payload["seeds"]) * int(payload["epochs"]) * cells


def run(kind: str, payload: dict, hooks: Hooks) -> tuple[str, Any]:
    """Run one job in the worker: (event, payload) of its answer."""
    spec = KINDS[kind]
    return spec.result_event, spec.run(payload, hooks)
