"""Fixtures for the app tests: an app (tests/conftest.py's ``make_app``, torn down after
the test) and its Socket.IO test clients."""

from __future__ import annotations

import pytest
from app_helpers import Inbox

from app import get_socketio
from app.lab import get_runner
from app.server import get_registry


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
