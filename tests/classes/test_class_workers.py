"""Class mode across processes (issue 25, Done when): a real redis-server, ``playground
serve --workers 2 --message-queue redis://...``, a teacher and 10 students over
WebSocket (app.client.OrderedClient), the students spread over both workers (each
connection's worker found in /proc, not asked of the server)."""

from __future__ import annotations

import os
import signal
import time

import pytest
from class_helpers import class_client, redis_server, worker_of
from real_server import HAS_PROC, ServerProcess, running
from waiting import wait_until

pytestmark = pytest.mark.skipif(not HAS_PROC, reason="needs /proc to find a connection's worker")

PER_WORKER = 5
PUSHED = {"hidden": [2], "activation": "relu", "dataset": "xor4"}


def _spread_students(server, code: str, workers: list[int]) -> list:
    """10 joined students, 5 on each worker (surplus connections are closed)."""
    placed: dict[int, list] = {pid: [] for pid in workers}
    for _ in range(80):
        if all(len(v) == PER_WORKER for v in placed.values()):
            break
        client = class_client(server.url, reconnection=True)
        pid = wait_until(lambda c=client: worker_of(c, server.port, workers), 5, "its worker")
        if len(placed[pid]) >= PER_WORKER:
            client.close()
            continue
        client.sio.emit("class", {"action": "join", "code": code})
        state = client.wait("class_state")[0]
        # after a reconnect the client joins again as itself, as the page does
        client.on_connect = [("class", {"action": "join", "code": code, "key": state["key"]})]
        placed[pid].append(client)
    assert all(len(v) == PER_WORKER for v in placed.values()), "could not spread the students"
    return [c for pid in workers for c in placed[pid]]


def _pushed(state: dict) -> bool:
    return state["config"]["activation"] == "relu" and state["config"]["hidden"] == [2]


def _arrival(client, name: str, where, since: float) -> float:
    """When ``client`` received its first ``name`` matching ``where`` after ``since``."""
    with client.lock:
        return next(t for t, e, p in client.events if e == name and t > since and where(p))


def _full_class(state: dict, pseudonyms: set[str]) -> bool:
    results = state["results"]
    return (
        state["students"] == 10
        and len(results) == 10
        and {r["pseudonym"] for r in results} == pseudonyms
        and all(r["epoch"] > 0 for r in results)
    )


def test_a_class_of_ten_over_two_workers_takes_a_push_trains_survives_a_worker_and_ends():
    with (
        redis_server() as redis_url,
        ServerProcess(
            "--workers", "2", "--message-queue", redis_url, "--max-per-address", "0"
        ) as server,
    ):
        workers = wait_until(lambda: len(server.workers()) == 2 and server.workers(), 30)
        clients = []
        try:
            teacher = class_client(server.url)
            clients.append(teacher)
            teacher.sio.emit("class", {"action": "create"})
            code = teacher.wait("class_state")[0]["code"]
            teacher_worker = wait_until(lambda: worker_of(teacher, server.port, workers), 5)

            students = _spread_students(server, code, workers)
            clients.extend(students)
            pseudonyms = {s.of("class_state")[0]["pseudonym"] for s in students}
            assert len(pseudonyms) == 10

            # a wrong code is refused, naming the code
            stranger = class_client(server.url)
            clients.append(stranger)
            stranger.sio.emit("class", {"action": "join", "code": "ZZZZZZ"})
            error = stranger.wait("error")[0]
            assert (error["event"], error["field"]) == ("class", "code")

            # every student's session takes the push within 3 s, paused at epoch 0
            pushed_at = time.monotonic()
            teacher.sio.emit("class", {"action": "push", "config": PUSHED, "seeds": "each"})
            seeds = set()
            for student in students:
                state = student.wait("state", where=_pushed, since=pushed_at, timeout=3.0)[0]
                assert (state["epoch"], state["status"]) == (0, "paused")
                seeds.add(state["config"]["seed"])
                took = _arrival(student, "state", _pushed, pushed_at) - pushed_at
                assert took < 3.0, f"a student's session took the push after {took:.2f} s"
            assert len(seeds) == 10  # "each": a restart lab

            # a student cannot push
            students[0].sio.emit("class", {"action": "push", "config": {}, "seeds": "same"})
            error = students[0].wait("error", where=lambda p: p["event"] == "class")[0]
            assert error["field"] == "action"

            # after Play, 10 students with 10 results within 20 s
            played_at = time.monotonic()
            for student in students:
                student.sio.emit("control", {"action": "play"})
            teacher.wait(
                "class_state",
                where=lambda p: _full_class(p, pseudonyms),
                since=played_at,
                timeout=20.0,
            )

            # the worker without the teacher dies; its students rejoin as themselves
            victim = next(pid for pid in workers if pid != teacher_worker)
            moved = [s for s in students if worker_of(s, server.port, workers) == victim]
            assert len(moved) == PER_WORKER
            killed_at = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            wait_until(lambda: not running(victim), 10, "the worker to die")
            for student in moved:
                name = student.of("class_state")[0]["pseudonym"]
                again = student.wait("class_state", since=killed_at, timeout=20.0)[0]
                assert again["pseudonym"] == name and again["code"] == code
                student.sio.emit("control", {"action": "play"})
            teacher.wait(
                "class_state",
                where=lambda p: _full_class(p, pseudonyms),
                since=time.monotonic(),
                timeout=20.0,
            )

            # the teacher leaves: the class ends for everyone
            left_at = time.monotonic()
            teacher.sio.emit("class", {"action": "leave"})
            for member in [teacher, *students]:
                ended = member.wait("class_ended", since=left_at, timeout=10.0)[0]
                assert ended == {"code": code, "reason": "left"}
        finally:
            for client in clients:
                client.close()
