"""app/heads.py without a server: the budget's size and what a peer is called. The
worker itself is tested on a real `playground serve` (tests/security/test_floods.py)."""

from __future__ import annotations

from app.heads import heads_per_address, peer_of


def test_the_heads_budget_follows_the_sessions_per_address():
    assert heads_per_address(8) == 16  # the default: a browser opens at most 6 at once
    assert heads_per_address(30) == 60  # a class behind one NAT address
    assert heads_per_address(0) == 0  # no session limit: none here either


def test_a_peer_is_its_ip_address_and_a_unix_socket_has_none():
    assert peer_of(("127.0.0.2", 50123)) == "127.0.0.2"
    assert peer_of(("::1", 50123, 0, 0)) == "::1"
    assert peer_of("") == "local"
