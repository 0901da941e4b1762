"""An attacker's client: Engine.IO and Socket.IO spoken by hand over a WebSocket
(websocket-client, synchronous), so a test can send what no well-behaved client
would, and not read what the server sends."""

from __future__ import annotations

import json
import socket
from typing import Any

import websocket

TIMEOUT = 10.0


def connect_from(source: str, base_url: str, rcvbuf: int | None = None) -> socket.socket:
    """A TCP connection to ``base_url``'s host and port from local address ``source``."""
    host, port = base_url.split("//", 1)[1].rstrip("/").rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(TIMEOUT)
    sock.bind((source, 0))
    sock.connect((host, int(port)))
    return sock


class RawSocket:
    """One connection: the Engine.IO handshake and the Socket.IO CONNECT, then
    whatever the test sends. ``rcvbuf`` shrinks the receive buffer, so a client that
    stops reading fills it quickly; ``options`` go to websocket-client (``host``,
    ``origin``). ``source``: the local address to connect from (on loopback, any
    address of 127/8 is another client)."""

    def __init__(
        self,
        base_url: str,
        rcvbuf: int | None = None,
        connect: bool = True,
        headers: list[str] | None = None,
        path: str = "/socket.io/",
        source: str | None = None,
        **options: Any,
    ):
        url = base_url.replace("http://", "ws://").rstrip("/") + f"{path}?EIO=4&transport=websocket"
        sockopt = [(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)] if rcvbuf else []
        if source is not None:
            options["socket"] = connect_from(source, base_url, rcvbuf)
        self.ws = websocket.create_connection(
            url, timeout=TIMEOUT, sockopt=sockopt, header=headers or [], **options
        )
        opened = self.ws.recv()
        assert opened.startswith("0"), opened
        self.handshake = json.loads(opened[1:])
        self.events: list[tuple[str, Any]] = []
        self.sid: str | None = None
        if connect:
            self.ws.send("40")
            while self.sid is None:
                self._read_one()

    def _read_one(self) -> str | bytes:
        data = self.ws.recv()
        if isinstance(data, str) and data.startswith("40"):
            self.sid = json.loads(data[2:])["sid"]
        elif isinstance(data, str) and data.startswith("44"):
            raise ConnectionRefusedError(json.loads(data[2:]).get("message"))
        elif isinstance(data, str) and data.startswith("42"):
            name, *args = json.loads(data[2:])
            self.events.append((name, args[0] if args else None))
        elif data == "2":
            self.ws.send("3")  # pong
        return data

    def emit(self, event: str, payload: Any = None) -> None:
        self.ws.send("42" + json.dumps([event] if payload is None else [event, payload]))

    def send(self, data: str | bytes) -> None:
        if isinstance(data, bytes):
            self.ws.send_binary(data)
        else:
            self.ws.send(data)

    def read_until(self, predicate, limit: int = 10_000) -> Any:
        """Read packets until ``predicate(self)`` is truthy (pings are answered)."""
        for _ in range(limit):
            found = predicate(self)
            if found:
                return found
            self._read_one()
        raise AssertionError("read limit reached")

    def of(self, name: str) -> list[Any]:
        return [p for e, p in self.events if e == name]

    def closed_by_server(self) -> bool:
        """Read until the server ends the connection; True if it does."""
        try:
            while True:
                data = self.ws.recv()
                if data == "" or data is None:
                    return True
                if isinstance(data, str) and data.startswith("41"):
                    return True  # a Socket.IO DISCONNECT
        except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
            return True
        except websocket.WebSocketTimeoutException:
            return False

    def close(self) -> None:
        try:
            self.ws.close(timeout=1)
        except Exception:  # noqa: BLE001 - the server may have cut it already
            self.ws.shutdown()
