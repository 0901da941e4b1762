"""The command line: serve on loopback by default, warn on 0.0.0.0, open a browser,
gunicorn with --workers N processes, Werkzeug only where gunicorn cannot run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def fake_run(monkeypatch):
    """Record what `serve` would start gunicorn with, instead of starting it."""
    calls = []
    from app import production

    def fake_serve(config, host, port, workers, open_url=None):
        calls.append(
            {"config": config, "host": host, "port": port, "workers": workers, "open_url": open_url}
        )

    monkeypatch.setattr(production, "serve", fake_serve)
    return calls


def test_serve_defaults_to_loopback_and_one_process(fake_run, capsys):
    assert cli.main(["serve"]) == 0
    (kw,) = fake_run
    assert kw["host"] == "127.0.0.1" and kw["port"] == 5000 and kw["workers"] == 1
    out, err = capsys.readouterr()
    assert "http://127.0.0.1:5000/" in out
    assert "WARNING" not in err and "NOTE" not in err


def test_no_arguments_means_serve(fake_run):
    assert cli.main([]) == 0
    assert fake_run[0]["host"] == "127.0.0.1"
    assert cli.main(["--port", "5123"]) == 0
    assert fake_run[1]["port"] == 5123


def test_workers_take_a_count_or_auto(fake_run, monkeypatch, capsys):
    cli.main(["serve", "--workers", "3"])
    assert fake_run[-1]["workers"] == 3
    assert "(3 processes)" in capsys.readouterr().out
    monkeypatch.setattr(cli.os, "sched_getaffinity", lambda pid: {0, 1, 5, 7}, raising=False)
    cli.main(["serve", "--workers", "auto"])
    assert fake_run[-1]["workers"] == 4
    for bad in ("0", "-2", "many", "1.5"):
        with pytest.raises(SystemExit):
            cli.main(["serve", "--workers", bad])
        assert "--workers" in capsys.readouterr().err


def test_every_worker_gets_the_same_config_and_secret_key(fake_run):
    cli.main(["serve", "--workers", "2"])
    cli.main(["serve", "--workers", "2"])
    first, second = (call["config"] for call in fake_run)
    # one key per server, shared by its processes; a new one per start
    assert len(first["SECRET_KEY"]) == 64 and first["SECRET_KEY"] != second["SECRET_KEY"]


def test_falls_back_to_werkzeug_only_where_gunicorn_cannot_run(monkeypatch, capsys):
    from flask_socketio import SocketIO

    ran = []
    monkeypatch.setattr(SocketIO, "run", lambda self, app, **kw: ran.append(kw))
    monkeypatch.setattr(cli, "production_unavailable", lambda: "no fork() on this system")
    assert cli.main(["serve", "--workers", "4", "--port", "5002"]) == 0
    (kw,) = ran
    assert kw["port"] == 5002 and kw["allow_unsafe_werkzeug"] is True
    err = capsys.readouterr().err
    assert "no fork() on this system" in err and "development server" in err
    assert "--workers 4 ignored" in err


def test_gunicorn_is_available_here():
    # the production server is what this machine (Linux) must use
    assert cli.production_unavailable() is None


def test_wildcard_host_warns(fake_run, capsys):
    cli.main(["serve", "--host", "0.0.0.0", "--port", "8000"])
    assert fake_run[0]["host"] == "0.0.0.0"
    out, err = capsys.readouterr()
    assert "WARNING" in err and "0.0.0.0" in err
    assert "http://127.0.0.1:8000/" in out


def test_open_asks_for_a_browser_once_the_port_is_bound(fake_run):
    cli.main(["serve", "--open", "--port", "5001"])
    assert fake_run[0]["open_url"] == "http://127.0.0.1:5001/"
    cli.main(["serve", "--port", "5001"])
    assert fake_run[1]["open_url"] is None


def test_options_reach_the_app(fake_run):
    cli.main(["serve", "--max-sessions", "3", "--max-fps", "10", "--cors", "*"])
    config = dict(fake_run[0]["config"])
    config.pop("SECRET_KEY")
    assert config == {"MAX_SESSIONS": 3, "MAX_FPS": 10.0, "CORS_ALLOWED_ORIGINS": "*"}


def test_python_dash_m_app_help():
    out = subprocess.run(
        [sys.executable, "-m", "app", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0 and "serve" in out.stdout


def test_limit_options_reach_the_app(fake_run):
    cli.main(
        [
            "serve",
            "--max-per-address",
            "40",
            "--trusted-proxy",
            "127.0.0.1",
            "--trusted-proxy",
            "10.0.0.0/8",
            "--idle-timeout",
            "60",
            "--allowed-host",
            "playground.school.example",
        ]
    )
    config = dict(fake_run[0]["config"])
    config.pop("SECRET_KEY")
    assert config == {
        "MAX_SESSIONS_PER_ADDRESS": 40,
        "IDLE_TIMEOUT": 60.0,
        "TRUSTED_PROXIES": ["127.0.0.1", "10.0.0.0/8"],
        "ALLOWED_HOSTS": ["playground.school.example"],
    }


def test_a_bad_trusted_proxy_stops_the_server_naming_it(fake_run, capsys):
    with pytest.raises(SystemExit):
        cli.main(["serve", "--trusted-proxy", "not-an-ip"])
    assert "not an IP address or network: 'not-an-ip'" in capsys.readouterr().err


# ---- class mode: --message-queue and --class-size ------------------------------------------


def test_class_options_reach_the_app_and_the_queue_comes_from_the_environment(
    fake_run, monkeypatch
):
    from class_helpers import redis_server

    with redis_server() as url:
        cli.main(["serve", "--message-queue", url, "--class-size", "30"])
        monkeypatch.setenv(cli.MESSAGE_QUEUE_ENV, url)
        cli.main(["serve"])
    assert fake_run[0]["config"]["MESSAGE_QUEUE"] == url
    assert fake_run[0]["config"]["CLASS_SIZE"] == 30
    assert fake_run[1]["config"]["MESSAGE_QUEUE"] == url
    monkeypatch.delenv(cli.MESSAGE_QUEUE_ENV)
    assert "MESSAGE_QUEUE" not in cli.class_overrides(cli.build_parser().parse_args(["serve"]))


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--message-queue", "amqp://localhost"], "must be a redis:// URL"),
        (["--message-queue", "redis://127.0.0.1:1/0"], "no Redis answers at redis://127.0.0.1:1/0"),
        (["--class-size", "0"], "--class-size must be at least 1"),
    ],
)
def test_a_bad_class_option_stops_the_server_before_any_worker_saying_why(fake_run, argv, said):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["serve", *argv])
    assert said in str(stopped.value)
    assert fake_run == []
