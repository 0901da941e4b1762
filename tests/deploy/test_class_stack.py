"""Class mode through deploy/: ``deploy/stack.py run --redis`` (nginx in front of two
``playground serve`` processes sharing a redis-server), a teacher whose WebSocket lands
on one server and a student whose lands on the other, both through nginx."""

from __future__ import annotations

import time

import pytest
from class_helpers import class_client, need_redis
from real_server import HAS_PROC, StackLauncher, healthz, need_nginx, running
from waiting import wait_until

pytestmark = pytest.mark.skipif(not HAS_PROC, reason="needs /proc (Linux)")


def _held(servers: list[dict]) -> list[int]:
    return [healthz(s["url"])["sessions"] for s in servers]


def test_through_nginx_a_teacher_on_one_server_reaches_a_student_on_the_other():
    need_nginx()
    need_redis()
    launcher = StackLauncher("--servers", "2", "--port", "0", "--redis")
    clients = []
    try:
        url, servers = launcher.status["url"], launcher.status["servers"]
        redis = launcher.status["redis"]
        assert redis["url"].startswith("redis://127.0.0.1:") and running(redis["pid"])
        teacher = class_client(url)
        clients.append(teacher)
        wait_until(lambda: sorted(_held(servers)) == [0, 1], 10, "the teacher's session")
        # least_conn: the next connection goes to the server without one
        student = class_client(url)
        clients.append(student)
        wait_until(lambda: _held(servers) == [1, 1], 10, "one session on each server")

        teacher.sio.emit("class", {"action": "create"})
        code = teacher.wait("class_state")[0]["code"]
        student.sio.emit("class", {"action": "join", "code": code})
        assert student.wait("class_state")[0]["pseudonym"] == "Student 1"

        pushed_at = time.monotonic()
        push = {"hidden": [3], "activation": "tanh", "dataset": "xor4", "seed": 11}
        teacher.sio.emit("class", {"action": "push", "config": push, "seeds": "same"})
        state = student.wait(
            "state", where=lambda p: p["config"]["hidden"] == [3], since=pushed_at
        )[0]
        assert (state["config"]["seed"], state["epoch"]) == (11, 0)
        student.sio.emit("control", {"action": "play"})
        teacher.wait(
            "class_state",
            where=lambda p: p["students"] == 1 and p["results"] and p["results"][0]["epoch"] > 0,
            timeout=20,
        )
        teacher.sio.emit("class", {"action": "show", "student": "Student 1"})
        view = teacher.wait("class_view", timeout=10)[0]
        assert view["student"] == "Student 1" and view["sizes"] == [2, 3, 1]

        teacher.sio.emit("class", {"action": "leave"})
        assert student.wait("class_ended", timeout=10)[0] == {"code": code, "reason": "left"}
    finally:
        for client in clients:
            client.close()
        assert launcher.stop() == 0
    assert not any(running(pid) for pid in launcher.pids)
