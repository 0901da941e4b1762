"""The restart lab: one Config, hundreds of seeds, one vectorised run.

:func:`sweep` trains seeds ``start, start + 1, ...`` — ``start`` is the Config's own
``seed`` unless ``seed_start`` says otherwise, the one rule the page's restart lab and
``playground sweep`` follow too — seed ``s`` as replica ``s - start`` of a
multi-replica :class:`~engine.trainer.Trainer` (replica k of a Trainer uses
``config.seed + k``), so seed s in a sweep is exactly
``Trainer(config.replace({"seed": s})).step(epochs)`` run alone: the page can reopen
any seed live. Per seed it reports the final loss
and accuracy, the epochs to success, the outcome (solved / stuck / diverged) and,
for runs that did not solve, the case from :mod:`engine.diagnostics` (half_plateau,
dead_units, ...). :func:`sweep_grid` repeats it over a grid of settings, with the
same seeds in every cell.

Success: every training point on the right side of the threshold (0.5 for a
sigmoid output, 0 for tanh), i.e. training accuracy 100 %, and, with
``loss_below``, a training loss below it too. ``epochs_to_success`` is the first
epoch at which that held; ``outcome`` is judged on the final state.

Success rate: k successes in n seeds, with the 95 % Wilson score interval
(:func:`wilson_interval`).

Tasks: a sweep is split into (cell, seed chunk) tasks, :class:`SeedChunk`, each a
pure function (:func:`run_chunk`) of picklable inputs. An executor
(:mod:`engine.executors`: this process, ``workers`` local processes, or a Dask
cluster) runs them and never changes a number: the split depends on ``chunk`` and
``epochs`` alone, never on who runs the tasks, so ``workers=2`` or a cluster gives
every field a serial run gives, bit for bit.

Memory: replicas run in chunks of at most ``chunk`` seeds. Epochs to success are
read from the Trainer's history after every block of epochs; the history keeps
every epoch (4 numbers per replica per epoch), so a chunk is also capped to keep
that under :data:`HISTORY_BUDGET` bytes (1,000 seeds × 2,000 epochs = 64 MB).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config import Config
from .datasets import CustomData, as_custom
from .diagnostics import DEFAULT_WINDOW, classify_outcomes, diagnose_trainer, success_mask
from .executors import CancelToken, Executor, make_executor
from .grid_axes import expand
from .jsonable import json_float, to_json
from .trainer import Trainer, TrainingPoints
from .training_data import config_for_data

HISTORY_BUDGET = 64 * 2**20
DEFAULT_CHUNK = 1000
BLOCK_EPOCHS = 100  # between progress reports and cancellation checks
OUTCOMES = ("solved", "stuck", "diverged")
STUCK_CASES = (
    "half_plateau",
    "dead_units",
    "plateau",
    "saturated",
    "small_steps",
    "still_improving",
)


Progress = Callable[[int, int], Any]


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials::

        p = k / n
        centre = (p + z² / 2n) / (1 + z² / n)
        half   = z / (1 + z² / n) · sqrt(p (1 - p) / n + z² / 4n²)
        interval = [centre - half, centre + half]

    z = 1.96 gives 95 %. Unlike p ± z·sqrt(p(1-p)/n) it stays inside [0, 1] and is
    not empty at k = 0 or k = n. n = 0 gives (0, 1): nothing is known.
    """
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    p = k / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class SweepResult:
    """Per seed (arrays in seed order, one entry per seed that ran) and the summary
    of one sweep.

    * ``config``: the Config the seeds ran with, its ``seed`` the first seed
      (``config_for(s)`` reruns seed s alone); ``epochs``; ``loss_below`` (None:
      success is accuracy alone); ``seed_start``, the first seed.
    * ``seeds`` (n,): the seeds, ``seed_start, seed_start + 1, ...``.
    * ``final_loss``, ``final_acc`` (n,): training loss (regularisation included) and
      accuracy after the last epoch (accuracy NaN for regression).
    * ``epochs_to_success`` (n,): the first epoch at which the run counted as solved,
      -1 where it never did (None in :meth:`records`).
    * ``outcome`` (n,): "solved", "stuck" or "diverged", judged on the final state;
      ``case`` (n,): for unsolved runs the diagnostics' case (half_plateau,
      dead_units, plateau, saturated, small_steps, still_improving, diverged), "" for
      solved ones; ``dead_units``, ``saturated_units`` (n,): hidden units so tagged.
    * ``surfaces`` (S, g, g) float32: the decision surfaces of the first S seeds on
      the grid ``surface_xs`` × ``surface_ys`` (row i = ys[i]), as in
      :meth:`engine.trainer.Trainer.frame`; None when none were asked for. For a
      softmax output: the most probable class at each grid point, and
      ``surface_confidence`` (S, g, g) its probability.
    * ``cancelled``: the sweep stopped early; only whole chunks are reported.
      ``elapsed``: seconds. ``changes``: a grid cell's settings (:func:`sweep_grid`).

    :meth:`summary` gives the counts, the rate and its Wilson interval;
    :meth:`to_dict` is the JSON the CLI writes and the page's lab receives.
    """

    config: Config
    epochs: int
    loss_below: float | None
    seeds: np.ndarray
    final_loss: np.ndarray
    final_acc: np.ndarray
    epochs_to_success: np.ndarray
    outcome: np.ndarray
    case: np.ndarray
    dead_units: np.ndarray
    saturated_units: np.ndarray
    surfaces: np.ndarray | None = None
    surface_xs: np.ndarray | None = None
    surface_ys: np.ndarray | None = None
    surface_confidence: np.ndarray | None = None
    cancelled: bool = False
    elapsed: float = 0.0
    changes: dict[str, Any] = field(default_factory=dict)
    seed_start: int = 0

    @property
    def n(self) -> int:
        return len(self.seeds)

    def summary(self) -> dict[str, Any]:
        """n, successes, rate, Wilson 95 % interval, median epochs to solve, counts."""
        solved = self.outcome == "solved"
        k, n = int(solved.sum()), self.n
        low, high = wilson_interval(k, n)
        ets = self.epochs_to_success[solved & (self.epochs_to_success >= 0)]
        return {
            "n": n,
            "successes": k,
            "rate": k / n if n else None,
            "wilson_low": low,
            "wilson_high": high,
            "median_epochs_to_solve": float(np.median(ets)) if len(ets) else None,
            "outcomes": {o: int((self.outcome == o).sum()) for o in OUTCOMES},
            "cases": {
                c: int((self.case == c).sum()) for c in STUCK_CASES if (self.case == c).any()
            },
            "median_final_loss": json_float(np.nanmedian(self.final_loss))
            if np.isfinite(self.final_loss).any()
            else None,
        }

    def records(self) -> list[dict[str, Any]]:
        """One JSON-friendly dict per seed."""
        out = []
        for i in range(self.n):
            ets = int(self.epochs_to_success[i])
            out.append(
                {
                    "seed": int(self.seeds[i]),
                    "final_loss": json_float(self.final_loss[i]),
                    "final_acc": json_float(self.final_acc[i]),
                    "epochs_to_success": ets if ets >= 0 else None,
                    "outcome": str(self.outcome[i]),
                    "case": str(self.case[i]) or None,
                    "dead_units": int(self.dead_units[i]),
                    "saturated_units": int(self.saturated_units[i]),
                }
            )
        return out

    def config_for(self, seed: int) -> Config:
        """The Config that reruns ``seed`` alone (what the page opens live)."""
        return self.config.replace({"seed": int(seed)})

    def surfaces_dict(self) -> dict[str, Any] | None:
        """The first seeds' decision surfaces, JSON-friendly (rounded to 1e-3)."""
        if self.surfaces is None:
            return None
        out: dict[str, Any] = {
            "xs": to_json(self.surface_xs),
            "ys": to_json(self.surface_ys),
            "seeds": to_json(self.seeds[: len(self.surfaces)]),
            "surfaces": np.round(self.surfaces.astype(float), 3).tolist(),
        }
        if self.surface_confidence is not None:  # softmax: classes and probabilities
            out["classes"] = self.config.n_classes
            out["confidence"] = np.round(self.surface_confidence.astype(float), 3).tolist()
        return out

    def to_dict(self, surfaces: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "config": self.config.to_dict(),
            "changes": to_json(self.changes),
            "seed_start": self.seed_start,
            "seeds": self.n,
            "epochs": self.epochs,
            "loss_below": self.loss_below,
            "cancelled": self.cancelled,
            "elapsed": self.elapsed,
            "summary": self.summary(),
            "runs": self.records(),
        }
        if surfaces:
            out["surfaces"] = self.surfaces_dict()
        return out


def _chunk_size(chunk: int, epochs: int) -> int:
    per_replica = 4 * 8 * (epochs + 2)
    return max(1, min(int(chunk), HISTORY_BUDGET // per_replica))


def sweep(
    config: Config,
    seeds: int = 200,
    seed_start: int | None = None,
    epochs: int = 2000,
    loss_below: float | None = None,
    chunk: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    surface_grid: int = 24,
    surface_limit: int = 64,
    block_seconds: float | None = None,
    data: TrainingPoints | None = None,
    workers: int | str = 1,
    scheduler: Any = None,
) -> SweepResult:
    """Train ``seeds`` restarts of ``config`` for ``epochs`` epochs each.

    Parameters
    ----------
    config : Config
        The settings every seed runs with.
    seeds : int
        How many seeds (restarts), >= 1.
    seed_start : int, optional
        The first seed; by default ``config.seed``. Seeds ``seed_start`` to
        ``seed_start + seeds - 1`` run, and the last must be a valid seed.
    epochs : int
        Epochs per seed (>= 0).
    loss_below : float, optional
        Success also needs the training loss below this (required for regression,
        which has no accuracy).
    chunk : int
        At most this many seeds train at once as replicas of one Trainer (fewer for
        long runs: the history of a chunk stays under :data:`HISTORY_BUDGET`). The
        chunks are the tasks ``workers`` share.
    progress : callable, optional
        ``progress(done, total)`` after every block of :data:`BLOCK_EPOCHS` epochs,
        in seed-epochs (total = seeds × epochs); on a cluster, per finished chunk.
    cancel : object with ``is_set()``, optional
        Checked as often; once set, the sweep returns the chunks already finished
        (the first ones, in seed order), with ``cancelled=True``.
    surface_grid, surface_limit : int
        Keep ``surface_grid`` × ``surface_grid`` decision surfaces of the first
        ``surface_limit`` seeds (``surface_grid=0`` keeps none).
    block_seconds : float, optional
        Size each block from the measured time per epoch to last about this long
        (at least one epoch, at most :data:`BLOCK_EPOCHS`) instead of
        :data:`BLOCK_EPOCHS` epochs, so a cancel is seen within about that long (or
        one epoch of a chunk, if longer) whatever the network. It never changes a
        number.
    data : (X, y) or CustomData, optional
        Your own points, as for :class:`~engine.trainer.Trainer`: every seed trains on
        them (the result's config has ``dataset`` "custom").
    workers : int or "auto"
        Local processes that run the chunks (1: this one; "auto": every core).
    scheduler : str or distributed.Client, optional
        Run the chunks on this Dask cluster instead (``pip install
        'numpy-playground[cluster]'``).

    Returns a :class:`SweepResult`; the same numbers whatever ``workers`` or
    ``scheduler``.
    """
    custom = None if data is None else as_custom(data, config.task if config.is_custom else None)
    if custom is not None:
        config = config_for_data(config, custom)
    config = _first_seed(config, seed_start, seeds, epochs)
    plan = _Plan(
        int(seeds),
        int(epochs),
        loss_below,
        chunk,
        surface_grid,
        surface_limit,
        block_seconds,
        custom,
    )
    cells = plan.run([({}, config)], make_executor(workers, scheduler), progress, cancel)
    return cells[0]


def _first_seed(config: Config, seed_start: int | None, seeds: int, epochs: int) -> Config:
    """``config`` with its seed the sweep's first (``seed_start``, else its own), after
    checking the counts and that the last seed is a valid one."""
    seed_start = int(config.seed if seed_start is None else seed_start)
    if int(seeds) < 1:
        raise ValueError(f"seeds must be >= 1, got {seeds}")
    if int(epochs) < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    config.replace({"seed": seed_start + int(seeds) - 1})  # the last seed must be valid
    return config.replace({"seed": seed_start})


# ------------------------------------------------------------------------ tasks


@dataclass(frozen=True)
class SeedChunk:
    """One task of a sweep: seeds ``config.seed + first`` to ``config.seed + first +
    count - 1`` of one cell, trained together as replicas of one Trainer.

    Everything :func:`run_chunk` reads is here, and all of it pickles (the Config
    through its validated dict): a task computes the same numbers in any process.
    ``surfaces``: how many of the chunk's first seeds keep a decision surface on a
    ``surface_grid`` × ``surface_grid`` grid. ``block_seconds``: as in :func:`sweep`.
    ``data``: your own points (a CustomData), or None for the Config's data set.
    """

    cell: int
    config: Config  # the cell's settings; its seed is the cell's first seed
    first: int
    count: int
    epochs: int
    loss_below: float | None = None
    surface_grid: int = 0
    surfaces: int = 0
    block_seconds: float | None = None
    data: CustomData | None = None


def run_chunk(
    task: SeedChunk, progress: Callable[[int], Any] | None = None, cancel: CancelToken | None = None
) -> dict[str, Any] | None:
    """Train one task's seeds: per seed the arrays of :class:`SweepResult` (final
    loss and accuracy, epochs to success, outcome, case, dead and saturated units),
    the kept decision surfaces (``surfaces`` (S, g, g) float32 or None, and for
    softmax ``confidence``; ``xs``, ``ys``) and ``seconds`` (its compute time); None
    if ``cancel`` was set first.
    ``progress(epochs)`` after every block of epochs."""
    t0 = time.perf_counter()
    cfg = task.config.replace({"seed": task.config.seed + task.first})
    trainer = Trainer(cfg, replicas=task.count, max_history_rows=task.epochs + 2, data=task.data)
    part = _run_chunk(
        trainer,
        task.epochs,
        task.loss_below,
        cancel,
        progress or (lambda _epoch: None),
        task.block_seconds,
    )
    if part is None:
        return None
    part["surfaces"] = part["confidence"] = part["xs"] = part["ys"] = None
    if task.surfaces > 0:
        g = task.surface_grid
        out = trainer.net.forward(trainer.grid_features(g))[: task.surfaces]
        shape = (task.surfaces, g, g)
        if trainer.net.classes:
            part["confidence"] = out.max(axis=2).reshape(shape).astype(np.float32)
            out = out.argmax(axis=2)
        else:
            out = out[:, :, 0]
        part["surfaces"] = out.reshape(shape).astype(np.float32)
        xmin, xmax, ymin, ymax = trainer.domain
        part["xs"], part["ys"] = np.linspace(xmin, xmax, g), np.linspace(ymin, ymax, g)
    part["seconds"] = time.perf_counter() - t0
    return part


@dataclass
class _Plan:
    """How a sweep's cells split into tasks, and how the tasks' results make the
    cells' :class:`SweepResult` again: the one place that knows both."""

    seeds: int
    epochs: int
    loss_below: float | None
    chunk: int
    surface_grid: int
    surface_limit: int
    block_seconds: float | None
    data: CustomData | None = None

    def tasks(self, cell: int, config: Config) -> list[SeedChunk]:
        size = _chunk_size(self.chunk, self.epochs)
        out = []
        for first in range(0, self.seeds, size):
            count = min(size, self.seeds - first)
            keep = max(0, min(count, self.surface_limit - first)) if self.surface_grid else 0
            out.append(
                SeedChunk(
                    cell,
                    config,
                    first,
                    count,
                    self.epochs,
                    self.loss_below,
                    self.surface_grid,
                    keep,
                    self.block_seconds,
                    self.data,
                )
            )
        return out

    def run(
        self,
        cells: list[tuple[dict[str, Any], Config]],
        executor: Executor,
        progress: Progress | None,
        cancel: CancelToken | None,
        on_cell: Callable[[SweepResult], Any] | None = None,
        keep_empty: bool = True,
    ) -> list[SweepResult]:
        """Run every cell's tasks on ``executor``; the cells' results in grid order
        (a cell keeps the chunks that finished before the first one that did not;
        with ``keep_empty=False`` a cell with none is left out). ``on_cell(result)``
        for each cell as soon as it and every cell before it are finished (the rest
        at the end), so a caller can write them out in grid order as they come."""
        tasks = [task for i, (_, cfg) in enumerate(cells) for task in self.tasks(i, cfg)]
        parts: list[dict[str, Any] | None] = [None] * len(tasks)
        epochs_done = [0] * len(tasks)
        done = 0
        total = self.seeds * self.epochs * len(cells)
        by_cell: list[list[int]] = [[] for _ in cells]
        for i, task in enumerate(tasks):
            by_cell[task.cell].append(i)
        emitted = 0
        results: list[SweepResult | None] = [None] * len(cells)

        def report(i: int, epochs: int) -> None:
            nonlocal done
            if epochs > epochs_done[i]:
                done += tasks[i].count * (epochs - epochs_done[i])
                epochs_done[i] = epochs
            if progress is not None:
                progress(done, total)

        def finished(i: int, part: dict[str, Any]) -> None:
            nonlocal emitted
            parts[i] = part
            if epochs_done[i] < self.epochs:
                report(i, self.epochs)
            while emitted < len(cells) and all(parts[j] is not None for j in by_cell[emitted]):
                result = results[emitted] = self._cell(cells[emitted], by_cell[emitted], parts)
                if on_cell is not None:
                    on_cell(result)
                emitted += 1

        executor.run(run_chunk, tasks, finished, report, cancel)
        for c in range(emitted, len(cells)):
            result = self._cell(cells[c], by_cell[c], parts)
            if result.n or keep_empty:
                results[c] = result
                if on_cell is not None:
                    on_cell(result)
        return [r for r in results if r is not None]

    def _cell(
        self,
        cell: tuple[dict[str, Any], Config],
        indices: list[int],
        parts: list[dict[str, Any] | None],
    ) -> SweepResult:
        """One cell's SweepResult from its chunks that finished, in seed order (up to
        the first that did not: a cell's seeds stay consecutive)."""
        changes, config = cell
        done: list[dict[str, Any]] = []
        for i in indices:
            part = parts[i]
            if part is None:
                break
            done.append(part)
        joined = {
            key: np.concatenate([p[key] for p in done]) if done else np.empty(0)
            for key in (
                "final_loss",
                "final_acc",
                "epochs_to_success",
                "outcome",
                "case",
                "dead_units",
                "saturated_units",
            )
        }
        shown = [p for p in done if p["surfaces"] is not None]
        seed_start = int(config.seed)
        return SweepResult(
            config=config,
            epochs=self.epochs,
            loss_below=self.loss_below,
            seeds=np.arange(seed_start, seed_start + len(joined["final_loss"])),
            final_loss=joined["final_loss"].astype(float),
            final_acc=joined["final_acc"].astype(float),
            epochs_to_success=joined["epochs_to_success"].astype(np.int64),
            outcome=joined["outcome"].astype(object),
            case=joined["case"].astype(object),
            dead_units=joined["dead_units"].astype(np.int64),
            saturated_units=joined["saturated_units"].astype(np.int64),
            surfaces=np.concatenate([p["surfaces"] for p in shown]) if shown else None,
            surface_xs=shown[0]["xs"] if shown else None,
            surface_ys=shown[0]["ys"] if shown else None,
            surface_confidence=np.concatenate([p["confidence"] for p in shown])
            if shown and shown[0]["confidence"] is not None
            else None,
            cancelled=len(done) < len(indices),
            elapsed=float(sum(p["seconds"] for p in done)),
            changes=changes,
            seed_start=seed_start,
        )


def _run_chunk(
    trainer: Trainer,
    epochs: int,
    loss_below: float | None,
    cancel: CancelToken | None,
    report: Callable[[int], Any],
    block_seconds: float | None = None,
) -> dict[str, Any] | None:
    """Train one chunk, tracking first success per replica; None if cancelled."""
    m = trainer.replicas
    first_success = np.full(m, -1, np.int64)
    seen = -1
    block = 1 if block_seconds else BLOCK_EPOCHS
    while True:
        rows = trainer.history_since(seen)
        if len(rows["epoch"]):
            ok = success_mask(rows["train_acc"], rows["train_loss"], loss_below, trainer.task)
            hit = ok.any(axis=0) & (first_success < 0)
            first_success[hit] = rows["epoch"][ok.argmax(axis=0)[hit]]
            seen = int(rows["epoch"][-1])
        report(trainer.epoch)
        if trainer.epoch >= epochs:
            break
        if cancel is not None and cancel.is_set():
            return None
        n = min(block, epochs - trainer.epoch)
        started = time.perf_counter()
        trainer.step(n)
        if block_seconds:
            took = max(time.perf_counter() - started, 1e-9)
            # the next block from the measured speed; grows at most 4x at a time, so
            # one quick block (a warm cache) cannot make the next one run long
            block = max(1, min(BLOCK_EPOCHS, 4 * n, int(n * block_seconds / took)))
    loss = np.asarray(trainer.last["train_loss"], float)
    acc = np.asarray(trainer.last["train_acc"], float)
    # short sweeps judge "still falling" over a quarter of the run
    window = min(DEFAULT_WINDOW, max(1, epochs // 4))
    cases = np.array(classify_outcomes(trainer, loss_below, window=window), dtype=object)
    outcome = np.where(
        cases == "solved", "solved", np.where(cases == "diverged", "diverged", "stuck")
    ).astype(object)
    case = np.where(outcome == "solved", "", cases).astype(object)
    diagnosis = diagnose_trainer(trainer)
    return {
        "final_loss": loss,
        "final_acc": acc,
        "epochs_to_success": first_success,
        "outcome": outcome,
        "case": case,
        "dead_units": diagnosis.dead,
        "saturated_units": diagnosis.saturated,
    }


# ------------------------------------------------------------------------ grid


@dataclass
class GridResult:
    """One :class:`SweepResult` per cell of a grid of settings (cells in
    ``itertools.product`` order of ``grid``'s keys); ``config`` holds the settings
    the grid starts from, its ``seed`` the first seed of every cell; ``seeds``,
    ``epochs`` and ``loss_below`` what every cell was asked to run (a cancelled
    grid's cells may hold fewer seeds, or be missing)."""

    config: Config
    grid: dict[str, list[Any]]
    cells: list[SweepResult]
    cancelled: bool = False
    seeds: int = 0
    epochs: int | None = None
    loss_below: float | None = None

    @property
    def keys(self) -> list[str]:
        return list(self.grid)

    def columns(self) -> list[str]:
        """The CSV's columns: the grid's keys, then :func:`cell_row`'s summary."""
        return [*self.keys, *ROW_SUMMARY, "stuck", "diverged", *STUCK_CASES]

    def rows(self) -> list[dict[str, Any]]:
        """Per cell: its settings and its summary, flat (what the CSV holds)."""
        return [cell_row(cell, self.keys) for cell in self.cells]

    def table(self) -> str:
        """A readable text table: settings, solved k/n, rate with its 95 % interval,
        median epochs to solve, and what the stuck runs were stuck on."""
        cases = [
            c for c in STUCK_CASES if any(cell.summary()["cases"].get(c) for cell in self.cells)
        ]
        if any(cell.summary()["outcomes"]["diverged"] for cell in self.cells):
            cases.append("diverged")
        head = [*self.keys, "solved", "rate", "95% CI", "median epochs", *cases]
        body = []
        for cell in self.cells:
            s = cell.summary()
            med = s["median_epochs_to_solve"]
            counts = {**s["cases"], "diverged": s["outcomes"]["diverged"]}
            body.append(
                [
                    *(_show(cell.changes[key]) for key in self.keys),
                    f"{s['successes']}/{s['n']}",
                    f"{100 * s['rate']:.1f} %" if s["rate"] is not None else "-",
                    f"[{100 * s['wilson_low']:.1f}, {100 * s['wilson_high']:.1f}]",
                    f"{med:.0f}" if med is not None else "-",
                    *(str(counts.get(c, 0)) for c in cases),
                ]
            )
        widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(head)]
        right = set(range(len(self.keys), len(head)))

        def line(cells: list[str]) -> str:
            return "  ".join(
                c.rjust(w) if i in right else c.ljust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )

        rule = "  ".join("-" * w for w in widths)
        return "\n".join([line(head), rule, *(line(r) for r in body)])

    def header(self) -> dict[str, Any]:
        """What the grid was asked to run: :meth:`to_dict` without its cells."""
        return {
            "config": self.config.to_dict(),
            "grid": to_json({k: [_plain(v) for v in vs] for k, vs in self.grid.items()}),
            "seeds": self.seeds,
            "seed_start": self.config.seed,
            "epochs": self.epochs,
            "loss_below": self.loss_below,
        }

    def to_dict(self, surfaces: bool = False) -> dict[str, Any]:
        return {
            **self.header(),
            "cancelled": self.cancelled,
            "cells": [cell.to_dict(surfaces) for cell in self.cells],
        }


ROW_SUMMARY = (
    "n",
    "successes",
    "rate",
    "wilson_low",
    "wilson_high",
    "median_epochs_to_solve",
    "median_final_loss",
)


def cell_row(cell: SweepResult, keys: list[str]) -> dict[str, Any]:
    """One grid cell flat: its settings under ``keys``, its summary, the stuck and
    diverged counts and the stuck runs' cases (a CSV row)."""
    row = {key: _plain(cell.changes[key]) for key in keys}
    s = cell.summary()
    row.update({k: s[k] for k in ROW_SUMMARY})
    row.update({o: s["outcomes"][o] for o in ("stuck", "diverged")})
    row.update({c: s["cases"].get(c, 0) for c in STUCK_CASES})
    return row


def _plain(v: Any) -> Any:
    return list(v) if isinstance(v, tuple) else v


def _show(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return ",".join(str(x) for x in v) if v else "(none)"
    return f"{v:g}" if isinstance(v, float) else str(v)


def grid_cells(config: Config, grid: dict[str, list[Any]]) -> list[tuple[dict[str, Any], Config]]:
    """Every combination of ``grid``'s values, validated: (changes, Config) pairs.
    A key is a Config field or a derived axis of :mod:`engine.grid_axes` (e.g.
    ``init_scale``: uniform weights in ±a).

    Raises :class:`~engine.config.ConfigError` naming the field of the first
    combination the schema refuses.
    """
    keys = list(grid)
    cells = []
    for combo in itertools.product(*(grid[k] for k in keys)):
        changes = dict(zip(keys, combo, strict=True))
        cells.append((changes, config.replace(expand(changes))))
    return cells


def sweep_grid(
    config: Config,
    grid: dict[str, list[Any]],
    seeds: int = 200,
    seed_start: int | None = None,
    epochs: int = 2000,
    loss_below: float | None = None,
    chunk: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    surface_grid: int = 0,
    surface_limit: int = 64,
    block_seconds: float | None = None,
    data: TrainingPoints | None = None,
    workers: int | str = 1,
    scheduler: Any = None,
    on_cell: Callable[[SweepResult], Any] | None = None,
) -> GridResult:
    """:func:`sweep` every cell of ``grid`` (e.g. ``{"hidden": [[2], [3], [4, 2]],
    "activation": ["relu", "tanh"]}``), the same seeds in each (common random
    numbers: differences between cells are not seed luck), starting at
    ``config.seed`` unless ``seed_start`` is given. ``progress(done, total)`` counts
    seed-epochs over the whole grid. An empty grid is one cell: ``config``.

    The cells' seed chunks are the tasks ``workers`` local processes (or a Dask
    ``scheduler``) share; the results are the same, field for field, whoever runs
    them. ``on_cell(result)`` hears of each cell in grid order as soon as it and the
    cells before it are done (the CLI writes them out as they come). Once ``cancel``
    is set, the result holds the cells that finished, and the finished leading
    chunks of the others (``cancelled=True``). The other parameters are
    :func:`sweep`'s (``data``: every cell trains on your points).
    """
    custom = None if data is None else as_custom(data, config.task if config.is_custom else None)
    if custom is not None:
        config = config_for_data(config, custom)
    config = _first_seed(config, seed_start, seeds, epochs)
    cells = grid_cells(config, grid)
    plan = _Plan(
        int(seeds),
        int(epochs),
        loss_below,
        chunk,
        surface_grid,
        surface_limit,
        block_seconds,
        custom,
    )
    executor = make_executor(workers, scheduler)
    results = plan.run(cells, executor, progress, cancel, on_cell, keep_empty=False)
    cancelled = len(results) < len(cells) or any(r.cancelled for r in results)
    return GridResult(
        config,
        {k: list(v) for k, v in grid.items()},
        results,
        cancelled,
        int(seeds),
        int(epochs),
        loss_below,
    )
