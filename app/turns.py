"""Training turns: one session trains at a time, the others wait their turn in order.

Why: the GIL runs one Python thread at a time, so fifty sessions training "at once"
are fifty CPU-bound threads taking turns anyway, in an order the OS picks. The
threads that move frames (WebSocket readers and writers, frame builders) then wait
behind all of them for the GIL, and a class of fifty got a frame every few seconds.
Queueing the training chunks explicitly costs no throughput (it is one core either
way), makes the rotation fair (first come, first served), and leaves the I/O threads
competing with a single trainer. Sending a frame never needs a turn.

The chunk a session trains per turn shrinks as the queue grows, so that every
session gets a turn about ROTATION_SECONDS apart and its frames keep showing progress.
"""

from __future__ import annotations

import collections
import threading
from typing import Protocol


class TurnTaker(Protocol):
    def turn_granted(self) -> None:
        """Called (from another thread) when the turn passes to this session."""


class TrainingTurns:
    """A first-come-first-served token for training chunks, shared by all sessions.

    Only the holder grants the turn to the next in line, and only one session holds
    it, so a grant (which takes the next session's lock) can never run in two
    threads at once: no lock cycle between sessions.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: collections.deque[TurnTaker] = collections.deque()
        self._holder: TurnTaker | None = None

    def request(self, who: TurnTaker) -> bool:
        """True if ``who`` holds the turn now; else it is queued (once) and will be told."""
        with self._lock:
            if self._holder is None or self._holder is who:
                self._holder = who
                return True
            if who not in self._queue:
                self._queue.append(who)
            return False

    def others_waiting(self) -> bool:
        return bool(self._queue)

    def sessions_in_rotation(self) -> int:
        """The holder and everyone queued."""
        return len(self._queue) + (self._holder is not None)

    def release(self, who: TurnTaker) -> None:
        """``who`` is done with its turn (or no longer wants one): pass it on."""
        with self._lock:
            if who in self._queue:
                self._queue.remove(who)
            if self._holder is not who:
                return
            self._holder = self._queue.popleft() if self._queue else None
            nxt = self._holder
        if nxt is not None:
            nxt.turn_granted()
