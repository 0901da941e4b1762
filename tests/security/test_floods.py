"""Issue 24: one address locking everyone out of a worker, and a reconnect storm, against
a real ``playground serve`` (gunicorn, one worker) on loopback.

Linux routes all of 127/8 to the loopback interface, so a client socket bound to
127.0.0.2 is another client address to a server listening on 127.0.0.1. The attacker
is 127.0.0.1; the neighbour, who must still be served, 127.0.0.2. The bounds asserted
are the issue's own ("within 3 s", "at most 100 more threads"), waited on with
deadlines; what the attacks cost is measured by bench/abuse.py.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from collections.abc import Iterator

import psutil
import pytest
import websocket
from real_server import ServerProcess
from waiting import wait_until

from app.heads import HEAD_TIMEOUT, HEADS_PER_ADDRESS
from app.wire import CONNECT_TIMEOUT
from bench.raw_socket import RawSocket

FLOOD = 80  # connections from the attacker: the worker's 80 threads
NEIGHBOUR = "127.0.0.2"
SERVED_WITHIN = 3.0  # seconds (issue 24, "Done when")
POLL = 1.0  # the worker's event loop and the WebSocket reader look this often


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess() as srv:
        yield srv


def healthz_from(server: ServerProcess, source: str, timeout: float) -> int:
    conn = http.client.HTTPConnection(
        "127.0.0.1", server.port, timeout=timeout, source_address=(source, 0)
    )
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status
    finally:
        conn.close()


def assert_neighbour_served(server: ServerProcess) -> None:
    """127.0.0.2 gets /healthz and a Socket.IO session, within 3 s in all."""
    asked = time.monotonic()
    assert healthz_from(server, NEIGHBOUR, SERVED_WITHIN) == 200
    session = RawSocket(server.url, source=NEIGHBOUR)
    took = time.monotonic() - asked
    session.close()
    assert session.sid and took <= SERVED_WITHIN, f"served after {took:.2f} s"


def closed_by_peer(sock: socket.socket) -> bool:
    """Whether the server has closed this connection (reads what is there, no wait)."""
    sock.setblocking(False)
    try:
        return sock.recv(4096) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_partial_headers_from_one_address_leave_the_others_served(server):
    flood = []
    for _ in range(FLOOD):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # once, never ended
        flood.append(s)
    try:
        assert_neighbour_served(server)
        # All but the budget's share were closed at once, and the rest at the deadline.
        wait_until(
            lambda: sum(map(closed_by_peer, flood)) >= FLOOD - HEADS_PER_ADDRESS,
            SERVED_WITHIN,
            "the flood beyond the budget to be closed",
        )
        wait_until(
            lambda: all(map(closed_by_peer, flood)),
            HEAD_TIMEOUT + POLL + 2,
            "every incomplete head to be closed",
        )
    finally:
        for s in flood:
            s.close()
    assert healthz_from(server, "127.0.0.1", SERVED_WITHIN) == 200  # the address is welcome again


def test_a_partial_head_read_ahead_behind_a_whole_request_holds_no_thread(server):
    """Pipelined: a request and part of the next in one send, on kept-alive connections."""
    pipelined = (
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    )
    flood = []
    for _ in range(FLOOD):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        s.sendall(pipelined)
        flood.append(s)
    try:
        assert_neighbour_served(server)
        wait_until(
            lambda: all(map(closed_by_peer, flood)),
            HEAD_TIMEOUT + POLL + 2,
            "every incomplete second head to be closed",
        )
    finally:
        for s in flood:
            s.close()


def test_answered_connections_whose_client_keeps_its_end_open_do_not_stall_the_worker(server):
    """gunicorn's graceful close read each such peer for 2 s on its event loop's thread:
    15 of them kept the neighbour waiting 24 s."""
    kept = []
    for _ in range(15):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")  # answered, then closed by the server
        kept.append(s)
    try:
        wait_until(lambda: all(map(closed_by_peer, kept)), SERVED_WITHIN, "every answer")
        assert_neighbour_served(server)
    finally:
        for s in kept:
            s.close()


def test_a_head_past_32_kib_is_answered_431():
    with ServerProcess() as srv, socket.create_connection(("127.0.0.1", srv.port), 5) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"x" * 40_000)
        assert s.recv(4096).startswith(b"HTTP/1.1 431 ")
        assert healthz_from(srv, "127.0.0.1", SERVED_WITHIN) == 200  # and nothing else


def _engineio_only(server: ServerProcess) -> RawSocket | None:
    try:
        return RawSocket(server.url, connect=False)
    except websocket.WebSocketBadStatusException as err:
        assert err.status_code == 429  # over the address's WebSocket budget
        return None


def _transport_ended(client: RawSocket) -> bool:
    """Read (answering pings) until the WebSocket itself ends; True if it does."""
    try:
        while True:
            data = client.ws.recv()
            if data == "2":
                client.ws.send("3")
            elif data in ("", None):
                return True
    except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
        return True
    except websocket.WebSocketTimeoutException:
        return False


def test_engineio_sockets_without_a_session_from_one_address_leave_the_others_served(server):
    opened = [_engineio_only(server) for _ in range(FLOOD)]
    held = [c for c in opened if c is not None]
    assert held, "the address got no WebSocket at all"
    try:
        assert_neighbour_served(server)
        # each is closed by the server CONNECT_TIMEOUT after it opened
        started = time.monotonic()
        assert all(_transport_ended(c) for c in held)
        assert time.monotonic() - started <= CONNECT_TIMEOUT + POLL + 2
    finally:
        for c in held:
            c.close()
    late = RawSocket(server.url)  # the address may open sessions again
    assert late.sid
    late.close()


def test_an_idle_closed_session_loses_its_websocket_too():
    with ServerProcess("--idle-timeout", "1") as srv:
        quiet = RawSocket(srv.url)
        error = quiet.read_until(lambda c: c.of("error"))[0]
        assert error["field"] == "idle"
        assert _transport_ended(quiet), "the WebSocket stayed open after the idle close"


# ---- a reconnect storm --------------------------------------------------------------------

STORM_SECONDS = 20.0
STORM_FROM = [f"127.0.0.{i}" for i in range(2, 8)]
SETTLE_SECONDS = 30.0
MORE_THREADS = 100
MORE_RSS = 80e6  # bytes


def _storm(url: str, seconds: float) -> int:
    """Each address connects, gets its session and hangs up, again and again."""
    stop = time.monotonic() + seconds
    cycles = [0]
    lock = threading.Lock()

    def cycle(source: str) -> None:
        while time.monotonic() < stop:
            with contextlib.suppress(OSError, websocket.WebSocketException, AssertionError):
                RawSocket(url, source=source).close()
                with lock:
                    cycles[0] += 1

    threads = [threading.Thread(target=cycle, args=(a,)) for a in STORM_FROM]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return cycles[0]


def test_a_reconnect_storm_leaves_no_threads_or_memory_behind():
    with ServerProcess() as srv:
        (worker_pid,) = srv.workers()
        worker = psutil.Process(worker_pid)
        assert_neighbour_served(srv)  # warm: a session's first allocations are not the storm's
        threads, rss = worker.num_threads(), worker.memory_info().rss
        peak = [threads]
        storming = threading.Event()
        storming.set()

        def sample() -> None:  # python-engineio's ping threads alone were thousands
            while storming.is_set():
                peak[0] = max(peak[0], worker.num_threads())
                time.sleep(0.2)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            cycles = _storm(srv.url, STORM_SECONDS)
        finally:
            storming.clear()
            sampler.join()
        assert cycles > 100 * len(STORM_FROM), f"only {cycles} cycles: not a storm"
        assert peak[0] <= threads + MORE_THREADS, f"{peak[0]} threads during the storm"
        wait_until(
            lambda: (
                worker.num_threads() <= threads + MORE_THREADS
                and worker.memory_info().rss <= rss + MORE_RSS
            ),
            SETTLE_SECONDS,
            f"the worker back within {MORE_THREADS} threads and 80 MB "
            f"(it has {worker.num_threads()} threads, was {threads}; "
            f"{worker.memory_info().rss / 1e6:.0f} MB, was {rss / 1e6:.0f} MB)",
        )
