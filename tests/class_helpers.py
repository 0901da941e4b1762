"""Helpers for the class-mode tests (tests/classes, tests/deploy): Socket.IO test
clients on one app (in-process, no Redis), a real redis-server on a free loopback port,
and which worker process holds a real client's connection."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from waiting import DEADLINE, wait_until

from app import get_socketio
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


def need_redis() -> None:
    if os.path.exists(REDIS_SERVER):
        return
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


# ---- real servers: which worker holds a client's connection --------------------------------

CLASS_EVENTS = ("class_state", "class_ended", "class_view")


def class_client(url: str, **kwargs):
    """A RealClient (WebSocket only, app.client.OrderedClient) that also records the
    class events, connected."""
    from real_server import RealClient

    client = RealClient(url, connect=False, **kwargs)
    for name in CLASS_EVENTS:
        client.sio.on(name, client._recorder(name))
    client.connect()
    return client


def _socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server side of the TCP connection from ``client_port``."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, remote = fields[1], fields[2]
            if (
                int(local.rsplit(":", 1)[1], 16) == server_port
                and int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                return fields[9]
    return None


def worker_of(client, server_port: int, workers: list[int]) -> int | None:
    """The worker process (of ``workers``) holding ``client``'s WebSocket: the server
    side of its TCP connection, found in /proc (no help from the server)."""
    client_port = client.sio.eio.ws.sock.getsockname()[1]
    inode = _socket_inode(server_port, client_port)
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in workers:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return pid
    return None
