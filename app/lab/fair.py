"""Which lab runs may start: one per session at a time, round-robin between sessions,
at most ``max_active`` under way at once.

Plain bookkeeping, no threads: the lab process (:mod:`app.lab.process`) calls it under
its own lock, and the tests drive it directly. Why a cap: a run holds a chunk of
replicas and its history in memory (up to the engine's HISTORY_BUDGET, 64 MB), so
runs under way at once are bounded; the ones beyond wait in turn, by session, so a
session that keeps submitting cannot get ahead of one that submitted once. A run
whose session cancelled it while it waited costs nothing to start (it answers at
once with what finished: nothing), so it starts as soon as its own session's
earlier run is done, whatever the cap: its answer then never waits behind others.
"""

from __future__ import annotations

import collections
from collections.abc import Hashable
from typing import Generic, TypeVar

Job = TypeVar("Job", bound=Hashable)


class RunAdmission(Generic[Job]):
    """Runs per owner in order; owners take turns for the ``max_active`` places."""

    def __init__(self, max_active: int):
        if max_active < 1:
            raise ValueError("max_active must be >= 1")
        self.max_active = max_active
        self._active: dict[Hashable, Job] = {}
        self._waiting: dict[Hashable, collections.deque[Job]] = {}
        self._line: collections.deque[Hashable] = collections.deque()  # owners, in turn
        self._free: set[Job] = set()  # cancelled while waiting: start regardless of cap

    def __len__(self) -> int:
        """Runs under way."""
        return len(self._active)

    def add(self, owner: Hashable, job: Job) -> bool:
        """Queue ``job``; True if it may start now (it is then under way)."""
        if owner not in self._active and len(self._active) < self.max_active:
            self._active[owner] = job
            return True
        self._waiting.setdefault(owner, collections.deque()).append(job)
        if owner not in self._line:
            self._line.append(owner)
        return False

    def ahead(self, owner: Hashable, job: Job) -> int:
        """How many runs must end before ``job`` can start (at least 1 while it waits):
        its own session's run and earlier ones, and, while every place is taken,
        the runs under way and those of the sessions before it in line."""
        mine = list(self._waiting.get(owner, ()))
        if job not in mine:
            return 0
        ahead = mine.index(job) + (owner in self._active)
        if len(self._active) >= self.max_active:
            # those under way, and the sessions before it in line with none under way
            # (one that has a run under way goes to the back when it ends)
            before = list(self._line)[: list(self._line).index(owner)]
            ahead += len(self._active) - (owner in self._active)
            ahead += sum(1 for o in before if o not in self._active)
        return max(ahead, 1)

    def cancel(self, owner: Hashable, job: Job) -> list[tuple[Hashable, Job]]:
        """``job`` was cancelled; if it waits, it starts as soon as its own session's
        run is done. Returns what may start now (it, if nothing of its own is under
        way)."""
        if job in self._waiting.get(owner, ()):
            self._free.add(job)
        return self._admit()

    def finish(self, owner: Hashable) -> list[tuple[Hashable, Job]]:
        """``owner``'s run under way ended; returns the (owner, job) pairs that start.
        The owner goes to the back of the line: the others waited while it ran."""
        self._active.pop(owner, None)
        if owner in self._line:
            self._line.remove(owner)
            self._line.append(owner)
        return self._admit()

    def _admit(self) -> list[tuple[Hashable, Job]]:
        started = []
        # cancelled runs first, whatever the cap: they only answer
        for owner in list(self._line):
            queue = self._waiting[owner]
            if owner not in self._active and queue[0] in self._free:
                started.append(self._start(owner))
        for owner in list(self._line):
            if len(self._active) >= self.max_active:
                break
            if owner not in self._active:
                started.append(self._start(owner))
        return started

    def _start(self, owner: Hashable) -> tuple[Hashable, Job]:
        """Start ``owner``'s next run; the owner goes to the back of the line."""
        queue = self._waiting[owner]
        job = queue.popleft()
        self._free.discard(job)
        self._active[owner] = job
        self._line.remove(owner)
        if queue:
            self._line.append(owner)
        else:
            del self._waiting[owner]
        return owner, job
