"""HTTP routes: the page, health, the JSON APIs and the vendored scripts."""

from __future__ import annotations

import json
import re

import pytest

from app import __version__
from engine import Config


@pytest.fixture()
def http(app):
    return app.test_client()


def test_healthz_names_the_process_and_its_sessions(http, connect):
    import os

    # TEST_CONFIG's cap of 4; "pid" tells the processes of `serve --workers N` apart
    assert http.get("/healthz").get_json() == {
        "status": "ok",
        "pid": os.getpid(),
        "sessions": 0,
        "max_sessions": 4,
        "version": __version__,
    }
    connect()
    assert http.get("/healthz").get_json()["sessions"] == 1


def test_version_matches_pyproject():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert re.search(r'^version = "([^"]+)"', text, re.M).group(1) == __version__


def test_index_renders_the_schema_and_presets(http):
    response = http.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    schema = re.search(r'<script type="application/json" id="schema">(.*?)</script>', html, re.S)
    assert json.loads(schema.group(1)) == json.loads(json.dumps(Config.schema()))
    presets = re.search(r'<script type="application/json" id="presets">(.*?)</script>', html, re.S)
    assert isinstance(json.loads(presets.group(1)), list)
    assert __version__ in html
    assert "cdn" not in html.lower()


def test_api_schema(http):
    fields = http.get("/api/schema").get_json()
    names = {f["name"] for f in fields}
    assert {"lr", "hidden", "grid", "speed", "dataset"} <= names


def test_api_presets(http):
    presets = http.get("/api/presets").get_json()
    assert isinstance(presets, list)
    for p in presets:
        assert {"name", "title", "watch", "config"} <= set(p)
        Config().replace(p["config"])  # every preset is a valid partial config


def test_api_datasets(http):
    data = http.get("/api/datasets").get_json()
    assert "xor4" in data
    for name, d in data.items():
        assert d["problem"] in ("classification", "regression"), name
        assert len(d["domain"]) == 4
        assert 4 <= len(d["points"]) <= 200 and all(len(p) == 3 for p in d["points"])


@pytest.mark.parametrize("path", ["/vendor/plotly.min.js", "/vendor/socket.io.min.js"])
def test_vendor_scripts_are_served_with_long_cache(http, path):
    response = http.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert len(response.get_data()) > 10_000
    assert response.cache_control.max_age >= 7 * 24 * 3600


def test_static_files_are_served(http):
    assert http.get("/static/js/main.js").status_code == 200


def test_unknown_path_is_404(http):
    assert http.get("/nope").status_code == 404


def test_defaults_are_safe(app):
    from app import get_socketio

    server = get_socketio(app).server
    assert server.eio.cors_allowed_origins is None  # same origin only
    # one WebSocket message: at most a run file (open_run); any other packet, header and
    # attachments, at most 64 KiB
    assert server.eio.max_http_buffer_size <= 2**20
    assert server.packet_class.max_bytes <= 64 * 1024
    assert server.packet_class.event_bytes == {"open_run": 2**20 + 1024}
    assert server.eio.async_mode == "threading"
    assert len(app.config["SECRET_KEY"]) >= 32


def test_secret_key_is_random_per_app_unless_given(make_app):
    assert make_app().config["SECRET_KEY"] != make_app().config["SECRET_KEY"]
    assert make_app(SECRET_KEY="fixed").config["SECRET_KEY"] == "fixed"


def test_cors_is_configurable(make_app):
    from app import get_socketio

    app = make_app(CORS_ALLOWED_ORIGINS=["https://example.org"])
    assert get_socketio(app).server.eio.cors_allowed_origins == ["https://example.org"]
