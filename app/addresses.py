"""Who a connection comes from, and how many sessions one address may hold.

The session cap (MAX_SESSIONS) is shared by everyone: one process opening 64
connections locked every other user out (issue 16). So each address may hold at
most MAX_SESSIONS_PER_ADDRESS of them. A classroom behind one NAT address needs a
higher limit (``--max-per-address``).

Behind a reverse proxy every connection comes from the proxy. Its
``X-Forwarded-For`` header names the client, but any client can send that header
too, so it is believed only when the connection comes from a proxy the operator
named (``--trusted-proxy``, TRUSTED_PROXIES): the client is then the right-most
address in the header that is not itself a trusted proxy (each proxy appends the
address it saw; what is left of that came from the client and proves nothing).
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterable, Sequence

MAX_SESSIONS_PER_ADDRESS = 8

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> list[Network]:
    """``["127.0.0.1", "10.0.0.0/8", "::1"]`` -> networks; ValueError names a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {value!r}") from None
    return networks


def trusted_address(address: str, trusted: Sequence[Network]) -> bool:
    """Whether ``address`` is in one of the ``trusted`` networks."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def client_address(environ: dict, trusted: Sequence[Network] = ()) -> str:
    """The client's address: the peer's, or, from a trusted proxy, the right-most
    untrusted entry of X-Forwarded-For."""
    peer = environ.get("REMOTE_ADDR") or "?"
    if not trusted or not trusted_address(peer, trusted):
        return peer
    forwarded = [a.strip() for a in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if not trusted_address(address, trusted):
            return address
    return peer


class AddressBudget:
    """How many of something each address holds, at most ``limit`` each (0: no limit).

    Thread-safe; the session registry (app/server.py), the gunicorn worker's head
    reader (app/heads.py) and its WebSocket middleware (app/production.py) each keep
    one.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, address: str) -> bool:
        """One more for ``address``; False (nothing taken) when it holds its share."""
        with self._lock:
            held = self._held.get(address, 0)
            if self.limit and held >= self.limit:
                return False
            self._held[address] = held + 1
            return True

    def give(self, address: str) -> None:
        """``address`` let one go."""
        with self._lock:
            held = self._held.get(address, 0) - 1
            if held > 0:
                self._held[address] = held
            else:
                self._held.pop(address, None)

    def held(self, address: str) -> int:
        with self._lock:
            return self._held.get(address, 0)

    def __len__(self) -> int:
        """Everything held, by every address."""
        with self._lock:
            return sum(self._held.values())
