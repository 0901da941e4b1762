"""The command line: ``playground serve [--host H] [--port P] [--open]``.

``python -m app`` is the same program; with no arguments it serves.
"""

from __future__ import annotations

import argparse
import sys
import threading
import webbrowser
from collections.abc import Sequence

from . import __version__
from .sweep_cli import add_sweep_parser, run_sweep

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="playground", description="NumPy Playground: watch small neural networks learn."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="serve the playground over HTTP")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to bind (default 127.0.0.1: this machine only; "
                            "0.0.0.0 serves the network)")
    serve.add_argument("--port", type=int, default=5000, help="TCP port (default 5000)")
    serve.add_argument("--open", action="store_true", help="open the page in a web browser")
    serve.add_argument("--max-sessions", type=int, default=None,
                       help="refuse connections beyond this many sessions (default 64)")
    serve.add_argument("--max-fps", type=float, default=None,
                       help="frames per second per client, at most (default 30)")
    serve.add_argument("--cors", action="append", metavar="ORIGIN", default=None,
                       help="also accept Socket.IO connections from this origin "
                            "(repeatable; '*' for any; default: same origin only)")
    add_sweep_parser(commands)
    return parser


def url_for(host: str, port: int) -> str:
    """The URL to print and open: a wildcard bind is reached through loopback."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


SWITCH_INTERVAL = 0.001  # seconds; CPython's default is 0.005


def serve(args: argparse.Namespace) -> int:
    from .server import WebSocketAwareHandler, create_app, get_socketio

    # Session threads train in CPU-bound chunks; the socket threads that carry frames
    # and `ready`s wait for the GIL behind them, each time up to one switch interval.
    # A shorter interval lets them in sooner, at a small cost in training throughput.
    sys.setswitchinterval(SWITCH_INTERVAL)

    overrides: dict = {}
    if args.max_sessions is not None:
        overrides["MAX_SESSIONS"] = args.max_sessions
    if args.max_fps is not None:
        overrides["MAX_FPS"] = args.max_fps
    if args.cors:
        overrides["CORS_ALLOWED_ORIGINS"] = "*" if "*" in args.cors else args.cors
    app = create_app(overrides)
    url = url_for(args.host, args.port)
    if args.host not in LOOPBACK:
        print(f"WARNING: listening on {args.host}: anyone who can reach this machine "
              f"on port {args.port} can use the playground.", file=sys.stderr, flush=True)
    print(f"NumPy Playground {__version__}: {url}", flush=True)
    if args.open:
        # the server is not listening yet; a browser takes longer than that to ask
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    get_socketio(app).run(app, host=args.host, port=args.port, allow_unsafe_werkzeug=True,
                          request_handler=WebSocketAwareHandler)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``playground`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("serve", "sweep", "-h", "--help", "--version"):
        argv = ["serve", *argv]  # `python -m app [--port P]` serves
    args = build_parser().parse_args(argv)
    return run_sweep(args) if args.command == "sweep" else serve(args)
