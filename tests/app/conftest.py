"""Fixtures for the app tests: an app, its Socket.IO test client, and clean-up.

Every app made here is torn down by stopping and joining its sessions' threads and
stopping its lab process, so one test's training never runs on into the next.
"""

from __future__ import annotations

import pytest
from app_helpers import Inbox

from app import create_app, get_socketio
from app.lab import get_runner
from app.server import get_registry

# Fast frames keep the tests quick; the 30/s default is exercised by the benchmark.
TEST_CONFIG = {"MAX_FPS": 1000, "MAX_SESSIONS": 4}


@pytest.fixture()
def make_app():
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


@pytest.fixture()
def app(make_app):
    return make_app()


@pytest.fixture()
def connect(app):
    """``connect()`` -> (test client, Inbox, Session) on ``app``."""
    clients = []

    def open_client():
        registry = get_registry(app)
        before = {s.sid for s in registry.all()}
        client = get_socketio(app).test_client(app)
        clients.append(client)
        assert client.is_connected()
        session = next(s for s in registry.all() if s.sid not in before)
        return client, Inbox(client), session

    yield open_client
    for client in clients:
        if client.is_connected():
            client.disconnect()


@pytest.fixture()
def client(connect):
    return connect()


@pytest.fixture()
def lab_runner(app):
    """``app``'s LabRunner (app/lab/process.py): its worker process and pending jobs."""
    return get_runner(app)
