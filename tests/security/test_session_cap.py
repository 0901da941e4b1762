"""Attack 5 of issue 16: one client taking the session cap (app/addresses.py, app/idle.py)."""

from __future__ import annotations

import pytest
from security_helpers import DEADLINE, assert_no_tracebacks
from waiting import wait_until

from app.addresses import client_address, parse_networks
from app.idle import Activity
from bench.raw_socket import RawSocket


def test_one_address_cannot_take_the_session_cap(serve):
    server = serve({"MAX_SESSIONS": 8, "MAX_SESSIONS_PER_ADDRESS": 3})
    held = [RawSocket(server.url) for _ in range(3)]
    with pytest.raises(ConnectionRefusedError, match="too many connections from your address"):
        RawSocket(server.url)
    assert len(server.sessions) == 3  # five places left for everyone else
    held.pop().close()
    wait_until(lambda: len(server.sessions) == 2, DEADLINE, "a place to free")
    held.append(RawSocket(server.url))  # its place is its own again


def test_behind_a_trusted_proxy_the_forwarded_address_counts(serve):
    server = serve({"MAX_SESSIONS_PER_ADDRESS": 2, "TRUSTED_PROXIES": ["127.0.0.1"]})

    def via_proxy(client: str) -> RawSocket:
        return RawSocket(server.url, headers=[f"X-Forwarded-For: {client}"])

    a = [via_proxy("10.0.0.7"), via_proxy("10.0.0.7")]
    with pytest.raises(ConnectionRefusedError, match="your address"):
        via_proxy("10.0.0.7")
    b = via_proxy("10.0.0.8")  # another classroom machine behind the same proxy
    assert len(server.sessions) == 3
    for c in [*a, b]:
        c.close()


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(serve):
    server = serve({"MAX_SESSIONS_PER_ADDRESS": 2})  # no trusted proxy
    spoofs = [RawSocket(server.url, headers=[f"X-Forwarded-For: 10.0.0.{i}"]) for i in (1, 2)]
    with pytest.raises(ConnectionRefusedError, match="your address"):
        RawSocket(server.url, headers=["X-Forwarded-For: 10.0.0.3"])  # still 127.0.0.1
    for c in spoofs:
        c.close()


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("127.0.0.1", "", "127.0.0.1"),  # no header: the peer
        ("203.0.113.9", "10.0.0.7", "203.0.113.9"),  # an untrusted peer's header: ignored
        ("127.0.0.1", "10.0.0.7", "10.0.0.7"),  # the proxy's word
        ("127.0.0.1", "6.6.6.6, 10.0.0.7", "10.0.0.7"),  # left of the proxy's entry: the client's
        ("127.0.0.1", "10.0.0.7, 10.1.0.1", "10.0.0.7"),  # a second trusted proxy on the way
        ("127.0.0.1", "10.1.0.1", "127.0.0.1"),  # only proxies: the peer
    ],
)
def test_the_client_address_behind_trusted_proxies(remote, forwarded, expected):
    trusted = parse_networks(["127.0.0.1", "10.1.0.0/16"])
    environ = {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}
    assert client_address(environ, trusted) == expected


def test_a_bad_trusted_proxy_is_named():
    with pytest.raises(ValueError, match="'10.0.0.300'"):
        parse_networks(["10.0.0.300"])


def test_a_session_that_sends_nothing_is_closed_with_a_message(serve, neighbour_of, wire_log):
    server = serve({"IDLE_TIMEOUT": 1})
    watching = neighbour_of(server)
    watching.play()  # a page watching a run sends `ready` after every frame
    quiet = RawSocket(server.url)
    error = quiet.read_until(lambda c: c.of("error"))[0]
    assert error["event"] == "session" and error["field"] == "idle"
    assert "closed after" in error["message"]
    assert quiet.closed_by_server()
    wait_until(lambda: server.sessions.get(quiet.sid) is None, DEADLINE, "the quiet session")
    watching.streams()
    assert server.sessions.get(watching.sid) is not None
    assert_no_tracebacks(wire_log)


def test_activity_says_who_has_been_quiet_for_too_long():
    now = [0.0]
    activity = Activity(timeout=10.0, clock=lambda: now[0])
    activity.touch("a", message=False)  # connected
    now[0] = 4.0
    activity.touch("b", message=False)
    now[0] = 9.0
    activity.touch("a")  # a message
    assert activity.next_deadline() == 14.0  # b's
    now[0] = 14.0
    assert activity.quiet() == ["b"]
    assert activity.messages("a") == 1 and activity.next_deadline() == 19.0
    assert Activity(timeout=0).quiet() == []  # 0: never
