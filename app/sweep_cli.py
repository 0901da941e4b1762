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
[2], [3], [4, 2]. A progress bar goes to stderr, a table to stdout; ``--json [PATH]``
and ``--csv [PATH]`` write machine-readable results (to stdout when no path is
given, instead of the table); ``--html PATH`` writes a self-contained report.

``--data points.csv`` sweeps over your own points instead of a generator: columns x1,
x2 and label (0..5) or target, header optional (``engine.datasets.parse_points_csv``;
a bad line is named). Unless ``--output``/``--loss`` are given, points with more than
two classes run with softmax and ce, regression targets with a linear output and mse.

Exit codes: 0 done, 1 interrupted, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from engine import Config, ConfigError
from engine.config import FIELDS, PROBLEM_DEFAULTS, FieldSpec
from engine.datasets import CustomData, DataError, parse_points_csv
from engine.presets import PRESETS, preset_config
from engine.sweep import GridResult, sweep_grid

LIST_TYPES = ("int_list", "choice_list")
# Every field but the seed (a sweep's seeds are --seed-start/--seeds) and the display
# group (frame resolution and speed: training ignores them, and "grid" would clash
# with --grid).
SWEEP_FIELDS = tuple(spec for spec in FIELDS
                     if spec.name != "seed" and spec.group != "display")
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
    if kind == "int_list":
        try:
            return [int(item) for item in items]
        except ValueError:
            raise UsageError(f"{flag_name(name)}: {raw!r} is not a comma-separated list "
                             f"of integers") from None
    return items


def _type_for(spec: FieldSpec):
    def convert(raw: str) -> Any:
        try:
            return parse_value(spec, raw)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc).split(": ", 1)[1]) from None
    convert.__name__ = spec.type  # argparse names the type in its error message
    return convert


def _help_for(spec: FieldSpec) -> str:
    if spec.type == "choice":
        allowed = "{" + ",".join(spec.choices) + "}"
    elif spec.type == "choice_list":
        allowed = "comma-separated, among " + ",".join(spec.choices)
    elif spec.type == "int_list":
        allowed = f"comma-separated integers in [{spec.min:g}, {spec.max:g}]"
    elif spec.type == "bool":
        allowed = "0/1"
    else:
        allowed = f"[{spec.min:g}, {spec.max:g}]"
    default = spec.default
    if isinstance(default, tuple):
        default = ",".join(str(v) for v in default)
    return f"{spec.label}; {allowed} (default {default})".replace("%", "%%")


def parse_grid(items: Sequence[str]) -> dict[str, list]:
    """``["hidden=2/3/4,2", "activation=relu,tanh"]`` -> ``{"hidden": [[2], [3], [4, 2]],
    "activation": ["relu", "tanh"]}`` (values typed by the schema, not yet validated)."""
    specs = {spec.name: spec for spec in SWEEP_FIELDS}
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
        parts = raw.split("/") if spec.type in LIST_TYPES else raw.replace("/", ",").split(",")
        if not raw.strip() or (spec.type not in LIST_TYPES and any(not p.strip() for p in parts)):
            raise UsageError(f"--grid {item!r}: no values")
        grid[key] = [parse_value(spec, part) for part in parts]
    return grid


def add_sweep_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``sweep`` sub-command to ``subparsers`` (from ``add_subparsers``)."""
    p = subparsers.add_parser(
        "sweep", help="train many seeds at once and report success rates",
        description="Train one replica per seed in one vectorised run and report the "
                    "success rate with a 95%% Wilson interval, per cell of an optional "
                    "grid of settings.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    configure_parser(p)
    return p


def configure_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    run = p.add_argument_group("sweep")
    run.add_argument("--seeds", type=int, default=200, help="number of seeds (restarts)")
    run.add_argument("--seed-start", type=int, default=None,
                     help="first seed (default: the preset's seed, else 0)")
    run.add_argument("--epochs", type=int, default=2000, help="epochs per seed")
    run.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2",
                     help="sweep a setting over values (repeatable); list-valued fields "
                          "separate values with '/': hidden=2/3/4,2")
    run.add_argument("--loss-below", type=float, default=None, metavar="T",
                     help="success also needs the training loss below T")
    run.add_argument("--preset", choices=[preset["name"] for preset in PRESETS],
                     default=None, help="start from this preset instead of the defaults")
    run.add_argument("--chunk", type=int, default=1000, help="seeds trained at once, at most")
    run.add_argument("--data", default=None, metavar="CSV",
                     help="your own points: a CSV file of x1,x2,label (or target), header "
                          "optional; every seed trains on them")
    out = p.add_argument_group("output")
    out.add_argument("--json", nargs="?", const="-", default=None, metavar="PATH",
                     help="write JSON (to stdout, instead of the table, if no PATH)")
    out.add_argument("--csv", nargs="?", const="-", default=None, metavar="PATH",
                     help="write one CSV row per cell (to stdout if no PATH)")
    out.add_argument("--html", default=None, metavar="PATH",
                     help="write a self-contained HTML report with Plotly figures")
    out.add_argument("--quiet", action="store_true", help="no progress bar")
    cfg = p.add_argument_group("settings (the Config schema; flags override the preset)")
    for spec in SWEEP_FIELDS:
        cfg.add_argument(flag_name(spec.name), dest=f"cfg_{spec.name}", type=_type_for(spec),
                         default=None, metavar=spec.type.upper(), help=_help_for(spec))
    return p


def build_parser() -> argparse.ArgumentParser:
    """A stand-alone parser (``python -m app.sweep_cli``)."""
    return configure_parser(argparse.ArgumentParser(
        prog="playground sweep", description="The restart lab."))


class ProgressBar:
    """A plain-text bar on a stream: redrawn in place on a terminal (at most 10 times
    a second), one line per 10 % otherwise (logs stay readable)."""

    def __init__(self, stream: TextIO, width: int = 30):
        self.stream = stream
        self.width = width
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.t0 = time.perf_counter()
        self._last_draw = 0.0
        self._last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        frac = done / total if total else 1.0
        now = time.perf_counter()
        if self.tty:
            if now - self._last_draw < 0.1 and done < total:
                return
            self._last_draw = now
            filled = int(round(frac * self.width))
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r[{bar}] {100 * frac:5.1f} %  {now - self.t0:6.1f} s")
            if done >= total:
                self.stream.write("\n")
        else:
            tenth = int(frac * 10)
            if tenth == self._last_tenth:
                return
            self._last_tenth = tenth
            self.stream.write(f"sweep: {10 * tenth:3d} %  {now - self.t0:6.1f} s\n")
        self.stream.flush()


def config_from_args(args: argparse.Namespace, data: CustomData | None = None) -> Config:
    """Defaults or the preset, with every given ``--field`` on top (validated); with
    your points, the data set they make and, unless output or loss were given, the
    output and loss for their kind (PROBLEM_DEFAULTS)."""
    base = preset_config(args.preset) if args.preset else Config()
    changes = {spec.name: getattr(args, f"cfg_{spec.name}") for spec in SWEEP_FIELDS
               if getattr(args, f"cfg_{spec.name}", None) is not None}
    if data is not None:
        if "dataset" in changes or "classes" in changes:
            raise UsageError("--data: your points are the data set; drop --dataset and "
                             "--classes")
        kind = ("regression" if data.task == "regression"
                else "multiclass" if data.classes > 2 else "classification")
        changes["dataset"] = "custom" if data.task == "classification" else "custom_regression"
        if data.classes:
            changes["classes"] = data.classes
        if "output" not in changes and "loss" not in changes:
            changes.update(PROBLEM_DEFAULTS[kind])
    try:
        return base.replace(changes)
    except ConfigError as exc:
        raise UsageError(f"{flag_name(exc.field)}: {exc.message}") from None


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


def _csv_text(result: GridResult) -> str:
    rows = result.rows()
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (",".join(map(str, v)) if isinstance(v, list) else
                                 ("" if v is None else v)) for k, v in row.items()})
    return buf.getvalue()


def _write(text: str, target: str, stdout: TextIO) -> None:
    if target == "-":
        stdout.write(text)
    else:
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(text)


def run_sweep(args: argparse.Namespace, stdout: TextIO | None = None,
              stderr: TextIO | None = None) -> int:
    """Run the sweep the parsed ``args`` describe; returns the exit code."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        data = read_points(args.data) if getattr(args, "data", None) else None
        config = config_from_args(args, data)
        if config.dataset in ("custom", "custom_regression") and data is None:
            raise UsageError(f"--dataset {config.dataset}: give your points with --data CSV")
        seed_start = config.seed if args.seed_start is None else args.seed_start
        grid = parse_grid(args.grid)
        if data is not None and {"dataset", "classes"} & set(grid):
            raise UsageError("--grid: with --data every cell trains on your points; a grid "
                             "cannot change the data set")
        for name, value, low in (("--seeds", args.seeds, 1), ("--epochs", args.epochs, 0),
                                 ("--seed-start", seed_start, 0),
                                 ("--chunk", args.chunk, 1)):
            if value < low:
                raise UsageError(f"{name} must be >= {low}, got {value}")
        if args.json == "-" and args.csv == "-":
            raise UsageError("--json and --csv cannot both go to stdout; give one a PATH")
        if config.task == "regression" and args.loss_below is None:
            raise UsageError(f"dataset {config.dataset} is a regression: give --loss-below")
        try:
            config.replace({"seed": seed_start + args.seeds - 1})
            from engine.sweep import grid_cells
            grid_cells(config, grid)
        except ConfigError as exc:
            name = "--seed-start/--seeds" if exc.field == "seed" else f"--grid {exc.field}"
            raise UsageError(f"{name}: {exc.message}") from None
    except UsageError as exc:
        stderr.write(f"playground sweep: error: {exc}\n")
        return 2
    progress = None if args.quiet else ProgressBar(stderr)
    try:
        result = sweep_grid(config, grid, seeds=args.seeds, seed_start=seed_start,
                            epochs=args.epochs, loss_below=args.loss_below,
                            chunk=args.chunk, progress=progress,
                            surface_grid=24 if args.html else 0, data=data)
    except KeyboardInterrupt:
        stderr.write("\nplayground sweep: interrupted\n")
        return 1
    machine_on_stdout = "-" in (args.json, args.csv)
    if not machine_on_stdout:
        what = (f"{args.seeds} seeds, {seed_start} to {seed_start + args.seeds - 1}, "
                f"{args.epochs} epochs")
        if args.loss_below is not None:
            what += f", success also needs loss < {args.loss_below:g}"
        query = config.replace({"seed": Config().seed}).to_query()
        if data is not None:
            what += (f"; data: {args.data} ({len(data)} points, "
                     f"{f'{data.classes} classes' if data.classes else 'targets'}, "
                     f"digest {data.digest})")
        stdout.write(f"# {what}; base: {query or 'defaults'}\n")
        stdout.write(result.table() + "\n")
    if args.json:
        _write(json.dumps(result.to_dict(), indent=1) + "\n", args.json, stdout)
    if args.csv:
        _write(_csv_text(result), args.csv, stdout)
    if args.html:
        from engine.report import write_html_report
        write_html_report(result, args.html)
        stderr.write(f"report: {args.html}\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    return run_sweep(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
