"""Loss-landscape speed: ``python -m bench.landscape``.

Issue 7's target: a 41 × 41 slice for a 4-2-1 net (2-4-2-1) on 400 training points
in at most 1 s. Prints the median of 7 timed calls of
:func:`engine.landscape.loss_landscape` (directions drawn, 1,681 grid points plus the
centre evaluated as replicas, the trajectory projected), for random and trajectory
directions, tanh and ReLU. Reports; never fails.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import Config, Trainer  # noqa: E402
from engine.landscape import TrajectoryRecorder, loss_landscape  # noqa: E402

STEPS = 41
TARGET_SECONDS = 1.0
REPEATS = 7


def median_seconds(run, repeats: int = REPEATS) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    print(
        f"landscape: {STEPS}x{STEPS} slice, 2-4-2-1 net, 400 training points "
        f"(median of {REPEATS}; target <= {TARGET_SECONDS:.0f} s)"
    )
    for activation in ("tanh", "relu"):
        cfg = Config(
            dataset="xor", n_points=800, train_share=50, hidden=[4, 2], activation=activation
        )
        trainer = Trainer(cfg)
        recorder = TrajectoryRecorder()
        for _ in range(50):
            trainer.step(4)
            recorder.record(trainer)
        assert len(trainer.train) == 400
        for directions in ("random", "trajectory"):
            seconds = median_seconds(
                lambda d=directions, t=trainer, r=recorder: loss_landscape(
                    t, steps=STEPS, directions=d, trajectory=r
                )
            )
            print(
                f"  {activation:<5} {directions:<10} {seconds * 1000:7.1f} ms  "
                f"({seconds / TARGET_SECONDS:.2f} of target)"
            )


if __name__ == "__main__":
    main()
