"""The live page inside a Jupyter notebook: ``show(config)``.

``show(Config(hidden=[2], activation="relu"))`` serves the playground from the
kernel itself (:class:`app.live.LiveServer`: the same app as ``playground serve``, on
a free port of the loopback interface, in a daemon thread) and displays the page
inline in an IFrame, opened on ``config`` (the URL's ``#`` part, Config.to_query, as
a shared link). One server per kernel, started at the first call and reused; it ends
with the kernel, or with :func:`stop`.

For figures without any server, see :meth:`engine.Trainer.figure`.
"""

from __future__ import annotations

import threading

from engine import Config

from .live import LiveServer

_lock = threading.Lock()
_server: LiveServer | None = None


def server() -> LiveServer:
    """The kernel's server, started on first use."""
    global _server
    with _lock:
        if _server is None:
            _server = LiveServer().start()
        return _server


def url_for(config: Config | None = None) -> str:
    """The page's address on the kernel's server, opened on ``config``."""
    base = server().url + "/"
    query = config.to_query() if config is not None else ""
    return f"{base}#{query}" if query else base


def show(config: Config | None = None, width: int | str = "100%", height: int = 860) -> str:
    """Display the live page, opened on ``config`` (default: the playground's
    defaults), inline in the notebook (an ``IPython.display.IFrame``); returns its
    address, for a browser tab of its own."""
    if config is not None and not isinstance(config, Config):
        raise TypeError(f"show() needs an engine.Config, got {type(config).__name__}")
    from IPython.display import IFrame, display

    url = url_for(config)
    display(IFrame(url, width=width, height=height))
    return url


def stop() -> None:
    """Stop the kernel's server, if it runs (every session's thread ends with it)."""
    global _server
    with _lock:
        if _server is not None:
            _server.close()
            _server = None


__all__ = ["server", "show", "stop", "url_for"]
