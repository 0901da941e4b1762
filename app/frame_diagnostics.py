"""``frame["diagnostics"]``: a session's per-frame neuron health and stuck explanation,
computed at most a few times a second.

The session (app/session.py) asks for them with every frame it sends; the engine
computes them (:func:`engine.diagnose_trainer`, :func:`engine.explain_stuck`). This
module decides when, and trims what every frame carries to what the page shows
(docs/PROTOCOL.md), and spaces them out as more sessions share the server: at four a
second, fifty clients' diagnostics took a third of the server's one core (the GIL's).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from engine import diagnose_trainer, explain_stuck

# While playing, neuron health (diagnose, ~1-2 ms) at most ~4/s, frames in between
# carry null; the stuck explanation (~1-3 ms) at most ~2/s, reused in between.
DIAGNOSE_INTERVAL = 0.25
STUCK_INTERVAL = 0.5
# With many sessions computing in turn, both intervals grow by this much per session:
# at 4/s, fifty clients' diagnostics took a third of the server's one core (the
# GIL's), and with it a third of their frame rate. 50 sessions: every 0.75 s / 1.5 s.
DIAGNOSE_SECONDS_PER_SESSION = 0.015


class FrameDiagnostics:
    """``frame["diagnostics"]``: the neuron health (every settled frame, at most every
    DIAGNOSE_INTERVAL while playing, longer with many sessions, None in between) and
    the stuck explanation (recomputed at most half as often, or when the epoch went
    back, or when training has stopped (``settled``: this frame may be the last one
    for a while, so it must not show a stale answer); reused in between)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self.reset()

    def reset(self) -> None:
        self._diagnosed_at = -math.inf
        self._stuck: dict | None = None
        self._stuck_at = -math.inf
        self._stuck_epoch = -1

    @property
    def stuck_seen(self) -> tuple[float, str | None]:
        """When (this object's clock; -inf: never) the stuck explanation was last made,
        and its case (None: not stuck): class mode reuses it (app/classes/results.py)."""
        return self._stuck_at, None if self._stuck is None else self._stuck.get("case")

    def compute(self, trainer: Any, settled: bool = False, sharing: int = 1) -> dict | None:
        """The diagnostics for this frame, or None (the client keeps the last) while a
        run plays and the last ones are younger than the interval.

        ``sharing``: how many sessions compute in turn on this server; the intervals
        are max(DIAGNOSE_INTERVAL, sharing x DIAGNOSE_SECONDS_PER_SESSION), and twice
        that for the stuck explanation.
        """
        now = self._clock()
        interval = max(DIAGNOSE_INTERVAL, sharing * DIAGNOSE_SECONDS_PER_SESSION)
        if not settled and now - self._diagnosed_at < interval:
            return None
        self._diagnosed_at = now
        payload = diagnose_trainer(trainer).to_dict(replica=0)
        # Every frame carries this: keep it to what the page shows (docs/PROTOCOL.md),
        # so a 6x8 network's frame stays within its 20 KB budget.
        for key in ("activation", "replica", "loss"):  # in the config / the frame already
            payload.pop(key, None)
        for layer in payload["layers"]:
            layer.pop("active_share", None)
            layer.pop("activation", None)  # each layer's own: in the config
        payload["grad_norms"] = [_round(g) for g in payload["grad_norms"]]
        epoch = int(trainer.epoch)
        if epoch != self._stuck_epoch and (
            settled
            or now - self._stuck_at >= max(STUCK_INTERVAL, 2 * interval)
            or epoch < self._stuck_epoch
        ):
            report = explain_stuck(trainer)
            self._stuck = report.to_dict() if report.stuck else None  # shown when stuck
            if self._stuck is not None:  # every output: thousands of numbers on big data
                self._stuck["details"].pop("outputs", None)
            self._stuck_at, self._stuck_epoch = now, epoch
        payload["stuck"] = self._stuck
        return payload


def _round(x: float | None, digits: int = 4) -> float | None:
    """``x`` to ``digits`` significant digits (a gradient norm is shown, not reused)."""
    return None if x is None else float(f"{x:.{digits}g}")
