"""Lab jobs in a worker process, shared fairly between the sessions.

Why a process: a sweep is seconds of NumPy at full tilt. As a thread of the server
it took the GIL from every live session: with two lab runs going, fifty clients fell
from ~7 frames/s to 2.3 and a change took 256 ms to show (from ~25). In its own
process it runs on another core, and the server only relays its progress. The
gradient check and the loss landscape run there too (up to seconds for a big net):
on a socket handler they stalled that client's other events, and a flood of them
took a third of a neighbour's training.

One worker process per app: the app owns its :class:`LabRunner` (``create_app`` makes
it, app/lab/__init__.py), which starts the process on the first job and ends it when
the app stops (:meth:`LabRunner.stop`). It runs at a lower scheduling priority (nice
LAB_NICENESS): on a machine with few cores the live sessions come first. It ends with
its parent, even when the server is killed (kill -9, the OOM killer): by the parent-death
signal on Linux and by watching the parent, then at once, without the exit that waits
for its events queue (``end_with_parent``: issue 24 found it and its resource tracker
running for good, its queue's feeder blocked on a pipe only the dead parent read).

What it takes from the sweep's process pool (:mod:`engine.executors`): how a worker
process starts (``spawn_context``: the server already has threads, which ``fork``
would copy half-alive), with one BLAS thread (``one_blas_thread_each``: it is one
core's worth of work beside the server's own), and how it sees its parent gone
(``parent_alive``). Why it is not that pool: a ProcessPoolExecutor runs one sweep's
independent tasks to the end and is shut down after it; this process lives as long as
the app, takes jobs from many sessions as they come, runs several at once taking
turns block by block, cancels one without the others, drops a gone session's jobs,
and runs below the server's priority. None of that is a pool's.

Fair share. Each job runs on a thread of the worker, and the jobs take turns to
compute (:class:`app.turns.TrainingTurns`, the live sessions' own turn-taking,
used here as a baton): a restart-lab run computes one block of epochs (about
BLOCK_SECONDS, app/lab/runs.py) and passes the turn to the next job in line, so a
small run of one session starts and finishes while another session's huge run is
under way, instead of waiting for it (it waited 60 s in issue 16). A gradient
check or landscape is one short turn, served ahead of queued blocks. At most
MAX_ACTIVE_RUNS runs are under way at once, one per session (app/lab/fair.py);
the others wait in turn by session, and a run that waits is told how many are
ahead of it (``lab_progress`` with ``waiting``).

Cancel. A cancelled run stops at its next block (one block is about 0.1 s, or one
epoch of a chunk when that is longer: chunks are sized so an epoch stays short
whatever the network), without waiting for its turn, and answers with its partial
result, as the engine's sweep does. A job whose session is gone is dropped: one that
has not started never runs, and nothing of it reaches anyone.
"""

from __future__ import annotations

import itertools
import math
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.context import SpawnProcess
from multiprocessing.queues import Queue
from typing import Any

from engine.executors import (
    end_with_parent,
    one_blas_thread_each,
    parent_alive,
    parent_gone,
    spawn_context,
)

from ..turns import TrainingTurns
from . import runs
from .fair import RunAdmission
from .jobs import Counted, Job

PROGRESS_INTERVAL = 0.1  # seconds between lab_progress events of a run (at most ~10/s)
POLL_SECONDS = 0.5  # how often the relay and the worker check that the other is alive
WORKER_LOST = "the lab worker stopped; run it again"
STOPPED = "the lab runner is stopped (its app is shutting down)"
STOP_SECONDS = 5.0  # how long stop() waits for the worker to end before killing it
LAB_NICENESS = 10  # the worker's scheduling priority, below the server's
MAX_ACTIVE_RUNS = 4  # restart-lab runs under way at once (memory: a chunk's history)
DROPPED = "dropped"  # the worker's answer to a job it did not run (its session is gone)

Deliver = Callable[[str, Any], None]  # (event, payload) to the session that asked


# ---- the worker process -------------------------------------------------------------------


class _WorkerJob:
    """One job on its thread in the worker: its turn, its cancel flag, its answers."""

    def __init__(self, job_id: int, owner: str, job: Job, events, turns: TrainingTurns):
        self.id, self.owner, self.job = job_id, owner, job
        self.spec = runs.KINDS[job.kind]
        self.lane = self.spec.lane
        self._events, self._turns = events, turns
        self._wake = threading.Event()  # the turn came, or the job was cancelled
        self._granted = False
        self.cancelled = threading.Event()
        self.started = False
        self._last_progress = -math.inf

    # -- TurnTaker (app/turns.py), called by the job passing the turn on
    def turn_granted(self) -> None:
        self._granted = True
        self._wake.set()

    def cancel(self) -> None:
        self.cancelled.set()
        self._wake.set()

    # -- the engine's CancelToken
    def is_set(self) -> bool:
        return self.cancelled.is_set() or not parent_alive()

    # -- runs.Hooks
    def progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.is_set():
            return  # the engine stops at once: no progress, no waiting for a turn
        if now - self._last_progress >= PROGRESS_INTERVAL:
            self._last_progress = now
            self._events.put(
                (self.id, self.spec.progress_event, {"done": int(done), "total": int(total)})
            )
        if self._turns.others_waiting():
            self._turns.release(self)
            self._take_turn()

    def partial(self, payload: Any) -> None:
        # after a cancel too: a stopped phase diagram keeps the cells it finished
        if self.spec.partial_event is not None:
            self._events.put((self.id, self.spec.partial_event, payload))

    def _take_turn(self) -> bool:
        """Wait for the turn; False if the job was cancelled first (it holds none)."""
        self._wake.clear()
        self._granted = False
        if self.is_set():
            return False
        if self._turns.request(self, frame=self.lane == "probe"):
            return True
        while not self._wake.wait(POLL_SECONDS):
            if not parent_alive():
                break
        if self._granted and not self.is_set():
            return True
        # cancelled: out of the line, or, if the turn came meanwhile, on to the next
        self._turns.release(self)
        return False

    def run(self) -> None:
        """The job's thread: wait for a turn, run, answer, let the next one go."""
        try:
            if self._take_turn() or self.lane == "run":
                # a cancelled run still answers (with what finished: nothing)
                event, payload = runs.run(self.job, self)
            else:
                event, payload = DROPPED, None
        except Exception as err:  # e.g. seed + seeds past the schema's maximum
            event, payload = "error", f"{self.job.kind} failed: {err}"
        finally:
            self._turns.release(self)
        self._events.put((self.id, event, payload))


class _Worker:
    """The worker's state: jobs by id, runs admitted fairly, the turn baton."""

    def __init__(self, events):
        self._events = events
        self._turns = TrainingTurns()
        self._runs: RunAdmission[_WorkerJob] = RunAdmission(MAX_ACTIVE_RUNS)
        self._jobs: dict[int, _WorkerJob] = {}
        self._lock = threading.Lock()

    def submit(self, job_id: int, owner: str, record: Job) -> None:
        job = _WorkerJob(job_id, owner, record, self._events, self._turns)
        with self._lock:
            self._jobs[job_id] = job
            if job.lane != "run" or self._runs.add(owner, job):
                self._start(job)
            else:
                # only the run lane waits to be admitted, and its jobs count units
                assert isinstance(record, Counted), f"a {record.kind} run counts no units"
                total = record.units()
                waiting = self._runs.ahead(owner, job)
                self._events.put(
                    (
                        job_id,
                        job.spec.progress_event,
                        {"done": 0, "total": total, "waiting": waiting},
                    )
                )

    def cancel(self, job_id: int) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            job.cancel()
            if job.lane == "run" and not job.started:
                for _, ready in self._runs.cancel(job.owner, job):
                    self._start(ready)

    def _start(self, job: _WorkerJob) -> None:
        job.started = True
        threading.Thread(
            target=self._run, args=(job,), name=f"lab-job-{job.id}", daemon=True
        ).start()

    def _run(self, job: _WorkerJob) -> None:
        job.run()
        with self._lock:
            del self._jobs[job.id]
            if job.lane == "run":
                for _, ready in self._runs.finish(job.owner):
                    self._start(ready)


def _serve(inbox, events) -> None:
    """The worker's main loop: take jobs and cancels in the order they were sent."""
    end_with_parent()
    if hasattr(os, "nice"):
        # A batch job on a shared machine: the live sessions' frames come first.
        os.nice(LAB_NICENESS)
    worker = _Worker(events)
    while True:
        try:
            message = inbox.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if not parent_alive():
                parent_gone()  # not return: the exit would wait on the events pipe
            continue
        if message is None:
            return
        if message[0] == "job":
            worker.submit(*message[1:])
        elif message[0] == "cancel":
            worker.cancel(message[1])


# ---- the server's side ---------------------------------------------------------------------


@dataclass
class _Pending:
    """A submitted job, on the server's side: where its events go until it answers."""

    deliver: Deliver
    dropped: bool = False  # the session ended: nothing more goes to it


class LabRunner:
    """An app's lab worker process: submit jobs, cancel them, relay their events; stop
    it with the app.

    ``deliver(event, payload)`` of each job is called from the relay thread with
    the kind's progress and partial events (runs: ``lab_progress``; a phase diagram:
    ``phase_progress`` and ``phase_cell``), then its result event (``lab_result``,
    ``phase_result``, ``gradcheck_result``, ``landscape_result``) or ``error`` (a
    message string).
    """

    def __init__(self) -> None:
        self._ctx = spawn_context()
        self._lock = threading.Lock()
        self._stopped = False
        self._ids = itertools.count(1)
        self._jobs: dict[int, _Pending] = {}  # submitted and not answered, in order
        # made by the first job (_start_locked), again after a worker is lost
        self._process: SpawnProcess | None = None
        self._inbox: Queue[Any] | None = None

    def submit(self, owner: str, job: Job, deliver: Deliver) -> int:
        """Queue ``job`` (a record of app/lab/jobs.py) for session ``owner``; returns
        its id. ``deliver`` hears of it from now on. RuntimeError once stopped."""
        if job.kind not in runs.KINDS:
            raise ValueError(f"unknown lab job kind {job.kind!r}")
        with self._lock:
            if self._stopped:
                raise RuntimeError(STOPPED)
            inbox, orphans = self._start_locked()
            job_id = next(self._ids)
            self._jobs[job_id] = _Pending(deliver)
            inbox.put(("job", job_id, owner, job))
        for orphan in orphans:
            orphan.deliver("error", WORKER_LOST)
        return job_id

    def cancel(self, job_id: int, drop: bool = False) -> None:
        """Stop a job (a run answers with its partial result); ``drop``: and say
        nothing more to its session."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            job.dropped = job.dropped or drop
            assert self._inbox is not None, "a pending job was sent through the inbox"
            self._inbox.put(("cancel", job_id))

    def pending(self) -> int:
        """Jobs submitted and not yet answered."""
        with self._lock:
            return len(self._jobs)

    def is_running(self) -> bool:
        """The worker process is alive (started by a job, not yet stopped or lost)."""
        with self._lock:
            return self._process is not None and self._process.is_alive()

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """End the worker process with the app: its jobs are dropped (nothing more goes
        to their sessions), the process is asked to end, and killed if it has not
        within ``timeout``. No job is taken after."""
        with self._lock:
            self._stopped = True
            process, inbox = self._process, self._inbox
            self._process = None  # the relay sees it go and fails nothing
            for job in self._jobs.values():
                job.dropped = True
            self._jobs = {}
        if process is None:
            return
        assert inbox is not None, "the inbox is made with the process"
        inbox.put(None)
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join(timeout)

    # -- internals

    def _start_locked(self) -> tuple[Queue[Any], list[_Pending]]:
        """Start the worker if it is not running; returns its inbox and the jobs a
        dead one left."""
        if self._process is not None and self._process.is_alive():
            assert self._inbox is not None, "the inbox is made with the process"
            return self._inbox, []
        orphans = [job for job in self._jobs.values() if not job.dropped]
        self._jobs = {}
        inbox, events = self._ctx.Queue(), self._ctx.Queue()
        self._inbox = inbox
        process = self._process = self._ctx.Process(
            target=_serve, args=(inbox, events), name="playground-lab", daemon=True
        )
        with one_blas_thread_each():
            process.start()
        threading.Thread(
            target=self._relay, args=(process, events), name="lab-relay", daemon=True
        ).start()
        return inbox, orphans

    def _relay(self, process, events) -> None:
        """Hand the worker's events to the sessions; if the worker dies, fail its jobs."""
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
                if job is not None and event not in runs.STREAM_EVENTS:
                    del self._jobs[job_id]
            if job is not None and not job.dropped and event != DROPPED:
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
