"""``playground export RUN --to numpy|torch|keras [-o FILE] [--replica K]``.

Reads a run file (the page's "Save run", :func:`engine.checkpoint.save`) and writes
the standalone script that trains the same network again (:mod:`engine.export`), to
``FILE`` or, without ``-o``, to standard output. ``python SCRIPT --json`` then prints
``{"epochs": [...], "loss": [...]}`` to hold against the run. Exit status 2 and one
line on standard error naming what is wrong for a missing or broken file, an unknown
target or a replica that does not exist.
"""

from __future__ import annotations

import argparse
import os
import sys

from engine.checkpoint import load
from engine.export import TARGETS, export


def add_export_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "export",
        help="write a run file as a standalone NumPy, PyTorch or Keras script",
        description="Write the script that trains a saved run again from its start (or "
        "its last hand edit or live change), with its data, weights and "
        "optimizer embedded.",
    )
    p.add_argument("run", metavar="RUN", help="a run file (.npz, the page's Save run)")
    p.add_argument(
        "--to",
        choices=tuple(TARGETS),
        default="numpy",
        help="the script's library (default numpy: needs only NumPy)",
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write the script here (default: standard output)"
    )
    p.add_argument(
        "--replica",
        type=int,
        default=0,
        metavar="K",
        help="which replica of a multi-replica run (default 0)",
    )
    return p


def run_export(args: argparse.Namespace) -> int:
    """The ``export`` command: 0 on success, 2 with a message on standard error."""
    try:
        trainer = load(args.run)
        name = os.path.basename(args.output) if args.output else None
        text = export(trainer, args.to, replica=args.replica, filename=name)
    except FileNotFoundError:
        print(f"playground export: {args.run}: no such file", file=sys.stderr)
        return 2
    except (OSError, ValueError) as err:
        print(f"playground export: {args.run}: {err}", file=sys.stderr)
        return 2
    if args.output:
        partial = f"{args.output}.partial"  # a failed write never leaves half a script
        with open(partial, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(partial, args.output)
        print(
            f"wrote {args.output} ({args.to}, epochs {trainer.origin.epoch}..{trainer.epoch})",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text)
    return 0
