"""Attacks 1, 2 and 7 of issue 16: a client that does not read, binary attachments
without end, and packets the decoders cannot take (app/wire.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from security_helpers import DEADLINE, assert_no_tracebacks
from waiting import wait_until

from app.server import get_activity, get_wire
from app.wire import ClientLog, CloseConnection, packet_class
from bench.raw_socket import RawSocket

# ---- 1. a client that does not read -----------------------------------------------------


def _kernel_send_buffer() -> int:
    """The most a TCP socket's send buffer may grow to (Linux: tcp_wmem's maximum)."""
    try:
        return int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    except OSError:
        return 4 * 2**20


def test_a_client_that_does_not_read_gets_no_more_frames_then_is_dropped(
    serve, neighbour_of, wire_log
):
    server = serve({"MAX_OUTBOUND_BYTES": 256 * 1024, "MAX_FPS": 1000})
    neighbour = neighbour_of(server)
    neighbour.play()
    attacker = RawSocket(server.url, rcvbuf=4096)
    session = server.sessions.get(attacker.sid)
    activity = get_activity(server.app)
    outbound = get_wire(server.app).outbound(attacker.sid)
    # big frames (grid 200, a 6x8 net): few of them fill the socket buffers
    attacker.emit("config", {"grid": 200, "hidden": [8] * 6})
    attacker.emit("control", {"action": "play"})
    frame_bytes = 200 * 200 + 51 * 100  # a grid-200 surface and 51 neurons' thumbnails

    # The attacker of the issue: `ready` 30 times a second, never reading. The
    # server sends frames only as they leave: as many as the kernel's buffers take
    # (they grow for a while), never one behind another that has not left.
    most = 0
    paced = time.monotonic()
    for _ in range(300):  # ten seconds
        attacker.emit("ready")
        most = max(most, outbound.backlog)
        paced += 1 / 30
        time.sleep(max(paced - time.monotonic(), 0))  # the attacker's pace
    taken_by_kernel = (_kernel_send_buffer() + 64 * 1024) // frame_bytes + 2
    assert session.frames_sent <= taken_by_kernel < 300 // 2
    assert most < 1.5 * frame_bytes + 8192, "more than one frame waited in the queue"
    neighbour.streams()

    # Each `config` is answered by a `state`; those pile up behind the stuck frame,
    # and past the limit the server lets the client go.
    attacker.emit("control", {"action": "pause"})
    deadline = time.monotonic() + DEADLINE
    while server.sessions.get(attacker.sid) is not None and time.monotonic() < deadline:
        target = activity.messages(attacker.sid) + 20
        try:
            for _ in range(20):
                attacker.emit("config", {"lr": 0.01})
        except OSError:  # the server has cut the connection
            break
        wait_until(
            lambda t=target: (
                activity.messages(attacker.sid) >= t or server.sessions.get(attacker.sid) is None
            ),
            DEADLINE,
            "configs handled",
        )
    wait_until(
        lambda: server.sessions.get(attacker.sid) is None,
        DEADLINE,
        "the client that does not read to be dropped",
    )
    assert outbound.backlog <= 256 * 1024
    dropped = [r.getMessage() for r in wire_log.records if "waiting to be sent" in r.getMessage()]
    assert len(dropped) == 1 and f"client 127.0.0.1 sid {attacker.sid}" in dropped[0]
    neighbour.streams()
    assert_no_tracebacks(wire_log)
    attacker.close()


# ---- 2. binary attachments ----------------------------------------------------------------


def test_a_packet_declaring_a_billion_attachments_is_refused_and_closed(
    serve, neighbour_of, wire_log
):
    server = serve()
    neighbour = neighbour_of(server)
    neighbour.play()
    attacker = RawSocket(server.url)
    attacker.send('45999999999-["config",{"_placeholder":true,"num":0}]')
    for _ in range(4):
        try:
            attacker.send(b"\x00" * 16 * 1024)
        except OSError:
            break
    assert attacker.closed_by_server()
    wait_until(lambda: server.sessions.get(attacker.sid) is None, DEADLINE, "the session to end")
    lines = [r.getMessage() for r in wire_log.records if "attachments" in r.getMessage()]
    assert len(lines) == 1 and "127.0.0.1" in lines[0] and "999999999" in lines[0]
    neighbour.streams()
    assert_no_tracebacks(wire_log)


@pytest.mark.parametrize(
    "header",
    [
        '451-["config",{"_placeholder":true,"num":0}]',  # config carries no binary
        '453-["data",{"_placeholder":true,"num":0}]',  # data carries two at most
    ],
)
def test_attachments_beyond_what_the_event_carries_close_the_connection(serve, wire_log, header):
    server = serve()
    attacker = RawSocket(server.url)
    attacker.send(header)
    assert attacker.closed_by_server()
    wait_until(lambda: server.sessions.get(attacker.sid) is None, DEADLINE, "the session to end")


def test_attachments_count_against_one_total_per_packet():
    """The data event's two attachments share the packet's limit with its header."""
    packet = packet_class(max_bytes=100, max_attachments=2)
    pkt = packet(
        encoded_packet='52-["data",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]'
    )
    assert pkt.add_attachment(b"a" * 10) is False
    with pytest.raises(CloseConnection, match="past 100 bytes"):
        pkt.add_attachment(b"b" * 40)
    with pytest.raises(CloseConnection, match="3 binary attachments"):
        packet(encoded_packet='53-["data"]')
    with pytest.raises(CloseConnection, match="event 'x', which carries 0"):
        packet(encoded_packet='51-["x",{"_placeholder":true,"num":0}]')


# ---- 7. what the decoders cannot take -------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ('42["config",{"lr":' + "1" * 4400 + "}]", "more than 100 digits"),
        ('42["config",' + "[" * 3000 + "]" * 3000 + "]", "nested too deeply"),
        ('42["config",{"lr":]', "not valid JSON"),
    ],
)
def test_a_payload_the_json_decoder_refuses_gets_an_error_and_the_session_goes_on(
    serve, wire_log, raw, reason
):
    server = serve()
    client = RawSocket(server.url)
    client.send(raw)
    error = client.read_until(lambda c: c.of("error"))[0]
    assert error["event"] == "config" and error["field"] == "payload"
    assert reason in error["message"]
    client.emit("config", {"lr": 0.5})
    state = client.read_until(lambda c: [s for s in c.of("state") if s["config"]["lr"] == 0.5])[0]
    assert state["config"]["lr"] == 0.5
    assert_no_tracebacks(wire_log)
    client.close()


@pytest.mark.parametrize(
    "raw", ["x", "9", "", "4", "47", "44{}", "4/nowhere,2[]", b"\x00binary where a header belongs"]
)
def test_a_malformed_packet_closes_the_connection_with_one_log_line(serve, wire_log, raw):
    server = serve()
    client = RawSocket(server.url)
    client.send(raw)
    assert client.closed_by_server()
    wait_until(lambda: server.sessions.get(client.sid) is None, DEADLINE, "the session to end")
    lines = [r.getMessage() for r in wire_log.records if r.name.startswith("app.")]
    assert len(lines) == 1 and f"client 127.0.0.1 sid {client.sid}" in lines[0], lines
    assert "malformed" in lines[0] or "binary" in lines[0]
    assert_no_tracebacks(wire_log)


def test_malformed_packets_from_one_address_are_logged_a_few_times_then_counted(serve, wire_log):
    server = serve({"MAX_SESSIONS_PER_ADDRESS": 0})
    for _ in range(20):
        client = RawSocket(server.url, connect=False)
        client.send("x")
        assert client.closed_by_server()
    lines = [r.getMessage() for r in wire_log.records if r.name.startswith("app.")]
    assert len(lines) == 5  # LOG_BURST per 10 s window, then silence
    assert_no_tracebacks(wire_log)


def test_the_client_log_counts_what_it_left_out():
    now = [0.0]
    seen = []

    class Catch:
        def warning(self, fmt, *args):
            seen.append(fmt % args)

    log = ClientLog(Catch(), burst=2, window=10.0, clock=lambda: now[0])
    assert [log.warning("a", "bad") for _ in range(4)] == [True, True, False, False]
    assert log.warning("b", "bad")  # per client
    now[0] = 10.0
    assert log.warning("a", "bad")
    assert seen[-1] == "a: bad (2 more in the last window not logged)"
    assert json.dumps(seen)  # plain one-line strings
