"""Fixtures shared by every test directory.

``live_server``: the real app on a free loopback port, served in-process by a
background thread for the whole test session (WebSocket only, as in production).
It is a ``str`` (``"http://127.0.0.1:PORT"``) with two extra attributes for tests that
look inside: ``.app`` (the Flask app) and ``.sessions`` (its session registry).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


class LiveServerURL(str):
    """The base URL of a running server, carrying the server object along."""

    server: object

    @property
    def app(self):
        return self.server.app

    @property
    def sessions(self):
        return self.server.sessions


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServerURL]:
    from app.live import LiveServer

    server = LiveServer().start()
    url = LiveServerURL(server.url)
    url.server = server
    try:
        yield url
    finally:
        server.close()
