"""What the benchmarks share for starting a real server: a free port, and a wait until
its /healthz answers (or the process exits)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.request


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
