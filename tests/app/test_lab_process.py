"""The lab's worker process runs below the server's priority and outlives nothing: a
server process killed by a signal takes it along.

A real `python -m app serve` in a subprocess (gunicorn: the lab process belongs to
the worker process that served the run), a real python-socketio client, and /proc
to find the processes (Linux only).
"""

from __future__ import annotations

import contextlib
import glob
import os
import signal

import psutil
import pytest
from real_server import HAS_PROC, RealClient, ServerProcess, cmdline, descendants, nice, running
from waiting import wait_until

from app.lab.process import LAB_NICENESS

pytestmark = pytest.mark.skipif(not HAS_PROC, reason="needs /proc")


@contextlib.contextmanager
def _server_and_client():
    """A real `playground serve` and one client of it."""
    with ServerProcess() as server:
        client = RealClient(server.url)
        try:
            yield server, client
        finally:
            client.close()


def test_the_lab_worker_ends_when_its_server_process_is_killed():
    with _server_and_client() as (server, client):
        client.sio.emit("lab", {"action": "run", "seeds": 1000, "epochs": 20000})
        client.wait("lab_progress", 1, timeout=60)
        (worker,) = server.workers()
        # the lab process, and multiprocessing's resource tracker that `spawn` starts
        below = descendants(worker)
        (lab,) = [pid for pid in below if b"spawn_main" in cmdline(pid)]
        # a batch job: it runs below the priority of the process that serves pages
        assert nice(lab) == min(nice(worker) + LAB_NICENESS, 19)
        os.kill(worker, signal.SIGKILL)  # no exit handler runs
        wait_until(lambda: not any(map(running, below)), 10, "the orphaned lab processes to end")
        client.wait("disconnect", 1)


def _blocked_writing_a_pipe(pid: int) -> bool:
    """A thread of ``pid`` sleeps in the kernel's pipe write (its queue's feeder)."""
    for wchan in glob.glob(f"/proc/{pid}/task/*/wchan"):
        with contextlib.suppress(OSError), open(wchan) as f:
            if "pipe_write" in f.read():
                return True
    return False


def test_a_worker_killed_while_its_lab_answer_fills_the_pipe_leaves_no_process_it_started():
    """Issue 24: a run's answer (~430 KB for 1000 seeds) waits in a pipe the worker no
    longer reads; killed then, the worker used to leave its lab process and the lab's
    resource tracker running for good (the lab's exit waited on the full pipe)."""
    with _server_and_client() as (server, client):
        client.sio.emit("lab", {"action": "run", "seeds": 2, "epochs": 10})
        client.wait("lab_result", 1, timeout=60)
        (worker,) = server.workers()
        started = psutil.Process(worker).children(recursive=True)
        (lab,) = [p for p in started if "spawn_main" in " ".join(p.cmdline())]
        assert len(started) >= 2  # the lab process and multiprocessing's resource tracker
        # The lab outlives the short handler thread that started it (the parent-death
        # signal comes when that thread ends): the next run goes to the same process.
        client.sio.emit("lab", {"action": "run", "seeds": 1000, "epochs": 100})
        client.wait("lab_progress", 1, timeout=60)
        assert psutil.Process(worker).children(recursive=True) == started
        os.kill(worker, signal.SIGSTOP)  # reads nothing more
        # ~2 s of the lab's work on a quiet machine; far longer on a loaded one, where
        # the lab at nice 10 gets a sliver of a core
        wait_until(
            lambda: _blocked_writing_a_pipe(lab.pid), 200, "the lab's answer to fill the pipe"
        )
        os.kill(worker, signal.SIGKILL)
        _, alive = psutil.wait_procs(started, timeout=10)
        left = [(p.pid, p.cmdline()[:4]) for p in alive]
        for p in alive:  # a failing run leaves no orphans behind it either
            p.kill()
        assert not left
