"""app/wire.py's Engine.IO socket limits, without a server: how long a socket has gone
without a Socket.IO session (a fake clock), and a closed socket's ping thread."""

from __future__ import annotations

import threading

import engineio
from waiting import wait_until

from app.wire import SESSION_KEY, ClosingSocket, SessionlessClock


def test_a_socket_without_a_session_expires_after_the_timeout():
    now = [0.0]
    environ: dict = {}
    clock = SessionlessClock(environ, 5.0, clock=lambda: now[0])
    now[0] = 4.9
    assert not clock.expired()
    now[0] = 5.0
    assert clock.expired()


def test_a_session_stops_the_clock_and_its_end_starts_it_again():
    now = [0.0]
    environ: dict = {}
    clock = SessionlessClock(environ, 5.0, clock=lambda: now[0])
    now[0] = 1.0
    environ[SESSION_KEY] = True
    assert not clock.expired()
    now[0] = 100.0  # a session may last for hours
    assert not clock.expired()
    environ[SESSION_KEY] = False  # its session ended; the socket stayed
    assert not clock.expired()
    now[0] = 104.9
    assert not clock.expired()
    now[0] = 105.0
    assert clock.expired()


def test_no_timeout_never_expires():
    now = [0.0]
    clock = SessionlessClock({}, 0, clock=lambda: now[0])
    now[0] = 1e9
    assert not clock.expired()


def test_a_closed_socket_ends_its_ping_thread_and_leaves_the_table_at_once():
    server = engineio.Server(async_mode="threading", ping_interval=25)
    sock = engineio.socket.Socket(server, "sid1")
    server.sockets["sid1"] = sock
    ClosingSocket.adopt(sock)
    before = set(threading.enumerate())
    sock.schedule_ping()  # python-engineio's own: a thread that waits ping_interval
    (ping,) = set(threading.enumerate()) - before
    assert ping.is_alive()
    sock.close(wait=False, abort=True)
    wait_until(lambda: not ping.is_alive(), 2.0, "the ping thread to end")  # not 25 s
    assert "sid1" not in server.sockets


def test_an_open_socket_is_still_pinged():
    server = engineio.Server(async_mode="threading", ping_interval=0.05)
    sock = engineio.socket.Socket(server, "sid2")
    ClosingSocket.adopt(sock)
    sock.schedule_ping()
    packet = wait_until(lambda: not sock.queue.empty() and sock.queue.get(), 2.0, "a ping")
    assert packet.packet_type == engineio.packet.PING
    sock.close(wait=False, abort=True)
