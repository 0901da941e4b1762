"""A thread that calls one function twice a second while it has something to do.

The classes of a process need a beat: students' results written to the store, the
teachers' ``class_state`` sent when it changed, a class whose teacher is gone ended.
The thread runs only while ``beat()`` returns True (while this process has class
members) and is started again by :meth:`Ticker.start` when a member comes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

LOG_EVERY = 30.0  # seconds between two logged failures of the beat (Redis down: every beat)


class Ticker:
    """Calls ``beat`` every ``interval`` seconds while it returns True."""

    def __init__(self, beat: Callable[[], bool], interval: float, name: str = "class-ticker"):
        self._beat = beat
        self.interval = interval
        self._name = name
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._kicked = False  # start() was called since the last beat began
        self._logged_at = -LOG_EVERY

    def start(self) -> None:
        """Make sure the thread runs (a new member came)."""
        with self._lock:
            self._kicked = True
            if self._thread is None or not self._thread.is_alive():
                self._stopped.clear()
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            with self._lock:
                self._kicked = False
            try:
                busy = self._beat()
            except Exception:  # a bad beat must not stop the classes
                if time.monotonic() - self._logged_at >= LOG_EVERY:
                    self._logged_at = time.monotonic()
                    log.exception("class beat failed (logged at most every %g s)", LOG_EVERY)
                busy = True
            if not busy:
                with self._lock:
                    if not self._kicked:  # else a member came during the beat: go on
                        self._thread = None
                        return
