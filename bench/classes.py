"""What class mode costs (issue 25): the beat's work per student, the teacher's
``class_state`` size, the Redis store's round trips, and a push's latency across two
workers.

    python -m bench.classes            # 20 students over 2 workers, 5 pushes
    python -m bench.classes --students 40 --pushes 10

Prints medians, measured in one run, and never fails. It needs Debian's redis-server
(started here on a free loopback port, no disk); without it the Redis parts are
skipped and say so. Figures taken on a machine busy with other work move with the CPU
the processes get: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator

from app.classes.classroom import teacher_state
from app.classes.members import TEACHER, Member
from app.classes.results import StuckWatch, student_result
from engine import Config, Trainer

from ._server import free_port, running_server

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def beat_costs(repeat: int = 200) -> dict:
    """One student's result (history read, curve, solved; the stuck explanation when it
    is due and when it is reused), and the teacher's class_state of 200 such."""
    trainer = Trainer(Config(hidden=[2], activation="relu", dataset="xor", seed=3))
    trainer.step(5000)
    cached = StuckWatch()
    result = student_result(trainer, "Student 1", None, cached)
    due = _median_ms(lambda: student_result(trainer, "Student 1", None, StuckWatch()), repeat)
    reused = _median_ms(lambda: student_result(trainer, "Student 1", None, cached), repeat)
    present = [
        {"number": n, "result": {**result, "pseudonym": f"Student {n}"}} for n in range(1, 201)
    ]
    meta = {"push": None, "locked": False}
    member = Member("sid", "K7QX2M", TEACHER, "key")
    state_ms = _median_ms(lambda: teacher_state(member, meta, present, 200), 50)
    size = len(json.dumps(teacher_state(member, meta, present, 200)))
    return {"due": due, "reused": reused, "state_ms": state_ms, "bytes": size}


@contextlib.contextmanager
def redis_server() -> Iterator[str | None]:
    if not os.path.exists(REDIS):
        yield None
        return
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        proc = subprocess.Popen(
            [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            import redis

            client = redis.Redis(port=port)
            deadline = time.monotonic() + 10
            while True:
                with contextlib.suppress(redis.ConnectionError):
                    if client.ping():
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not answer")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(10)


def store_costs(url: str, students: int = 200) -> dict:
    """A beat's store round trips for a class of ``students``: one process writing the
    results of half of them, the teacher's process reading all of them."""
    from app.classes.redis_store import RedisStore

    store = RedisStore(url)
    store.create("BENCH2", "t", time.time())
    trainer = Trainer(Config(hidden=[2], activation="relu", dataset="xor"))
    trainer.step(2000)
    result = student_result(trainer, "Student 1", None, StuckWatch())
    keys = [store.admit("BENCH2", None, f"k{i}", students, time.time())[0] for i in range(students)]
    half = {k: {"number": i + 1, "result": result} for i, k in enumerate(keys[: students // 2])}
    write = _median_ms(lambda: store.heartbeat("BENCH2", half, time.time()), 50)
    read = _median_ms(lambda: store.present("BENCH2", time.time()), 50)
    store.end("BENCH2")
    return {"write": write, "read": read}


def push_latency(url: str, students: int, pushes: int) -> list[float]:
    """Seconds from a push to the last student's ``state`` carrying it, per push:
    ``playground serve --workers 2 --message-queue``, students on both workers."""
    from app.client import OrderedClient

    args = ("--workers", "2", "--message-queue", url, "--max-per-address", "0")
    with running_server(*args) as (base, _pid):
        got: dict[int, float] = {}
        lock = threading.Lock()
        clients = []
        teacher = OrderedClient()
        codes: list[str] = []
        teacher.on("class_state", lambda p: codes.append(p["code"]))
        teacher.connect(base)
        clients.append(teacher)
        teacher.emit("class", {"action": "create"})
        _wait(lambda: codes, 10)
        joined: list[int] = []
        for i in range(students):
            client = OrderedClient()

            def on_state(p, i=i):
                lr = p["config"]["lr"]
                with lock:
                    got.setdefault(round(lr * 1e4), time.perf_counter())
                    got[(round(lr * 1e4), i)] = time.perf_counter()  # type: ignore[index]

            client.on("state", on_state)
            client.on("class_state", lambda p, i=i: joined.append(i))
            client.connect(base)
            client.emit("class", {"action": "join", "code": codes[0]})
            clients.append(client)
        _wait(lambda: len(joined) >= students, 20)
        latencies = []
        for n in range(pushes):
            lr = (n + 1) / 1e4
            started = time.perf_counter()
            teacher.emit("class", {"action": "push", "config": {"lr": lr}, "seeds": "each"})
            key = n + 1
            _wait(lambda key=key: all((key, i) in got for i in range(students)), 20)
            latencies.append(max(got[(key, i)] for i in range(students)) - started)
        for client in clients:
            with contextlib.suppress(Exception):
                client.disconnect()
        return latencies


def _wait(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        time.sleep(0.005)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.classes")
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--pushes", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    beat = beat_costs()
    print(
        f"one student's result: {beat['reused']:.2f} ms (stuck kind reused), "
        f"{beat['due']:.2f} ms (stuck explained again, at most every 2 s)"
    )
    print(
        f"teacher's class_state of 200 students: {beat['bytes'] / 1024:.0f} KiB of JSON, "
        f"built in {beat['state_ms']:.2f} ms"
    )
    with redis_server() as url:
        if url is None:
            print(f"{REDIS} missing: Redis figures skipped")
            return
        store = store_costs(url)
        print(
            f"Redis, a class of 200: writing 100 results {store['write']:.2f} ms, "
            f"reading 200 {store['read']:.2f} ms (median of 50)"
        )
        latencies = push_latency(url, args.students, args.pushes)
        print(
            f"push to the last of {args.students} students over 2 workers: median "
            f"{statistics.median(latencies) * 1e3:.0f} ms, max {max(latencies) * 1e3:.0f} ms "
            f"({args.pushes} pushes)"
        )
    print(f"load average {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
