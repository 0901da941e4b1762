"""The page's timeline: ``rewind`` (show a kept epoch) and ``fork`` (go on from it).

``rewind`` {"epoch": E} answers with one ``frame`` of the run as it stood at the kept
epoch nearest E (in log-epochs, the page's axis; :func:`nearest_kept`), built like any
frame (app/frames.py) from :meth:`engine.Trainer.at`, with that epoch's diagnostics,
marked ``"rewound": true`` and carrying ``"live_epoch"`` (where the run itself stands)
and no history rows. The run
pauses (a ``state`` says so) and is otherwise untouched: its epochs go on from where they
were. ``fork`` {"epoch": E} replaces the run by the one standing at that kept epoch,
paused: its history stops there and goes on from it, bit for bit as a fresh run would
(the page has already pinned the former future to compare).

Limits: E is an integer in [0, 10⁹] (a larger one is the run's own epoch anyway); a
rewind costs one Trainer built from kept numbers, one frame and its diagnostics (about
2.3 ms of CPU; docs/SERVER.md), and a session answers :data:`REWIND_BURST` at once and
then at most :data:`MAX_REWINDS_PER_SECOND` (a token bucket); one past that is refused
naming ``epoch`` (the page keeps one in flight and sends only its latest position, so
it hardly meets the limit, and asks again after a refusal).
"""

from __future__ import annotations

import math
from typing import Any

from engine import Trainer

from . import frames
from .frame_diagnostics import FrameDiagnostics
from .session import Session
from .validation import ValidationError, as_int, as_object

MAX_REWIND_EPOCH = 10**9
MAX_REWINDS_PER_SECOND = 50
REWIND_BURST = 10


def parse_epoch(payload: Any) -> int:
    """The ``epoch`` of a ``rewind`` or ``fork`` payload (an object with only it)."""
    data = as_object(payload, ("epoch",))
    if "epoch" not in data:
        raise ValidationError("epoch", "epoch is missing")
    return as_int("epoch", data["epoch"], 0, MAX_REWIND_EPOCH)


def nearest_kept(trainer: Trainer, epoch: int) -> int:
    """The kept epoch (or the run's own) nearest ``epoch`` in log(1 + epoch)."""
    kept = trainer.snapshots() + [trainer.epoch]
    target = math.log1p(min(epoch, trainer.epoch))
    return min(kept, key=lambda e: (abs(math.log1p(e) - target), e))


def rewind(session: Session, payload: Any) -> None:
    """Send the frame of the kept epoch nearest the payload's, the run paused."""
    epoch = parse_epoch(payload)
    now = session.clock()
    # a token bucket: REWIND_BURST at once, refilled at MAX_REWINDS_PER_SECOND
    budget = min(
        REWIND_BURST, session.rewind_budget + (now - session.last_rewind) * MAX_REWINDS_PER_SECOND
    )
    if budget < 1.0:
        raise ValidationError(
            "epoch", f"rewind: at most {MAX_REWINDS_PER_SECOND} a second; send the latest"
        )
    session.rewind_budget, session.last_rewind = budget - 1.0, now
    if session.playing:
        with session.change() as change:
            change.scheduler.pause()
    session.send_snapshot("frame", lambda trainer: rewound_frame(trainer, epoch))


def rewound_frame(trainer: Trainer, epoch: int) -> dict:
    """The ``frame`` payload of ``trainer`` at the kept epoch nearest ``epoch``."""
    view = trainer.at(nearest_kept(trainer, epoch))
    payload = frames.build_frame(
        view, seq=0, status="paused", history_since=view.epoch, include_points=False
    )
    # that epoch's dead units, gradient norms and stuck explanation, from its own history
    payload["diagnostics"] = FrameDiagnostics().compute(view, settled=True)
    payload["rewound"] = True
    payload["live_epoch"] = int(trainer.epoch)
    return payload


def fork(session: Session, payload: Any) -> None:
    """Go on from the kept epoch nearest the payload's: the run becomes that one, paused."""
    epoch = parse_epoch(payload)
    with session.change() as change:
        forked = change.trainer.at(nearest_kept(change.trainer, epoch))
        change.trainer = forked
        change.scheduler.pause()
        change.scheduler.set_speed(forked.config.speed, change.clock(), forked.epoch)
        change.rebuilt()
