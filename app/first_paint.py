"""The first frame a fresh session sends, inlined into the page so it paints at once.

A new session (app/session.py) starts from the default Config, whose seeds are fixed,
so its first frame is the same every time: the page can draw that surface on a canvas
before Plotly.js has loaded and before the socket is up (static/js/first_paint.js),
and the live frame that follows replaces it. It is built here with the same Trainer
and app/frames.py as the session's, once per process, and carried as JSON with the
binary attachments in base64 (docs/PAGE.md "First paint").
"""

from __future__ import annotations

import base64
import functools
from typing import Any

from engine import Config, Trainer

from . import frames
from .run_files import SESSION_HISTORY_ROWS


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


@functools.lru_cache(maxsize=1)
def first_frame() -> dict:
    """The first ``frame`` payload (docs/PROTOCOL.md) of a session with the default
    Config, bytes as ``{"base64": ...}``; without history and diagnostics, which the
    first paint does not show."""
    trainer = Trainer(Config(), replicas=1, max_history_rows=SESSION_HISTORY_ROWS)
    payload = frames.build_frame(
        trainer, seq=1, status="paused", history_since=trainer.epoch, include_points=True
    )
    payload["history"] = None
    return _jsonable(payload)
