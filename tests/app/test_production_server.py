"""`playground serve` on gunicorn, for real: a subprocess on a free loopback port, real
python-socketio clients, and /proc to watch its processes (Linux).

What is checked: no development-server warning; N worker processes on one port, each
with its own sessions and session cap, told apart by /healthz's "pid"; WebSockets that
outlive gunicorn's timeouts; stops that end every WebSocket at once (so clients
reconnect) and leave no process behind, even when the master is killed.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time

import pytest
from real_server import (
    HAS_PROC,
    RealClient,
    ServerProcess,
    cmdline,
    descendants,
    healthz,
    running,
)
from waiting import wait_until

from app.production import (
    PlaygroundApplication,
    WebSocketConnections,
    gunicorn_options,
    threads_for,
)

pytestmark = pytest.mark.skipif(not HAS_PROC, reason="needs /proc (Linux)")

PLAY = [("control", {"action": "play"})]
# A fresh server's first frames, on a machine busy with other work: a precondition,
# not what these tests measure.
FIRST_FRAMES = 30


def sessions_by_pid(url: str, pids: set[int], timeout: float = 20) -> dict[int, int]:
    """/healthz of every worker: each request lands on whichever process accepts it,
    so ask until each of ``pids`` has answered at least once since the call."""
    seen: dict[int, int] = {}

    def all_answered():
        h = healthz(url)
        if h is not None:
            seen[h["pid"]] = h["sessions"]
        return set(seen) >= pids

    wait_until(all_answered, timeout, f"/healthz from each of {sorted(pids)}")
    return seen


def connect_with_retries(url: str, attempts: int = 200, **kw) -> RealClient:
    """A client on whichever worker has room: a full worker refuses, another may not."""
    import socketio

    for _ in range(attempts):
        try:
            return RealClient(url, **kw)
        except socketio.exceptions.ConnectionError:
            continue
    raise AssertionError(f"no worker took a connection in {attempts} attempts")


# ---- without a server ----------------------------------------------------------------------


def test_each_worker_has_a_thread_per_session_and_room_for_idle_connections():
    options = gunicorn_options("127.0.0.1", 5000, workers=3, max_sessions=64)
    assert options["workers"] == 3 and options["bind"] == ["127.0.0.1:5000"]
    # a WebSocket holds a thread for its whole life: more threads than sessions
    assert options["threads"] == threads_for(64) > 64
    # gthread warns when no kept-alive HTTP connection fits beside the threads
    assert options["worker_connections"] > options["threads"]
    assert options["max_requests"] == 0 and options["preload_app"] is False
    assert gunicorn_options("::1", 80, 1, 8)["bind"] == ["[::1]:80"]


def test_the_application_takes_our_settings_and_calls_back_when_ready():
    ready = []
    application = PlaygroundApplication(
        {"MAX_SESSIONS": 5}, gunicorn_options("127.0.0.1", 0, 2, 5), lambda: ready.append(1)
    )
    assert application.cfg.workers == 2 and application.cfg.threads == threads_for(5)
    assert application.cfg.worker_class.__name__ == "PlaygroundWorker"
    application.cfg.when_ready(None)
    assert ready == [1]


def test_websocket_connections_get_nodelay_and_are_hung_up_on_request():
    server = socket.create_server(("127.0.0.1", 0))
    peer = socket.create_connection(server.getsockname())
    conn, _ = server.accept()
    seen_inside = []

    def app(environ, start_response):  # stands for a WebSocket held open
        seen_inside.append(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        seen_inside.append(len(middleware))
        assert middleware.hang_up() == 1
        return []

    middleware = WebSocketConnections(app)
    try:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
        middleware({"gunicorn.socket": conn, "HTTP_UPGRADE": "websocket"}, None)
        assert seen_inside == [1, 1] and len(middleware) == 0
        peer.settimeout(5)
        assert peer.recv(1) == b""  # the peer saw the connection end
        # plain HTTP requests are passed through, not tracked
        plain = WebSocketConnections(lambda environ, start_response: [len(plain)])
        assert plain({"gunicorn.socket": conn}, None) == [0]
    finally:
        for s in (peer, conn, server):
            s.close()


# ---- a real server --------------------------------------------------------------------------


def test_serves_on_gunicorn_without_a_development_server_warning():
    with ServerProcess() as server:
        client = RealClient(server.url, auto_ready=True, on_connect=PLAY)
        try:
            client.wait("frame", 3, timeout=FIRST_FRAMES)
        finally:
            client.close()
        (worker,) = server.workers()
        assert healthz(server.url)["pid"] == worker != server.pid
        out, err = server.output()
    assert "(1 process)" in out and server.url in out
    assert "Starting gunicorn" in err and "PlaygroundWorker" in err
    for unwanted in ("WARNING", "development server", "Werkzeug", "Traceback"):
        assert unwanted not in out + err


def test_workers_share_one_port_each_with_its_own_sessions_and_cap():
    cap = 3
    with ServerProcess("--workers", "2", "--max-sessions", str(cap)) as server:
        workers = set(wait_until(lambda: len(w := server.workers()) == 2 and w, 20, "two workers"))
        clients = []
        try:
            # six sessions fit (3 per process), wherever each connection lands
            for _ in range(2 * cap):
                clients.append(connect_with_retries(server.url, auto_ready=True, on_connect=PLAY))
            for c in clients:
                c.wait("frame", 2, timeout=FIRST_FRAMES)
            assert sessions_by_pid(server.url, workers) == {pid: cap for pid in workers}
            # a seventh is refused by whichever process it reaches: both are full
            import socketio

            refused = socketio.Client(reconnection=False)
            reasons = []
            refused.on("connect_error", reasons.append)
            with pytest.raises(socketio.exceptions.ConnectionError):
                refused.connect(server.url, transports=["websocket"], wait_timeout=5)
            assert reasons == [{"message": f"server full ({cap} sessions)"}]
        finally:
            for c in clients:
                c.close()
        wait_until(
            lambda: sessions_by_pid(server.url, workers) == dict.fromkeys(workers, 0),
            20,
            "every session to end",
        )


def test_a_websocket_outlives_the_worker_timeout():
    # gunicorn kills a worker that does not report for `timeout` seconds; a session's
    # request lasts far longer than that and must not count as a hung worker. With a
    # 2 s timeout, a session streams on for three times as long in the same worker.
    timeout = 2
    with ServerProcess(
        "--workers",
        "1",
        prelude=f"import app.production\napp.production.WORKER_TIMEOUT = {timeout}",
    ) as server:
        (worker,) = server.workers()
        client = RealClient(server.url, auto_ready=True, on_connect=PLAY)
        try:
            client.wait("frame", 1, timeout=FIRST_FRAMES)
            started = time.monotonic()
            wait_until(
                lambda: (
                    time.monotonic() - started > 3 * timeout
                    and client.of("frame", since=started + 2.5 * timeout)
                ),
                10 * timeout,
                "frames for three worker timeouts",
            )
            assert client.of("disconnect") == [] and server.workers() == [worker]
            assert len(client.sids) == 1
        finally:
            client.close()
        _, err = server.output()
    assert "WORKER TIMEOUT" not in err


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_a_stop_hangs_up_every_websocket_at_once(how):
    with ServerProcess("--workers", "2", "--max-sessions", "8") as server:
        clients = [RealClient(server.url, auto_ready=True, on_connect=PLAY) for _ in range(6)]
        try:
            for c in clients:
                c.wait("frame", 2, timeout=FIRST_FRAMES)
            tree = server.tree()
            asked = time.monotonic()
            server.proc.send_signal(getattr(signal, how))
            # not gunicorn's graceful wait (10 s): sessions never end by themselves
            assert server.proc.wait(8) == 0
            took = time.monotonic() - asked
            for c in clients:
                c.wait("disconnect", 1, timeout=5)
            wait_until(lambda: not any(map(running, tree)), 10, "every process to end")
        finally:
            for c in clients:
                c.close()
    assert took < 8


def test_a_killed_master_takes_its_workers_and_their_lab_processes_along():
    with ServerProcess("--workers", "2") as server:
        client = RealClient(server.url, auto_ready=True, on_connect=PLAY)
        try:
            client.sio.emit("lab", {"action": "run", "seeds": 1000, "epochs": 20000})
            client.wait("lab_progress", 1, timeout=60)
            tree = server.tree()
            labs = [pid for pid in tree if b"spawn_main" in cmdline(pid)]
            assert labs, f"no lab process among {tree}"
            assert any(pid in descendants(w) for w in server.workers() for pid in labs)
            server.proc.send_signal(signal.SIGKILL)  # no handler runs in the master
            server.proc.wait(5)
            # the workers notice within a second or so, hang up and exit; their lab
            # processes watch their parent
            client.wait("disconnect", 1, timeout=10)
            wait_until(lambda: not any(map(running, tree)), 15, "the orphaned processes to end")
        finally:
            client.close()


def test_make_run_serves_on_gunicorn_with_no_warnings(tmp_path):
    # `make run` as a person types it, stopped with Ctrl-C (SIGINT)
    from real_server import ROOT, free_port

    port = free_port()
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: proc.poll() is not None or healthz(url), 120, "make run")
        assert proc.poll() is None, proc.communicate()
        client = RealClient(url, auto_ready=True, on_connect=PLAY)
        client.wait("frame", 2, timeout=FIRST_FRAMES)
        client.close()
    finally:
        import os

        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    text = (out + err).decode()
    assert "Starting gunicorn" in text
    for unwanted in ("WARNING", "Warning", "development server", "Traceback"):
        assert unwanted not in text, text
