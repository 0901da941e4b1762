"""What the benchmarks share for starting a real server: a free port, a wait until its
/healthz answers (or the process exits), the server as a subprocess, and /proc
figures for its whole process tree (gunicorn's master, workers and lab processes)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen | None, timeout: float = 30.0) -> None:
    """Poll `url`/healthz until it answers 200; fail early if `proc` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/healthz", timeout=1) as r:
            if r.status == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"no answer from {url}/healthz within {timeout:.0f} s")


@contextlib.contextmanager
def running_server(*serve_args: str, niceness: int = 0) -> Iterator[tuple[str, int]]:
    """``python -m app serve --port <free> *serve_args`` (gunicorn) in its own process
    group, ``niceness`` below this process's priority: yields (base URL, master pid);
    stopped with SIGTERM, then SIGKILL."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), *serve_args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=(lambda: os.nice(niceness)) if niceness and hasattr(os, "nice") else None,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, timeout=60)
        yield base, proc.pid
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux /proc; just ``[pid]`` elsewhere)."""
    if not os.path.isdir("/proc"):
        return [pid]
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            parents.setdefault(int(stat[1]), []).append(int(entry))
    tree, queue = [], [pid]
    while queue:
        tree.append(current := queue.pop())
        queue.extend(parents.get(current, []))
    return tree


def cpu_seconds(pid: int | None) -> dict[int, float] | None:
    """User + system CPU seconds of each process of ``pid``'s tree (None: unknown)."""
    if pid is None:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for member in process_tree(pid):
        stat = _stat(member)
        if stat is not None:
            found[member] = (int(stat[11]) + int(stat[12])) / ticks
    return found or None


def cpu_share(
    before: dict[int, float] | None, after: dict[int, float] | None, seconds: float
) -> float | None:
    """Cores' worth of CPU the tree used between two ``cpu_seconds`` readings (1.0 =
    one core busy); a process that started in between counts from zero."""
    if before is None or after is None:
        return None
    used = sum(t - before.get(pid, 0.0) for pid, t in after.items())
    return used / seconds


def sessions_per_process(url: str, processes: int, tries: int = 200) -> dict[int, int]:
    """Sessions held by each of a server's ``processes`` worker processes: /healthz
    answers from whichever process accepts, so ask until each has answered."""
    seen: dict[int, int] = {}
    for _ in range(tries):
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
            health = json.load(r)
            seen[health["pid"]] = health["sessions"]
        if len(seen) >= processes:
            break
    return seen
