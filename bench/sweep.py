"""Restart-lab speed: ``python -m bench.sweep``.

Issue 6's target: 1,000 seeds × 2,000 epochs of a 2-2-1 net on xor4, full batch, in
at most 10 s on this machine. Prints the median of a few timed repeats (the whole
:func:`engine.sweep.sweep`, outcome tagging included) for the default tanh/Adam net
and for ReLU, and the ratio to the target. Reports; never fails.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import Config  # noqa: E402
from engine.sweep import sweep  # noqa: E402

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


def main() -> None:
    print(f"sweep: {SEEDS} seeds x {EPOCHS} epochs, xor4, full batch "
          f"(median of {REPEATS}; target <= {TARGET_SECONDS:.0f} s)")
    for label, cfg in (("2-2-1 tanh adam", Config()),
                       ("2-2-1 relu adam", Config(activation="relu"))):
        seconds, s = time_sweep(cfg)
        print(f"  {label:<16} {seconds:6.2f} s  ({seconds / TARGET_SECONDS:.2f} of target; "
              f"{SEEDS * EPOCHS / seconds / 1e6:.2f} M seed-epochs/s)  "
              f"solved {s['successes']}/{s['n']} "
              f"[{100 * s['wilson_low']:.1f}, {100 * s['wilson_high']:.1f}] %")


if __name__ == "__main__":
    main()
