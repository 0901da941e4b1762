"""What every HTTP answer of the server obeys: the Host it answers for, the headers it
carries, and compression of the files it serves.

**Host** (DNS rebinding, issue 16). A page on ``evil.example`` whose name the attacker
re-points at 127.0.0.1 reaches a server on loopback from the victim's browser, and
the browser sends ``Host: evil.example`` and ``Origin: http://evil.example``: the
same-origin check, which compares the two, passes. So the server answers only Host
names it serves: the loopback names (``localhost``, ``*.localhost``, 127.0.0.0/8,
``::1``), the names given with ``--allowed-host`` (ALLOWED_HOSTS), and IP address
literals (a rebinding page cannot make the browser send one: it needs a name it
controls). Anything else gets a 400 with a one-line reason, for the page, the API
and the Socket.IO handshake alike (:class:`HostCheck` wraps the whole WSGI app).
``--allowed-host '*'`` turns the check off.

**Headers.** Every answer says ``X-Content-Type-Options: nosniff`` and
``Referrer-Policy: no-referrer``; the page also a Content-Security-Policy that lets
it load scripts and open connections to its own origin only, and be framed by no
other site (``frame-ancestors 'self'``). Plotly.js sets inline styles, hence
``style-src 'unsafe-inline'``; nothing else is relaxed. The ``Server`` header names
no version (app/server.py's request handler; gunicorn names none).

**Compression.** Plotly.js is 4.8 MB and went out as that. The files served from
``/static`` and ``/vendor`` are gzipped once per process and kept (:class:`Gzipped`):
they never change while the server runs, and compressing Plotly.js again for each
page load would take ~0.2 s of the one core the sessions share. (Flask-Compress would
compress every response anew unless given a cache backend, and brings brotli and
zstandard; a fixed set of files needs neither.) Behind nginx, nginx serves
``/static`` itself, compressed (deploy/).

**Cache lifetimes.** The built page (``/static/dist/``, app/assets.py) has content-hashed
names: a changed file is a new name, so those answers say ``public, max-age=31536000,
immutable`` and a returning browser asks for none of them again.
"""

from __future__ import annotations

import gzip
import ipaddress
import threading
from collections.abc import Callable, Iterable

from flask import Flask, Response, request

from . import assets

LOOPBACK_NAMES = ("localhost",)  # and *.localhost (RFC 6761), and any IP literal
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)
COMMON_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
MIN_COMPRESS_BYTES = 1024


# ---- Host ---------------------------------------------------------------------------------


def host_name(header: str) -> str:
    """The name part of a Host header: lower case, no port, no brackets, no final dot."""
    header = header.strip().lower()
    if header.startswith("["):  # [::1]:5000
        return header[1 : header.find("]")] if "]" in header else header
    if header.count(":") == 1:
        header = header.split(":", 1)[0]
    return header.rstrip(".")


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def host_allowed(name: str, allowed: Iterable[str]) -> bool:
    """Whether the server answers for Host ``name`` (module docstring)."""
    allowed = set(allowed)
    if "*" in allowed or name in allowed:
        return True
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    return _ip(name) is not None  # an address, loopback or not: not a rebound name


class HostCheck:
    """WSGI middleware: a 400 with a one-line reason for a Host the server does not serve."""

    def __init__(self, app: Callable, allowed: Iterable[str] = ()):
        self.app = app
        self.allowed = tuple(host_name(a) if a != "*" else a for a in allowed)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        raw = environ.get("HTTP_HOST", "")
        name = host_name(raw)
        if name and host_allowed(name, self.allowed):
            return self.app(environ, start_response)
        reason = (
            f"Host {raw!r} is not served here: only this machine's own names and "
            f"addresses, and names given with --allowed-host\n"
            if raw
            else "a request without a Host header\n"
        ).encode()
        start_response(
            "400 Bad Request",
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(reason))),
                *COMMON_HEADERS,
            ],
        )
        return [reason]


# ---- headers and compression --------------------------------------------------------------


class Gzipped:
    """Compressed bodies of files, made once per (path, ETag) and kept.

    One thread compresses a file while others asking for it wait (Plotly.js takes
    ~1 s; zlib lets the sessions run meanwhile)."""

    def __init__(self, max_entries: int = 256):
        self._cache: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()  # the cache
        self._making = threading.Lock()  # one compression at a time
        self._max = max_entries

    def body(self, key: tuple[str, str], data: Callable[[], bytes]) -> bytes:
        with self._lock:
            found = self._cache.get(key)
        if found is not None:
            return found
        with self._making:
            with self._lock:
                found = self._cache.get(key)
            if found is None:
                found = gzip.compress(data(), compresslevel=6, mtime=0)
                with self._lock:
                    if len(self._cache) < self._max:
                        self._cache[key] = found
        return found


def _compress(response: Response, gzipped: Gzipped) -> None:
    size = response.content_length
    etag, _ = response.get_etag()
    if (
        response.status_code != 200
        or "gzip" not in request.accept_encodings
        or request.range is not None
        or response.content_encoding
        or not (response.mimetype or "").startswith(COMPRESSIBLE)
        or etag is None
        or size is None
        or size < MIN_COMPRESS_BYTES
    ):
        return
    response.direct_passthrough = False  # a file response: read it (once per process)
    body = gzipped.body((request.path, etag), response.get_data)
    if len(body) >= size:
        return
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(etag, weak=True)  # the same file, another encoding


def install(app: Flask, allowed_hosts: Iterable[str]) -> None:
    """The Host check around the whole app (Socket.IO included), the headers and the
    compression on its HTTP answers."""
    gzipped = Gzipped()

    @app.after_request
    def harden(response: Response) -> Response:
        for name, value in COMMON_HEADERS:
            response.headers.setdefault(name, value)
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CSP)
        if request.path.startswith(("/static/", "/vendor/")):
            _compress(response, gzipped)
        if assets.hashed(request.path) and response.status_code in (200, 304):
            response.headers["Cache-Control"] = assets.IMMUTABLE
        return response

    # Flask's documented way to wrap its WSGI app in middleware: replace the method.
    app.wsgi_app = HostCheck(app.wsgi_app, allowed_hosts)  # type: ignore[method-assign]
