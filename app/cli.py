"""The command line: ``playground serve [--host H] [--port P] [--workers N] [--open]``,
``playground sweep ...`` (:mod:`app.sweep_cli`), ``playground export RUN --to
numpy|torch|keras [-o FILE]`` (:mod:`app.export_cli`) and ``playground animate RUN -o
run.gif`` (:mod:`app.animate_cli`).

``python -m app`` is the same program; with no arguments it serves. It serves on
gunicorn (:mod:`app.production`); where gunicorn cannot run (Windows) it falls back
to Werkzeug's development server, one process, and says so.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import threading
import webbrowser
from collections.abc import Sequence

from . import __version__
from .addresses import parse_networks
from .animate_cli import add_animate_parser, run_animate
from .export_cli import add_export_parser, run_export
from .sweep_cli import add_sweep_parser, run_sweep
from .switch_interval import use_serving_switch_interval

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="playground", description="NumPy Playground: watch small neural networks learn."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="serve the playground over HTTP")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 serves the network)",
    )
    serve.add_argument("--port", type=int, default=5000, help="TCP port (default 5000)")
    serve.add_argument(
        "--workers",
        type=workers_arg,
        default=1,
        metavar="N",
        help="server processes sharing the port, each with its own sessions "
        "and session cap (default 1; 'auto': one per core)",
    )
    serve.add_argument("--open", action="store_true", help="open the page in a web browser")
    serve.add_argument(
        "--max-sessions",
        type=int,
        default=None,
        help="refuse connections beyond this many sessions (default 64)",
    )
    serve.add_argument(
        "--max-fps",
        type=float,
        default=None,
        help="frames per second per client, at most (default 30)",
    )
    serve.add_argument(
        "--cors",
        action="append",
        metavar="ORIGIN",
        default=None,
        help="also accept Socket.IO connections from this origin "
        "(repeatable; '*' for any; default: same origin only)",
    )
    add_limit_options(serve)
    add_class_options(serve)
    add_sweep_parser(commands)
    add_export_parser(commands)
    add_animate_parser(commands)
    return parser


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def workers_arg(text: str) -> int:
    """``--workers``: a count >= 1, or ``auto`` for one process per core."""
    if text == "auto":
        return available_cores()
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'auto', got {text!r}") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"at least 1 process, got {count}")
    return count


def production_unavailable() -> str | None:
    """Why the production server cannot run here, or None when it can. gunicorn needs
    fork() and fcntl, which Windows lacks (pyproject.toml does not install it there)."""
    if not hasattr(os, "fork"):
        return "this system has no fork()"
    try:
        from . import production  # noqa: F401
    except ImportError as err:
        return f"gunicorn cannot be imported ({err})"
    return None


def add_limit_options(serve: argparse.ArgumentParser) -> None:
    """What one client may hold (docs/PROTOCOL.md, Limits)."""
    serve.add_argument(
        "--max-per-address",
        type=int,
        default=None,
        metavar="N",
        help="sessions one client address may hold (default 8; 0: no "
        "limit; a class behind one NAT address needs more)",
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=None,
        metavar="ADDR",
        type=network_arg,
        help="a reverse proxy (address or network) whose X-Forwarded-For "
        "names the client (repeatable)",
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=None,
        metavar="NAME",
        help="also answer requests for this host name (repeatable; "
        "default: this machine's own names and addresses only)",
    )
    serve.add_argument(
        "--idle-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="close a session that sent nothing for this long (default 900; 0: never)",
    )


MESSAGE_QUEUE_ENV = "PLAYGROUND_MESSAGE_QUEUE"


def add_class_options(serve: argparse.ArgumentParser) -> None:
    """Class mode (docs/PROTOCOL.md, Class mode; docs/DEPLOY.md)."""
    serve.add_argument(
        "--message-queue",
        default=os.environ.get(MESSAGE_QUEUE_ENV) or None,
        metavar="redis://HOST:PORT",
        help="share classes (and Socket.IO's emits) between worker processes and hosts "
        f"through this Redis server (default: ${MESSAGE_QUEUE_ENV}; none: a class lives "
        "in one process)",
    )
    serve.add_argument(
        "--class-size",
        type=int,
        default=None,
        metavar="N",
        help="students one class may hold (default 200)",
    )


def check_message_queue(url: str) -> str:
    """``url`` if a Redis server answers there; else exit saying why, before any worker
    starts (a worker that cannot reach it would fail to boot, again and again)."""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise SystemExit(f"--message-queue must be a redis:// URL, got {url!r}")
    try:
        import redis
    except ImportError:
        raise SystemExit(
            '--message-queue needs the Redis client: pip install "numpy-playground[redis]"'
        ) from None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        client.ping()
        client.close()
    except (redis.RedisError, ValueError) as err:
        raise SystemExit(f"--message-queue: no Redis answers at {url}: {err}") from None
    return url


def class_overrides(args: argparse.Namespace) -> dict:
    """The app settings of :func:`add_class_options`."""
    overrides: dict = {}
    if args.message_queue:
        overrides["MESSAGE_QUEUE"] = check_message_queue(args.message_queue)
    if args.class_size is not None:
        if args.class_size < 1:
            raise SystemExit(f"--class-size must be at least 1, got {args.class_size}")
        overrides["CLASS_SIZE"] = args.class_size
    return overrides


def network_arg(text: str) -> str:
    """``--trusted-proxy``: an IP address or network, checked here."""
    try:
        parse_networks([text])
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def limit_overrides(args: argparse.Namespace) -> dict:
    """The app settings of :func:`add_limit_options`."""
    overrides: dict = {}
    if args.max_per_address is not None:
        overrides["MAX_SESSIONS_PER_ADDRESS"] = args.max_per_address
    if args.trusted_proxy:
        overrides["TRUSTED_PROXIES"] = list(args.trusted_proxy)
    if args.idle_timeout is not None:
        overrides["IDLE_TIMEOUT"] = args.idle_timeout
    if args.allowed_host:
        overrides["ALLOWED_HOSTS"] = list(args.allowed_host)
    return overrides


def url_for(host: str, port: int) -> str:
    """The URL to print and open: a wildcard bind is reached through loopback."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(args: argparse.Namespace) -> int:
    # a shorter GIL switch interval lets the socket threads in sooner (switch_interval.py);
    # set before gunicorn forks, so every worker starts with it
    use_serving_switch_interval()

    overrides: dict = {}
    if args.max_sessions is not None:
        overrides["MAX_SESSIONS"] = args.max_sessions
    if args.max_fps is not None:
        overrides["MAX_FPS"] = args.max_fps
    if args.cors:
        overrides["CORS_ALLOWED_ORIGINS"] = "*" if "*" in args.cors else args.cors
    overrides.update(limit_overrides(args))
    overrides.update(class_overrides(args))
    # one key for every worker process, not one each
    overrides["SECRET_KEY"] = secrets.token_hex(32)
    url = url_for(args.host, args.port)
    if args.host not in LOOPBACK:
        print(
            f"WARNING: listening on {args.host}: anyone who can reach this machine "
            f"on port {args.port} can use the playground.",
            file=sys.stderr,
            flush=True,
        )
    why_not = production_unavailable()
    if why_not is None:
        from . import production

        processes = "1 process" if args.workers == 1 else f"{args.workers} processes"
        print(f"NumPy Playground {__version__}: {url} ({processes})", flush=True)
        production.serve(
            overrides, args.host, args.port, args.workers, open_url=url if args.open else None
        )
        return 0
    return serve_fallback(args, overrides, url, why_not)


def serve_fallback(args: argparse.Namespace, overrides: dict, url: str, why_not: str) -> int:
    """Werkzeug's development server, one process: where gunicorn cannot run."""
    from .server import WebSocketAwareHandler, create_app, get_socketio

    extra = f"; --workers {args.workers} ignored" if args.workers > 1 else ""
    print(
        f"NOTE: the production server (gunicorn) cannot run here: {why_not}. Serving "
        f"with Werkzeug's development server instead, in one process{extra}: fine for "
        "a few people, not for a class (docs/DEPLOY.md).",
        file=sys.stderr,
        flush=True,
    )
    app = create_app(overrides)
    print(f"NumPy Playground {__version__}: {url}", flush=True)
    if args.open:
        # the server is not listening yet; a browser takes longer than that to ask
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    get_socketio(app).run(
        app,
        host=args.host,
        port=args.port,
        allow_unsafe_werkzeug=True,
        request_handler=WebSocketAwareHandler,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``playground`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in (
        "serve",
        "sweep",
        "export",
        "animate",
        "-h",
        "--help",
        "--version",
    ):
        argv = ["serve", *argv]  # `python -m app [--port P]` serves
    args = build_parser().parse_args(argv)
    commands = {"sweep": run_sweep, "export": run_export, "animate": run_animate}
    return commands.get(args.command, serve)(args)
