"""How one process tells the others about a class: a push, a lock, an ending, a request
for a student's view and its answer.

A session lives in the process that holds its WebSocket, so a push must be applied
there. Every process subscribes to one Redis channel (:class:`RedisBus`, redis-py's
pub/sub) and acts on the messages that concern its own sessions, the sender included
(it hears its own messages, so there is one path). Flask-SocketIO's message queue
(the same Redis) would carry an emit to any client, but not a change to a session's
run, and its emits would not hold a session's send lock (a frame's packets must not
interleave with another event's): so class messages go through this bus, and each
process emits to its own sessions through :meth:`app.session.Session.send`.

Without a message queue, :class:`LocalBus` calls the subscribers at once, in the
sender's thread. Messages are plain JSON objects with a ``kind`` (bytes in them are
base64 text, see :func:`pack_bytes`).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

CHANNEL = "playground:classes"
Handler = Callable[[dict], None]


def pack_bytes(payload: dict) -> dict:
    """``payload`` with its ``bytes`` values (one level deep) as ``{"b64": text}``."""
    return {
        k: {"b64": base64.b64encode(v).decode()} if isinstance(v, bytes | bytearray) else v
        for k, v in payload.items()
    }


def unpack_bytes(payload: dict) -> dict:
    """The inverse of :func:`pack_bytes`."""
    return {
        k: base64.b64decode(v["b64"]) if isinstance(v, dict) and set(v) == {"b64"} else v
        for k, v in payload.items()
    }


class LocalBus:
    """One process: a message reaches the subscribers at once, in the caller's thread."""

    def __init__(self) -> None:
        self._handlers: list[Handler] = []

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    def publish(self, message: dict) -> None:
        for handler in list(self._handlers):
            handler(message)

    def close(self) -> None:
        self._handlers.clear()


class RedisBus:
    """Every process on one Redis channel; a thread hands each message to the handlers."""

    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        import redis

        self.channel = channel
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=5)
        self._handlers: list[Handler] = []
        self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self._pubsub.subscribe(channel)  # before the first publish: nothing is missed
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="class-bus", daemon=True)
        self._thread.start()

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    def publish(self, message: dict) -> None:
        self.redis.publish(self.channel, json.dumps(message))

    def _listen(self) -> None:
        while not self._stopped.is_set():
            try:
                message = self._pubsub.get_message(timeout=1.0)
            except Exception as err:  # Redis went away: say so, and try again
                log.warning("class bus: %s", err)
                self._stopped.wait(1.0)
                continue
            if message is None or message.get("type") != "message":
                continue
            try:
                data = json.loads(message["data"])
                for handler in list(self._handlers):
                    handler(data)
            except Exception:  # one bad message must not end the process's classes
                log.exception("class bus: a message failed")

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=2)
        self._pubsub.close()
