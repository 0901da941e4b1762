"""Helpers for the app tests: test-client and emit recorders (waits: tests/waiting.py)."""

from __future__ import annotations

import threading
import time
from typing import Any

from waiting import DEADLINE, wait_until

__all__ = ["DEADLINE", "Inbox", "Recorder", "wait_until"]


class Inbox:
    """Collects a Flask-SocketIO test client's events as (name, payload)."""

    def __init__(self, client):
        self.client = client
        self.events: list[tuple[str, Any]] = []

    def pump(self) -> list[tuple[str, Any]]:
        for item in self.client.get_received():
            args = item["args"]
            self.events.append((item["name"], args[0] if args else None))
        return self.events

    def of(self, name: str) -> list[Any]:
        self.pump()
        return [payload for event, payload in self.events if event == name]

    def clear(self) -> None:
        self.pump()
        self.events.clear()

    def wait(self, name: str, count: int = 1, timeout: float = DEADLINE) -> list[Any]:
        """The first ``count`` payloads of event ``name`` (waits for them)."""

        def enough():
            got = self.of(name)
            return got[:count] if len(got) >= count else None

        return wait_until(enough, timeout, f"{count} x {name!r}")

    def last(self, name: str) -> Any:
        got = self.of(name)
        assert got, f"no {name!r} event received"
        return got[-1]


class Recorder:
    """An ``emit`` callable for Session tests: records events, wakes waiters."""

    def __init__(self):
        self.events: list[tuple[str, Any]] = []
        self.cond = threading.Condition()

    def __call__(self, event: str, payload: Any) -> None:
        with self.cond:
            self.events.append((event, payload))
            self.cond.notify_all()

    def of(self, name: str) -> list[Any]:
        with self.cond:
            return [p for e, p in self.events if e == name]

    def wait(self, name: str, count: int = 1, timeout: float = DEADLINE) -> list[Any]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [p for e, p in self.events if e == name]
                if len(got) >= count:
                    return got[:count]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {count} x {name!r}")
                self.cond.wait(left)
