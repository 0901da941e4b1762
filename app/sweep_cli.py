"""``playground sweep``: the restart lab from the command line.

Every Config field is a flag, generated from the engine's schema (``--field-name``;
lists comma-separated, ``--hidden 4,2``; bools 0/1 or true/false), on top of the
defaults or of ``--preset NAME`` — except ``seed`` (the sweep's seeds are
``--seed-start S --seeds N``; S is the preset's or the defaults' seed unless given, as
the page's restart lab starts at the page's seed) and the display fields ``grid`` and
``speed``, which training ignores. Then::

    playground sweep --seeds 500 --epochs 2000 --activation relu \\
        --grid hidden=2/3/4/5/4,2 --grid optimizer=sgd,adam

``--grid key=v1,v2,...`` (repeatable) sweeps every combination. Values are separated
by ``,``; for the list-valued fields (``hidden``, ``features``) values are separated
by ``/`` and a value's own entries by ``,`` as in the flag: ``hidden=2/3/4,2`` is
[2], [3], [4, 2]. Besides the Config's fields, a grid can sweep the derived axes of
:mod:`engine.grid_axes` (``init_scale=0.1,0.5,1``: uniform weights in ±a).

Where it runs: ``--workers N`` shares the cells' seed chunks between N local
processes (``auto``: every core), ``--scheduler ADDRESS`` between the workers of a
Dask cluster; the numbers are the same either way (:mod:`engine.executors`).

A progress bar (tqdm) on stderr counts seeds and cells, a table goes to stdout;
``--json [PATH]`` and ``--csv [PATH]`` write machine-readable results (to stdout when
no path is given, instead of the table) cell by cell, in grid order, as the cells
finish: a long sweep that is stopped keeps its finished cells. ``--html PATH`` writes
a self-contained report at the end.

Ctrl-C stops the sweep: every worker process ends, the cells that finished are kept
(written, and in the table), the JSON says ``"cancelled": true``. A second Ctrl-C
stops at once.

``--data points.csv`` sweeps over your own points instead of a generator: columns x1,
x2 and label (0..5) or target, header optional (``engine.datasets.parse_points_csv``;
a bad line is named). Unless ``--output``/``--loss`` are given, points with more than
two classes run with softmax and ce, regression targets with a linear output and mse.

Exit codes: 0 done, 1 interrupted, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from tqdm import tqdm

from engine import Config, ConfigError
from engine.config import FIELDS, PROBLEM_DEFAULTS, FieldSpec
from engine.datasets import CustomData, make_dataset, parse_points_csv
from engine.errors import DataError
from engine.executors import MissingExtra, make_executor
from engine.grid_axes import AXES
from engine.presets import PRESETS, preset_config
from engine.sweep import GridResult, SweepResult, cell_row, grid_cells, sweep_grid

LIST_TYPES = ("int_list", "choice_list")
# Every field but the seed (a sweep's seeds are --seed-start/--seeds) and the display
# group (frame resolution and speed: training ignores them, and "grid" would clash
# with --grid).
SWEEP_FIELDS = tuple(spec for spec in FIELDS if spec.name != "seed" and spec.group != "display")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class UsageError(Exception):
    """A bad flag value: reported on stderr with exit code 2."""


def flag_name(field: str) -> str:
    return "--" + field.replace("_", "-")


def parse_value(spec: FieldSpec, raw: str) -> Any:
    """Text from the command line as a value of the field's type (range checks are
    the Config's job)."""
    kind, name = spec.type, spec.name
    raw = raw.strip()
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        what = "an integer" if kind == "int" else "a number"
        raise UsageError(f"{flag_name(name)}: {raw!r} is not {what}") from None
    if kind == "bool":
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise UsageError(f"{flag_name(name)}: {raw!r} is not 0/1 or true/false")
    if kind == "choice":
        return raw
    items = [item.strip() for item in raw.split(",")] if raw else []
    if kind == "choice_per_layer":  # relu, or relu,tanh: one per hidden layer
        return items[0] if len(items) == 1 else items
    if kind == "int_list":
        try:
            return [int(item) for item in items]
        except ValueError:
            raise UsageError(
                f"{flag_name(name)}: {raw!r} is not a comma-separated list of integers"
            ) from None
    return items


def _type_for(spec: FieldSpec):
    def convert(raw: str) -> Any:
        try:
            return parse_value(spec, raw)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc).split(": ", 1)[1]) from None

    convert.__name__ = spec.type  # argparse names the type in its error message
    return convert


def _number(x: float | None) -> str:
    """A limit as written: whole numbers in full (2147483647, not 2.14748e+09)."""
    assert x is not None, "number fields declare their range"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _help_for(spec: FieldSpec) -> str:
    if spec.type == "choice":
        allowed = "{" + _choices(spec) + "}"
    elif spec.type == "choice_list":
        allowed = "comma-separated, among " + _choices(spec)
    elif spec.type == "choice_per_layer":
        allowed = "NAME, or NAME,NAME,... one per hidden layer, among "
        allowed += _choices(spec)
    elif spec.type == "int_list":
        allowed = f"comma-separated integers in [{spec.min:g}, {spec.max:g}]"
    elif spec.type == "bool":
        allowed = "0/1"
    else:
        allowed = f"[{_number(spec.min)}, {_number(spec.max)}]"
    default = spec.default
    if isinstance(default, tuple):
        default = ",".join(str(v) for v in default)
    return f"{spec.label}; {allowed} (default {default})".replace("%", "%%")


def _choices(spec: FieldSpec) -> str:
    """A choice field's choices, comma-separated."""
    assert spec.choices is not None, f"{spec.name}: a choice field lists its choices"
    return ",".join(spec.choices)


def _slashed(spec: FieldSpec, raw: str) -> bool:
    """Whether a --grid item's values are separated by ``/``: always for a list field
    (``hidden=2/4,2``), and for ``activation`` when it holds one (``relu,relu/relu,tanh``:
    two cells, one name per hidden layer); else by commas (``activation=relu,tanh``: a
    cell per name)."""
    return spec.type in LIST_TYPES or (spec.type == "choice_per_layer" and "/" in raw)


def parse_grid(items: Sequence[str]) -> dict[str, list]:
    """``["hidden=2/3/4,2", "activation=relu,tanh"]`` -> ``{"hidden": [[2], [3], [4, 2]],
    "activation": ["relu", "tanh"]}`` (values typed by the schema, not yet validated);
    ``activation=relu,relu/relu,tanh`` -> ``[["relu", "relu"], ["relu", "tanh"]]``."""
    specs = {spec.name: spec for spec in SWEEP_FIELDS}
    specs.update({name: axis.spec for name, axis in AXES.items()})
    grid: dict[str, list] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise UsageError(f"--grid {item!r}: expected key=v1,v2,...")
        spec = specs.get(key)
        if key == "seed":
            raise UsageError("--grid: seed is what a sweep varies; use --seeds/--seed-start")
        if spec is None:
            raise UsageError(f"--grid {item!r}: {key} is not a setting a sweep varies")
        if key in grid:
            raise UsageError(f"--grid: {key} is given twice")
        parts = raw.split("/") if _slashed(spec, raw) else raw.replace("/", ",").split(",")
        if not raw.strip() or (spec.type not in LIST_TYPES and any(not p.strip() for p in parts)):
            raise UsageError(f"--grid {item!r}: no values")
        grid[key] = [parse_value(spec, part) for part in parts]
    return grid


def add_sweep_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``sweep`` sub-command to ``subparsers`` (from ``add_subparsers``)."""
    p = subparsers.add_parser(
        "sweep",
        help="train many seeds at once and report success rates",
        description="Train one replica per seed in one vectorised run and report the "
        "success rate with a 95 % Wilson interval, per cell of an optional "
        "grid of settings.",
    )
    configure_parser(p)
    return p


def configure_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    run = p.add_argument_group("sweep")
    run.add_argument(
        "--seeds", type=int, default=200, help="number of seeds (restarts; default 200)"
    )
    run.add_argument(
        "--seed-start",
        type=int,
        default=None,
        help="first seed (default: the preset's seed, else 0)",
    )
    run.add_argument("--epochs", type=int, default=2000, help="epochs per seed (default 2000)")
    run.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="KEY=V1,V2",
        help="sweep a setting over values (repeatable); list-valued fields "
        "separate values with '/': hidden=2/3/4,2",
    )
    run.add_argument(
        "--loss-below",
        type=float,
        default=None,
        metavar="T",
        help="success also needs the training loss below T",
    )
    run.add_argument(
        "--preset",
        choices=[preset["name"] for preset in PRESETS],
        default=None,
        help="start from this preset instead of the defaults",
    )
    run.add_argument(
        "--chunk",
        type=int,
        default=1000,
        help="seeds trained at once, at most: a cell's seeds split into "
        "chunks of this size, the tasks that workers share (default 1000)",
    )
    where = p.add_argument_group("where it runs (the numbers are the same)")
    where.add_argument(
        "--workers",
        default="1",
        metavar="N",
        help="local processes sharing the tasks ('auto': every core; default 1)",
    )
    where.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run the tasks on this Dask cluster (e.g. tcp://10.0.0.5:8786); "
        "needs pip install 'numpy-playground[cluster]'",
    )
    run.add_argument(
        "--data",
        default=None,
        metavar="CSV",
        help="your own points: a CSV file of x1,x2,label (or target), header "
        "optional; every seed trains on them",
    )
    out = p.add_argument_group("output")
    out.add_argument(
        "--json",
        nargs="?",
        const="-",
        default=None,
        metavar="PATH",
        help="write JSON (to stdout, instead of the table, if no PATH)",
    )
    out.add_argument(
        "--csv",
        nargs="?",
        const="-",
        default=None,
        metavar="PATH",
        help="write one CSV row per cell (to stdout if no PATH)",
    )
    out.add_argument(
        "--html",
        default=None,
        metavar="PATH",
        help="write a self-contained HTML report with Plotly figures",
    )
    out.add_argument("--quiet", action="store_true", help="no progress bar")
    cfg = p.add_argument_group("settings (the Config schema; flags override the preset)")
    for spec in SWEEP_FIELDS:
        cfg.add_argument(
            flag_name(spec.name),
            dest=f"cfg_{spec.name}",
            type=_type_for(spec),
            default=None,
            metavar=spec.type.upper(),
            help=_help_for(spec),
        )
    return p


def build_parser() -> argparse.ArgumentParser:
    """A stand-alone parser (``python -m app.sweep_cli``)."""
    return configure_parser(
        argparse.ArgumentParser(prog="playground sweep", description="The restart lab.")
    )


class ProgressBar:
    """The sweep's progress on ``stream`` with tqdm: seeds done (seed-epochs over
    epochs: a chunk half-way counts half its seeds) out of cells × seeds, and cells
    finished. Redrawn in place on a terminal; on a log, at most every 10 s."""

    def __init__(self, stream: TextIO, cells: int, seeds: int, epochs: int):
        tty = bool(getattr(stream, "isatty", lambda: False)())
        self.cells, self.seeds, self.epochs = cells, seeds, epochs
        self.cells_done = 0
        self.bar = tqdm(
            total=cells * seeds,
            unit="seed",
            file=stream,
            desc="sweep",
            mininterval=0.1 if tty else 10.0,
            ascii=not tty,
            dynamic_ncols=tty,
            postfix=f"cells 0/{cells}",
        )

    def __call__(self, done: int, total: int) -> None:
        """The engine's progress(done, total), in seed-epochs."""
        seeds = done // self.epochs if self.epochs else 0
        self._show(max(seeds, self.cells_done * self.seeds))

    def cell(self, _result: SweepResult) -> None:
        self.cells_done += 1
        self.bar.set_postfix_str(f"cells {self.cells_done}/{self.cells}", refresh=False)
        self._show(max(self.bar.n, self.cells_done * self.seeds))

    def _show(self, seeds: int) -> None:
        if seeds > self.bar.n:
            self.bar.update(seeds - self.bar.n)

    def close(self) -> None:
        self.bar.close()


class CellWriter:
    """``--json`` or ``--csv`` written cell by cell as the sweep hands them over (in
    grid order), flushed after each: a stopped sweep keeps what finished.

    JSON: the document :meth:`GridResult.to_dict` gives, its ``cells`` written one
    at a time and ``cancelled`` at the end (a file cut short by a kill lacks only
    its closing). CSV: the header, then one row per cell.
    """

    def __init__(self, kind: str, stream: TextIO, shape: GridResult):
        self.kind, self.stream, self.keys = kind, stream, shape.keys
        self.count = 0
        if kind == "json":
            head = json.dumps(shape.header(), indent=1)[:-2]  # without its closing "\n}"
            stream.write(head + ',\n "cells": [')
        else:
            self.csv = csv.DictWriter(stream, fieldnames=shape.columns(), lineterminator="\n")
            self.csv.writeheader()
        stream.flush()

    def add(self, cell: SweepResult) -> None:
        if self.kind == "json":
            self.stream.write(
                ("," if self.count else "") + "\n" + json.dumps(cell.to_dict(), indent=1)
            )
        else:
            self.csv.writerow(
                {
                    k: (",".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v))
                    for k, v in cell_row(cell, self.keys).items()
                }
            )
        self.count += 1
        self.stream.flush()

    def close(self, cancelled: bool) -> None:
        if self.kind == "json":
            self.stream.write(f'\n ],\n "cancelled": {json.dumps(cancelled)}\n}}\n')
        self.stream.flush()


class Interrupt:
    """Ctrl-C as the engine's cancel token: the first SIGINT asks the sweep to stop
    (it keeps what finished), a second one raises KeyboardInterrupt at once."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def is_set(self) -> bool:
        return self.event.is_set()

    def _handle(self, signum, frame) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        self.event.set()

    @contextlib.contextmanager
    def installed(self) -> Iterator[Interrupt]:
        if threading.current_thread() is not threading.main_thread():
            yield self  # signals reach the main thread only: nothing to catch here
            return
        previous = signal.signal(signal.SIGINT, self._handle)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


def config_from_args(args: argparse.Namespace, data: CustomData | None = None) -> Config:
    """Defaults or the preset, with every given ``--field`` on top (validated); with
    your points, the data set they make and, unless output or loss were given, the
    output and loss for their kind (PROBLEM_DEFAULTS)."""
    base = preset_config(args.preset) if args.preset else Config()
    changes = {
        spec.name: getattr(args, f"cfg_{spec.name}")
        for spec in SWEEP_FIELDS
        if getattr(args, f"cfg_{spec.name}", None) is not None
    }
    if data is not None:
        if "dataset" in changes or "classes" in changes:
            raise UsageError("--data: your points are the data set; drop --dataset and --classes")
        if data.task == "regression":
            kind = "regression"
        else:
            assert data.classes is not None, "classification points always count their classes"
            kind = "multiclass" if data.classes > 2 else "classification"
        changes["dataset"] = "custom" if data.task == "classification" else "custom_regression"
        if data.classes:
            changes["classes"] = data.classes
        if "output" not in changes and "loss" not in changes:
            changes.update(PROBLEM_DEFAULTS[kind])
    # --train-share last, on its own: a replace that repeats a value sets nothing, so
    # "--train-share 50" with the default 50 would otherwise give way to your points'
    # default of every point (engine/config.py, _kind_defaults).
    share = {k: changes.pop(k) for k in ("train_share",) if k in changes}
    try:
        return base.replace(changes).replace(share)
    except ConfigError as exc:
        raise UsageError(f"{flag_name(exc.field)}: {exc.message}") from None


def _training_side(config: Config, data: CustomData) -> str:
    """Which of your points train, as the base config splits them: "training on all 4"
    or "training on 20 of 40, 20 held out for testing" (grid cells may differ)."""
    split = make_dataset(data, train_share=config.train_share, seed=config.data_seed)
    if split.test_is_train:
        return f"training on all {len(data)}"
    return f"training on {len(split.train)} of {len(data)}, {len(split.test)} held out for testing"


def read_points(path: str) -> CustomData:
    """The points of a CSV file (UsageError naming the file and the line)."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--data {path}: cannot read it: {exc}") from None
    try:
        return parse_points_csv(text)
    except DataError as exc:
        raise UsageError(f"--data {path}: {exc.message}") from None


def _open(target: str, stdout: TextIO, stack: contextlib.ExitStack) -> TextIO:
    if target == "-":
        return stdout
    return stack.enter_context(open(target, "w", encoding="utf-8", newline=""))


@dataclass(frozen=True)
class _Plan:
    """A sweep's settings, checked: the base ``config`` (with ``data``, your points, or
    None), the first seed, the ``grid`` axes and its ``cells``, and the workers."""

    config: Config
    data: CustomData | None
    seed_start: int
    grid: dict[str, list]
    cells: list
    workers: str


def run_sweep(
    args: argparse.Namespace,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    cancel: Any = None,
) -> int:
    """Run the sweep the parsed ``args`` describe; returns the exit code (0 done, 1
    interrupted, 2 refused). ``cancel``: a token the sweep also stops on (besides
    Ctrl-C)."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        plan = _plan(args)
    except UsageError as exc:
        stderr.write(f"playground sweep: error: {exc}\n")
        return 2
    result = _train(plan, args, stdout, stderr, cancel)
    if result is None:
        stderr.write("\nplayground sweep: interrupted\n")
        return 1
    return _report(plan, args, result, stdout, stderr)


def _plan(args: argparse.Namespace) -> _Plan:
    """The sweep ``args`` ask for, every flag checked before anything trains
    (UsageError naming the flag)."""
    data = read_points(args.data) if getattr(args, "data", None) else None
    config = config_from_args(args, data)
    if config.is_custom and data is None:
        raise UsageError(f"--dataset {config.dataset}: give your points with --data CSV")
    seed_start = config.seed if args.seed_start is None else args.seed_start
    grid = parse_grid(args.grid)
    if data is not None and {"dataset", "classes"} & set(grid):
        raise UsageError(
            "--grid: with --data every cell trains on your points; a grid "
            "cannot change the data set"
        )
    for name, value, low in (
        ("--seeds", args.seeds, 1),
        ("--epochs", args.epochs, 0),
        ("--seed-start", seed_start, 0),
        ("--chunk", args.chunk, 1),
    ):
        if value < low:
            raise UsageError(f"{name} must be >= {low}, got {value}")
    if args.json == "-" and args.csv == "-":
        raise UsageError("--json and --csv cannot both go to stdout; give one a PATH")
    if config.task == "regression" and args.loss_below is None:
        raise UsageError(f"dataset {config.dataset} is a regression: give --loss-below")
    try:
        config.replace({"seed": seed_start + args.seeds - 1})
        cells = grid_cells(config.replace({"seed": seed_start}), grid)
    except ConfigError as exc:
        name = "--seed-start/--seeds" if exc.field == "seed" else f"--grid {exc.field}"
        raise UsageError(f"{name}: {exc.message}") from None
    try:
        workers = "1" if args.scheduler is not None else args.workers
        make_executor(workers, args.scheduler)
    except MissingExtra as exc:
        raise UsageError(f"--scheduler: {exc}") from None
    except ValueError as exc:
        raise UsageError(f"--workers: {exc}") from None
    if args.scheduler is not None and args.workers != "1":
        raise UsageError("--workers and --scheduler: give one (a cluster's workers are its own)")
    return _Plan(config, data, seed_start, grid, cells, workers)


def _train(
    plan: _Plan, args: argparse.Namespace, stdout: TextIO, stderr: TextIO, cancel: Any
) -> GridResult | None:
    """Train every cell, each written to the --json/--csv streams as it finishes, with
    the progress bar on ``stderr``; None if a second Ctrl-C cut it short (the cells
    written so far stay)."""
    shape = GridResult(
        plan.config.replace({"seed": plan.seed_start}),
        plan.grid,
        [],
        seeds=args.seeds,
        epochs=args.epochs,
        loss_below=args.loss_below,
    )
    interrupt = Interrupt()
    stop = interrupt if cancel is None else _Either(interrupt, cancel)
    bar = None if args.quiet else ProgressBar(stderr, len(plan.cells), args.seeds, args.epochs)
    result = None
    with contextlib.ExitStack() as stack:
        writers = [
            CellWriter(kind, _open(target, stdout, stack), shape)
            for kind, target in (("json", args.json), ("csv", args.csv))
            if target
        ]

        def on_cell(cell: SweepResult) -> None:
            for writer in writers:
                writer.add(cell)
            if bar is not None:
                bar.cell(cell)

        try:
            with interrupt.installed():
                result = sweep_grid(
                    plan.config,
                    plan.grid,
                    seeds=args.seeds,
                    seed_start=plan.seed_start,
                    epochs=args.epochs,
                    loss_below=args.loss_below,
                    chunk=args.chunk,
                    progress=bar,
                    cancel=stop,
                    surface_grid=24 if args.html else 0,
                    data=plan.data,
                    workers=plan.workers,
                    scheduler=args.scheduler,
                    on_cell=on_cell,
                )
        except KeyboardInterrupt:
            pass  # a second Ctrl-C: the cells written so far stay
        finally:
            if bar is not None:
                bar.close()
            for writer in writers:
                writer.close(cancelled=result is None or result.cancelled)
    return result


def _report(
    plan: _Plan, args: argparse.Namespace, result: GridResult, stdout: TextIO, stderr: TextIO
) -> int:
    """The table on stdout (unless a machine format goes there), the HTML report if
    asked, and the exit code: 1 if the sweep was interrupted, else 0."""
    seed_start, data = plan.seed_start, plan.data
    machine_on_stdout = "-" in (args.json, args.csv)
    if not machine_on_stdout and result.cells:
        what = (
            f"{args.seeds} seeds, {seed_start} to {seed_start + args.seeds - 1}, "
            f"{args.epochs} epochs"
        )
        if args.loss_below is not None:
            what += f", success also needs loss < {args.loss_below:g}"
        query = plan.config.replace({"seed": Config().seed}).to_query()
        if data is not None:
            what += (
                f"; data: {args.data} ({len(data)} points, "
                f"{f'{data.classes} classes' if data.classes else 'targets'}, "
                f"digest {data.digest}; {_training_side(plan.config, data)})"
            )
        stdout.write(f"# {what}; base: {query or 'defaults'}\n")
        stdout.write(result.table() + "\n")
    if args.html and result.cells:
        from engine.report import write_html_report

        write_html_report(result, args.html)
        stderr.write(f"report: {args.html}\n")
    if result.cancelled:
        whole = sum(not cell.cancelled for cell in result.cells)
        stderr.write(
            f"playground sweep: interrupted: {whole} of {len(plan.cells)} cells finished, kept\n"
        )
        return 1
    return 0


class _Either:
    """Set when either token is."""

    def __init__(self, *tokens: Any):
        self.tokens = tokens

    def is_set(self) -> bool:
        return any(token.is_set() for token in self.tokens)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    return run_sweep(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
