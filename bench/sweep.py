"""Restart-lab speed: ``python -m bench.sweep`` (``... workers`` for the second part alone).

Issue 6's target: 1,000 seeds × 2,000 epochs of a 2-2-1 net on xor4, full batch, in
at most 10 s on this machine. Prints the median of a few timed repeats (the whole
:func:`engine.sweep.sweep`, outcome tagging included) for the default tanh/Adam net
and for ReLU, and the ratio to the target.

Issue 17's target: a 4 × 4 phase diagram (sigmoid 2-3-1, SGD, learning rate ×
momentum) × 500 seeds × 2,000 epochs with ``workers=2`` at least 1.7× faster than
serially, on this 2-core machine. Times both in one run (worker start-up included),
prints the ratio and checks the two results are identical. Reports; never fails.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import Config  # noqa: E402
from engine.sweep import sweep, sweep_grid  # noqa: E402

SEEDS = 1000
EPOCHS = 2000
TARGET_SECONDS = 10.0
REPEATS = 3


def time_sweep(config: Config, repeats: int = REPEATS) -> tuple[float, dict]:
    times, summary = [], {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = sweep(config, seeds=SEEDS, epochs=EPOCHS)
        times.append(time.perf_counter() - t0)
        summary = result.summary()
    return statistics.median(times), summary


PHASE_BASE = Config(hidden=[3], activation="sigmoid", optimizer="sgd")
PHASE_GRID = {"lr": [0.1, 0.3, 1.0, 3.0], "momentum": [0.0, 0.5, 0.9, 0.99]}
PHASE_SEEDS = 500
WORKERS = 2
SPEEDUP_TARGET = 1.7


def _same(a, b) -> bool:
    return all(
        x.changes == y.changes
        and np.array_equal(x.final_loss, y.final_loss)
        and np.array_equal(x.epochs_to_success, y.epochs_to_success)
        and np.array_equal(x.outcome, y.outcome)
        for x, y in zip(a.cells, b.cells, strict=True)
    )


def bench_workers(repeats: int = 1) -> None:
    """Serial against ``WORKERS`` processes on the same 4 × 4 grid, alternating."""
    cells = len(PHASE_GRID["lr"]) * len(PHASE_GRID["momentum"])
    print(
        f"phase diagram: {cells} cells x {PHASE_SEEDS} seeds x {EPOCHS} epochs, "
        f"sigmoid 2-3-1 sgd, lr x momentum (median of {repeats}; "
        f"target >= {SPEEDUP_TARGET}x with workers={WORKERS})"
    )
    times: dict[int, list[float]] = {1: [], WORKERS: []}
    results = {}
    for _ in range(repeats):
        for workers in (1, WORKERS):
            t0 = time.perf_counter()
            results[workers] = sweep_grid(
                PHASE_BASE, PHASE_GRID, seeds=PHASE_SEEDS, epochs=EPOCHS, workers=workers
            )
            times[workers].append(time.perf_counter() - t0)
    serial, parallel = (statistics.median(times[w]) for w in (1, WORKERS))
    print(f"  serial        {serial:7.2f} s")
    print(f"  workers={WORKERS}     {parallel:7.2f} s")
    print(
        f"  speed-up      {serial / parallel:7.2f}x  (target {SPEEDUP_TARGET}x; "
        f"{'met' if serial / parallel >= SPEEDUP_TARGET else 'not met'}); results "
        f"{'identical' if _same(results[1], results[WORKERS]) else 'DIFFERENT'}"
    )


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["workers"]:
        bench_workers(int(argv[1]) if len(argv) > 1 else 1)
        return
    bench_restarts()
    bench_workers()


def bench_restarts() -> None:
    print(
        f"sweep: {SEEDS} seeds x {EPOCHS} epochs, xor4, full batch "
        f"(median of {REPEATS}; target <= {TARGET_SECONDS:.0f} s)"
    )
    for label, cfg in (
        ("2-2-1 tanh adam", Config()),
        ("2-2-1 relu adam", Config(activation="relu")),
    ):
        seconds, s = time_sweep(cfg)
        print(
            f"  {label:<16} {seconds:6.2f} s  ({seconds / TARGET_SECONDS:.2f} of target; "
            f"{SEEDS * EPOCHS / seconds / 1e6:.2f} M seed-epochs/s)  "
            f"solved {s['successes']}/{s['n']} "
            f"[{100 * s['wilson_low']:.1f}, {100 * s['wilson_high']:.1f}] %"
        )


if __name__ == "__main__":
    main()
