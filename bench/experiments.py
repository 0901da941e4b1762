"""Regenerate the tables of docs/EXPERIMENTS.md: ``python -m bench.experiments``.

The document is its own script: every code block that starts with a
``$ playground sweep ...`` line is run (in this process, through the CLI's own
``run_sweep``), and the block's output is replaced by what the command prints now;
the ``(wall time ...)`` line after the block is written anew. The prose around the
tables is not touched: read the diff and update the numbers it quotes.

    python -m bench.experiments            # every table (several minutes)
    python -m bench.experiments 2 5        # tables 2 and 5 only (counted from 1)
    python -m bench.experiments --list     # the commands, numbered

Like the rest of bench/, it reports and never fails a test run.
"""

from __future__ import annotations

import argparse
import io
import re
import shlex
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.sweep_cli import build_parser, run_sweep  # noqa: E402

DOC = Path(__file__).resolve().parents[1] / "docs" / "EXPERIMENTS.md"
PROMPT = "$ playground sweep "
# A fence, its command line, its output, the closing fence, then optionally the
# wall-time line that follows it.
BLOCK = re.compile(
    r"```\n(\$ playground sweep [^\n]*)\n(.*?)```\n(\n\(wall time [^\n]*\)\n)?", re.DOTALL
)


def commands(text: str) -> list[str]:
    return [m.group(1)[len(PROMPT) :] for m in BLOCK.finditer(text)]


def run(command: str) -> tuple[str, float]:
    """What ``playground sweep COMMAND`` prints on stdout, and its wall time."""
    args = build_parser().parse_args([*shlex.split(command), "--quiet"])
    out = io.StringIO()
    t0 = time.perf_counter()
    code = run_sweep(args, stdout=out, stderr=sys.stderr)
    if code != 0:
        raise SystemExit(f"playground sweep {command}: exit code {code}")
    return out.getvalue(), time.perf_counter() - t0


def regenerate(text: str, only: set[int] | None = None) -> str:
    pieces, last = [], 0
    for number, m in enumerate(BLOCK.finditer(text), start=1):
        pieces.append(text[last : m.start()])
        last = m.end()
        if only and number not in only:
            pieces.append(m.group(0))
            continue
        command = m.group(1)[len(PROMPT) :]
        print(f"[{number}] playground sweep {command}", file=sys.stderr, flush=True)
        output, seconds = run(command)
        print(f"    {seconds:.1f} s", file=sys.stderr, flush=True)
        pieces.append(
            f"```\n{m.group(1)}\n{output}```\n\n(wall time {seconds:.2f} s on the shared machine)\n"
        )
    pieces.append(text[last:])
    return "".join(pieces)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tables", nargs="*", type=int, help="table numbers (default: all)")
    parser.add_argument("--list", action="store_true", help="print the commands, numbered")
    args = parser.parse_args(argv)
    text = DOC.read_text(encoding="utf-8")
    if args.list:
        for number, command in enumerate(commands(text), start=1):
            print(f"{number}. playground sweep {command}")
        return 0
    DOC.write_text(regenerate(text, set(args.tables) or None), encoding="utf-8")
    print(f"wrote {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
