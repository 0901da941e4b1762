"""Restart-lab runs in a worker process: one run at a time, first come first served.

Why a process: a sweep is seconds of NumPy at full tilt. As a thread of the server
it took the GIL from every live session: with two lab runs going, fifty clients fell
from ~7 frames/s to 2.3 and a change took 256 ms to show (from ~25). In its own
process it runs on another core, and the server only relays its progress.

One worker process per server process, started on the first run (``spawn``: the
server already has threads, which ``fork`` would copy half-alive), at a lower
scheduling priority (nice 10): on a machine with few cores the live sessions come
first. Runs from every
session queue in order; a run queued behind others is told how many are ahead
(``lab_progress`` with ``waiting``). Cancelling a run (or its session ending) stops
it within one block of epochs, or before it starts; the worker answers a cancelled
run with its partial result, as the engine's sweep does.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PROGRESS_INTERVAL = 0.1  # seconds between lab_progress events (at most ~10/s)
POLL_SECONDS = 0.5  # how often the relay and the worker check that the other is alive
WORKER_LOST = "the lab worker stopped; run it again"
LAB_NICENESS = 10  # the worker's scheduling priority, below the server's

Deliver = Callable[[str, Any], None]  # (event, payload) to the session that asked


# ---- the worker process -------------------------------------------------------------------


class _CancelToken:
    """``is_set()`` for the engine's sweep: has this run been cancelled (or the server
    gone)?"""

    def __init__(self, job: int, cancelled: set[int], cancels):
        self.job, self._cancelled, self._cancels = job, cancelled, cancels

    def is_set(self) -> bool:
        _drain(self._cancels, self._cancelled)
        return self.job in self._cancelled or not _parent_alive()


def _parent_alive() -> bool:
    # A server killed by a signal runs no exit handlers, so nobody stops this daemon
    # process for it: it watches its parent instead.
    parent = multiprocessing.parent_process()
    return parent is None or parent.is_alive()


def _drain(cancels, into: set[int]) -> None:
    while True:
        try:
            into.add(cancels.get_nowait())
        except queue.Empty:
            return


def _serve(jobs, cancels, events) -> None:
    """The worker's loop: run each job, report progress and the result as events."""
    from engine import Config, sweep  # here: the parent need not import them for us

    if hasattr(os, "nice"):
        # A batch job on a shared machine: the live sessions' frames come first.
        os.nice(LAB_NICENESS)
    cancelled: set[int] = set()
    while True:
        try:
            job = jobs.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if not _parent_alive():
                return
            continue
        if job is None:
            return
        job_id, config_values, request = job
        token = _CancelToken(job_id, cancelled, cancels)
        last = [-math.inf]

        def progress(done: int, total: int, job_id=job_id, token=token, last=last) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL and not token.is_set():
                last[0] = now
                events.put((job_id, "lab_progress", {"done": int(done), "total": int(total)}))

        try:
            config = Config.from_dict(config_values)
            result = sweep(config, seeds=request["seeds"], seed_start=int(config.seed),
                           epochs=request["epochs"], loss_below=request["loss_below"],
                           progress=progress, cancel=token)
            events.put((job_id, "lab_result", result.to_dict(surfaces=True)))
        except Exception as err:  # e.g. seed + seeds past the schema's maximum
            events.put((job_id, "error", f"lab run failed: {err}"))
        cancelled.discard(job_id)


# ---- the server's side ---------------------------------------------------------------------


@dataclass
class _Job:
    deliver: Deliver
    total: int  # seed-epochs
    dropped: bool = False  # the session ended: nothing more goes to it


class LabRunner:
    """The server process's lab worker: submit runs, cancel them, relay their events.

    ``deliver(event, payload)`` of each run is called from the relay thread with
    ``lab_progress``, then ``lab_result`` or ``error`` (a message string).
    """

    def __init__(self) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._jobs: dict[int, _Job] = {}  # submitted and not answered, in order
        self._process = None
        self._queues = None

    def submit(self, config_values: dict, request: dict, deliver: Deliver) -> int:
        """Queue a run; returns its id. ``deliver`` hears of it from now on."""
        total = request["seeds"] * request["epochs"]
        with self._lock:
            orphans = self._start_locked()
            job_id = next(self._ids)
            ahead = len(self._jobs)
            self._jobs[job_id] = _Job(deliver, total)
            if ahead:  # told before the run can start, so before its own progress
                deliver("lab_progress", {"done": 0, "total": total, "waiting": ahead})
            jobs_q, _, _ = self._queues
            jobs_q.put((job_id, config_values, request))
        for job in orphans:
            job.deliver("error", WORKER_LOST)
        return job_id

    def cancel(self, job_id: int, drop: bool = False) -> None:
        """Stop a run (it answers with its partial result); ``drop``: and say nothing
        more to its session."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            job.dropped = job.dropped or drop
            _, cancels, _ = self._queues
            cancels.put(job_id)

    def pending(self) -> int:
        """Runs submitted and not yet answered."""
        with self._lock:
            return len(self._jobs)

    # -- internals

    def _start_locked(self) -> list[_Job]:
        """Start the worker if it is not running; returns the runs a dead one left."""
        if self._process is not None and self._process.is_alive():
            return []
        orphans = [job for job in self._jobs.values() if not job.dropped]
        self._jobs = {}
        jobs_q, cancels, events = (self._ctx.Queue(), self._ctx.Queue(), self._ctx.Queue())
        self._queues = (jobs_q, cancels, events)
        self._process = self._ctx.Process(target=_serve, args=(jobs_q, cancels, events),
                                          name="playground-lab", daemon=True)
        self._process.start()
        threading.Thread(target=self._relay, args=(self._process, events),
                         name="lab-relay", daemon=True).start()
        return orphans

    def _relay(self, process, events) -> None:
        """Hand the worker's events to the sessions; if the worker dies, fail its runs."""
        while True:
            try:
                job_id, event, payload = events.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if process.is_alive():
                    continue
                self._fail_all(process)
                return
            with self._lock:
                job = self._jobs.get(job_id)
                if job is not None and event != "lab_progress":
                    del self._jobs[job_id]
            if job is not None and not job.dropped:
                job.deliver(event, payload)

    def _fail_all(self, process) -> None:
        with self._lock:
            if self._process is not process:
                return
            failed, self._jobs = list(self._jobs.values()), {}
            self._process = None
        for job in failed:
            if not job.dropped:
                job.deliver("error", WORKER_LOST)


_runner: LabRunner | None = None
_runner_lock = threading.Lock()


def runner() -> LabRunner:
    """This server process's one LabRunner (made on first use)."""
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = LabRunner()
        return _runner
