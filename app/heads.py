"""Request heads read in the gunicorn worker's event loop, with a deadline and a budget
per address (slowloris).

gunicorn 27's ``gthread`` worker hands every new connection to a pool thread at once.
That thread waits up to 5 s for a first byte (then gives the connection back to the
event loop), but once a byte has come it reads the rest of the head with a blocking
``recv`` and no timeout. A client that sends part of a head once and then nothing held
a pool thread for good: 80 of them (the pool's size, the session cap and the spares)
and nobody else was served, not even ``/healthz`` (issue 24).

:class:`HeadReadingWorker` reads each head itself, in the event loop, without blocking:
the bytes wait in the worker until the blank line that ends the head, and only then does
a pool thread get the connection, with those bytes put back in front of its parser. So a
pool thread never waits for a client's head: not a new connection's, not a kept-alive
one's next request, nor the part of one read ahead with the request before it. A
connection is closed when

* its head is not complete ``HEAD_TIMEOUT`` seconds after it opened (or, kept alive,
  after its next request began),
* its head passes ``MAX_HEAD_BYTES`` without ending (answered 431), or
* its peer address already has ``HEADS_PER_ADDRESS`` connections whose head is not
  complete (closed as it is accepted; one log line, rate-limited per address).

The same holds at the other end of a connection. gunicorn closes a connection
gracefully (RFC 9112 9.6: half-close, then read what the peer still sends until it
closes, for up to 2 s) on the event loop's own thread, so each client that sent
``Connection: close`` (or HTTP/1.0, or was refused) and then kept its end open stalled
every other connection of the worker for 2 s: 15 of them kept a neighbour's
``/healthz`` waiting 24 s. :class:`LingeringConn` hands that linger to the event loop
(:meth:`HeadReadingWorker.linger`): half-closed, drained as bytes come, closed at EOF,
at ``LINGER_BYTES`` or after ``LINGER_SECONDS``, with at most ``MAX_LINGERING`` at once
(past that a connection is closed at once).

Behind a trusted proxy (``--trusted-proxy``) every connection comes from the proxy, so
the proxy is not held to the per-address budget: nginx reads a client's whole head itself
(its ``client_header_timeout``) before it opens a connection to a server, so what it
sends arrives complete; the deadline still holds for it. With TLS in gunicorn itself
(certfile) the head is encrypted, and gunicorn's own path is kept.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import selectors
import socket
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import STOP_KEEPALIVE_LINGER, TConn, ThreadWorker

from .addresses import AddressBudget, Network, trusted_address
from .wire import ClientLog

log = logging.getLogger(__name__)

HEAD_TIMEOUT = 5.0  # seconds for a request head to arrive whole
MAX_HEAD_BYTES = 32 * 1024  # a browser's head is 0.5-2 KB; gunicorn's request line: 4 KiB
# connections of one peer whose head is not complete: a browser opens at most 6 at once
HEADS_PER_ADDRESS = 16


def heads_per_address(sessions_per_address: int) -> int:
    """The budget for a server allowing ``sessions_per_address`` sessions per address:
    a class behind one NAT address (a raised ``--max-per-address``) loads its pages at
    once, so twice that when it is more; 0 (no session limit): no limit either."""
    if not sessions_per_address:
        return 0
    return max(HEADS_PER_ADDRESS, 2 * sessions_per_address)


RECV_BYTES = 16 * 1024
LINGER_SECONDS = 2.0  # gunicorn's graceful close: how long a closing peer is read
LINGER_BYTES = 64 * 1024  # and how much of it
MAX_LINGERING = 1024  # connections lingering at once
END_OF_HEAD = b"\r\n\r\n"
TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"Connection: close\r\nContent-Length: 0\r\n\r\n"
)


@dataclass
class PartialHead:
    """What a connection has sent of its head so far."""

    peer: str
    counted: bool  # held against the peer's budget
    deadline: float  # time.monotonic()
    data: bytearray = field(default_factory=bytearray)


def peer_of(client: Any) -> str:
    """The peer address of an accepted connection (a Unix socket's has none)."""
    if isinstance(client, tuple) and client:
        return str(client[0])
    return "local"


class LingeringConn(TConn):
    """gunicorn's connection, whose graceful close lingers in the worker's event loop."""

    def __init__(self, worker: HeadReadingWorker, *args: Any) -> None:
        super().__init__(*args)
        self.worker = worker

    def close(self, graceful: bool = False) -> None:
        if self.upgraded():
            # A WebSocket's reader thread (simple-websocket's) may still wait on the
            # socket: shutting it down wakes it, and draining it here too would race
            # that thread for the bytes. A refused handshake (429) ends here as well.
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)
            super().close()
        elif graceful and not self.cfg.is_ssl:
            self.worker.linger(self.sock)
        else:
            super().close(graceful)

    def upgraded(self) -> bool:
        """Whether the last request on this connection asked for a WebSocket."""
        request = getattr(self.parser, "mesg", None)
        headers = getattr(request, "headers", None) or ()
        return any(name == "UPGRADE" and value.lower() == "websocket" for name, value in headers)


class HeadReadingWorker(ThreadWorker):
    """gunicorn's gthread worker, its request heads read in its event loop (module doc)."""

    head_timeout = HEAD_TIMEOUT
    max_head_bytes = MAX_HEAD_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.heads = AddressBudget(HEADS_PER_ADDRESS)
        self.trusted_peers: list[Network] = []  # set by the subclass from its config
        self._reading: OrderedDict[TConn, PartialHead] = OrderedDict()  # by deadline
        self._lingering: OrderedDict[Any, list] = OrderedDict()  # socket -> [deadline, bytes]
        self._refusals = ClientLog(log)

    # -- gunicorn's entry points: a new connection, a kept-alive one's next request

    def accept(self, listener: Any) -> None:
        try:
            client_sock, client_addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self._read_head(
            LingeringConn(self, self.cfg, client_sock, client_addr, listener.getsockname())
        )

    def on_client_socket_readable(self, conn: TConn, client: Any) -> None:
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._read_head(conn)

    def enqueue_req(self, conn: TConn) -> None:
        # gunicorn's call for a kept-alive connection whose next request was read
        # ahead with the last one's body: only part of its head may have come
        if self.cfg.is_ssl or conn.parser is None:
            super().enqueue_req(conn)
        else:
            self._read_head(conn, conn.parser.unreader.take_buffered())

    def murder_pending(self) -> None:
        """gunicorn's expiry of connections waiting for data; heads and lingers past due."""
        super().murder_pending()
        now = time.monotonic()
        while self._lingering:
            sock, (deadline, _) = next(iter(self._lingering.items()))
            if deadline > now and self.alive:
                break
            self._end_linger(sock)
        # a stopping worker gives a head as long as gunicorn gives a kept-alive
        # connection's next request (and then answers it with Connection: close)
        stopping = 0.0 if self.alive else self.head_timeout - STOP_KEEPALIVE_LINGER
        while self._reading:
            conn, head = next(iter(self._reading.items()))
            if head.deadline - stopping > now:
                break
            self._forget(conn)
            if head.data and self.alive:  # one that sent nothing is a browser's preconnect
                self._refusals.warning(
                    f"client {head.peer}",
                    f"closed: request head not complete after {self.head_timeout:g} s",
                )
            self._close(conn)

    # -- reading

    def _read_head(self, conn: TConn, start: bytes = b"") -> None:
        if self.cfg.is_ssl:  # encrypted: gunicorn's own path
            super().enqueue_req(conn)
            return
        peer = peer_of(conn.client)
        counted = peer != "local" and not trusted_address(peer, self.trusted_peers)
        if counted and not self.heads.take(peer):
            self._refusals.warning(
                f"client {peer}",
                f"closed: more than {self.heads.limit} connections whose request head "
                f"is not complete",
            )
            self._close(conn)
            return
        conn.sock.setblocking(False)
        head = PartialHead(peer, counted, time.monotonic() + self.head_timeout)
        self._reading[conn] = head
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))
        if start:
            self._add(conn, head, start)
        else:  # often there already: no need to wait for the next turn of the loop
            self._on_readable(conn, conn.sock)

    def _on_readable(self, conn: TConn, _sock: Any) -> None:
        head = self._reading.get(conn)
        if head is None:
            return
        try:
            data = conn.sock.recv(RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._forget(conn)
            self._close(conn)
            return
        self._add(conn, head, data)

    def _add(self, conn: TConn, head: PartialHead, data: bytes) -> None:
        """More of ``conn``'s head: to a pool thread once it is whole."""
        seen = max(len(head.data) - len(END_OF_HEAD) + 1, 0)
        head.data += data
        if head.data.find(END_OF_HEAD, seen) >= 0:
            self._forget(conn)
            fs = self.tpool.submit(self._handle_read, conn, bytes(head.data))
            fs.add_done_callback(
                lambda fut: self.method_queue.defer(self.finish_request, conn, fut)
            )
        elif len(head.data) > self.max_head_bytes:
            self._forget(conn)
            self._refusals.warning(
                f"client {head.peer}", f"closed: request head over {self.max_head_bytes} bytes"
            )
            with contextlib.suppress(OSError):
                conn.sock.send(TOO_LARGE)
            self._close(conn)

    def _handle_read(self, conn: TConn, head: bytes) -> Any:
        """In a pool thread: gunicorn's request handling, its parser fed the head read."""
        conn.sock.setblocking(True)
        conn.init()
        conn.parser.unreader.unread(head)
        conn.data_ready = True
        return self.handle(conn)

    def _forget(self, conn: TConn) -> None:
        head = self._reading.pop(conn, None)
        with contextlib.suppress(OSError, KeyError, ValueError):
            self.poller.unregister(conn.sock)
        if head is not None and head.counted:
            self.heads.give(head.peer)

    def _close(self, conn: TConn) -> None:
        self.nr_conns -= 1
        conn.close()

    # -- closing

    def linger(self, sock: Any) -> None:
        """Close ``sock`` gracefully without blocking: half-close it, then drain what
        the peer still sends, in the event loop, until EOF or the limits."""
        if len(self._lingering) >= MAX_LINGERING:
            util.close(sock)
            return
        try:
            sock.shutdown(socket.SHUT_WR)
            sock.setblocking(False)
            self.poller.register(sock, selectors.EVENT_READ, self._drain)
        except (OSError, ValueError, KeyError):
            util.close(sock)
            return
        self._lingering[sock] = [time.monotonic() + LINGER_SECONDS, 0]

    def _drain(self, sock: Any) -> None:
        entry = self._lingering.get(sock)
        if entry is None:
            return
        try:
            data = sock.recv(RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        entry[1] += len(data)
        if not data or entry[1] >= LINGER_BYTES:
            self._end_linger(sock)

    def _end_linger(self, sock: Any) -> None:
        self._lingering.pop(sock, None)
        with contextlib.suppress(OSError, KeyError, ValueError):
            self.poller.unregister(sock)
        util.close(sock)
