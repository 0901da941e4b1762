"""The classes' state in Redis, shared by every process of ``--message-queue``.

Keys (``PREFIX`` = ``playground:class:``), each expiring ``CLASS_TTL`` after its last
refresh:

* ``PREFIX{code}``: a hash, the class's meta: ``teacher_key``, ``teacher_seen``,
  ``push`` (JSON, or empty), ``locked`` (``0``/``1``), ``next`` (the last student number);
* ``PREFIX{code}:students``: a hash from a student's key to JSON ``{"number", "seen",
  "result"}``, written by the student's process twice a second;
* ``playground:class-failures:{address}``: wrong codes from an address, a counter that
  expires ``JOIN_WINDOW`` after its first failure (a fixed window).

A join is a WATCH/MULTI transaction over both hashes, so two processes admitting at
once can neither pass the class's size nor give one number twice.
"""

from __future__ import annotations

import json
from typing import Any

import redis

from .store import (
    CLASS_TTL,
    JOIN_WINDOW,
    admission,
    present_students,
)

PREFIX = "playground:class:"
FAILURES = "playground:class-failures:"


def _loads(raw: Any) -> dict:
    return json.loads(raw.decode() if isinstance(raw, bytes) else raw)


def _text(raw: Any) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


class RedisStore:
    """:class:`~app.classes.store.ClassStore` over a Redis server (``redis://...``)."""

    def __init__(self, url: str, ttl: float = CLASS_TTL) -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.ttl = int(ttl)

    def _keys(self, code: str) -> tuple[str, str]:
        return f"{PREFIX}{code}", f"{PREFIX}{code}:students"

    def create(self, code: str, teacher_key: str, now: float) -> bool:
        meta, students = self._keys(code)
        if not self.redis.hsetnx(meta, "teacher_key", teacher_key):
            return False
        pipe = self.redis.pipeline()
        pipe.hset(meta, mapping={"teacher_seen": repr(now), "push": "", "locked": "0", "next": "0"})
        pipe.delete(students)
        pipe.expire(meta, self.ttl)
        pipe.execute()
        return True

    def meta(self, code: str) -> dict | None:
        raw = self.redis.hgetall(self._keys(code)[0])
        if not raw or b"teacher_key" not in raw:
            return None
        fields = {_text(k): _text(v) for k, v in raw.items()}
        return {
            "teacher_key": fields["teacher_key"],
            "teacher_seen": float(fields.get("teacher_seen") or 0),
            "push": json.loads(fields["push"]) if fields.get("push") else None,
            "locked": fields.get("locked") == "1",
            "next": int(fields.get("next") or 0),
        }

    def update_meta(self, code: str, changes: dict[str, Any]) -> None:
        meta, students = self._keys(code)
        mapping = {}
        for name, value in changes.items():
            if name == "push":
                mapping[name] = "" if value is None else json.dumps(value)
            elif name == "locked":
                mapping[name] = "1" if value else "0"
            else:
                mapping[name] = repr(value)

        def update(pipe: Any) -> None:
            if not pipe.exists(meta):  # ended meanwhile: do not bring it back
                return
            pipe.multi()
            pipe.hset(meta, mapping=mapping)
            pipe.expire(meta, self.ttl)
            pipe.expire(students, self.ttl)

        self.redis.transaction(update, meta)

    def admit(
        self, code: str, key: str | None, new_key: str, size: int, now: float
    ) -> tuple[str, int]:
        meta, students = self._keys(code)

        admitted: list[tuple[str, int]] = []

        def admit(pipe: Any) -> None:
            known = {_text(k): _loads(v) for k, v in pipe.hgetall(students).items()}
            kept = admission(known, key, new_key, size, code, now)
            if kept is not None:
                entry, chosen = {**known[kept], "seen": now}, kept
            else:
                number = int(pipe.hget(meta, "next") or 0) + 1
                entry, chosen = {"number": number, "seen": now, "result": None}, new_key
            pipe.multi()
            if kept is None:
                pipe.hset(meta, "next", str(entry["number"]))
            pipe.hset(students, chosen, json.dumps(entry))
            pipe.expire(students, self.ttl)
            admitted[:] = [(chosen, int(entry["number"]))]

        self.redis.transaction(admit, meta, students)
        return admitted[0]

    def heartbeat(self, code: str, entries: dict[str, dict], now: float) -> None:
        meta, students = self._keys(code)
        if not entries:
            return
        pipe = self.redis.pipeline()
        pipe.hset(students, mapping={k: json.dumps({**e, "seen": now}) for k, e in entries.items()})
        pipe.expire(students, self.ttl)
        pipe.execute()

    def present(self, code: str, now: float) -> list[dict]:
        raw = self.redis.hgetall(self._keys(code)[1])
        return present_students({_text(k): _loads(v) for k, v in raw.items()}, now)

    def forget(self, code: str, key: str, keep_place: bool) -> None:
        students = self._keys(code)[1]
        if not keep_place:
            self.redis.hdel(students, key)
            return
        raw = self.redis.hget(students, key)
        if raw is not None:
            self.redis.hset(students, key, json.dumps({**_loads(raw), "seen": 0.0}))

    def end(self, code: str) -> bool:
        return bool(self.redis.delete(*self._keys(code)) > 0)

    def failures(self, address: str, now: float) -> int:
        return int(self.redis.get(f"{FAILURES}{address}") or 0)

    def add_failure(self, address: str, now: float) -> None:
        key = f"{FAILURES}{address}"
        if self.redis.incr(key) == 1:
            self.redis.expire(key, int(JOIN_WINDOW))
