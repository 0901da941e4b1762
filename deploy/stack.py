"""nginx in front of several ``playground serve`` processes: the config, and a launcher.

    python deploy/stack.py nginx-config --server 10.0.0.11:5000 --server 10.0.0.12:5000
    python deploy/stack.py run --servers 2 --port 8080 [--host 0.0.0.0] [--redis] [-- SERVE OPTIONS]

``nginx-config`` prints the site config (deploy/nginx/playground.conf.j2) for the given
hosts, to put in /etc/nginx/conf.d/ on the machine that faces the class.

``run`` starts the whole stack on this machine: N ``playground serve`` processes on
free loopback ports, and nginx on ``--host``:``--port`` in front of them. Everything is
this user's own processes (nginx too, with its config, pid file, logs and temp files
under a fresh prefix directory, not the system service), in their own process groups,
and on Linux each is told to stop if the launcher dies. When all of them answer it
prints one JSON line (the URL, each server's URL and pid, nginx's pid and prefix) and
waits; Ctrl-C or SIGTERM stops everything and removes the prefix. A server that dies
is reported and the stack goes on (nginx sends its clients to the others); if nginx
dies, the launcher stops the rest and exits with 1. Options after ``--`` go to every
``playground serve`` (e.g. ``-- --workers auto --max-fps 10``). With ``--redis`` it also
starts Debian's ``redis-server`` on a free loopback port (no persistence, its files under
the prefix) and gives every server ``--message-queue`` to it: class mode across servers
(docs/DEPLOY.md, "Class mode on several machines").

Run it with the project's Python (``.venv/bin/python deploy/stack.py ...``): it renders
with Jinja2 (a Flask dependency) and finds the static files through ``app.resources``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import jinja2

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
START_TIMEOUT = 60.0  # seconds for every process to answer
STOP_TIMEOUT = 15.0  # seconds for every process to end after SIGTERM
# nginx runs on this machine: the servers believe its X-Forwarded-For (the client's
# address, for their per-address limit) and nobody else's (docs/PROTOCOL.md, Limits)
TRUSTED_NGINX = ("--trusted-proxy", "127.0.0.1")


# ---- the config ---------------------------------------------------------------------------


def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "nginx"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def static_root() -> Path:
    """The page's static files, where the installed playground keeps them."""
    sys.path.insert(0, str(ROOT))  # a checkout that was never pip-installed
    from app import resources

    return resources.static_dir()


def site_config(
    servers: Sequence[str], listen: str = "80", server_name: str = "_", static: Path | None = None
) -> str:
    """The http-context site config: an upstream of ``servers`` ("host:port")."""
    if not servers:
        raise ValueError("at least one server (host:port)")
    return (
        _templates()
        .get_template("playground.conf.j2")
        .render(
            servers=list(servers),
            listen=listen,
            server_name=server_name,
            static_root=str(static or static_root()).rstrip("/"),
        )
    )


def nginx_config(site: str, prefix: Path, user: str | None, worker_processes: int = 1) -> str:
    """A whole nginx.conf around ``site`` that keeps every file under ``prefix``."""
    return (
        _templates()
        .get_template("nginx.conf.j2")
        .render(site=site, prefix=str(prefix), user=user, worker_processes=worker_processes)
    )


# ---- processes ------------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _die_with_launcher() -> None:
    """In the child, before exec: Linux sends it SIGTERM when the launcher dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _start(command: list[str], **kwargs) -> subprocess.Popen:
    preexec = _die_with_launcher if sys.platform.startswith("linux") else None
    return subprocess.Popen(command, start_new_session=True, preexec_fn=preexec, **kwargs)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _redis_answers(port: int) -> bool:
    """A PING answered with +PONG (no client library needed)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


class Stack:
    """``servers`` x ``playground serve`` and nginx in front, on this machine."""

    def __init__(
        self,
        servers: int,
        host: str,
        port: int,
        serve_args: Sequence[str] = (),
        nginx: str | None = None,
        redis: bool = False,
    ):
        self.nginx_bin = nginx or shutil.which("nginx") or "/usr/sbin/nginx"
        self.redis_bin = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.redis_port = free_port() if redis else None
        self.redis: subprocess.Popen | None = None
        self.host = host
        self.port = port or free_port(host if host not in ("", "::") else "127.0.0.1")
        self.serve_args = list(serve_args)
        self.server_ports = [free_port() for _ in range(servers)]
        self.prefix = Path(tempfile.mkdtemp(prefix="playground-nginx-"))
        self.servers: list[subprocess.Popen] = []
        self.nginx: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return _url(self.host, self.port)

    @property
    def redis_url(self) -> str | None:
        return None if self.redis_port is None else f"redis://127.0.0.1:{self.redis_port}/0"

    def start_redis(self) -> list[str]:
        """redis-server on loopback (no disk), waited for; the servers' options for it."""
        if self.redis_port is None:
            return []
        self.redis = _start(
            [
                self.redis_bin,
                *("--bind", "127.0.0.1", "--port", str(self.redis_port)),
                *("--save", "", "--appendonly", "no", "--dir", str(self.prefix)),
            ],
            stdout=sys.stderr,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not _redis_answers(self.redis_port):
            if self.redis.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.redis.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer within {START_TIMEOUT:.0f} s")
            time.sleep(0.05)
        return ["--message-queue", str(self.redis_url)]

    def server_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.server_ports]

    def write_config(self) -> Path:
        listen = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        site = site_config([f"127.0.0.1:{port}" for port in self.server_ports], listen=listen)
        user = pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None
        conf = self.prefix / "nginx.conf"
        conf.write_text(nginx_config(site, self.prefix, user))
        return conf

    def _nginx_command(self, conf: Path, *extra: str) -> list[str]:
        return [
            self.nginx_bin,
            "-p",
            str(self.prefix),
            "-c",
            str(conf),
            "-e",
            str(self.prefix / "error.log"),
            *extra,
        ]

    def start(self) -> None:
        conf = self.write_config()
        checked = subprocess.run(
            self._nginx_command(conf, "-t", "-q"), capture_output=True, text=True
        )
        if checked.returncode != 0:
            raise RuntimeError(f"nginx rejected {conf}: {checked.stderr.strip()}")
        queue = self.start_redis()
        # their output goes to stderr: stdout carries only the status line
        for port in self.server_ports:
            self.servers.append(
                _start(
                    [
                        sys.executable,
                        "-m",
                        "app",
                        "serve",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        *TRUSTED_NGINX,
                        *queue,
                        *self.serve_args,
                    ],
                    cwd=ROOT,
                    stdout=sys.stderr,
                )
            )
        self.nginx = _start(self._nginx_command(conf), stdout=sys.stderr)
        deadline = time.monotonic() + START_TIMEOUT
        for url, proc in [
            *zip(self.server_urls(), self.servers, strict=True),
            (self.url, self.nginx),
        ]:
            while not _answers(url):
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"{proc.args[0]} for {url} exited with {proc.returncode}"
                        + self._nginx_errors(proc)
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT:.0f} s")
                time.sleep(0.05)

    def _nginx_errors(self, proc: subprocess.Popen) -> str:
        log = self.prefix / "error.log"
        if proc is self.nginx and log.exists():
            return ": " + log.read_text()[-2000:]
        return ""

    def status(self) -> dict:
        return {
            "url": self.url,
            "servers": [
                {"url": url, "pid": proc.pid}
                for url, proc in zip(self.server_urls(), self.servers, strict=True)
            ],
            "nginx": {"pid": self.nginx.pid, "prefix": str(self.prefix)},
            "redis": None if self.redis is None else {"url": self.redis_url, "pid": self.redis.pid},
        }

    def watch(self, interval: float = 0.5) -> int:
        """Wait until nginx dies (returns 1); report servers that die on the way."""
        reported: set[int] = set()
        while self.nginx.poll() is None:
            for url, proc in zip(self.server_urls(), self.servers, strict=True):
                if proc.poll() is not None and proc.pid not in reported:
                    reported.add(proc.pid)
                    print(
                        f"stack: the server at {url} exited ({proc.returncode}); nginx "
                        "sends its clients to the others",
                        file=sys.stderr,
                        flush=True,
                    )
            time.sleep(interval)
        print(
            f"stack: nginx exited ({self.nginx.returncode}); stopping", file=sys.stderr, flush=True
        )
        return 1

    def stop(self) -> None:
        """SIGTERM to everything (nginx: fast shutdown; gunicorn: its graceful stop,
        which hangs up the WebSockets), then SIGKILL to whatever is left."""
        # redis last: the servers let go of it first
        procs = [p for p in [self.nginx, *self.servers, self.redis] if p is not None]
        for proc in procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.0, deadline - time.monotonic()))
            # the whole group: a gunicorn master's workers, nginx's workers
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
        shutil.rmtree(self.prefix, ignore_errors=True)


def _stop_on_signals() -> None:
    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def run(args: argparse.Namespace) -> int:
    _stop_on_signals()
    stack = Stack(args.servers, args.host, args.port, args.serve_args, redis=args.redis)
    try:
        stack.start()
        print(json.dumps(stack.status()), flush=True)
        print(
            f"NumPy Playground: {stack.url}/ -> {args.servers} servers "
            f"({', '.join(stack.server_urls())}); Ctrl-C stops them all",
            file=sys.stderr,
            flush=True,
        )
        return stack.watch()
    except KeyboardInterrupt:
        return 0
    except RuntimeError as err:
        print(f"stack: {err}", file=sys.stderr, flush=True)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # finish stopping once asked
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deploy/stack.py", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    config = commands.add_parser("nginx-config", help="print the nginx site config")
    config.add_argument(
        "--server",
        action="append",
        required=True,
        metavar="HOST:PORT",
        help="a `playground serve` host (repeat for each)",
    )
    config.add_argument("--listen", default="80", help="nginx's listen address (default 80)")
    config.add_argument("--server-name", default="_", help="nginx's server_name (default _)")
    config.add_argument(
        "--static",
        type=Path,
        default=None,
        help="the playground's static/ directory on the nginx machine "
        "(default: this installation's)",
    )
    stack = commands.add_parser("run", help="run nginx and N servers on this machine")
    stack.add_argument("--servers", type=int, default=2, help="playground serve processes")
    stack.add_argument(
        "--host",
        default="127.0.0.1",
        help="nginx's address (default 127.0.0.1; 0.0.0.0 for the network)",
    )
    stack.add_argument("--port", type=int, default=8080, help="nginx's port (0: a free one)")
    stack.add_argument(
        "--redis",
        action="store_true",
        help="also run redis-server and give the servers --message-queue (class mode)",
    )
    stack.add_argument(
        "serve_args",
        nargs="*",
        metavar="-- SERVE OPTIONS",
        help="options for every `playground serve`, after --",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "nginx-config":
        sys.stdout.write(site_config(args.server, args.listen, args.server_name, args.static))
        return 0
    if args.servers < 1:
        raise SystemExit("--servers: at least 1")
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
