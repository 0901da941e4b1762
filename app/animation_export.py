"""The Runs panel's "Animation": the session's run drawn as a GIF, on the server.

Why the server draws it: the page holds only the latest frame, not the run's past; the
kept epochs (engine/snapshots.py) live in the session's Trainer, and
:mod:`engine.animation` draws from them. The answer is ``animation`` {name, epoch, frames,
file}: the GIF's bytes as one binary attachment, downloaded by the page as they are.

Limits (a client can spend CPU here): :data:`SIZE` pixels, the default 30 to 40
log-spaced pictures (at most :data:`MAX_FRAMES`), one render at a time per session and
at most one per :data:`MIN_INTERVAL_SECONDS`; a request sooner is refused naming
``animation``. The render works on a copy (``Trainer.at``, taken under the session's
lock in about a millisecond) outside the lock, so training and frames go on meanwhile.
Measured (docs/SERVER.md): 30 pictures of a 300-epoch circle run take 2.7 s (median of 5)
and make 350 kB under a load average of 17 on the shared 2-core machine; a 640 × 320 one
took 0.6 s at a load near 5.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from engine.animation import play_epochs

from .run_files import run_file_name
from .session import Session
from .validation import ValidationError

SIZE = (480, 240)
MAX_FRAMES = 60
MIN_INTERVAL_SECONDS = 5.0


def animation(session: Session, payload: Any) -> None:
    """Draw the session's run as a GIF and send it (``animation``)."""
    if payload not in (None, {}):
        raise ValidationError("payload", "animation takes no payload")
    now = session.clock()
    if session.drawing_animation or now - session.last_animation < MIN_INTERVAL_SECONDS:
        raise ValidationError(
            "animation", f"one animation at a time, at most one per {MIN_INTERVAL_SECONDS:g} s"
        )
    session.drawing_animation, session.last_animation = True, now
    try:
        with session.hold() as trainer:
            copy = trainer.at(trainer.epoch)
        epochs = play_epochs(copy.snapshots(), copy.epoch)
        epochs = epochs[:: -(-len(epochs) // MAX_FRAMES)]  # every k-th past MAX_FRAMES
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "run.gif")
            frames = copy.animate(path, fps=10, epochs=epochs, size=SIZE)
            with open(path, "rb") as fh:
                data = fh.read()
    finally:
        session.drawing_animation = False
    name = run_file_name(copy).rsplit(".", 1)[0] + ".gif"
    session.send("animation", {"name": name, "epoch": copy.epoch, "frames": frames, "file": data})
