"""The lab's worker process runs below the server's priority and outlives nothing: a
server killed by a signal takes it along.

A real `python -m app serve` in a subprocess, a real python-socketio client, and
/proc to find the worker (Linux only).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from app_helpers import wait_until

from app.client import OrderedClient
from app.lab_process import LAB_NICENESS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (a container's PID 1 may never reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def test_the_lab_worker_ends_when_its_server_is_killed():
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = OrderedClient(reconnection=False)
    children: list[int] = []
    try:
        wait_until(lambda: _healthy(url), 30, "the server to answer /healthz")
        started = threading.Event()
        client.on("lab_progress", lambda p: started.set())
        client.connect(url, transports=["websocket"], wait_timeout=10)
        client.emit("lab", {"action": "run", "seeds": 1000, "epochs": 20000})
        assert started.wait(60), "the lab run did not start"
        # the worker, and multiprocessing's resource tracker that `spawn` starts
        children += [pid for pid in _children(server.pid) if _running(pid)]
        (worker,) = [pid for pid in children
                     if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        # a batch job: it runs below the server's priority
        assert _nice(worker) == min(_nice(server.pid) + LAB_NICENESS, 19)
        server.send_signal(signal.SIGTERM)  # no exit handlers run
        server.wait(10)
        wait_until(lambda: not any(map(_running, children)), 10,
                   "the orphaned lab processes to end")
    finally:
        if server.poll() is None:
            server.kill()
        for pid in children:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
        if client.connected:
            client.disconnect()
