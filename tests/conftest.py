"""Fixtures shared by every test directory.

``make_app(**overrides)``: an app (fast frames, a cap of 4 sessions), torn down after
the test by stopping and joining its sessions' threads, its lab process and its
classes' ticker, so one test's training never runs on into the next.

``live_server``: the real app on a free loopback port, served in-process by a
background thread for the whole test session (WebSocket only, as in production).
It is a ``str`` (``"http://127.0.0.1:PORT"``) with two extra attributes for tests that
look inside: ``.app`` (the Flask app) and ``.sessions`` (its session registry).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

# Fast frames keep the tests quick; the 30/s default is exercised by the benchmark.
TEST_CONFIG = {"MAX_FPS": 1000, "MAX_SESSIONS": 4}


@pytest.fixture()
def make_app():
    from app import create_app
    from app.classes.service import get_classroom
    from app.lab import get_runner
    from app.server import get_registry

    made = []

    def make(**overrides):
        app = create_app({**TEST_CONFIG, **overrides})
        made.append(app)
        return app

    yield make
    for app in made:
        sessions = get_registry(app).all()
        for s in sessions:
            s.stop()
        for s in sessions:
            s.thread.join(2)
        get_runner(app).stop()
        get_classroom(app).ticker.stop()


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
