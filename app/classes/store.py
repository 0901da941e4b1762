"""Where a class's state lives: in this process (:class:`LocalStore`), or in Redis for
every process that serves it (:class:`~app.classes.redis_store.RedisStore`).

What a class holds, the same in both: its ``meta`` (the teacher's key, when the
teacher's process last vouched for it (``teacher_seen``), the last push, the lock, the
last student number given) and its students by key (number, when their process last
saw them, their latest result). Times are wall-clock seconds (``time.time()``): the
processes of one class may run on different machines. Everything expires
``CLASS_TTL`` after the last refresh, so a class whose every process died leaves
nothing behind; the live processes refresh it twice a second (app/classes/ticker.py).

The store is plain state: the socket handlers, the bus and the ticker decide.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from ..validation import ValidationError

CLASS_SIZE = 200  # students one class may hold (--class-size)
CLASS_TTL = 120.0  # seconds a class outlives the last refresh of its state
STUDENT_STALE = 5.0  # a student not seen for this long is not counted (its process died)
JOIN_FAILURES = 20  # wrong codes one address may send ...
JOIN_WINDOW = 60.0  # ... per this many seconds


class ClassFull(ValidationError):
    """A join past the class's size."""

    def __init__(self, code: str, size: int):
        super().__init__("code", f"class {code} is full ({size} students)")


class ClassStore(Protocol):
    """What the classes need from their shared state (both stores)."""

    def create(self, code: str, teacher_key: str, now: float) -> bool: ...
    def meta(self, code: str) -> dict | None: ...
    def update_meta(self, code: str, changes: dict[str, Any]) -> None: ...
    def admit(
        self, code: str, key: str | None, new_key: str, size: int, now: float
    ) -> tuple[str, int]: ...
    def heartbeat(self, code: str, entries: dict[str, dict], now: float) -> None: ...
    def present(self, code: str, now: float) -> list[dict]: ...
    def forget(self, code: str, key: str, keep_place: bool) -> None: ...
    def end(self, code: str) -> bool: ...
    def failures(self, address: str, now: float) -> int: ...
    def add_failure(self, address: str, now: float) -> None: ...


def present_students(students: dict[str, dict], now: float) -> list[dict]:
    """The students seen within STUDENT_STALE, by number, each with its ``key``
    (both stores; the key never goes to a client but the student's own)."""
    live = [
        {**s, "key": k}
        for k, s in students.items()
        if now - float(s.get("seen", 0)) <= STUDENT_STALE
    ]
    return sorted(live, key=lambda s: s["number"])


def admission(
    students: dict[str, dict], key: str | None, new_key: str, size: int, code: str, now: float
) -> str | None:
    """The key a join enters under, or None for a new place (both stores): a known
    ``key`` gets its place back; otherwise the class must have room."""
    if key is not None and key in students:
        return key
    if len(present_students(students, now)) >= size:
        raise ClassFull(code, size)
    return None


class LocalStore:
    """The classes of this process only (no ``--message-queue``)."""

    def __init__(self, ttl: float = CLASS_TTL, clock: Callable[[], float] = time.time) -> None:
        self.ttl = ttl
        self._clock = clock  # for the reads that are not given the time
        self._lock = threading.Lock()
        self._meta: dict[str, dict] = {}
        self._students: dict[str, dict[str, dict]] = {}
        self._expires: dict[str, float] = {}
        self._failures: dict[str, list[float]] = {}

    def _live(self, code: str, now: float | None = None) -> bool:
        now = self._clock() if now is None else now
        if code in self._meta and self._expires.get(code, 0) < now:
            self._drop(code)
        return code in self._meta

    def _drop(self, code: str) -> None:
        self._meta.pop(code, None)
        self._students.pop(code, None)
        self._expires.pop(code, None)

    def _refresh(self, code: str, now: float) -> None:
        self._expires[code] = now + self.ttl

    def create(self, code: str, teacher_key: str, now: float) -> bool:
        with self._lock:
            if self._live(code, now):
                return False
            self._meta[code] = {
                "teacher_key": teacher_key,
                "teacher_seen": now,
                "push": None,
                "locked": False,
                "next": 0,
            }
            self._students[code] = {}
            self._refresh(code, now)
            return True

    def meta(self, code: str) -> dict | None:
        with self._lock:
            return dict(self._meta[code]) if self._live(code) else None

    def update_meta(self, code: str, changes: dict[str, Any]) -> None:
        with self._lock:
            if self._live(code):
                self._meta[code].update(changes)
                if "teacher_seen" in changes:
                    self._refresh(code, float(changes["teacher_seen"]))

    def admit(
        self, code: str, key: str | None, new_key: str, size: int, now: float
    ) -> tuple[str, int]:
        with self._lock:
            students = self._students.setdefault(code, {})
            kept = admission(students, key, new_key, size, code, now)
            if kept is not None:
                students[kept]["seen"] = now
                return kept, int(students[kept]["number"])
            number = self._meta[code]["next"] = int(self._meta[code]["next"]) + 1
            students[new_key] = {"number": number, "seen": now, "result": None}
            return new_key, number

    def heartbeat(self, code: str, entries: dict[str, dict], now: float) -> None:
        with self._lock:
            if not self._live(code, now):
                return
            students = self._students[code]
            for key, entry in entries.items():
                students[key] = {**entry, "seen": now}
            self._refresh(code, now)

    def present(self, code: str, now: float) -> list[dict]:
        with self._lock:
            return present_students(self._students.get(code, {}), now)

    def forget(self, code: str, key: str, keep_place: bool) -> None:
        with self._lock:
            students = self._students.get(code, {})
            if keep_place and key in students:
                students[key]["seen"] = 0.0
            else:
                students.pop(key, None)

    def end(self, code: str) -> bool:
        with self._lock:
            existed = code in self._meta
            self._drop(code)
            return existed

    def failures(self, address: str, now: float) -> int:
        with self._lock:
            times = [t for t in self._failures.get(address, []) if now - t < JOIN_WINDOW]
            if times:
                self._failures[address] = times
            else:
                self._failures.pop(address, None)
            return len(times)

    def add_failure(self, address: str, now: float) -> None:
        with self._lock:
            # forget the addresses whose window has passed: the table stays small
            for gone in [a for a, t in self._failures.items() if now - t[-1] >= JOIN_WINDOW]:
                del self._failures[gone]
            self._failures.setdefault(address, []).append(now)
