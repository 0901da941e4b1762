"""The Socket.IO side of the protocol: a table of events and the connection's life.

Each client event is one entry of :func:`event_table`, ``event -> op(session,
payload)``: the operations of app/operations.py and the lab's requests (app/lab/).
:class:`SocketHandlers` registers them with one loop, each behind the same checks (a
session exists, at most one payload) and the same translation of an exception into an
``error`` event for that client only; it also opens a session on connect, ends it on
disconnect, refuses unknown events and closes sessions gone quiet (app/idle.py).

The handlers go straight to the python-socketio server rather than through
``@socketio.on``: none of them needs a Flask request context, and pushing one for every
``ready`` (the most frequent event, dozens per second per client) cost more than
handling it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask_socketio import SocketIO

from engine import PlaygroundError
from engine.errors import RunFileError

from . import addresses, animation_export, idle, lab, operations, timeline, wire
from .classes.service import get_classroom
from .session import Session
from .turns import TrainingTurns

if TYPE_CHECKING:
    from .server import SessionRegistry

log = logging.getLogger(__name__)

Operation = Callable[[Session, Any], None]


def event_table(runner: lab.LabRunner, max_cost: float) -> dict[str, Operation]:
    """Every client event and what it does; lab jobs go to the app's ``runner``, at
    most ``max_cost`` work units each."""

    def worker(session: Session) -> lab.LabWorker:
        return lab.worker_for(session, runner, max_cost)

    return {
        "config": operations.apply_config,
        "control": operations.control,
        "data": operations.set_data,
        "set_weight": operations.set_weight,
        # run files (engine/checkpoint.py): the page's Save run and Open run
        "save_run": operations.save_run,
        "open_run": operations.open_run,
        "code": operations.code,
        # the timeline: a kept epoch's frame, and going on from it (app/timeline.py)
        "rewind": timeline.rewind,
        "fork": timeline.fork,
        "animation": animation_export.animation,  # the Runs panel's GIF
        "ready": operations.ready,
        # the restart lab, phase diagram, gradient check and loss landscape (app/lab/)
        "lab": lambda session, payload: worker(session).lab(payload),
        "phase": lambda session, payload: worker(session).phase(payload),
        "gradcheck": lambda session, payload: worker(session).gradcheck(payload),
        "landscape": lambda session, payload: worker(session).landscape(payload),
    }


class SocketHandlers:
    """The protocol's handlers for one app, on its python-socketio server."""

    def __init__(
        self,
        app: Flask,
        socketio: SocketIO,
        registry: SessionRegistry,
        guard: wire.WireGuard,
        activity: idle.Activity,
        turns: TrainingTurns,
    ) -> None:
        self.server = socketio.server
        self.registry = registry
        self.guard = guard
        self.activity = activity
        self.turns = turns
        self.trusted = addresses.parse_networks(app.config["TRUSTED_PROXIES"] or ())
        self.max_fps = float(app.config["MAX_FPS"])
        self.thumb = int(app.config["THUMB"])
        self.run_file_bytes = int(app.config["MAX_RUN_FILE_BYTES"])
        self.table = event_table(lab.get_runner(app), float(app.config["LAB_MAX_COST"]))
        self.classroom = get_classroom(app)  # class mode (app/classes/)
        self.table["class"] = self.classroom.handle
        self.reaper = idle.IdleReaper(activity, self.close_idle)

    def register(self) -> None:
        """Put every handler on the server."""
        self.server.on("connect", self.connect)
        self.server.on("disconnect", self.disconnect)
        self.server.on("*", self.unknown)
        for event, op in self.table.items():
            self.server.on(event, functools.partial(self.handle, event, op))

    # ---- events ------------------------------------------------------------------------

    def handle(self, event: str, op: Operation, sid: str, *args: Any) -> None:
        """Run ``op`` for ``event`` on the caller's session: find the session, check the
        arity, and turn every exception into an ``error`` event."""
        self.activity.touch(sid)
        session = self.registry.get(sid)
        if session is None:
            self.refuse(sid, event, "session", "no session for this connection")
            return
        if len(args) > 1:
            session.send_error(event, "payload", "expected one payload")
            return
        try:
            op(session, args[0] if args else None)
        except PlaygroundError as err:
            if isinstance(err, RunFileError):
                self.log_refused_file(sid, event, err)
            session.send_error(event, err.field, err.message)
        except Exception as err:  # never let one message kill the session
            log.exception("%s handler failed for %s", event, sid)
            session.send_error(event, "payload", f"could not apply {event}: {err}")

    def log_refused_file(self, sid: str, event: str, err: RunFileError) -> None:
        """One line per refused upload, never a traceback, rate-limited per address
        (not per connection: an attacker reconnects) by the wire's ClientLog."""
        environ = self.environ_of(sid) or {}
        address = environ.get("playground.client_address") or environ.get("REMOTE_ADDR", "?")
        said = " ".join(err.message[:200].split())  # one line, whatever the file held
        self.guard.log.warning(f"client {address}", f"sid {sid} refused {event}: {said}")

    def unknown(self, event: Any, sid: str, *args: Any) -> None:
        """An event the protocol does not have."""
        self.activity.touch(sid)
        name = str(event)[:40]
        session = self.registry.get(sid)
        if session is not None:
            session.send_error(name, "event", f"unknown event {name!r}")
        else:
            self.refuse(sid, name, "event", f"unknown event {name!r}")

    def refuse(self, sid: str, event: str, field: str, message: str) -> None:
        """An error to a connection that has no session to send it through."""
        self.server.emit("error", {"event": event, "field": field, "message": message}, to=sid)

    # ---- a connection's life -----------------------------------------------------------

    def connect(self, sid: str, environ: dict | None = None, auth: Any = None) -> None:
        """A new connection: its session, its limits (app/wire.py), its first ``state``."""
        existing = self.registry.get(sid)
        if existing is not None:
            # a client emitting an event named "connect" on a live socket
            existing.send_error("connect", "event", "unknown event 'connect'")
            return
        environ = environ if environ is not None else {}
        address = addresses.client_address(environ, self.trusted)
        environ["playground.client_address"] = address
        gate = self.guard.attach(sid, environ)
        session = self.registry.add(sid, lambda: self.new_session(sid, gate), address)
        if session is None:
            return
        environ[wire.SESSION_KEY] = True  # the WebSocket may stay open (wire.py)
        self.activity.touch(sid, message=False)
        self.reaper.watch()
        # Sent before the CONNECT acknowledgement; Socket.IO clients buffer it.
        session.send_state()
        session.start()

    def new_session(self, sid: str, outbox: wire.FrameGate | None) -> Session:
        """The session of connection ``sid``, emitting to it alone."""

        def emit(event: str, payload: Any) -> None:
            # the session's client is on this process: not through a message queue
            self.server.emit(event, payload, to=sid, ignore_queue=True)

        return Session(
            sid,
            emit,
            max_fps=self.max_fps,
            thumb=self.thumb,
            turns=self.turns,
            outbox=outbox,
            max_run_file_bytes=self.run_file_bytes,
        )

    def disconnect(self, sid: str, *args: Any) -> None:
        """The connection closed: its session's thread and lab worker stop."""
        if self.server.manager.is_connected(sid, "/"):
            # an event named "disconnect" sent on a live socket, not a real disconnect
            session = self.registry.get(sid)
            if session is not None:
                session.send_error("disconnect", "event", "unknown event 'disconnect'")
            return
        environ = self.environ_of(sid)
        if environ is not None:  # a WebSocket left open gets CONNECT_TIMEOUT (wire.py)
            environ[wire.SESSION_KEY] = False
        self.activity.forget(sid)
        self.reaper.poke()
        self.classroom.disconnected(sid)
        session = self.registry.remove(sid)
        if session is not None:
            session.stop()
            if session.lab_worker is not None:
                session.lab_worker.stop()

    def close_idle(self, sid: str) -> None:
        """Close a session quiet for longer than the timeout, saying why."""
        session, quiet = self.registry.get(sid), self.activity.timeout
        if session is None or quiet is None:  # no timeout: nothing is ever idle
            return
        self.classroom.closed_idle(sid)  # a teacher's class ends with its session
        took = f"{quiet / 60:g} min" if quiet >= 60 else f"{quiet:g} s"
        session.send_error(
            "session",
            "idle",
            f"closed after {took} with no message from "
            f"this page: press any key or click to start "
            f"again",
        )
        self.guard.log.warning(wire.client_label(self.environ_of(sid), sid), "closed: idle")
        eio_sid = self.server.manager.eio_sid_from_sid(sid, "/")
        self.server.disconnect(sid)
        # and its WebSocket, which would otherwise stay open (and hold a worker
        # thread) for as long as the client answers pings; without waiting for the
        # writer, which a client that does not read would block
        sock = self.server.eio.sockets.get(eio_sid) if eio_sid else None
        if sock is not None:
            sock.close(wait=False)

    def environ_of(self, sid: str) -> dict | None:
        eio_sid = self.server.manager.eio_sid_from_sid(sid, "/")
        return self.server.environ.get(eio_sid) if eio_sid else None
