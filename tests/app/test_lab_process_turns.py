"""The lab process's scheduling (app/lab/process.py), in this process with stand-in jobs:
turns by block, round-robin, probes first, cancels, and jobs of a gone session."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

import pytest
from app_helpers import wait_until

from app.lab import process, runs


@dataclass(frozen=True)
class FakeJob:
    """A stand-in job record: ``blocks`` blocks of :meth:`Recorded.run` named ``name``."""

    kind: str
    name: str
    blocks: int = 1

    def units(self) -> int:
        return self.blocks


class Recorded:
    """Stand-in jobs: each block appends (job name, block) while it holds the turn."""

    def __init__(self):
        self.log: list[tuple[str, int]] = []
        self.gates: dict[str, threading.Event] = {}

    def run(self, job: FakeJob, hooks) -> dict:
        name = job.name
        gate = self.gates.get(name)
        for block in range(job.blocks):
            if gate is not None:
                gate.wait(10)
            self.log.append((name, block))
            hooks.progress(block + 1, job.blocks)
            if hooks.is_set():
                return {"name": name, "cancelled": True, "blocks": block + 1}
        return {"name": name, "cancelled": False}


@pytest.fixture()
def worker(monkeypatch):
    jobs = Recorded()
    monkeypatch.setitem(runs.KINDS, "fake_run", runs.Kind(jobs.run, "done", "run"))
    monkeypatch.setitem(runs.KINDS, "fake_probe", runs.Kind(jobs.run, "done", "probe"))
    monkeypatch.setattr(process, "PROGRESS_INTERVAL", 0.0)
    events: queue.Queue = queue.Queue()
    w = process._Worker(events)
    w.jobs, w.answers = jobs, Answers(events)
    return w


class Answers:
    def __init__(self, events: queue.Queue):
        self.events = events
        self.seen: list[tuple[int, str, object]] = []

    def final(self, job_id: int) -> tuple[str, object]:
        def got():
            while not self.events.empty():
                self.seen.append(self.events.get())
            return [(e, p) for j, e, p in self.seen if j == job_id and e != "lab_progress"]

        return wait_until(got, 10, f"job {job_id}'s answer")[0]

    def progress(self, job_id: int) -> list:
        while not self.events.empty():
            self.seen.append(self.events.get())
        return [p for j, e, p in self.seen if j == job_id and e == "lab_progress"]


def run(name: str, blocks: int) -> FakeJob:
    return FakeJob("fake_run", name, blocks)


def probe(name: str) -> FakeJob:
    return FakeJob("fake_probe", name)


def test_runs_of_two_sessions_take_turns_block_by_block(worker):
    gate = worker.jobs.gates["a"] = threading.Event()  # hold a until b has queued
    worker.submit(1, "A", run("a", 4))
    worker.submit(2, "B", run("b", 4))
    gate.set()
    worker.answers.final(1), worker.answers.final(2)
    assert worker.jobs.log == [
        ("a", 0),
        ("b", 0),
        ("a", 1),
        ("b", 1),
        ("a", 2),
        ("b", 2),
        ("a", 3),
        ("b", 3),
    ]


def test_a_probe_goes_ahead_of_the_queued_blocks(worker):
    gate = worker.jobs.gates["a"] = threading.Event()
    worker.submit(1, "A", run("a", 3))
    worker.submit(2, "B", run("b", 3))
    worker.submit(3, "C", probe("p"))
    gate.set()
    for job in (1, 2, 3):
        worker.answers.final(job)
    assert worker.jobs.log[:3] == [("a", 0), ("p", 0), ("b", 0)]


def test_a_sessions_second_run_waits_for_its_first_and_is_told(worker):
    gate = worker.jobs.gates["a1"] = threading.Event()
    worker.submit(1, "A", run("a1", 2))
    worker.submit(2, "A", run("a2", 2))
    assert worker.answers.progress(2) == [{"done": 0, "total": 2, "waiting": 1}]
    gate.set()
    assert worker.answers.final(1)[0] == "done"
    worker.answers.final(2)
    assert worker.jobs.log == [("a1", 0), ("a1", 1), ("a2", 0), ("a2", 1)]


def test_a_cancelled_run_stops_at_its_next_block_and_answers(worker):
    gate = worker.jobs.gates["a"] = threading.Event()
    worker.submit(1, "A", run("a", 50))
    worker.cancel(1)
    gate.set()
    event, answer = worker.answers.final(1)
    assert event == "done" and answer["cancelled"] and answer["blocks"] == 1


def test_a_probe_of_a_gone_session_that_has_not_started_never_runs(worker):
    gate = worker.jobs.gates["p1"] = threading.Event()
    worker.submit(1, "A", probe("p1"))  # holds the turn until the gate
    wait_until(lambda: worker._turns.sessions_in_rotation() == 1, 10, "p1 to hold the turn")
    worker.submit(2, "B", probe("p2"))
    wait_until(lambda: worker._turns.sessions_in_rotation() == 2, 10, "p2 to queue")
    worker.cancel(2)  # B disconnected
    gate.set()
    assert worker.answers.final(2) == (process.DROPPED, None)
    worker.answers.final(1)
    assert ("p2", 0) not in worker.jobs.log


def test_runs_beyond_the_cap_wait_their_turn_by_session(worker, monkeypatch):
    worker._runs.max_active = 1
    gate = worker.jobs.gates["a1"] = threading.Event()
    worker.submit(1, "A", run("a1", 1))
    worker.submit(2, "A", run("a2", 1))
    worker.submit(3, "B", run("b1", 1))
    assert worker.answers.progress(3) == [{"done": 0, "total": 1, "waiting": 1}]
    gate.set()
    for job in (1, 2, 3):
        worker.answers.final(job)
    # b1 before a2: after a's run, the next place goes to the session that waited
    assert [name for name, _ in worker.jobs.log] == ["a1", "b1", "a2"]
