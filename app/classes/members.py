"""This process's class members: which of its sessions teach or sit in which class.

The class itself (its students, results, push) lives in the store, shared by every
process; a :class:`Member` is what this process keeps beside one of its own sessions:
its role, its key, its number and its ``stuck`` watch. One per session: a session is
in one class at a time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from .results import StuckWatch

TEACHER, STUDENT = "teacher", "student"


@dataclass
class Member:
    """One local session's place in a class."""

    sid: str
    code: str
    role: str
    key: str
    number: int = 0  # a student's number: "Student 7"
    stuck: StuckWatch = field(default_factory=StuckWatch)
    sent: Any = None  # a teacher's last class_state, to send only what changed
    showing_until: float = 0.0  # a teacher's `show` in flight until then

    @property
    def pseudonym(self) -> str:
        return f"Student {self.number}"


class Members:
    """The local members by socket id, under one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_sid: dict[str, Member] = {}

    def __len__(self) -> int:
        return len(self._by_sid)

    def add(self, member: Member) -> Member | None:
        """Register ``member``; the one already there for its session if any."""
        with self._lock:
            return self._by_sid.setdefault(member.sid, member)

    def get(self, sid: str) -> Member | None:
        return self._by_sid.get(sid)

    def pop(self, sid: str) -> Member | None:
        with self._lock:
            return self._by_sid.pop(sid, None)

    def of_class(self, code: str, role: str | None = None) -> list[Member]:
        with self._lock:
            return [
                m
                for m in self._by_sid.values()
                if m.code == code and (role is None or m.role == role)
            ]

    def all(self) -> list[Member]:
        with self._lock:
            return list(self._by_sid.values())
