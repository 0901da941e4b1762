"""Real servers and real clients for tests: ``playground serve`` on a free loopback
port, /proc to follow its process tree (gunicorn's master, its workers, their lab
processes), and python-socketio clients that record what they receive.

Each server runs in its own process group, so a test can take down the whole tree
at once the way a machine dies, and whatever a test leaves is killed at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import socketio
from waiting import DEADLINE, wait_until

from app.client import OrderedClient

ROOT = Path(__file__).resolve().parents[1]
HAS_PROC = Path("/proc/self/stat").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthz(url: str) -> dict | None:
    """The server's /healthz, or None when nothing answers."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
            return json.load(r)
    except OSError:
        return None


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def running(pid: int) -> bool:
    """Alive and not a zombie (a container's PID 1 may never reap it)."""
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def nice(pid: int) -> int:
    return int(_stat(pid)[16])


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    """Every running process below ``pid``, children first."""
    found, queue = [], [pid]
    while queue:
        for child in children(queue.pop(0)):
            if running(child):
                found.append(child)
                queue.append(child)
    return found


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


class ServerProcess:
    """``python -m app serve --port <free> *args`` in its own process group.

    ``with ServerProcess("--workers", "2") as server:`` waits for /healthz; on exit it
    stops the server (SIGTERM, then SIGKILL to the group) and checks that none of the
    processes it saw is left.
    """

    def __init__(
        self, *args: str, host: str = "127.0.0.1", prelude: str = "", port: int | None = None
    ):
        self.prelude = prelude  # Python run before the command line, e.g. to patch a constant
        self.port = port or free_port()  # a given port: a server back where one died
        self.url = f"http://{host}:{self.port}"
        self.args = ["--host", host, "--port", str(self.port), *args]
        self._out = tempfile.TemporaryFile()  # noqa: SIM115 (closed in __exit__)
        self._err = tempfile.TemporaryFile()  # noqa: SIM115
        self.proc: subprocess.Popen | None = None
        self.seen: set[int] = set()  # every pid of the tree seen so far

    @property
    def pid(self) -> int:
        return self.proc.pid

    def start(self, timeout: float = 60) -> ServerProcess:
        command = [sys.executable, "-m", "app"]
        if self.prelude:
            command = [
                sys.executable,
                "-c",
                f"{self.prelude}\nimport sys\n"
                "from app.cli import main\nsys.exit(main(sys.argv[1:]))",
            ]
        self.proc = subprocess.Popen(
            [*command, "serve", *self.args],
            cwd=ROOT,
            stdout=self._out,
            stderr=self._err,
            start_new_session=True,
        )
        wait_until(lambda: self._answering(), timeout, f"{self.url}/healthz")
        return self

    def _answering(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(
                f"the server exited with {self.proc.returncode}: {self.output()[1]}"
            )
        return healthz(self.url) is not None

    def tree(self) -> list[int]:
        """The master and every process below it now (remembered for the clean-up)."""
        pids = [self.pid, *descendants(self.pid)] if running(self.pid) else []
        self.seen.update(pids)
        return pids

    def workers(self) -> list[int]:
        return children(self.pid)

    def output(self) -> tuple[str, str]:
        """What it printed so far: (stdout, stderr)."""
        texts = []
        for f in (self._out, self._err):
            f.flush()
            f.seek(0)
            texts.append(f.read().decode(errors="replace"))
        return texts[0], texts[1]

    def kill_group(self) -> None:
        """SIGKILL to every process of the server's group: the machine died."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)

    def stop(self, timeout: float = 20) -> None:
        if self.proc is None:
            return
        if HAS_PROC:
            self.tree()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill_group()
                self.proc.wait(5)
        try:
            wait_until(
                lambda: not any(map(running, self.seen)), 10, f"every process of {self.args} to end"
            )
        finally:
            left = [pid for pid in self.seen if running(pid)]
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def __enter__(self) -> ServerProcess:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            self.stop()
        finally:
            self._out.close()
            self._err.close()


class RealClient:
    """A python-socketio client over WebSocket that records what it receives.

    ``auto_ready``: return the frame credit as soon as a frame arrives (a page that
    draws instantly). ``on_connect``: events (name, payload) sent on every connect,
    before the first ``ready``, as the page re-sends its config after a reconnect.
    ``reconnection``: python-socketio's own reconnection (0.5-1 s delays).
    """

    def __init__(
        self,
        url: str,
        *,
        auto_ready: bool = False,
        reconnection: bool = False,
        on_connect: list[tuple[str, object]] = (),
        transports=("websocket",),
        connect: bool = True,
    ):
        self.url = url
        self.sio = OrderedClient(
            reconnection=reconnection, reconnection_delay=0.5, reconnection_delay_max=1.0
        )
        self.auto_ready = auto_ready
        self.on_connect = list(on_connect)
        self.transports = list(transports)
        self.lock = threading.Lock()
        self.events: list[tuple[float, str, object]] = []  # (time, name, payload)
        self.sids: list[str] = []  # one per connection, in order
        for name in ("state", "error", "frame", "lab_progress", "lab_result"):
            self.sio.on(name, self._recorder(name))
        self.sio.on("connect", self._connected)
        self.sio.on("disconnect", self._recorder("disconnect"))
        if connect:
            self.connect()

    def connect(self) -> None:
        self.sio.connect(self.url, transports=self.transports, wait_timeout=DEADLINE)

    def _connected(self) -> None:
        with self.lock:
            self.sids.append(self.sio.get_sid())
            self.events.append((time.monotonic(), "connect", self.sids[-1]))
        for name, payload in self.on_connect:
            self.sio.emit(name, payload)
        if self.auto_ready:
            self.sio.emit("ready")

    def _recorder(self, name: str):
        def record(payload=None):
            with self.lock:
                self.events.append((time.monotonic(), name, payload))
            if name == "frame" and self.auto_ready:
                # Not `sio.connected`: python-socketio sets it only when connect() returns
                # on the caller's thread, and the first frame can come before that (it
                # did under load: the credit was never returned and the frames stopped).
                # A namespace not (or no longer) connected raises instead.
                with contextlib.suppress(socketio.exceptions.SocketIOError):
                    self.sio.emit("ready")

        return record

    def of(self, name: str, since: float = -1.0) -> list:
        """Payloads of event ``name`` received after time ``since``."""
        with self.lock:
            return [p for t, e, p in self.events if e == name and t > since]

    def times(self, name: str) -> list[float]:
        with self.lock:
            return [t for t, e, _ in self.events if e == name]

    def wait(
        self,
        name: str,
        count: int = 1,
        where=lambda p: True,
        since: float = -1.0,
        timeout: float = DEADLINE,
    ) -> list:
        return wait_until(
            lambda: (
                (got := [p for p in self.of(name, since) if where(p)])[count - 1 : count] and got
            ),
            timeout,
            f"{count} x {name}",
        )

    def close(self) -> None:
        if self.sio.connected or self.sio.reconnection:
            with contextlib.suppress(Exception):
                self.sio.disconnect()


# ---- deploy/stack.py: nginx in front of servers ---------------------------------------------

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def need_nginx() -> None:
    if os.path.exists(NGINX):
        return
    message = f"{NGINX} is not installed (Debian's nginx package)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"the nginx test is mandatory in CI: {message}")
    pytest.skip(message)


class StackLauncher:
    """`python deploy/stack.py run` as a subprocess, and the status line it prints."""

    def __init__(self, *args: str):
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "deploy" / "stack.py"), "run", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self._err,
            start_new_session=True,
        )
        self.output = ""
        try:
            self.status = self._status_line(timeout=90)
        except BaseException:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)
            raise
        self.pids = {self.proc.pid, *descendants(self.proc.pid)}

    def _status_line(self, timeout: float) -> dict:
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(timeout):
                raise AssertionError(f"no status line in {timeout} s: {self.stderr()}")
        line = self.proc.stdout.readline()
        assert line, f"the launcher exited ({self.proc.poll()}): {self.stderr()}"
        return json.loads(line)

    def stderr(self) -> str:
        self._err.flush()
        self._err.seek(0)
        return self._err.read().decode(errors="replace")

    def stop(self) -> int:
        """SIGTERM (as systemd or Ctrl-C would); its exit code."""
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
            return self.proc.wait(30)
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
            for pid in self.pids:
                if running(pid):
                    os.kill(pid, signal.SIGKILL)
            self.output = self.stderr()
            self.proc.stdout.close()
            self._err.close()
