"""The lab's jobs as typed records, and what each costs.

A *job* is one request of one session, with what it needs of the session's set-up:
a restart-lab run (:class:`SweepJob`), a phase diagram (:class:`PhaseJob`), a
gradient check (:class:`GradcheckJob`) or a loss landscape (:class:`LandscapeJob`).
The session's LabWorker (app/lab/worker.py) builds one from the checked request
(app/lab/requests.py), prices it here (a job over the ceiling is refused with an
``error`` naming the limit) and hands it to the LabRunner, which pickles it across
to the lab process (app/lab/process.py) where app/lab/runs.py runs it. Records, not
dicts: every field is named and typed where it is made, so the worker process reads
no key that the server forgot to write. Each is frozen: once priced, it does not
change on its way.

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
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from engine import MLP, Config, DataSplit
from engine.datasets import CustomData
from engine.errors import PlaygroundError
from engine.sweep import _chunk_size  # the engine's own cap (a chunk's history)

MAX_COST = 3e10  # work units per job (module docstring); LAB_MAX_COST overrides it
STEP_OVERHEAD = 10_000  # work units per weight layer per mini-batch update of a chunk
EPOCH_UNITS = 1e7  # one epoch of a chunk of seeds: ~0.05-0.1 s of arithmetic
MAX_CHUNK = 1000  # the engine's default chunk of seeds


@dataclass(frozen=True)
class Shape:
    """What a job's cost depends on: the live network and its training set."""

    points: int  # training points
    params: int  # parameters of one replica
    layers: int  # weight layers
    updates: int  # updates per epoch: 1 full batch, else ceil(points / batch_size)

    @classmethod
    def of(cls, trainer: Any) -> Shape:
        """The shape of a Trainer (or anything with its ``train``, ``config``, ``net``)."""
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


# ---- the records -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepJob:
    """A restart-lab run: ``seeds`` seeds of ``config`` from its own seed, ``epochs``
    each, in chunks of ``chunk`` seeds; then, if ``against`` is set, the same seeds
    of that set-up in chunks of ``against_chunk``. ``data``: the session's own points
    when either set-up trains on them."""

    kind: ClassVar[str] = "sweep"
    config: Config
    seeds: int
    epochs: int
    loss_below: float | None
    chunk: int
    against: Config | None = None
    against_chunk: int | None = None
    data: CustomData | None = None

    def units(self) -> int:
        """The run's progress total: seeds x epochs (each set-up's half of it)."""
        return self.seeds * self.epochs


@dataclass(frozen=True)
class PhaseJob:
    """A phase diagram: the sweep of ``config`` over ``grid`` (the rows' key first,
    then the columns', each with its values), every cell ``seeds`` seeds of
    ``epochs``, in chunks of ``chunk`` seeds. ``data``: the session's own points."""

    kind: ClassVar[str] = "phase"
    config: Config
    grid: dict[str, list[Any]]
    seeds: int
    epochs: int
    loss_below: float | None
    chunk: int
    data: CustomData | None = None

    def units(self) -> int:
        """The run's progress total: seeds x epochs x cells."""
        return self.seeds * self.epochs * math.prod(len(v) for v in self.grid.values())


@dataclass(frozen=True)
class NetSnapshot:
    """What gradcheck and the landscape read from the session's Trainer, copied under
    the session's lock: its Config, a copy of its network, its training split (never
    mutated in place: a rebuild makes a new one, so sharing it is safe), its epoch,
    and the recorder's path (``trajectory``, None before there is one) with the epoch
    of each point. It reads as a one-replica Trainer to the engine's functions."""

    config: Config
    net: MLP
    train: DataSplit
    epoch: int
    trajectory: np.ndarray | None
    trajectory_epochs: list[int]
    replicas: int = 1


@dataclass(frozen=True)
class GradcheckJob:
    """A gradient check of the snapshot's network on its training set."""

    kind: ClassVar[str] = "gradcheck"
    snapshot: NetSnapshot


@dataclass(frozen=True)
class LandscapeJob:
    """A loss landscape around the snapshot's weights: ``steps`` x ``steps`` points
    over ``span`` along ``directions`` (``random`` or ``trajectory``)."""

    kind: ClassVar[str] = "landscape"
    snapshot: NetSnapshot
    steps: int
    span: float
    directions: str


Job = SweepJob | PhaseJob | GradcheckJob | LandscapeJob


@runtime_checkable
class Counted(Protocol):
    """A job of the run lane (app/lab/runs.py's ``Kind.lane``: sweeps, phase diagrams):
    it counts its progress in :meth:`units`, the total a waiting run is told."""

    def units(self) -> int: ...
