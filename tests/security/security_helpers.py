"""What the attack tests share: a well-behaved neighbour, and log checks."""

from __future__ import annotations

import threading

import pytest
from waiting import wait_until

from app.client import OrderedClient

DEADLINE = 20.0


class Neighbour:
    """A well-behaved client: plays, returns each frame's credit, counts frames."""

    def __init__(self, url: str):
        self.sio = OrderedClient(reconnection=False)
        self.frames = 0
        self.events: list[tuple[str, object]] = []
        self._lock = threading.Lock()
        self.sio.on("frame", self._frame)
        for name in (
            "state",
            "error",
            "lab_result",
            "lab_progress",
            "gradcheck_result",
            "landscape_result",
        ):
            self.sio.on(name, self._recorder(name))
        self.sio.connect(url, transports=["websocket"], wait_timeout=DEADLINE)
        self.sid = self.sio.get_sid()

    def _frame(self, payload=None) -> None:
        with self._lock:
            self.frames += 1
        self.sio.emit("ready")

    def _recorder(self, name: str):
        def record(payload=None):
            with self._lock:
                self.events.append((name, payload))

        return record

    def of(self, name: str) -> list:
        with self._lock:
            return [p for e, p in self.events if e == name]

    def play(self) -> None:
        self.sio.emit("control", {"action": "play"})
        self.sio.emit("ready")

    def streams(self, more: int = 5) -> None:
        """Wait for ``more`` frames beyond those seen so far."""
        target = self.frames + more
        wait_until(lambda: self.frames >= target, DEADLINE, f"{more} more neighbour frames")

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()


def assert_no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    with_trace = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert not with_trace, [r.getMessage() for r in with_trace]
