"""The production server: gunicorn's threaded worker, WebSocket through simple-websocket.

``playground serve`` runs here (where gunicorn runs: Linux, macOS): a gunicorn master
process and ``workers`` pre-forked worker processes that share one listening socket.
Each worker builds its own app (``create_app``, after the fork) and so has its own
sessions, session cap, CPU turns and restart-lab process; nothing in memory is
shared between them. That works because every client speaks WebSocket only: a
session is one long request on one connection, so it lives and dies in the process
that accepted it, and no later request can land in another one (long-polling would
need sticky sessions, which gunicorn cannot do).

Why gunicorn's ``gthread`` worker (Flask-SocketIO's deployment docs): the sessions
are threads doing CPU-bound NumPy, which green threads (eventlet, gevent) would run
one after the other with no preemption. A WebSocket holds one of the worker's
threads for as long as it is open, so each worker has ``max_sessions`` threads plus
:data:`SPARE_THREADS` for page loads, API calls and connections being refused.

Nothing but a WebSocket holds a thread for long (issue 24): request heads are read,
and closing connections drained, in the worker's event loop (app/heads.py), and each
client address may hold its sessions' worth of WebSockets and a few more
(:class:`WebSocketConnections`).

Long-lived connections and gunicorn's life cycle:

* Timeouts: ``gthread`` sends the master its heartbeat from the worker's main loop,
  not from the request threads, so a WebSocket open for hours never counts as a hung
  request (``timeout`` only catches a worker whose main loop stalls).
* Stopping: gunicorn stops a worker by letting its requests finish, and a session's
  request never finishes by itself. :class:`PlaygroundWorker` hangs up every
  WebSocket of the process instead (their TCP connections are shut down, as if the
  server had died), so clients reconnect at once, to another process or host when
  there is one. It does so on SIGTERM (graceful stop), SIGINT/SIGQUIT (quick stop)
  and when its master has died, so a killed master leaves no worker behind; each
  worker's lab process ends with its worker (it watches its parent,
  :mod:`app.lab.process`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import webbrowser
from collections.abc import Callable, Iterable, Mapping
from types import FrameType
from typing import Any

from gunicorn.app.base import BaseApplication

from . import addresses, wire
from .heads import HeadReadingWorker, heads_per_address
from .server import DEFAULTS, create_app
from .switch_interval import use_serving_switch_interval

SPARE_THREADS = 16  # per worker, beyond its session cap: page loads, API calls, refusals
KEPT_ALIVE_CONNECTIONS = 64  # idle keep-alive HTTP connections a worker may hold
# connections whose request head is still coming (app/heads.py): they hold no thread,
# only a descriptor and a few KB, so room for 16 addresses' budgets of 16
INCOMPLETE_HEADS = 256
WORKER_TIMEOUT = 30  # seconds: a worker whose main loop is silent this long is killed
GRACEFUL_TIMEOUT = 10  # seconds a stopping worker gets before its master kills it
EXIT_GRACE = 5  # seconds past that a worker whose master died gives itself to exit
# WebSockets one address may hold beyond its sessions: a page reconnecting while its old
# connection closes, a connection being refused
PENDING_SOCKETS_PER_ADDRESS = 4
TOO_MANY = "too many connections from your address: close another tab or window"


def threads_for(max_sessions: int) -> int:
    """Threads per worker: one per WebSocket up to the session cap, plus spares."""
    return max_sessions + SPARE_THREADS


class WebSocketConnections:
    """WSGI middleware that knows the TCP connections of this process's WebSockets.

    * TCP_NODELAY on each: a frame is a burst of small WebSocket messages, and with
      Nagle's algorithm on, the tail of each burst waited for the client's delayed
      ACK, about 40 ms per frame (docs/SERVER.md). gunicorn sets it on its listening
      socket, which Linux copies to accepted ones but other systems need not.
    * A budget per client address (app/addresses.py: X-Forwarded-For from trusted
      proxies only): each WebSocket holds one of the worker's threads for as long as
      it is open, Socket.IO session or not, so one address may hold ``per_address``
      of them (its sessions and PENDING_SOCKETS_PER_ADDRESS more); past that a
      handshake is answered 429 (0: no limit).
    * :meth:`hang_up` shuts them all down, for a worker that is stopping.
    """

    def __init__(
        self, app: Callable, per_address: int = 0, trusted: Iterable[addresses.Network] = ()
    ):
        self.app = app
        self.trusted = list(trusted)
        self.sockets = addresses.AddressBudget(per_address)
        self._refusals = wire.ClientLog()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        if sock is None or environ.get("HTTP_UPGRADE", "").lower() != "websocket":
            return self.app(environ, start_response)
        address = addresses.client_address(environ, self.trusted)
        if not self.sockets.take(address):
            self._refusals.warning(
                f"client {address}", f"refused: {self.sockets.limit} WebSockets open already"
            )
            start_response(
                "429 Too Many Requests",
                [("Content-Type", "text/plain"), ("Connection", "close")],
            )
            return [TOO_MANY.encode()]
        with contextlib.suppress(OSError):  # not a TCP socket (a Unix socket bind)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._open.add(sock)
        try:  # a WebSocket request returns only when its connection ends
            return self.app(environ, start_response)
        finally:
            with self._lock:
                self._open.discard(sock)
            self.sockets.give(address)

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)

    def hang_up(self) -> int:
        """Shut down every open WebSocket's connection; returns how many.

        The reading threads see the connection end and the sessions stop through the
        normal disconnect path; the clients see a dropped transport and reconnect.
        """
        with self._lock:
            open_now = list(self._open)
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        return len(open_now)


class PlaygroundWorker(HeadReadingWorker):
    """gunicorn's gthread worker, reading request heads in its event loop
    (app/heads.py) and ending its WebSockets when it stops (module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        config = {**DEFAULTS, **getattr(self.app, "app_config", {})}
        self.trusted_peers = addresses.parse_networks(config["TRUSTED_PROXIES"] or ())
        self.heads.limit = heads_per_address(int(config["MAX_SESSIONS_PER_ADDRESS"] or 0))

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:  # SIGTERM: graceful stop
        super().handle_exit(sig, frame)
        self._hang_up()

    def handle_quit(self, sig: int, frame: FrameType | None) -> None:  # SIGINT, SIGQUIT: quick stop
        self._hang_up()
        super().handle_quit(sig, frame)

    def is_parent_alive(self) -> bool:
        if super().is_parent_alive():
            return True
        self._hang_up()  # the master died: nobody else will stop this process
        return False

    def _hang_up(self) -> None:
        connections = getattr(self.app, "connections", None)
        if connections is not None:
            connections.hang_up()
        # A peer that has gone silent can keep a thread in recv() past the graceful
        # wait, and interpreter exit waits for that thread. With the master gone
        # nobody would kill this process, so it sets itself a deadline.
        deadline = threading.Timer(self.cfg.graceful_timeout + EXIT_GRACE, os._exit, (1,))
        deadline.daemon = True
        deadline.start()


def gunicorn_options(host: str, port: int, workers: int, max_sessions: int) -> dict[str, Any]:
    """The gunicorn settings of ``playground serve``."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    threads = threads_for(max_sessions)
    return {
        "bind": [bind],
        "workers": workers,
        "worker_class": PlaygroundWorker,
        "threads": threads,
        "worker_connections": threads + KEPT_ALIVE_CONNECTIONS + INCOMPLETE_HEADS,
        "timeout": WORKER_TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "max_requests": 0,  # never recycle a worker: that would end its sessions
        "preload_app": False,  # each worker builds its own app, after the fork
        "proc_name": "playground",
        "errorlog": "-",
        "loglevel": "info",
        "accesslog": None,
        # gunicorn >= 25 opens a control socket at one path per user by default;
        # several servers on one machine (a stack, the tests) would fight over it.
        "control_socket_disable": True,
    }


class PlaygroundApplication(BaseApplication):
    """gunicorn run from ``playground serve``: the settings come from our command line,
    and each worker builds the app from the same config."""

    def __init__(
        self,
        config: Mapping[str, Any],
        options: Mapping[str, Any],
        on_ready: Callable[[], object] | None = None,
    ):
        self.app_config = dict(config)
        self.options = dict(options)
        self.on_ready = on_ready
        self.connections: WebSocketConnections | None = None
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if self.on_ready is not None:
            on_ready = self.on_ready
            self.cfg.set("when_ready", lambda arbiter: on_ready())

    def load(self) -> Callable:
        # In the worker, after the fork: this process's own app. The switch interval
        # (app/switch_interval.py) is inherited from the master; this makes it the
        # worker's own.
        use_serving_switch_interval()
        app = create_app(self.app_config)
        sessions = int(app.config["MAX_SESSIONS_PER_ADDRESS"] or 0)
        self.connections = WebSocketConnections(
            app,
            per_address=sessions + PENDING_SOCKETS_PER_ADDRESS if sessions else 0,
            trusted=addresses.parse_networks(app.config["TRUSTED_PROXIES"] or ()),
        )
        return self.connections


def serve(
    config: Mapping[str, Any], host: str, port: int, workers: int, open_url: str | None = None
) -> None:
    """Run gunicorn in this process until it is stopped (SIGINT, SIGTERM).

    ``config`` is what ``create_app`` gets in each worker; ``open_url`` is opened in a
    web browser once the port is bound.
    """
    max_sessions = int(config.get("MAX_SESSIONS", DEFAULTS["MAX_SESSIONS"]))
    options = gunicorn_options(host, port, workers, max_sessions)
    on_ready = (lambda: webbrowser.open(open_url)) if open_url else None
    PlaygroundApplication(config, options, on_ready).run()
