"""The connection attacks of issue 24, for bench/abuse.py: partial request heads,
Engine.IO sockets that never open a Socket.IO session, and a reconnect storm.

Each attacker has its own loopback address (Linux routes all of 127/8 to the loopback
interface, so a socket bound to 127.0.0.3 is another client to the server), and
while it attacks, :func:`served_after` times how long yet another address (127.0.0.4)
waits for ``/healthz`` and a Socket.IO session (target: within 3 s).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import select
import socket
import statistics
import threading
import time

import psutil
import websocket

from bench.raw_socket import RawSocket

ATTACKER = "127.0.0.3"
OTHER = "127.0.0.4"
FLOOD = 80  # connections the attacker keeps open: a worker's 80 threads
PARTIAL_HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
STORM_FROM = [f"127.0.0.{i}" for i in range(2, 8)]
SETTLE = 30.0  # seconds after a storm before its leftovers are counted
SERVED_EVERY = 2.0  # seconds between two timings of the other address


def _host_port(url: str) -> tuple[str, int]:
    host, port = url.split("//", 1)[1].rstrip("/").rsplit(":", 1)
    return host, int(port)


def served_after(url: str, timeout: float = 10.0) -> float:
    """Seconds until OTHER has /healthz and a Socket.IO session (inf: not in ``timeout``)."""
    host, port = _host_port(url)
    asked = time.monotonic()
    try:
        conn = http.client.HTTPConnection(host, port, timeout=timeout, source_address=(OTHER, 0))
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        conn.close()
        RawSocket(url, source=OTHER).close()
    except (OSError, websocket.WebSocketException, ConnectionRefusedError):
        return float("inf")
    return time.monotonic() - asked


def _served_notes(waits: list[float]) -> str:
    served = [w for w in waits if w != float("inf")]
    if not served:
        return f"another address never served ({len(waits)} tries of 10 s)"
    missed = (
        f"; not served in 10 s {len(waits) - len(served)} times" if len(served) < len(waits) else ""
    )
    return (
        f"another address served after {statistics.median(served) * 1000:.0f} ms "
        f"(median of {len(served)}, worst {max(served) * 1000:.0f} ms){missed}"
    )


def _readable(socks: list) -> list:
    if not socks:
        return []
    ready, _, _ = select.select(socks, [], [], 0)
    return ready


def _hold(url: str, seconds: float, open_one, on_readable) -> tuple[int, list[float]]:
    """Keep FLOOD connections open for ``seconds``, reopening those the server closes;
    returns (connections the server closed, timings of the other address)."""
    held: list = []
    closed = 0
    waits: list[float] = []
    start = next_timing = time.monotonic()
    while time.monotonic() - start < seconds:
        while len(held) < FLOOD:
            conn = open_one()
            if conn is None:
                break  # refused: try again on the next round
            held.append(conn)
        for conn in _readable(held):
            if not on_readable(conn):
                held.remove(conn)
                closed += 1
        if time.monotonic() >= next_timing:
            waits.append(served_after(url))
            next_timing = time.monotonic() + SERVED_EVERY
        time.sleep(0.05)
    for conn in held:
        with contextlib.suppress(OSError):
            conn.close()
    return closed, waits


def attack_slowloris(url: str, seconds: float, pid: int) -> str:
    """80 connections from one address, each sending part of a request head once and
    then nothing; reopened whenever the server closes one."""
    host, port = _host_port(url)

    def open_one() -> socket.socket | None:
        s = socket.socket()
        try:
            s.bind((ATTACKER, 0))
            s.connect((host, port))
            s.sendall(PARTIAL_HEAD)
        except OSError:
            s.close()
            return None
        return s

    def still_open(s: socket.socket) -> bool:
        try:
            return s.recv(4096, socket.MSG_DONTWAIT) != b""
        except BlockingIOError:
            return True
        except OSError:
            return False

    closed, waits = _hold(url, seconds, open_one, still_open)
    return f"{closed} connections closed by the server; {_served_notes(waits)}"


class _Holder:
    """An Engine.IO socket that answers pings and never sends the Socket.IO CONNECT."""

    def __init__(self, raw: RawSocket):
        self.raw = raw

    def fileno(self) -> int:
        return self.raw.ws.sock.fileno()

    def close(self) -> None:
        self.raw.ws.shutdown()


def attack_eio_only(url: str, seconds: float, pid: int) -> str:
    """80 Engine.IO WebSockets from one address that answer pings and never send the
    Socket.IO CONNECT; reopened whenever the server closes or refuses one."""
    refused = [0]

    def open_one() -> _Holder | None:
        try:
            return _Holder(RawSocket(url, connect=False, source=ATTACKER))
        except (OSError, websocket.WebSocketException):
            refused[0] += 1
            return None

    def still_open(holder: _Holder) -> bool:
        try:
            data = holder.raw.ws.recv()
        except (OSError, websocket.WebSocketException):
            return False
        if data == "2":
            with contextlib.suppress(OSError, websocket.WebSocketException):
                holder.raw.ws.send("3")
        return data not in ("", None)

    closed, waits = _hold(url, seconds, open_one, still_open)
    return f"{closed} closed and {refused[0]} refused by the server; {_served_notes(waits)}"


def _threads_and_rss(pid: int) -> tuple[int, float]:
    """Threads and RSS (MB) of the server's processes (master, workers, lab)."""
    threads, rss = 0, 0.0
    root = psutil.Process(pid)
    for p in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            threads += p.num_threads()
            rss += p.memory_info().rss / 1e6
    return threads, rss


def attack_reconnect_storm(url: str, seconds: float, pid: int) -> str:
    """Six addresses (127.0.0.2-7) each connect, get a session and hang up, as fast as
    they can; the server's threads and RSS before, at their peak and SETTLE s after."""
    threads0, rss0 = _threads_and_rss(pid)
    peak = [threads0, rss0]
    stop = time.monotonic() + seconds
    cycles = [0]
    lock = threading.Lock()

    def cycle(source: str) -> None:
        while time.monotonic() < stop:
            with contextlib.suppress(OSError, websocket.WebSocketException, ConnectionError):
                RawSocket(url, source=source).close()
                with lock:
                    cycles[0] += 1

    def sample() -> None:
        while time.monotonic() < stop:
            threads, rss = _threads_and_rss(pid)
            peak[0], peak[1] = max(peak[0], threads), max(peak[1], rss)
            time.sleep(0.5)

    workers = [threading.Thread(target=cycle, args=(a,)) for a in STORM_FROM]
    workers.append(threading.Thread(target=sample))
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    time.sleep(SETTLE)  # what is left once the storm's connections are gone
    threads1, rss1 = _threads_and_rss(pid)
    return (
        f"{cycles[0]} cycles; threads {threads0} -> peak {peak[0]} -> {threads1} "
        f"{SETTLE:.0f} s after; RSS {rss0:.0f} -> peak {peak[1]:.0f} -> {rss1:.0f} MB "
        f"(load {os.getloadavg()[0]:.1f})"
    )


CONNECTION_ATTACKS = {
    "slowloris": attack_slowloris,
    "eio_only": attack_eio_only,
    "reconnect_storm": attack_reconnect_storm,
}
