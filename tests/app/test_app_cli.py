"""The command line: serve on loopback by default, warn on 0.0.0.0, open a browser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def fake_run(monkeypatch):
    calls = []
    from flask_socketio import SocketIO

    monkeypatch.setattr(SocketIO, "run", lambda self, app, **kw: calls.append(kw))
    return calls


def test_serve_defaults_to_loopback(fake_run, capsys):
    assert cli.main(["serve"]) == 0
    (kw,) = fake_run
    assert kw["host"] == "127.0.0.1" and kw["port"] == 5000
    assert kw["allow_unsafe_werkzeug"] is True
    out, err = capsys.readouterr()
    assert "http://127.0.0.1:5000/" in out
    assert "WARNING" not in err


def test_no_arguments_means_serve(fake_run):
    assert cli.main([]) == 0
    assert fake_run[0]["host"] == "127.0.0.1"
    assert cli.main(["--port", "5123"]) == 0
    assert fake_run[1]["port"] == 5123


def test_wildcard_host_warns(fake_run, capsys):
    cli.main(["serve", "--host", "0.0.0.0", "--port", "8000"])
    assert fake_run[0]["host"] == "0.0.0.0"
    out, err = capsys.readouterr()
    assert "WARNING" in err and "0.0.0.0" in err
    assert "http://127.0.0.1:8000/" in out


def test_open_starts_a_browser(fake_run, monkeypatch):
    opened = []
    monkeypatch.setattr(cli.webbrowser, "open", opened.append)

    class Now:
        def __init__(self, delay, fn, args=()):
            self.fn, self.args = fn, args

        def start(self):
            self.fn(*self.args)

    monkeypatch.setattr(cli.threading, "Timer", Now)
    cli.main(["serve", "--open", "--port", "5001"])
    assert opened == ["http://127.0.0.1:5001/"]


def test_options_reach_the_app(fake_run, monkeypatch):
    made = []
    import app.server

    real = app.server.create_app
    monkeypatch.setattr(app.server, "create_app", lambda cfg: made.append(cfg) or real(cfg))
    cli.main(["serve", "--max-sessions", "3", "--max-fps", "10", "--cors", "*"])
    assert made == [{"MAX_SESSIONS": 3, "MAX_FPS": 10.0, "CORS_ALLOWED_ORIGINS": "*"}]


def test_python_dash_m_app_help():
    out = subprocess.run([sys.executable, "-m", "app", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "serve" in out.stdout
