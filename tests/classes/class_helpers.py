"""Helpers for the class-mode tests: Socket.IO test clients on one app (in-process, no
Redis), and a real redis-server on a free loopback port."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from typing import Any

import pytest
from waiting import DEADLINE, wait_until

from app import create_app, get_socketio
from app.lab import get_runner
from app.server import get_registry

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class Member:
    """A test client of one app and the events it received, in order."""

    def __init__(self, app):
        registry = get_registry(app)
        before = {s.sid for s in registry.all()}
        self.client = get_socketio(app).test_client(app)
        assert self.client.is_connected()
        self.session = next(s for s in registry.all() if s.sid not in before)
        self.events: list[tuple[str, Any]] = []

    def pump(self) -> list[tuple[str, Any]]:
        for item in self.client.get_received():
            args = item["args"]
            self.events.append((item["name"], args[0] if args else None))
        return self.events

    def of(self, name: str) -> list[Any]:
        return [p for e, p in self.pump() if e == name]

    def clear(self) -> None:
        self.pump()
        self.events.clear()

    def wait(self, name: str, where=lambda p: True, timeout: float = DEADLINE) -> Any:
        """The first ``name`` event matching ``where`` (waits for it)."""
        return wait_until(lambda: next((p for p in self.of(name) if where(p)), None), timeout, name)

    def cls(self, payload: dict) -> None:
        self.client.emit("class", payload)

    def error(self) -> dict:
        return self.wait("error")


@pytest.fixture()
def class_app():
    """``make(**config)`` -> an app (in-process classes), torn down after the test."""
    made = []

    def make(**overrides):
        app = create_app({"MAX_FPS": 1000, "MAX_SESSIONS": 64, **overrides})
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


def need_redis() -> None:
    if shutil.which("redis-server") or shutil.os.path.exists(REDIS_SERVER):
        return
    import os

    message = f"{REDIS_SERVER} is not installed (Debian's redis-server package)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"the Redis tests are mandatory in CI: {message}")
    pytest.skip(message)


@contextlib.contextmanager
def redis_server():
    """A real redis-server on a free loopback port, no disk: yields its URL."""
    from real_server import free_port

    need_redis()
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                workdir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            import redis

            client = redis.Redis(host="127.0.0.1", port=port)

            def answers() -> bool:
                try:
                    return bool(client.ping())
                except redis.ConnectionError:
                    assert proc.poll() is None, "redis-server exited"
                    return False

            wait_until(answers, 10, "redis-server to answer")
            client.close()
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
