"""The classes of one process: the ``class`` event's actions, the bus's messages and
the twice-a-second beat (docs/PROTOCOL.md, Class mode).

A :class:`Classroom` keeps no class state of its own beyond its local members
(app/classes/members.py): the class lives in the store (this process, or Redis), and
whatever must happen to a session elsewhere goes out on the bus
(app/classes/bus.py), which every process hears, this one included. So a push, a lock,
an ending and a ``show`` take the same path with one process or twenty.

Why a beat rather than events: a student's result changes with every epoch, and the
teacher needs it twice a second at most. Each process writes its own students' results
to the store and reads its own teachers' classes from it on the beat
(``CLASS_STATE_INTERVAL``): the teacher's ``class_state`` is at most two a second
whatever the class does, and the beat also notices a class whose teacher's process
stopped vouching for it (``TEACHER_GRACE``).
"""

from __future__ import annotations

import hmac
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

from ..session import Session
from ..validation import ValidationError
from . import requests
from .bus import pack_bytes, unpack_bytes
from .codes import new_code, new_key
from .delivery import apply_push, class_view, result_of, student_config
from .members import STUDENT, TEACHER, Member, Members
from .results import solved_share
from .store import JOIN_FAILURES, ClassStore
from .ticker import Ticker

log = logging.getLogger(__name__)

CLASS_STATE_INTERVAL = 0.5  # seconds: the teacher's class_state at most twice a second
TEACHER_GRACE = 30.0  # seconds a class waits for its teacher's connection to come back
SHOW_TIMEOUT = 1.0  # seconds a `show` waits for its answer before another may go


class Sessions(Protocol):
    """What the classes need of the session registry (app/server.py)."""

    def get(self, sid: str) -> Session | None: ...
    def address(self, sid: str) -> str: ...


class Classroom:
    """The ``class`` event and everything it starts, for the sessions of one process."""

    def __init__(
        self,
        store: ClassStore,
        bus: Any,
        sessions: Sessions,
        class_size: int,
        *,
        clock: Callable[[], float] = time.time,
        grace: float = TEACHER_GRACE,
        interval: float = CLASS_STATE_INTERVAL,
        keep_alive: Callable[[str], None] = lambda sid: None,
    ) -> None:
        self.store, self.bus, self.sessions = store, bus, sessions
        self.class_size = int(class_size)
        self.clock = clock
        self.grace = grace
        # a teacher watching a class that trains is not idle (app/idle.py), though its
        # page may send nothing for a long while
        self.keep_alive = keep_alive
        self.members = Members()
        self._missing: dict[str, int] = {}  # classes whose state was gone at the last beat
        self.ticker = Ticker(self.beat, interval)
        self.actions = {
            "create": self._create,
            "join": self._join,
            "push": self._push,
            "lock": self._lock,
            "show": self._show,
            "leave": self._leave,
        }
        self.messages = {
            "push": self._on_push,
            "lock": self._on_lock,
            "ended": self._on_ended,
            "show": self._on_show,
            "view": self._on_view,
        }
        bus.subscribe(self.on_message)

    # ---- the `class` event ---------------------------------------------------------------

    def handle(self, session: Session, payload: Any) -> None:
        """One ``class`` event from ``session`` (a refusal raises, naming the field)."""
        action, data = requests.parse_action(payload)
        try:
            self.actions[action](session, data)
        except Exception as err:
            if type(err).__module__.split(".")[0] != "redis":
                raise
            log.warning("class %s: the message queue failed: %s", action, err)
            raise ValidationError(
                "action", "class mode is unavailable now: its Redis server does not answer"
            ) from None

    def _create(self, session: Session, data: dict) -> None:
        self._not_in_class(session)
        key = new_key()
        for _ in range(8):  # 8.9e8 codes: a collision is rare, eight in a row never
            code = new_code()
            if self.store.create(code, key, self.clock()):
                break
        else:
            raise ValidationError("action", "could not find a free class code: try again")
        self._admit(Member(session.sid, code, TEACHER, key))
        self._send_teacher_state(session, self.members.get(session.sid), force=True)

    def _join(self, session: Session, data: dict) -> None:
        code, key = requests.parse_join(data)
        current = self.members.get(session.sid)
        if current is not None and current.code == code:  # asked again: answered again
            self._send_state(session, current, force=True)
            return
        self._not_in_class(session)
        address, now = self.sessions.address(session.sid), self.clock()
        if self.store.failures(address, now) >= JOIN_FAILURES:
            raise ValidationError(
                "code", "too many wrong class codes from your address: wait a minute"
            )
        meta = self.store.meta(code)
        if meta is None:
            self.store.add_failure(address, now)
            raise ValidationError("code", f"no class {code}")
        if key is not None and hmac.compare_digest(key.encode(), meta["teacher_key"].encode()):
            self.store.update_meta(code, {"teacher_seen": now})
            member = self._admit(Member(session.sid, code, TEACHER, key))
            self._send_teacher_state(session, member, force=True)
            return
        key, number = self.store.admit(code, key, new_key(), self.class_size, now)
        member = self._admit(Member(session.sid, code, STUDENT, key, number))
        if meta["push"] is not None:
            apply_push(session, meta["push"], number)
        session.class_lock = code if meta["locked"] else None
        self._send_student_state(session, member, meta)

    def _push(self, session: Session, data: dict) -> None:
        member = self._teacher(session, "push")
        push = requests.parse_push(data).to_dict()
        self.store.update_meta(member.code, {"push": push, "locked": push["lock"]})
        self.bus.publish({"kind": "push", "code": member.code, "push": push})
        self._send_teacher_state(session, member, force=True)

    def _lock(self, session: Session, data: dict) -> None:
        member = self._teacher(session, "lock")
        locked = requests.parse_lock(data)
        self.store.update_meta(member.code, {"locked": locked})
        self.bus.publish({"kind": "lock", "code": member.code, "locked": locked})
        self._send_teacher_state(session, member, force=True)

    def _show(self, session: Session, data: dict) -> None:
        member = self._teacher(session, "show")
        name = requests.parse_student(data)
        if member.showing_until > time.monotonic():
            raise ValidationError("busy", "the last show is still on its way")
        present = self.store.present(member.code, self.clock())
        target = next((s for s in present if f"Student {s['number']}" == name), None)
        if target is None:
            raise ValidationError("student", f"{name!r} is not in class {member.code} now")
        member.showing_until = time.monotonic() + SHOW_TIMEOUT
        self.bus.publish(
            {"kind": "show", "code": member.code, "key": target["key"], "teacher": session.sid}
        )

    def _leave(self, session: Session, data: dict) -> None:
        member = self.members.get(session.sid)
        if member is None:
            raise ValidationError("action", "this session is in no class")
        if member.role == TEACHER:
            self.end(member.code, "left")
            return
        self.members.pop(session.sid)
        self.store.forget(member.code, member.key, keep_place=False)
        session.class_lock = None
        session.send("class_ended", {"code": member.code, "reason": "left"})

    def _not_in_class(self, session: Session) -> None:
        current = self.members.get(session.sid)
        if current is not None:
            raise ValidationError(
                "action",
                f"this session is already in class {current.code} ({current.role}): leave it first",
            )

    def _teacher(self, session: Session, action: str) -> Member:
        member = self.members.get(session.sid)
        if member is None or member.role != TEACHER:
            raise ValidationError("action", f"only the class's teacher may {action}")
        return member

    def _admit(self, member: Member) -> Member:
        self.members.add(member)
        self.ticker.start()
        return member

    # ---- a connection's life ---------------------------------------------------------

    def disconnected(self, sid: str) -> None:
        """The session's connection closed. A student keeps its place for a rejoin with
        its key; a teacher's class waits ``grace`` seconds for the teacher."""
        member = self.members.pop(sid)
        if member is not None and member.role == STUDENT:
            self.store.forget(member.code, member.key, keep_place=True)

    def closed_idle(self, sid: str) -> None:
        """The session is being closed as idle: a teacher's class ends with it."""
        member = self.members.get(sid)
        if member is not None and member.role == TEACHER:
            self.end(member.code, "idle")

    def end(self, code: str, reason: str) -> None:
        """End class ``code`` everywhere: its state goes, every member hears why."""
        self.store.end(code)
        self.bus.publish({"kind": "ended", "code": code, "reason": reason})

    # ---- the bus ---------------------------------------------------------------------

    def on_message(self, message: dict) -> None:
        handler = self.messages.get(message.get("kind", ""))
        if handler is not None:
            handler(message)

    def _local(self, code: str, role: str | None = None) -> list[tuple[Member, Session]]:
        found = []
        for member in self.members.of_class(code, role):
            session = self.sessions.get(member.sid)
            if session is not None:
                found.append((member, session))
        return found

    def _on_push(self, message: dict) -> None:
        push, code = message["push"], message["code"]
        meta = {"push": push, "locked": push["lock"]}
        for member, session in self._local(code, STUDENT):
            try:
                apply_push(session, push, member.number)
            except Exception as err:  # checked at the teacher's: should not happen
                log.exception("push to %s failed", member.sid)
                session.send_error("class", "config", f"the pushed set-up failed: {err}")
                continue
            session.class_lock = code if push["lock"] else None
            self._send_student_state(session, member, meta)

    def _on_lock(self, message: dict) -> None:
        code = message["code"]
        meta = self.store.meta(code)
        if meta is None:
            return
        for member, session in self._local(code, STUDENT):
            session.class_lock = code if message["locked"] else None
            self._send_student_state(session, member, meta)

    def _on_ended(self, message: dict) -> None:
        code = message["code"]
        for member, session in self._local(code):
            self.members.pop(member.sid)
            session.class_lock = None
            session.send("class_ended", {"code": code, "reason": message["reason"]})

    def _on_show(self, message: dict) -> None:
        for member, session in self._local(message["code"], STUDENT):
            if member.key == message["key"]:
                meta = self.store.meta(member.code) or {}
                view = class_view(session, member, _loss_below(meta))
                self.bus.publish(
                    {"kind": "view", "teacher": message["teacher"], "view": pack_bytes(view)}
                )

    def _on_view(self, message: dict) -> None:
        member = self.members.get(message["teacher"])
        session = self.sessions.get(message["teacher"])
        if member is not None and session is not None:
            member.showing_until = 0.0
            session.send("class_view", unpack_bytes(message["view"]))

    # ---- the beat ----------------------------------------------------------------------

    def beat(self) -> bool:
        """Students' results to the store, teachers' ``class_state`` out, a class with
        no teacher ended; True while this process has class members."""
        now = self.clock()
        by_class: dict[str, list[Member]] = defaultdict(list)
        for member in self.members.all():
            by_class[member.code].append(member)
        for code, members in by_class.items():
            meta = self.store.meta(code)
            if meta is None:
                # twice in a row: once may be an ending whose message is on its way
                self._missing[code] = self._missing.get(code, 0) + 1
                if self._missing[code] >= 2:
                    self._missing.pop(code)
                    self._on_ended({"code": code, "reason": "expired"})
                continue
            self._missing.pop(code, None)
            teachers = [m for m in members if m.role == TEACHER]
            if teachers:
                self.store.update_meta(code, {"teacher_seen": now})
            elif now - meta["teacher_seen"] > self.grace:
                self.end(code, "teacher_gone")
                continue
            self._write_results(code, [m for m in members if m.role == STUDENT], meta, now)
            for teacher in teachers:
                session = self.sessions.get(teacher.sid)
                if session is not None:
                    self._send_teacher_state(session, teacher, meta=meta)
        return len(self.members) > 0

    def _write_results(self, code: str, students: list[Member], meta: dict, now: float) -> None:
        entries = {}
        for member in students:
            session = self.sessions.get(member.sid)
            if session is None:
                continue
            try:
                result = result_of(session, member, _loss_below(meta))
            except Exception:  # one broken run must not hide the others
                log.exception("class result of %s failed", member.sid)
                continue
            entries[member.key] = {"number": member.number, "result": result}
        self.store.heartbeat(code, entries, now)

    # ---- class_state -------------------------------------------------------------------

    def _send_state(self, session: Session, member: Member, force: bool = False) -> None:
        if member.role == TEACHER:
            self._send_teacher_state(session, member, force=force)
        else:
            self._send_student_state(session, member, self.store.meta(member.code) or {})

    def _send_teacher_state(
        self, session: Session, member: Member | None, *, force: bool = False, meta: Any = None
    ) -> None:
        if member is None:
            return
        meta = meta if meta is not None else self.store.meta(member.code)
        if meta is None:
            return
        present = self.store.present(member.code, self.clock())
        state = teacher_state(member, meta, present, self.class_size)
        if force or state != member.sent:
            if member.sent is not None and state["results"] != member.sent["results"]:
                self.keep_alive(member.sid)  # the class moves: its teacher is watching
            member.sent = state
            session.send("class_state", state)

    def _send_student_state(self, session: Session, member: Member, meta: dict) -> None:
        push = meta.get("push")
        config = student_config(push, member.number).to_dict() if push else None
        session.send(
            "class_state",
            {
                "code": member.code,
                "role": STUDENT,
                "key": member.key,
                "pseudonym": member.pseudonym,
                "link": f"/#class={member.code}",
                "locked": bool(meta.get("locked")),
                "config": config,
            },
        )


def _loss_below(meta: dict) -> float | None:
    push = meta.get("push")
    return None if push is None else push.get("loss_below")


def teacher_state(member: Member, meta: dict, present: list[dict], class_size: int) -> dict:
    """The teacher's ``class_state`` (docs/PROTOCOL.md, Class mode)."""
    results = [s["result"] for s in present if s.get("result")]
    push = meta.get("push")
    return {
        "code": member.code,
        "role": TEACHER,
        "key": member.key,
        "link": f"/#class={member.code}",
        "students": len(present),
        "class_size": class_size,
        "results": results,
        "solved": solved_share(results),
        "config": push["config"] if push else None,
        "seeds": push["seeds"] if push else None,
        "locked": bool(meta.get("locked")),
        "loss_below": _loss_below(meta),
    }
