"""Sessions that have gone quiet: when each last sent a message, and closing the ones
quiet for longer than the timeout.

Why: the session cap is shared, and an open tab nobody uses, or a connection opened
and left (issue 16: 64 idle connections locked everyone else out), holds a place
for as long as it stays open. A page that is watching a run sends ``ready`` after
every frame, so only a page that is paused and untouched, or a client that never
sends, goes quiet. Engine.IO's pings do not count: a client answers those blindly.

:class:`Activity` is the bookkeeping (testable with a fake clock);
:class:`IdleReaper` is the one thread per app that wakes at the next deadline and
closes what is due, and stops when there is nothing left to watch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

IDLE_TIMEOUT = 900.0  # seconds without a message before a session is closed


class Activity:
    """The last message time and message count of each session."""

    def __init__(self, timeout: float | None, clock: Callable[[], float] = time.monotonic):
        self.timeout = timeout if timeout and timeout > 0 else None
        self._clock = clock
        self._last: dict[str, float] = {}
        self._count: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._last)

    def touch(self, sid: str, message: bool = True) -> None:
        """``sid`` sent a message (or, ``message=False``, has just connected)."""
        with self._lock:
            self._last[sid] = self._clock()
            self._count[sid] = self._count.get(sid, 0) + message

    def forget(self, sid: str) -> None:
        with self._lock:
            self._last.pop(sid, None)
            self._count.pop(sid, None)

    def messages(self, sid: str) -> int:
        """Messages handled for ``sid`` so far."""
        with self._lock:
            return self._count.get(sid, 0)

    def quiet(self) -> list[str]:
        """Sessions past the timeout, oldest first; they are forgotten."""
        if self.timeout is None:
            return []
        now = self._clock()
        with self._lock:
            due = sorted((t, sid) for sid, t in self._last.items() if now - t >= self.timeout)
            for _, sid in due:
                del self._last[sid]
                self._count.pop(sid, None)
        return [sid for _, sid in due]

    def next_deadline(self) -> float | None:
        """When the quietest session falls due (clock time), or None."""
        if self.timeout is None:
            return None
        with self._lock:
            return min(self._last.values()) + self.timeout if self._last else None


class IdleReaper:
    """Calls ``close(sid)`` for each session that stays quiet past the timeout."""

    def __init__(self, activity: Activity, close: Callable[[str], None]):
        self.activity = activity
        self._close = close
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()

    def watch(self) -> None:
        """A session started: make sure the thread runs."""
        if self.activity.timeout is None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="idle-reaper", daemon=True)
                self._thread.start()

    def poke(self) -> None:
        """A session ended: look again now (with none left, the thread ends)."""
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.clear()
            for sid in self.activity.quiet():
                self._close(sid)
            with self._lock:
                deadline = self.activity.next_deadline()
                if deadline is None:
                    self._thread = None  # nothing to watch; watch() starts another
                    return
            self._wake.wait(max(deadline - time.monotonic(), 0.0) + 0.01)
