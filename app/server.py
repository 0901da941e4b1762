"""The application factory: HTTP routes, Socket.IO handlers, the session registry.

Handlers are thin (app/sockets.py): a table from each event to an operation on the
caller's :class:`~app.session.Session` (app/operations.py); validation and training
live in plain objects. Handlers run in the order the client sent its events
(``async_handlers=False``), so a ``config`` followed by ``ready`` is applied before the
credit is granted.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, jsonify, render_template, send_file
from flask_socketio import SocketIO
from socketio.exceptions import ConnectionRefusedError
from werkzeug.serving import WSGIRequestHandler

from engine import Config

from . import (
    __version__,
    addresses,
    assets,
    first_paint,
    http_policy,
    idle,
    lab,
    resources,
    sockets,
    wire,
)
from .classes.service import install as install_classes
from .classes.store import CLASS_SIZE
from .datasets import dataset_previews
from .session import Session
from .turns import TrainingTurns

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "MAX_SESSIONS": 64,  # one thread each; past this a connection is refused
    "MAX_FPS": 30.0,  # frames per second per client, at most
    "THUMB": 10,  # neuron thumbnails are THUMB x THUMB
    "CORS_ALLOWED_ORIGINS": None,  # None = same origin only; "*" or a list to open up
    # Inbound messages are tiny but for the `data` event's coordinates: 5000 float32
    # pairs, 40,000 bytes in one binary attachment (one WebSocket message).
    "MAX_HTTP_BUFFER_SIZE": 64 * 1024,
    # A run file (`open_run`, one binary attachment) may be larger: this much.
    "MAX_RUN_FILE_BYTES": wire.MAX_RUN_FILE_BYTES,
    "PING_INTERVAL": 25,
    "SECRET_KEY": None,  # None = a random key per process
    "LAB_MAX_COST": lab.MAX_COST,  # work units per lab job (app/lab/jobs.py)
    "MAX_OUTBOUND_BYTES": wire.MAX_OUTBOUND_BYTES,  # unsent bytes before a drop (wire.py)
    "MAX_SESSIONS_PER_ADDRESS": addresses.MAX_SESSIONS_PER_ADDRESS,  # 0 = no limit
    "TRUSTED_PROXIES": (),  # addresses whose X-Forwarded-For is believed (addresses.py)
    "IDLE_TIMEOUT": idle.IDLE_TIMEOUT,  # seconds without a message; 0 = never close
    # seconds a WebSocket may stay open without a Socket.IO session (wire.py); 0 = ever
    "CONNECT_TIMEOUT": wire.CONNECT_TIMEOUT,
    "ALLOWED_HOSTS": (),  # Host names served beyond this machine's own (http_policy.py)
    # class mode (app/classes/): students per class; redis://... shares the classes (and
    # Flask-SocketIO's emits) between processes; None: a class lives in one process
    "CLASS_SIZE": CLASS_SIZE,
    "MESSAGE_QUEUE": None,
}
RUN_FILE_HEADER_BYTES = 1024  # the `open_run` packet's header beside its file
VENDOR_MAX_AGE = 365 * 24 * 3600  # the vendored scripts change only with a new install


class SessionRegistry:
    """The live sessions by socket id, with a cap, and a cap per client address."""

    def __init__(self, max_sessions: int, max_per_address: int = 0):
        self.max_sessions = max_sessions
        self.max_per_address = max_per_address
        self._sessions: dict[str, Session] = {}
        self._addresses: dict[str, str] = {}  # sid -> client address
        self._per_address = addresses.AddressBudget(max_per_address)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, sid: str) -> Session | None:
        return self._sessions.get(sid)

    def add(self, sid: str, make: Callable[[], Session], address: str = "?") -> Session | None:
        """Create and register a session; None if ``sid`` already has one.

        Raises ConnectionRefusedError when the registry is full, or ``address``
        already holds its share.
        """
        with self._lock:
            if sid in self._sessions:
                return None
            if len(self._sessions) >= self.max_sessions:
                raise ConnectionRefusedError(f"server full ({self.max_sessions} sessions)")
            if not self._per_address.take(address):
                raise ConnectionRefusedError(
                    f"too many connections from your address ({self.max_per_address}): "
                    f"close another tab or window"
                )
            try:
                session = self._sessions[sid] = make()
            except BaseException:
                self._per_address.give(address)
                raise
            self._addresses[sid] = address
            return session

    def remove(self, sid: str) -> Session | None:
        with self._lock:
            address = self._addresses.pop(sid, None)
            if address is not None:
                self._per_address.give(address)
            return self._sessions.pop(sid, None)

    def address(self, sid: str) -> str:
        """The client address of connection ``sid`` ("?" when it has none)."""
        return self._addresses.get(sid, "?")

    def all(self) -> list[Session]:
        with self._lock:
            return list(self._sessions.values())


class WebSocketAwareHandler(WSGIRequestHandler):
    """Werkzeug's request handler, tuned for WebSocket streaming.

    * TCP_NODELAY: a frame is a burst of small WebSocket messages (a header and its
      attachments). With Nagle's algorithm on, the tail of each burst waited for the
      client's delayed ACK: about 40 ms per round trip, which capped a client at
      ~20 frames/s however fast the server was.
    * Hang up after a WebSocket ends. simple-websocket hands the connection back to
      Werkzeug by raising ConnectionError, and Werkzeug would read the next "request"
      from it: the client's close frame, answered with a 400 and a log line, while
      the client waits (3 s for python-socketio) for a close that never comes.
    """

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):  # not a TCP socket (a test double)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_dropped(self, error: BaseException, environ=None) -> None:
        self.close_connection = True

    def version_string(self) -> str:
        """The ``Server`` header: no versions to look up vulnerabilities by."""
        return "playground"


def get_socketio(app: Flask) -> SocketIO:
    """The SocketIO instance that ``create_app`` attached to ``app``."""
    return app.extensions["socketio"]


def get_registry(app: Flask) -> SessionRegistry:
    """The session registry of ``app``."""
    return app.extensions["playground.sessions"]


def get_wire(app: Flask) -> wire.WireGuard:
    """The connection limits of ``app`` (app/wire.py)."""
    return app.extensions["playground.wire"]


def get_activity(app: Flask) -> idle.Activity:
    """When each session of ``app`` last sent a message (app/idle.py)."""
    return app.extensions["playground.activity"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app and its SocketIO server.

    ``config`` overrides DEFAULTS (and any other Flask setting), e.g.
    ``{"MAX_SESSIONS": 4, "MAX_FPS": 30}``.
    """
    app = Flask(
        __name__,
        template_folder=str(resources.template_dir()),
        static_folder=str(resources.static_dir()),
    )
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secrets.token_hex(32)

    packet_bytes = int(app.config["MAX_HTTP_BUFFER_SIZE"])
    run_file_bytes = int(app.config["MAX_RUN_FILE_BYTES"])
    socketio = SocketIO(
        app,
        async_mode="threading",
        # WebSocket only: a session is then one connection held by one process, so
        # several processes or hosts need no sticky sessions (docs/SERVER.md).
        transports=["websocket"],
        cors_allowed_origins=app.config["CORS_ALLOWED_ORIGINS"],
        # one WebSocket message: a header, a `data` attachment or a run file
        max_http_buffer_size=max(packet_bytes, run_file_bytes),
        ping_interval=app.config["PING_INTERVAL"],
        async_handlers=False,  # one client's events run in the order they were sent
        # Flask-SocketIO's deployment on several processes: an emit to a client reaches
        # it on whichever process holds it (docs/DEPLOY.md); None: one process
        message_queue=app.config["MESSAGE_QUEUE"] or None,
        manage_session=False,  # no Flask session is used over Socket.IO
        serializer=wire.packet_class(
            packet_bytes, event_bytes={"open_run": run_file_bytes + RUN_FILE_HEADER_BYTES}
        ),
    )
    app.extensions["playground.wire"] = wire.install(
        socketio.server,
        max_outbound=int(app.config["MAX_OUTBOUND_BYTES"]),
        connect_timeout=float(app.config["CONNECT_TIMEOUT"] or 0),
    )
    http_policy.install(app, app.config["ALLOWED_HOSTS"] or ())
    registry = SessionRegistry(
        int(app.config["MAX_SESSIONS"]), int(app.config["MAX_SESSIONS_PER_ADDRESS"] or 0)
    )
    app.extensions["playground.sessions"] = registry
    app.extensions["playground.activity"] = idle.Activity(app.config["IDLE_TIMEOUT"])
    lab.install(app)  # the app's lab worker process, stopped with the app
    install_classes(app, registry)  # class mode: the app's Classroom (app/classes/)
    _add_routes(app, registry)
    sockets.SocketHandlers(
        app, socketio, registry, get_wire(app), get_activity(app), TrainingTurns()
    ).register()
    return app


# ---- HTTP ---------------------------------------------------------------------------------


def _presets() -> list[dict]:
    try:
        from engine.presets import PRESETS
    except ModuleNotFoundError as err:  # until engine/presets.py lands
        if err.name != "engine.presets":
            raise
        return []
    return list(PRESETS)


def _add_routes(app: Flask, registry: SessionRegistry) -> None:
    @app.get("/")
    def index():
        built = assets.manifest()  # a source checkout builds a stale bundle first
        return render_template(
            "index.html",
            asset=lambda name: assets.url(name, built),
            first_frame=first_paint.first_frame(),
            schema=Config.schema(),
            presets=_presets(),
            version=__version__,
            max_run_file_bytes=int(app.config["MAX_RUN_FILE_BYTES"]),
        )

    @app.get("/healthz")
    def healthz():
        # "pid": which process answered (one of `playground serve --workers N`);
        # "sessions": the sessions that process holds, out of its own cap.
        return jsonify(
            status="ok",
            pid=os.getpid(),
            sessions=len(registry),
            max_sessions=registry.max_sessions,
            version=__version__,
        )

    @app.get("/api/schema")
    def api_schema():
        return jsonify(Config.schema())

    @app.get("/api/presets")
    def api_presets():
        return jsonify(_presets())

    @app.get("/api/datasets")
    def api_datasets():
        return jsonify(dataset_previews())

    @app.get("/vendor/plotly.min.js")
    def vendor_plotly():
        return _vendor(resources.plotly_js())

    @app.get("/vendor/socket.io.min.js")
    def vendor_socketio():
        return _vendor(resources.socketio_client())


def _vendor(path):
    response = send_file(path, mimetype="text/javascript", max_age=VENDOR_MAX_AGE)
    response.cache_control.public = True
    return response
