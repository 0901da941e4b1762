"""The real server on a free loopback port, with real python-socketio clients."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest
import socketio
from app_helpers import DEADLINE, wait_until
from real_server import RealClient

from app.live import LiveServer


def decode(frame):
    """The frame's arrays, checked against each other (docs/PROTOCOL.md)."""
    n, t, sizes = frame["grid"], frame["thumb"], frame["sizes"]
    surface = np.frombuffer(frame["surface"], np.uint8)
    neurons = np.frombuffer(frame["neurons"], np.uint8)
    ranges = np.frombuffer(frame["neuron_ranges"], "<f4").reshape(-1, 2)
    weights = np.frombuffer(frame["weights"], "<f4")
    assert surface.size == n * n
    assert ranges.shape[0] == sum(sizes)
    assert neurons.size == sum(sizes) * t * t
    assert weights.size == sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
    lo, hi = frame["surface_range"]
    return lo + surface.reshape(n, n) / 255 * (hi - lo)


def health(url):
    with urllib.request.urlopen(f"{url}/healthz", timeout=DEADLINE) as r:
        return json.load(r)


def test_two_real_clients_have_their_own_sessions(live_server):
    base = health(live_server)["sessions"]
    a = RealClient(live_server, auto_ready=True)
    b = RealClient(live_server, auto_ready=True)
    try:
        assert a.sio.get_sid() != b.sio.get_sid()
        assert health(live_server)["sessions"] == base + 2
        a.sio.emit("config", {"grid": 24, "hidden": [3]})
        b.sio.emit("config", {"grid": 40})
        a.wait("state", 2)
        b.wait("state", 2)
        for c in (a, b):
            c.sio.emit("control", {"action": "play"})
            c.sio.emit("ready")
        fa = a.wait("frame", 3, where=lambda f: f["grid"] == 24)[-1]
        fb = b.wait("frame", 3, where=lambda f: f["grid"] == 40)[-1]
        assert decode(fa).shape == (24, 24) and fa["sizes"] == [2, 3, 1]
        assert decode(fb).shape == (40, 40) and fb["sizes"][1:-1] != [3]

        # a's junk gets a's error; b notices nothing and keeps streaming
        b_errors, b_states = len(b.of("error")), len(b.of("state"))
        for junk in ({"lr": float("nan")}, {"hidden": [1] * 100}, [1, 2], {"bogus": 1}):
            a.sio.emit("config", junk)
        a.sio.emit("control", {"action": "explode"})
        a.sio.emit("set_weight", {"kind": "weight", "layer": 7, "i": 0, "j": 0, "value": 1})
        a.wait("error", 6)
        seen = len(b.of("frame"))
        b.wait("frame", seen + 5)
        assert len(b.of("error")) == b_errors and len(b.of("state")) == b_states
        assert b.of("frame")[-1]["grid"] == 40 and b.of("frame")[-1]["epoch"] > fb["epoch"]
        # and a itself keeps running on its last good config
        seen = len(a.of("frame"))
        last = a.wait("frame", seen + 2)[-1]
        assert last["grid"] == 24 and last["sizes"] == [2, 3, 1]
    finally:
        a.close()
        b.close()
    wait_until(lambda: health(live_server)["sessions"] == base, what="sessions to end")


def test_long_polling_is_refused_with_a_400_naming_the_transport(live_server):
    # WebSocket only (docs/PROTOCOL.md): a polling handshake is refused outright
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(
            f"{live_server}/socket.io/?EIO=4&transport=polling", timeout=DEADLINE
        )
    assert refused.value.code == 400
    assert b"Invalid transport" in refused.value.read()
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live_server, transports=["polling"], wait_timeout=DEADLINE)
    # and WebSocket still works
    c = RealClient(live_server)
    try:
        c.wait("state")
        c.sio.emit("ready")
        decode(c.wait("frame")[0])
    finally:
        c.close()


def test_a_full_server_refuses_with_a_message():
    with LiveServer({"MAX_SESSIONS": 1}) as server:
        first = RealClient(server.url)
        refused = socketio.Client(reconnection=False)
        reasons = []
        refused.on("connect_error", reasons.append)
        try:
            with pytest.raises(socketio.exceptions.ConnectionError):
                refused.connect(server.url, transports=["websocket"], wait_timeout=DEADLINE)
            assert reasons == [{"message": "server full (1 sessions)"}]
        finally:
            first.close()
        wait_until(lambda: len(server.sessions) == 0, what="the session to end")
        RealClient(server.url).close()


def test_disconnect_ends_the_sessions_thread(live_server):
    c = RealClient(live_server)
    c.sio.emit("control", {"action": "play"})
    c.wait("state", 2)
    session = live_server.sessions.get(c.sio.get_sid())
    assert session is not None and session.thread.is_alive()
    c.close()
    session.thread.join(1.0)
    assert not session.thread.is_alive()


def test_an_oversized_message_closes_only_that_connection(live_server):
    other = RealClient(live_server, auto_ready=True)
    big = RealClient(live_server)
    gone = threading.Event()
    big.sio.on("disconnect", lambda *reason: gone.set())
    sid = big.sio.get_sid()
    try:
        assert live_server.sessions.get(sid) is not None
        other.sio.emit("control", {"action": "play"})
        other.sio.emit("ready")
        big.sio.emit("config", {"dataset": "x" * 70_000})  # > max_http_buffer_size (64 KiB)
        assert gone.wait(DEADLINE)
        wait_until(
            lambda: live_server.sessions.get(sid) is None, what="the big sender's session to end"
        )
        seen = len(other.of("frame"))
        other.wait("frame", seen + 3)  # the other client streams on
    finally:
        big.close()
        other.close()


def test_the_ordered_client_connects_over_websocket_by_default(live_server):
    from app.client import OrderedClient

    c = OrderedClient(reconnection=False)
    c.connect(live_server, wait_timeout=DEADLINE)
    try:
        assert c.transport() == "websocket"
    finally:
        c.disconnect()
