"""A python-socketio client that receives frames intact, for tests, benchmarks, notebooks.

The stock ``socketio.Client`` hands every Engine.IO message to a new thread. A frame
is one header message followed by its binary attachments, so under load a thread with
an attachment can run before the thread with the header and the client fails with
"invalid literal for int()" or drops the connection (python-socketio issues #37, #39,
#403). :class:`OrderedClient` handles messages one after the other on the read loop
instead, as the browser's client does. Event handlers then run on that loop too: keep
them short (emitting from them is fine). It connects over WebSocket only, as the
server requires (docs/PROTOCOL.md).

Needs the client extra: ``pip install "python-socketio[client]"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import engineio
import socketio


class _OrderedEngineIOClient(engineio.Client):
    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class OrderedClient(socketio.Client):
    """``socketio.Client`` whose messages are decoded in the order they arrived, over
    WebSocket unless told otherwise."""

    def _engineio_client_class(self) -> type[_OrderedEngineIOClient]:
        return _OrderedEngineIOClient

    def connect(
        self, url: str, *args: Any, transports: Sequence[str] = ("websocket",), **kwargs: Any
    ) -> None:
        super().connect(url, *args, transports=list(transports), **kwargs)
