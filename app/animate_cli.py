"""``playground animate RUN -o FILE`` (or ``--preset NAME --epochs N``).

Draws a run as an animation, the decision boundary beside the loss curve
(:mod:`engine.animation`): a GIF, MP4 or WebM by the output's suffix. ``RUN`` is a run file
(the page's "Save run", :func:`engine.checkpoint.save`); with ``--preset`` instead, the
preset (:mod:`engine.presets`), changed by any ``--set FIELD=VALUE`` (a JSON value or a
word: ``--set hidden=[5]``), is trained ``--epochs`` epochs first. Exit status 2 and one
line on standard error naming what is wrong (a missing or broken file, an unknown preset
or field, a suffix that is not .gif, .mp4 or .webm).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from engine import Config, Trainer
from engine.animation import FORMATS
from engine.checkpoint import load
from engine.presets import preset_config

MAX_CLI_EPOCHS = 1_000_000


def add_animate_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "animate",
        help="draw a run as a GIF, MP4 or WebM: the boundary beside the loss curve",
        description="Draw a saved run (or a preset trained here) as an animation, one "
        "picture per kept epoch, log-spaced as the page plays a run.",
    )
    p.add_argument("run", metavar="RUN", nargs="?", help="a run file (.npz, the page's Save run)")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        required=True,
        help=f"the animation ({', '.join(FORMATS)})",
    )
    p.add_argument("--preset", metavar="NAME", help="train this preset instead of reading RUN")
    p.add_argument(
        "--set",
        metavar="FIELD=VALUE",
        action="append",
        default=[],
        help="with --preset: change one setting (repeatable), e.g. --set hidden=[5]",
    )
    p.add_argument(
        "--epochs", type=int, default=300, help="with --preset: epochs to train (default 300)"
    )
    p.add_argument("--fps", type=float, default=10.0, help="pictures per second (default 10)")
    return p


def _setting(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ValueError(f"--set {text!r}: expected FIELD=VALUE")
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value  # a word: relu, adam, spiral


def _trainer(args: argparse.Namespace) -> Trainer:
    if args.preset is None:
        if args.run is None:
            raise ValueError("give a run file (RUN) or --preset NAME")
        return load(args.run)
    if args.run is not None:
        raise ValueError("give a run file (RUN) or --preset NAME, not both")
    if not 1 <= args.epochs <= MAX_CLI_EPOCHS:
        raise ValueError(f"--epochs must be in [1, {MAX_CLI_EPOCHS}]")
    try:
        config = preset_config(args.preset)
    except KeyError as err:
        raise ValueError(str(err.args[0])) from None
    config = Config.from_dict({**config.to_dict(), **dict(map(_setting, args.set))})
    trainer = Trainer(config)
    trainer.step(args.epochs)
    return trainer


def run_animate(args: argparse.Namespace) -> int:
    """The ``animate`` command: 0 on success, 2 with a message on standard error."""
    where = args.run or args.preset or "animate"
    try:
        trainer = _trainer(args)
        frames = trainer.animate(args.output, fps=args.fps)
    except FileNotFoundError:
        print(f"playground animate: {args.run}: no such file", file=sys.stderr)
        return 2
    except (OSError, ValueError) as err:
        print(f"playground animate: {where}: {err}", file=sys.stderr)
        return 2
    size = os.path.getsize(args.output)
    print(
        f"wrote {args.output}: {frames} pictures of epochs 0..{trainer.epoch}, {size} bytes",
        file=sys.stderr,
    )
    return 0
