"""CPU turns: one session computes at a time, the others wait their turn in order.

Why: the GIL runs one Python thread at a time, so fifty sessions computing "at once"
are fifty CPU-bound threads taking turns anyway, in an order the OS picks, each
interrupted every switch interval. The threads that move frames (WebSocket readers
and writers, event handlers) then wait behind all of them for the GIL: a class of
fifty got a frame every few seconds, and a frame that takes 0.5 ms to build took
70 ms of wall-clock time, interrupted by a dozen other builds. Queueing the work
explicitly costs no throughput (it is one core either way), makes the rotation
fair, and leaves the I/O threads competing with a single computing thread.

Two kinds of work take a turn: training chunks, first come first served, and frame
builds, which go ahead of every queued chunk (first come first served among
themselves). A frame is what the user waits for; a session only wants another once
it has trained since the last, so frames cannot starve training.

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
    """A token for computing (training chunks and frame builds), shared by all sessions.

    Only the holder grants the turn to the next in line, and only one session holds
    it, so a grant (which takes the next session's lock) can never run in two
    threads at once: no lock cycle between sessions.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frames: collections.deque[TurnTaker] = collections.deque()  # served first
        self._queue: collections.deque[TurnTaker] = collections.deque()
        self._holder: TurnTaker | None = None

    def request(self, who: TurnTaker, frame: bool = False) -> bool:
        """True if ``who`` holds the turn now; else it is queued (once) and will be told.

        ``frame``: the turn is for a frame, which goes ahead of queued training (a
        session already queued for training moves up).
        """
        with self._lock:
            if self._holder is None or self._holder is who:
                self._holder = who
                return True
            if frame and who not in self._frames:
                if who in self._queue:
                    self._queue.remove(who)
                self._frames.append(who)
            elif who not in self._frames and who not in self._queue:
                self._queue.append(who)
            return False

    def others_waiting(self) -> bool:
        return bool(self._frames or self._queue)

    def sessions_in_rotation(self) -> int:
        """The holder and everyone queued."""
        return len(self._frames) + len(self._queue) + (self._holder is not None)

    def release(self, who: TurnTaker) -> None:
        """``who`` is done with its turn (or no longer wants one): pass it on."""
        with self._lock:
            for line in (self._frames, self._queue):
                if who in line:
                    line.remove(who)
            if self._holder is not who:
                return
            line = self._frames or self._queue
            self._holder = line.popleft() if line else None
            nxt = self._holder
        if nxt is not None:
            nxt.turn_granted()
