"""The deployment of deploy/, for real: nginx (Debian's, started by the test as its
own process through deploy/stack.py, config rendered from deploy/nginx/) in front of
two `playground serve` processes on loopback, and 40 python-socketio clients.

It checks what a class would notice: both servers hold sessions, every client gets
frames, a server that dies sends its clients through nginx to the other one, where
they get frames from a fresh session within 5 s, and nothing is left running.
"""

from __future__ import annotations

import gzip
import os
import re
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from real_server import (
    HAS_PROC,
    ROOT,
    RealClient,
    StackLauncher,
    descendants,
    healthz,
    need_nginx,
    running,
)
from waiting import wait_until

pytestmark = pytest.mark.skipif(not HAS_PROC, reason="needs /proc (Linux)")

CLIENTS = 40
FAILOVER_SECONDS = 5.0
# Frames are capped at 5/s per client and the grid is small: 40 clients' decoding in
# this one process must not starve the two servers of the machine's two cores.
# Forty clients of one machine are one address to the servers, past the per-address
# limit of a real class's machines (docs/PROTOCOL.md, Limits).
SERVE_ARGS = ["--max-fps", "5", "--max-per-address", "0"]
ON_CONNECT = [("config", {"grid": 24}), ("control", {"action": "play"})]


def test_forty_clients_through_nginx_survive_a_dead_server():
    need_nginx()
    launcher = StackLauncher("--servers", "2", "--port", "0", "--", *SERVE_ARGS)
    clients: list[RealClient] = []
    try:
        url = launcher.status["url"]
        victim, survivor = launcher.status["servers"]
        nginx_pid = launcher.status["nginx"]["pid"]
        # nginx and each server's gunicorn master and worker, all below the launcher
        for pid in (nginx_pid, victim["pid"], survivor["pid"]):
            assert pid in launcher.pids and descendants(pid), pid
        assert healthz(url)["status"] == "ok"  # through nginx

        for _ in range(CLIENTS):
            clients.append(
                RealClient(url, auto_ready=True, reconnection=True, on_connect=ON_CONNECT)
            )
        for i, c in enumerate(clients):
            try:
                c.wait("frame", 3, timeout=30)
            except AssertionError as err:
                raise AssertionError(f"client {i} before the failover: {err}") from None
        # least_conn spreads the long connections over both servers
        held = {s["url"]: healthz(s["url"])["sessions"] for s in (victim, survivor)}
        assert sum(held.values()) == CLIENTS, held
        assert min(held.values()) >= CLIENTS // 4, held

        # the machine of one server dies: its master and its worker at once
        killed_at = time.monotonic()
        os.killpg(victim["pid"], signal.SIGKILL)
        moved = wait_until(
            lambda: (
                len(d := [c for c in clients if c.of("disconnect", since=killed_at)])
                >= held[victim["url"]]
                and d
            ),
            FAILOVER_SECONDS,
            "the victim's clients to drop",
        )
        assert len(moved) == held[victim["url"]]

        def reconnected(c: RealClient) -> float | None:
            """When the client's first frame from a fresh session arrived, if it has."""
            connects = [t for t in c.times("connect") if t > killed_at]
            if not connects:
                return None
            fresh = [t for t in c.times("frame") if t > connects[0]]
            return fresh[0] if fresh else None

        wait_until(
            lambda: all(reconnected(c) for c in moved),
            3 * FAILOVER_SECONDS,
            "every moved client's first frame from its new session",
        )
        slowest = max(reconnected(c) for c in moved) - killed_at
        assert slowest <= FAILOVER_SECONDS, f"the last client took {slowest:.1f} s"
        for c in moved:
            assert len(c.sids) == 2 and c.sids[1] != c.sids[0]
            states = c.of("state", since=killed_at)
            assert states and states[0]["epoch"] == 0  # a fresh session
        # everyone is on the survivor now, and every client streams
        assert healthz(survivor["url"])["sessions"] == CLIENTS
        assert healthz(url)["pid"] == healthz(survivor["url"])["pid"]
        now = time.monotonic()
        for i, c in enumerate(clients):
            try:
                c.wait("frame", 2, since=now, timeout=30)
            except AssertionError as err:
                raise AssertionError(
                    f"client {i} (moved: {c in moved}, sids {c.sids}) streams no more: {err}"
                ) from None
        stayed = [c for c in clients if c not in moved]
        assert all(len(c.sids) == 1 for c in stayed)
    finally:
        for c in clients:
            c.close()
        pids = set(launcher.pids)
        code = launcher.stop()
    assert code == 0, launcher.output
    wait_until(lambda: not any(map(running, pids)), 10, "every process of the stack to end")
    assert not Path(launcher.status["nginx"]["prefix"]).exists()


def test_nginx_serves_the_static_files_with_cache_headers_and_proxies_the_rest():
    need_nginx()
    launcher = StackLauncher("--servers", "1", "--port", "0")
    try:
        url = launcher.status["url"]
        with urllib.request.urlopen(f"{url}/static/js/main.js", timeout=10) as r:
            assert r.headers["Server"].startswith("nginx")
            assert r.headers["Content-Type"] == "text/javascript"
            assert "max-age=600" in r.headers["Cache-Control"] and r.headers["ETag"]
            assert r.read() == (ROOT / "static" / "js" / "main.js").read_bytes()
        with urllib.request.urlopen(f"{url}/", timeout=10) as r:
            page = r.read().decode()
            assert "<html" in page.lower()
        # the built page the HTML names (app/assets.py): a year, immutable, gzipped
        for name in re.findall(r'(?:src|href)="(/static/dist/[^"]+)"', page):
            request = urllib.request.Request(f"{url}{name}", headers={"Accept-Encoding": "gzip"})
            with urllib.request.urlopen(request, timeout=10) as r:
                assert r.headers["Server"].startswith("nginx")
                assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
                assert r.headers["X-Content-Type-Options"] == "nosniff"
                assert r.headers["Content-Encoding"] == "gzip", name
                assert gzip.decompress(r.read()) == (ROOT / name.removeprefix("/")).read_bytes()
        assert re.search(r'src="/static/dist/main-[^"]+\.js"', page)
        with urllib.request.urlopen(f"{url}/vendor/socket.io.min.js", timeout=10) as r:
            assert "max-age=31536000" in r.headers["Cache-Control"]
        # WebSocket only, through nginx as well
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}/socket.io/?EIO=4&transport=polling", timeout=10)
        assert refused.value.code == 400
    finally:
        pids = set(launcher.pids)
        code = launcher.stop()
    assert code == 0, launcher.output
    wait_until(lambda: not any(map(running, pids)), 10, "every process of the stack to end")


def test_the_systemd_units_command_line_is_one_the_cli_accepts():
    import shlex

    from app import cli

    unit = (ROOT / "deploy" / "systemd" / "playground.service").read_text()
    (exec_start,) = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    argv = shlex.split(exec_start.removeprefix("ExecStart="))
    assert argv[0].endswith("/.venv/bin/playground")
    args = cli.build_parser().parse_args(argv[1:])
    assert args.command == "serve" and args.host == "0.0.0.0"
    assert args.workers == cli.available_cores()  # --workers auto
