"""The attacks of issue 16 against a real server on loopback.

Each test starts its own server (the real stack of ``playground serve``, in this
process, so a test can look at what the server holds), attacks it with a raw client
(tests/security/raw.py), and checks that the server bounded what the attacker could
make it spend, and that a well-behaved neighbour kept its service. Every wait has a
deadline (``wait_until``); the time an attack costs is measured by bench/abuse.py,
not here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from security_helpers import Neighbour

from app.live import LiveServer


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/security/" in str(item.fspath):
            item.add_marker(pytest.mark.timeout(120))


@pytest.fixture()
def serve() -> Iterator:
    """``serve(config)`` -> a started LiveServer, closed after the test."""
    made = []

    def start(config: dict | None = None) -> LiveServer:
        server = LiveServer({"MAX_FPS": 60, **(config or {})}).start()
        made.append(server)
        return server

    yield start
    for server in made:
        server.close()


@pytest.fixture()
def neighbour_of() -> Iterator:
    made = []

    def connect(server: LiveServer) -> Neighbour:
        n = Neighbour(server.url)
        made.append(n)
        return n

    yield connect
    for n in made:
        n.close()


@pytest.fixture()
def wire_log(caplog) -> pytest.LogCaptureFixture:
    """Every log record of the server at WARNING and above."""
    caplog.set_level(logging.WARNING)
    return caplog
