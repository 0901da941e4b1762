"""The lab's worker process runs below the server's priority and outlives nothing: a
server process killed by a signal takes it along.

A real `python -m app serve` in a subprocess (gunicorn: the lab process belongs to
the worker process that served the run), a real python-socketio client, and /proc
to find the processes (Linux only).
"""

from __future__ import annotations

import os
import signal

import pytest
from real_server import HAS_PROC, RealClient, ServerProcess, cmdline, descendants, nice, running
from waiting import wait_until

from app.lab.process import LAB_NICENESS

pytestmark = pytest.mark.skipif(not HAS_PROC, reason="needs /proc")


def test_the_lab_worker_ends_when_its_server_process_is_killed():
    with ServerProcess() as server:
        client = RealClient(server.url)
        try:
            client.sio.emit("lab", {"action": "run", "seeds": 1000, "epochs": 20000})
            client.wait("lab_progress", 1, timeout=60)
            (worker,) = server.workers()
            # the lab process, and multiprocessing's resource tracker that `spawn` starts
            below = descendants(worker)
            (lab,) = [pid for pid in below if b"spawn_main" in cmdline(pid)]
            # a batch job: it runs below the priority of the process that serves pages
            assert nice(lab) == min(nice(worker) + LAB_NICENESS, 19)
            os.kill(worker, signal.SIGKILL)  # no exit handler runs
            wait_until(
                lambda: not any(map(running, below)), 10, "the orphaned lab processes to end"
            )
            client.wait("disconnect", 1)
        finally:
            client.close()
