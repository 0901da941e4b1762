"""Attacks 6 and 8 of issue 16: DNS rebinding, and HTTP hygiene (app/http_policy.py)."""

from __future__ import annotations

import gzip
import http.client
import json
from pathlib import Path

import pytest
import websocket

from bench.raw_socket import RawSocket

STYLES = Path(__file__).resolve().parents[2] / "static" / "css"  # the page's style sheets


def get(server, path: str, host: str | None = None, headers: dict | None = None):
    """(status, headers, body) of a GET with this Host header."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host or f"127.0.0.1:{server.port}")
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


# ---- 6. DNS rebinding ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/schema",
        "/healthz",
        "/vendor/socket.io.min.js",
        "/socket.io/?EIO=4&transport=polling",
    ],
)
def test_a_rebound_host_name_gets_a_400_with_a_reason(serve, path):
    server = serve()
    status, headers, body = get(server, path, host=f"evil.example:{server.port}")
    assert status == 400
    text = body.decode()
    assert text.count("\n") == 1 and "Host 'evil.example:" in text and "--allowed-host" in text
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_rebound_host_cannot_open_a_socket(serve):
    """The attack of the issue: Host and Origin both the attacker's, the same-origin
    check satisfied; the handshake is refused before Socket.IO sees it."""
    server = serve()
    evil = f"evil.example:{server.port}"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(
            f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket",
            host=evil,
            origin=f"http://{evil}",
            timeout=10,
        )
    assert refused.value.status_code == 400
    assert len(server.sessions) == 0


@pytest.mark.parametrize(
    "host",
    [
        "localhost:{port}",
        "127.0.0.1:{port}",
        "[::1]:{port}",
        "LOCALHOST.:{port}",
        "app.localhost:{port}",
        "192.168.1.5:{port}",
        "localhost",
    ],
)
def test_this_machines_names_and_addresses_are_served(serve, host):
    server = serve()
    status, _, _ = get(server, "/healthz", host=host.format(port=server.port))
    assert status == 200


def test_allowed_host_serves_a_real_name_on_page_and_socket(serve):
    server = serve({"ALLOWED_HOSTS": ["playground.school.example"]})
    name = f"playground.school.example:{server.port}"
    status, _, body = get(server, "/", host=name)
    assert status == 200 and b"<html" in body.lower()
    client = RawSocket(server.url, host=name, origin=f"http://{name}")
    assert client.sid and len(server.sessions) == 1
    client.close()
    assert get(server, "/", host=f"other.example:{server.port}")[0] == 400


# ---- 8. HTTP hygiene ----------------------------------------------------------------------


def test_the_page_carries_a_strict_policy_and_no_versions(serve):
    server = serve()
    status, headers, _ = get(server, "/")
    assert status == 200
    csp = dict(d.strip().split(" ", 1) for d in headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["connect-src"] == "'self'"
    assert csp["frame-ancestors"] == "'self'" and csp["default-src"] == "'self'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "Werkzeug" not in headers["Server"] and "Python" not in headers["Server"]
    api = get(server, "/api/schema")[1]
    assert api["X-Content-Type-Options"] == "nosniff"
    assert json.loads(get(server, "/api/schema")[2])


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/plotly.min.js",
        "/vendor/socket.io.min.js",
        "/static/js/main.js",
        "/static/css/playground.css",
    ],
)
def test_scripts_and_styles_go_out_gzipped_to_who_accepts_it(serve, path):
    server = serve()
    status, plain_headers, plain = get(server, path)
    assert status == 200 and "Content-Encoding" not in plain_headers
    status, headers, packed = get(server, path, headers={"Accept-Encoding": "gzip, br"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers["Vary"]
    assert gzip.decompress(packed) == plain
    assert len(packed) < 0.6 * len(plain)
    # a browser's revalidation of the compressed copy
    again = get(server, path, headers={"Accept-Encoding": "gzip", "If-None-Match": headers["ETag"]})
    assert again[0] == 304


def test_the_built_page_goes_out_under_hashed_names_kept_a_year_and_gzipped(serve):
    """The script, its source map and the styles the page names (app/assets.py)."""
    import re
    from urllib.parse import urljoin

    server = serve()
    page = get(server, "/")[2].decode()
    names = re.findall(r'(?:src|href)="(/static/dist/[^"]+)"', page)
    (script,) = [n for n in names if n.endswith(".js")]
    assert re.fullmatch(r"/static/dist/main-[A-Z0-9]{8}\.js", script)
    assert sum(n.endswith(".css") for n in names) == len(
        list(STYLES.glob("*.css"))
    )  # one built file each
    for path in [*names, f"{script}.map"]:
        status, plain_headers, plain = get(server, path)
        assert status == 200 and "Content-Encoding" not in plain_headers
        assert plain_headers["Cache-Control"] == "public, max-age=31536000, immutable", path
        status, headers, packed = get(server, path, headers={"Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Encoding"] == "gzip", path
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert gzip.decompress(packed) == plain
        again = get(
            server, path, headers={"Accept-Encoding": "gzip", "If-None-Match": headers["ETag"]}
        )
        assert again[0] == 304 and "immutable" in again[1]["Cache-Control"]
    # the source map is JSON naming the page's own modules, and the script points to it
    status, headers, body = get(server, f"{script}.map")
    assert headers["Content-Type"].startswith("application/json")
    sources = {urljoin(f"{script}.map", s) for s in json.loads(body)["sources"]}
    assert {"/static/js/main.js", "/static/js/surface.js"} <= sources
    assert (
        get(server, script)[2]
        .rstrip()
        .endswith(f"//# sourceMappingURL={script.rsplit('/', 1)[1]}.map".encode())
    )
    # the sources keep a short lifetime: their names carry no version
    assert "immutable" not in (get(server, "/static/js/main.js")[1]["Cache-Control"] or "")
