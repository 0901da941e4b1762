"""Run the real server on a free loopback port in a background thread.

For tests and notebooks: ``with LiveServer() as server: requests to server.url``.
It is the same app as ``playground serve`` in this process, so a test can look at
its sessions, served by Werkzeug's threaded server (WebSocket through
simple-websocket, as under gunicorn), minus the request log. `playground serve`
itself runs on gunicorn (app/production.py; tests/real_server.py starts one).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from .lab import get_runner
from .server import SessionRegistry, WebSocketAwareHandler, create_app, get_registry


class QuietHandler(WebSocketAwareHandler):
    """No request log: tests and benchmarks make thousands of requests."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class LiveServer:
    """The app on ``http://127.0.0.1:<free port>``, served by a daemon thread."""

    def __init__(self, config: Mapping[str, Any] | None = None, host: str = "127.0.0.1"):
        self.app = create_app(config)
        self._server: BaseWSGIServer = make_server(
            host, 0, self.app, threaded=True, request_handler=QuietHandler
        )
        self.port = self._server.port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"live-server-{self.port}", daemon=True
        )

    @property
    def sessions(self) -> SessionRegistry:
        """The app's session registry."""
        return get_registry(self.app)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def close(self, timeout: float = 5.0) -> None:
        """Stop accepting connections, end every session's thread and the app's lab
        process."""
        self._server.shutdown()
        self._thread.join(timeout)
        self._server.server_close()
        for session in self.sessions.all():
            session.stop()
        for session in self.sessions.all():
            session.thread.join(timeout)
        get_runner(self.app).stop(timeout)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
