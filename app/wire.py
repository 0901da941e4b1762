"""Limits on what one connection can make the server hold, below the event handlers.

python-engineio and python-socketio bound each inbound message (64 KiB) and nothing
else a client can make the server keep (issue 16, measured on this server):

* **Outbound.** Every packet for a client waits in its Engine.IO queue until the
  writer thread has sent it. A client that sent ``ready`` but never read its socket
  made the writer block and the queue grow, 1.7 MB/s, for as long as it stayed.
  :class:`OutboundQueue` meters that queue: a packet counts as *delivered* once the
  writer comes back for more (it has written what it took). The session sends no
  frame while its previous frame has not been delivered (:class:`FrameGate`), so a
  client that does not read gets no more frames; a connection whose undelivered
  bytes pass ``MAX_OUTBOUND_BYTES`` anyway (``state`` answers, lab results) is
  dropped.
* **Inbound attachments.** A Socket.IO packet may declare binary attachments, which
  the server collects until the count is reached: a packet declaring 999,999,999 of
  them was followed by 64 MB of 16 KiB messages, all kept, and the connection then
  took every later event for one more attachment. Two inbound events carry any
  (:data:`ATTACHMENT_EVENTS`): ``data`` (a client's own points), two, the coordinates
  and the labels or targets, and ``open_run`` (a run file), one. :class:`BoundedPacket`
  refuses a packet declaring more than its event may carry and counts the header and
  its attachments against one total: ``max_bytes`` (5000 points: 40,000 bytes of
  coordinates and 5,000 of labels or 20,000 of targets), or the event's own in
  ``event_bytes`` (a run file: ``MAX_RUN_FILE_BYTES``, 1 MiB); either closes the
  connection. The WebSocket's message limit is then the larger of the two, and a
  header is still held to ``max_bytes``.
* **Inbound backlog.** simple-websocket reads a client's messages as fast as they
  come and keeps them until Engine.IO takes them one by one: a connection with more
  than MAX_INBOUND_BACKLOG messages or MAX_INBOUND_BACKLOG_BYTES waiting (it sends
  faster than its events can be handled; the page sends a few a second) is
  dropped, and a single message is cut at the message limit while it arrives
  instead of after it was kept whole. The bytes are counted as soon as two messages
  wait (a run file's attachment may be one of them), so large messages cannot pile
  up under the count.
* **Undecodable and malformed packets.** A payload the JSON decoder refuses (an
  integer literal over 4,300 digits, nesting too deep) is answered with an
  ``error``, as the protocol promises for any bad message, in a binary packet too
  (its attachments are then read and dropped; they used to end the connection as
  binary messages no packet was waiting for); other malformed
  Engine.IO and Socket.IO packets end the connection. Each writes one log line
  naming the client and the reason, at most LOG_BURST per client per LOG_WINDOW
  (a count of the rest follows), never a traceback: 4,000 bad packets used to
  write 3.55 MB of them.

* **Engine.IO sockets** (issue 24). Each WebSocket holds a worker thread, so one
  with no Socket.IO session ``CONNECT_TIMEOUT`` (5 s) after it opened or after its
  session ended is closed (:class:`SessionlessClock`); 80 that never sent the
  CONNECT locked every other client out of a worker. And a closed socket lets go at
  once of its ping thread and its place in the Engine.IO server's table
  (:class:`ClosingSocket`): a reconnect storm used to leave thousands of threads
  and ~16 KB per connection.

:func:`install` puts these into a Flask-SocketIO server. They reach into four
places of python-engineio / python-socketio (pinned in .ci/constraints.txt): the
queue factory, the WebSocket class and the Engine.IO connect and message
handlers; tests/security/ checks each of them against a real server.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import queue
import re
import socket as socketlib
import threading
import time
from collections.abc import Callable
from typing import Any

import engineio.packet
import engineio.socket
import simple_websocket
import socketio.packet
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

log = logging.getLogger(__name__)

MAX_OUTBOUND_BYTES = 2 * 2**20  # undelivered bytes to one client before it is dropped
# Binary attachments an inbound event may carry: `data`, its coordinates and its
# labels (or targets); `open_run`, the run file; `class`, a push's points (as `data`);
# every other client event carries none.
ATTACHMENT_EVENTS = {"data": 2, "open_run": 1, "class": 2}
MAX_INBOUND_ATTACHMENTS = max(ATTACHMENT_EVENTS.values())
# A run file (engine/checkpoint.py) from the page is ~25 KB at 20,000 epochs, ~90 KB
# with 5000 points of one's own; one saved from Python with the Trainer's default
# 100,000 history rows, ~330 KB at 20,000 epochs.
MAX_RUN_FILE_BYTES = 2**20
MAX_INBOUND_BACKLOG = 4096  # messages read from a client and not yet handled
# and their bytes (counted once two wait): room for a run file and what follows it
MAX_INBOUND_BACKLOG_BYTES = MAX_RUN_FILE_BYTES + 2**20
RECEIVE_POLL_SECONDS = 1.0  # see GuardedWebSocket.wait
# seconds an Engine.IO socket may stay open without a Socket.IO session (before its
# CONNECT, or after its session ended): the page sends CONNECT at once
CONNECT_TIMEOUT = 5.0
SESSION_KEY = "playground.session"  # in a WebSocket's environ: True while it has a session
LOG_BURST = 5  # log lines per client per window, then a count
LOG_WINDOW = 10.0  # seconds


class CloseConnection(Exception):
    """A packet the server will not take: the connection ends."""


class Undecodable(ValueError):
    """A Socket.IO payload the JSON decoder refused; answered with an ``error``.

    A binary packet's header may be the broken part: ``attachments`` is how many
    binary messages it declared (they follow, and are read and dropped, at most
    ``attachment_bytes`` of them, :class:`DroppedAttachments`)."""

    def __init__(self, reason: str, event: str | None):
        super().__init__(reason)
        self.event = event
        self.attachments = 0
        self.attachment_bytes = 0


# ---- outbound -----------------------------------------------------------------------------


def _packet_bytes(pkt: Any) -> int:
    data = getattr(pkt, "data", None)
    if isinstance(data, str | bytes | bytearray):
        return len(data) + 1
    return 1 if data is None else len(str(data)) + 1


class OutboundQueue(queue.Queue):
    """Engine.IO's per-connection packet queue, metered.

    ``delivered`` counts the packets the writer has written: everything it took
    before it came back for more with a blocking ``get`` (Engine.IO's poll takes
    what is queued, writes it, then blocks for the next). Past ``limit`` undelivered
    bytes the queue drops what it is given and calls ``on_overflow(self)`` once.
    ``owner`` and ``environ`` are set when the Socket.IO session starts.
    """

    def __init__(self, limit: int, on_overflow: Callable[[OutboundQueue], None]):
        super().__init__()
        self.limit = limit
        self._on_overflow = on_overflow
        self.owner: str | None = None
        self.environ: dict | None = None
        self.overflowed = False
        self.put_count = self.taken_count = self.delivered = 0
        self.put_bytes = self.taken_bytes = self.delivered_bytes = 0
        self._watches: list[tuple[int, Callable[[], None]]] = []

    @property
    def backlog(self) -> int:
        """Bytes queued or taken by the writer and not yet written."""
        with self.mutex:
            return self.put_bytes - self.delivered_bytes

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if item is not None:  # None ends the writer: always let it through
            size = _packet_bytes(item)
            with self.mutex:
                over = self.overflowed or (
                    self.put_bytes - self.delivered_bytes + size > self.limit
                )
                first = over and not self.overflowed
                self.overflowed = self.overflowed or over
            if over:
                if first:
                    self._on_overflow(self)
                return
        super().put(item, block, timeout)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if block:
            self._delivered()
        return super().get(block, timeout)

    def mark(self) -> int:
        """The number of packets queued so far (a frame's end, right after it)."""
        with self.mutex:
            return self.put_count

    def when_delivered(self, mark: int, callback: Callable[[], None]) -> None:
        """Call ``callback()`` once the first ``mark`` packets are delivered (now, if
        they are), from the writer's thread."""
        with self.mutex:
            done = self.delivered >= mark
            if not done:
                self._watches.append((mark, callback))
        if done:
            callback()

    # under self.mutex (queue.Queue's hooks)
    def _put(self, item: Any) -> None:
        if item is not None:
            self.put_count += 1
            self.put_bytes += _packet_bytes(item)
        super()._put(item)

    def _get(self) -> Any:
        item = super()._get()
        if item is not None:
            self.taken_count += 1
            self.taken_bytes += _packet_bytes(item)
        return item

    def _delivered(self) -> None:
        with self.mutex:
            self.delivered, self.delivered_bytes = self.taken_count, self.taken_bytes
            due = [cb for mark, cb in self._watches if mark <= self.delivered]
            self._watches = [(m, cb) for m, cb in self._watches if m > self.delivered]
        for callback in due:
            callback()


class FrameGate:
    """A session's view of its connection's queue: has its last frame left yet?

    The session calls :meth:`sent` right after emitting a frame (under its send
    lock, so the mark is the frame's last packet) and asks :meth:`clear` before
    building the next; ``wake`` is called when a frame that had not left has.
    """

    def __init__(self, outbound: OutboundQueue):
        self._outbound = outbound
        self._mark = 0
        self._wake: Callable[[], None] = lambda: None

    def on_clear(self, wake: Callable[[], None]) -> None:
        self._wake = wake

    def sent(self) -> None:
        self._mark = self._outbound.mark()
        self._outbound.when_delivered(self._mark, lambda: self._wake())

    def clear(self) -> bool:
        return self._outbound.delivered >= self._mark


# ---- inbound ------------------------------------------------------------------------------

# after the packet type: a binary packet's attachment count ("1-"), an id, the event name
_EVENT_NAME = re.compile(r'(?:[0-9]+-)?[0-9]*\[\s*"([^"\\]{1,40})"')
_ATTACHMENT_COUNT = re.compile(r"[56]([0-9]{1,10})-")


def _undecodable_reason(err: BaseException) -> str:
    text = str(err)
    if isinstance(err, RecursionError):
        return "the JSON is nested too deeply"
    if text == "Integer is too large":  # python-engineio's own cap on integer literals
        return "an integer literal has more than 100 digits"
    if "digits" in text:  # Python's cap on int() of a long string (4300 digits)
        return "an integer literal has more than 4300 digits"
    return f"not valid JSON ({text[:80]})"


class _CheckedJSON:
    """The packet's JSON module: whatever its ``loads`` refuses becomes Undecodable."""

    def __init__(self, inner: Any):
        self._inner = inner
        self.dumps = inner.dumps

    def loads(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._inner.loads(*args, **kwargs)
        except (ValueError, RecursionError) as err:
            raise Undecodable(_undecodable_reason(err), None) from None


class BoundedPacket(socketio.packet.Packet):
    """python-socketio's packet, refusing what the protocol does not use.

    Subclassed per app by :func:`packet_class` with its own ``max_attachments`` and
    ``max_bytes`` (the header and its attachments together).
    """

    max_attachments = MAX_INBOUND_ATTACHMENTS
    attachment_events = ATTACHMENT_EVENTS
    max_bytes = 16 * 1024
    event_bytes: dict[str, int] = {}  # events allowed more than max_bytes, and how much
    json = _CheckedJSON(socketio.packet.Packet.json)

    def decode(self, encoded_packet: Any) -> int:
        if isinstance(encoded_packet, bytes | bytearray):
            raise CloseConnection("a binary message where a packet header belongs")
        self._bytes = len(encoded_packet)
        if self._bytes > self.max_bytes:
            raise CloseConnection(f"a packet of {self._bytes} bytes (at most {self.max_bytes})")
        try:
            count = super().decode(encoded_packet)
        except Undecodable as err:
            name = _EVENT_NAME.match(encoded_packet[1:])
            err.event = name.group(1) if name else None
            declared = _ATTACHMENT_COUNT.match(encoded_packet)
            if declared:  # the attachments still come: they are read and dropped
                err.attachments = int(declared.group(1))
                self._check_attachments(err.attachments, err.event)
                err.attachment_bytes = self._limit(err.event) - self._bytes
            raise
        except (ValueError, TypeError, IndexError) as err:
            raise CloseConnection(f"a malformed Socket.IO packet ({err})") from None
        if count:
            event = self.data[0] if isinstance(self.data, list) and self.data else None
            self._check_attachments(count, event)
        return count

    def _check_attachments(self, count: int, event: Any) -> None:
        if count > self.max_attachments:
            raise CloseConnection(
                f"a packet declaring {count} binary attachments (this "
                f"protocol's client events carry at most "
                f"{self.max_attachments})"
            )
        allowed = self.attachment_events.get(event, 0) if isinstance(event, str) else 0
        if count > allowed:
            shown = str(event)[:40]
            raise CloseConnection(
                f"a packet declaring {count} binary attachments for "
                f"event {shown!r}, which carries {allowed}"
            )

    def _limit(self, event: Any) -> int:
        """Bytes a packet of ``event`` may carry, header and attachments."""
        return (
            self.event_bytes.get(event, self.max_bytes)
            if isinstance(event, str)
            else self.max_bytes
        )

    def add_attachment(self, attachment: Any) -> bool:
        self._bytes += len(attachment)
        event = self.data[0] if isinstance(self.data, list) and self.data else None
        limit = self._limit(event)
        if self._bytes > limit:
            raise CloseConnection(f"attachments past {limit} bytes in one packet")
        return super().add_attachment(attachment)


class DroppedAttachments:
    """Stands in python-socketio's table of half-received binary packets for one
    whose header could not be decoded: takes its ``count`` attachments, at most
    ``limit`` bytes, drops them, and then leaves the table, so the connection goes on
    (a binary message with no packet waiting for it would end it)."""

    def __init__(self, pending: dict, eio_sid: str, count: int, limit: int):
        self._pending, self._eio_sid = pending, eio_sid
        self._left, self._limit = count, limit

    def add_attachment(self, attachment: Any) -> bool:
        self._left -= 1
        self._limit -= len(attachment)
        if self._limit < 0:
            raise CloseConnection("attachments of an undecodable packet past its byte limit")
        if self._left <= 0:
            self._pending.pop(self._eio_sid, None)
        return False  # never a packet to handle


def _check_engineio(data: Any) -> None:
    """Raise CloseConnection unless ``data`` decodes as an Engine.IO packet."""
    try:
        pkt = engineio.packet.Packet(encoded_packet=data)
    except Exception as err:  # noqa: BLE001 - whatever the decoder raises
        raise CloseConnection(f"a malformed Engine.IO packet ({err})") from None
    if not 0 <= pkt.packet_type < len(engineio.packet.packet_names):
        raise CloseConnection(f"a malformed Engine.IO packet (unknown type {pkt.packet_type})")


# ---- logs ---------------------------------------------------------------------------------


class ClientLog:
    """One line per event, at most ``burst`` per client per ``window`` seconds; the
    rest are counted and reported with the client's next line after the window."""

    def __init__(
        self,
        logger: logging.Logger = log,
        burst: int = LOG_BURST,
        window: float = LOG_WINDOW,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 1024,
    ):
        self._log, self._burst, self._window, self._clock = logger, burst, window, clock
        self._max_clients = max_clients
        self._seen: collections.OrderedDict[str, list] = collections.OrderedDict()
        self._lock = threading.Lock()

    def warning(self, client: str, message: str) -> bool:
        """Log ``client: message`` unless over the rate; True if it was logged."""
        now = self._clock()
        with self._lock:
            entry = self._seen.pop(client, None)
            if entry is None or now - entry[0] >= self._window:
                suppressed = entry[2] if entry else 0
                entry = [now, 0, 0]
            else:
                suppressed = 0
            self._seen[client] = entry
            while len(self._seen) > self._max_clients:
                self._seen.popitem(last=False)
            if entry[1] >= self._burst:
                entry[2] += 1
                return False
            entry[1] += 1
        more = f" ({suppressed} more in the last window not logged)" if suppressed else ""
        self._log.warning("%s: %s%s", client, message, more)
        return True


def client_label(environ: dict | None, sid: str | None = None) -> str:
    """How a client is named in the log: its address and its session."""
    environ = environ or {}
    address = environ.get("playground.client_address") or environ.get("REMOTE_ADDR", "?")
    sid = sid or environ.get("playground.sid")
    return f"client {address}" + (f" sid {sid}" if sid else "")


# ---- Engine.IO sockets: without a session, and their pings -----------------------------


class SessionlessClock:
    """How long a WebSocket has gone without a Socket.IO session: since it opened, or
    since its session ended (``environ[SESSION_KEY]``, kept by app/sockets.py).

    Each WebSocket holds a worker thread; one that never sends the Socket.IO CONNECT
    (or stays on after its session) held it for good, and 80 of them locked every
    other client out of a worker (issue 24). ``timeout`` 0 or None: never expires.
    """

    def __init__(
        self, environ: dict, timeout: float | None, clock: Callable[[], float] = time.monotonic
    ):
        self.environ, self.timeout, self._clock = environ, timeout, clock
        self._since: float | None = clock()

    def expired(self) -> bool:
        if not self.timeout:
            return False
        if self.environ.get(SESSION_KEY):
            self._since = None
            return False
        now = self._clock()
        if self._since is None:
            self._since = now
        return now - self._since >= self.timeout


class ClosingSocket(engineio.socket.Socket):
    """An Engine.IO socket that lets go of what it holds when it closes.

    python-engineio 4.15 (threading mode) kept two things past a WebSocket's end, and
    a reconnect storm of 2,400 connections in 20 s took a worker from 10 to 2,430
    threads and from 110 to 318 MB (issue 24):

    * its ping thread, which sleeps ``ping_interval`` (25 s) and only then looks
      whether the socket is still open: here it waits on an event that :meth:`close`
      sets;
    * its place in the server's table: the WebSocket handler leaves by an exception
      (simple-websocket hands the connection back to the HTTP server that way) before
      ``_handle_connect`` deletes the closed socket, so only the server's monitor
      task removed it, one socket per ``ping_timeout / len(sockets)`` seconds, with
      its queue and locks (~16 KB each): here :meth:`close` removes it.

    python-engineio builds its sockets itself (``Server._handle_connect``), so
    :meth:`WireGuard.guard_connect` makes each new one this class in the Engine.IO
    ``connect`` event, before its first ping is scheduled (:meth:`adopt`).
    """

    ended: threading.Event

    @classmethod
    def adopt(cls, sock: engineio.socket.Socket) -> None:
        if type(sock) is engineio.socket.Socket:
            sock.ended = threading.Event()
            sock.__class__ = cls

    def _send_ping(self) -> None:
        if self.ended.wait(self.server.ping_interval):
            return  # closed meanwhile
        if not self.closing and not self.closed:
            self.last_ping = time.time()
            self.send(engineio.packet.Packet(engineio.packet.PING))

    def close(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().close(*args, **kwargs)
        finally:
            self.ended.set()
            if self.server.sockets.get(self.sid) is self:
                self.server.sockets.pop(self.sid, None)


# ---- the guard ----------------------------------------------------------------------------


class WireGuard:
    """The limits above, for one Socket.IO server; :func:`install` makes it."""

    def __init__(
        self,
        server: socketio.Server,
        max_outbound: int = MAX_OUTBOUND_BYTES,
        max_backlog: int = MAX_INBOUND_BACKLOG,
        clientlog: ClientLog | None = None,
        connect_timeout: float | None = CONNECT_TIMEOUT,
    ):
        self.server = server
        self.max_outbound = max_outbound
        self.max_backlog = max_backlog
        self.connect_timeout = connect_timeout
        self.log = clientlog or ClientLog()
        self.dropped = 0  # connections dropped for a broken limit

    # -- per connection

    def new_queue(self, *args: Any, **kwargs: Any) -> OutboundQueue:
        return OutboundQueue(self.max_outbound, self._overflowed)

    def outbound(self, sid: str) -> OutboundQueue | None:
        """The Engine.IO queue of Socket.IO session ``sid`` (None in the test client)."""
        eio_sid = self.server.manager.eio_sid_from_sid(sid, "/")
        sock = self.server.eio.sockets.get(eio_sid) if eio_sid else None
        found = getattr(sock, "queue", None)
        return found if isinstance(found, OutboundQueue) else None

    def attach(self, sid: str, environ: dict | None) -> FrameGate | None:
        """At connect: name the queue's owner; the gate for the session's frames."""
        if environ is not None:
            environ["playground.sid"] = sid  # for the log lines of the WebSocket
        outbound = self.outbound(sid)
        if outbound is None:
            return None
        outbound.owner, outbound.environ = sid, environ
        return FrameGate(outbound)

    def drop(self, sid: str, environ: dict | None, reason: str) -> None:
        """End a connection that broke a limit: its session, then its socket (a
        client that does not read would leave the writer blocked on it)."""
        self.dropped += 1
        self.log.warning(client_label(environ, sid), f"disconnected: {reason}")
        if environ is not None:
            environ["playground.dropped"] = True  # what it sent meanwhile is not read
        if sid is not None:
            self.server.disconnect(sid)
        _shut_socket(environ)

    def _overflowed(self, outbound: OutboundQueue) -> None:
        # called while the emitting thread may hold a session's locks: drop elsewhere
        reason = f"more than {outbound.limit} bytes waiting to be sent (the client does not read)"
        threading.Thread(
            target=self.drop,
            args=(outbound.owner, outbound.environ, reason),
            name="wire-drop",
            daemon=True,
        ).start()

    # -- the Engine.IO connect and message handlers, around python-socketio's

    def guard_connect(self, handle: Callable[..., Any]) -> Callable[..., Any]:
        def on_connect(eio_sid: str, environ: dict, *args: Any) -> Any:
            sock = self.server.eio.sockets.get(eio_sid)
            if sock is not None:
                ClosingSocket.adopt(sock)
            return handle(eio_sid, environ, *args)

        return on_connect

    def guard_messages(self, handle: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
        def on_message(eio_sid: str, data: Any) -> Any:
            try:
                return handle(eio_sid, data)
            except Undecodable as err:
                self._refuse_undecodable(eio_sid, err)
            except Exception as err:  # noqa: BLE001 - socketio's own packet checks too
                self._close(
                    eio_sid,
                    str(err)
                    if isinstance(err, CloseConnection)
                    else f"a malformed Socket.IO packet ({err})",
                )
            return None

        return on_message

    def _refuse_undecodable(self, eio_sid: str, err: Undecodable) -> None:
        if err.attachments:
            pending = self.server._binary_packet
            pending[eio_sid] = DroppedAttachments(
                pending, eio_sid, err.attachments, err.attachment_bytes
            )
        sid = self.server.manager.sid_from_eio_sid(eio_sid, "/")
        environ = self.server.environ.get(eio_sid)
        self.log.warning(client_label(environ, sid), f"refused a message: {err}")
        if sid is not None:
            self.server.emit(
                "error",
                {
                    "event": err.event or "message",
                    "field": "payload",
                    "message": f"could not decode the message: {err}",
                },
                to=sid,
            )

    def _close(self, eio_sid: str, reason: str) -> None:
        sid = self.server.manager.sid_from_eio_sid(eio_sid, "/")
        environ = self.server.environ.get(eio_sid)
        self.server._binary_packet.pop(eio_sid, None)  # a half-received binary packet
        self.drop(sid, environ, reason)

    # -- the WebSocket

    def check_backlog(self, waiting: list) -> None:
        """Raise CloseConnection if a client's unhandled messages are too many."""
        if len(waiting) > 1:
            size = sum(len(m) for m in list(waiting))
            if len(waiting) > self.max_backlog or size > MAX_INBOUND_BACKLOG_BYTES:
                raise CloseConnection(
                    f"{len(waiting)} messages ({size} bytes) waiting to "
                    f"be handled (sent faster than they can be)"
                )

    def websocket_class(self) -> type:
        guard = self

        class GuardedWebSocket(SimpleWebSocketWSGI):
            """simple-websocket for Engine.IO, with the inbound limits above."""

            def __init__(
                self, handler: Callable[..., Any], server: engineio.Server, **kwargs: Any
            ) -> None:
                kwargs.setdefault("max_message_size", server.max_http_buffer_size)
                super().__init__(handler, server, **kwargs)

            def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
                self.environ = environ
                self.unbound = SessionlessClock(environ, guard.connect_timeout)
                return super().__call__(environ, start_response)

            def wait(self) -> str | bytes | None:
                if self.environ.get("playground.dropped"):
                    return None
                # simple-websocket wakes a waiting reader before it marks a connection
                # it closed (a message over the limit) as closed, and never again: wait
                # in steps and look. Each step also looks at the time the socket has
                # gone without a Socket.IO session.
                while True:
                    if self.unbound.expired():
                        guard.log.warning(
                            client_label(self.environ),
                            f"disconnected: no Socket.IO session within "
                            f"{guard.connect_timeout:g} s",
                        )
                        return None
                    try:
                        data = self.ws.receive(timeout=RECEIVE_POLL_SECONDS)
                    except simple_websocket.ConnectionClosed:
                        return None
                    if data is not None:
                        break
                    if not self.ws.connected:
                        return None
                try:
                    guard.check_backlog(self.ws.input_buffer)
                    _check_engineio(data)
                except CloseConnection as err:
                    guard.log.warning(client_label(self.environ), f"disconnected: {err}")
                    guard.dropped += 1
                    return None  # Engine.IO then closes the connection
                return data

        return GuardedWebSocket


def _shut_socket(environ: dict | None) -> None:
    """Shut the TCP connection of a WebSocket, waking a writer blocked on it."""
    if not environ or environ.get("HTTP_UPGRADE", "").lower() != "websocket":
        return
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    if sock is None:
        return
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socketlib.SHUT_RDWR)


def packet_class(
    max_bytes: int,
    max_attachments: int = MAX_INBOUND_ATTACHMENTS,
    event_bytes: dict[str, int] | None = None,
) -> type:
    """A :class:`BoundedPacket` with these limits, for python-socketio's ``serializer``:
    ``max_bytes`` for a packet (header and attachments), ``event_bytes`` for the events
    allowed more (``{"open_run": run file limit + header}``)."""
    return type(
        "AppPacket",
        (BoundedPacket,),
        {
            "max_attachments": max_attachments,
            "max_bytes": max_bytes,
            "event_bytes": dict(event_bytes or {}),
        },
    )


def install(
    socketio_server: socketio.Server,
    max_outbound: int = MAX_OUTBOUND_BYTES,
    connect_timeout: float | None = CONNECT_TIMEOUT,
) -> WireGuard:
    """Put the limits into a python-socketio server (``socketio.server`` of
    Flask-SocketIO, made with ``serializer=packet_class(...)``); returns its guard."""
    guard = WireGuard(socketio_server, max_outbound=max_outbound, connect_timeout=connect_timeout)
    eio = socketio_server.eio
    eio.create_queue = guard.new_queue
    eio._async = {**eio._async, "websocket": guard.websocket_class()}
    eio.on("connect", guard.guard_connect(eio.handlers["connect"]))
    eio.on("message", guard.guard_messages(eio.handlers["message"]))
    return guard
