"""Streaming figures of the real server with many real Socket.IO clients on loopback.

    python -m bench.stream                          # clients 1-100 x workers 1, 2
    python -m bench.stream --clients 1 10 --workers 1
    python -m bench.stream --url URL                # a server that is already running

For each worker count W the server runs as ``playground serve --workers W`` (gunicorn,
W processes on one port) in its own process group, so the clients, which live in this
process as python-socketio threads, do not take its GIL. Every client runs the 4-2-1
full-batch net at full speed and returns its credit (`ready`) as soon as a frame
arrives, like a page that draws instantly. Reported per row, as medians over the
clients unless said otherwise:

* frames/s per client (and the slowest client's), training epochs/s per client, and
  the aggregate epochs/s of all clients together (what the server's cores produce);
* bytes per frame: attachments plus the JSON around them (the Socket.IO framing adds a
  few bytes), for the 4-2-1 net and for a 6x8 network at grid 100 with thumbnails;
* latency from a `config` change (a new `grid`, which the next frame must show) to the
  first frame that reflects it, and the same for a rebuild (a new hidden layer); each
  client makes its changes at its own random moments while all of them stream;
* server CPU: the whole process tree (master, workers, lab processes) in cores
  (100 % = one core busy), and the sessions each worker process held;
* a 50-client row again while two restart-lab runs go on in other sessions
  (``--lab-runs``), which each server process runs in its lab process;
* one client of a 5-class 2-8-8-5 softmax net (spiral5) at grid 100: its frames/s and
  bytes per frame (the surface is one byte per pixel, class and probability).

Then, for each client count measured with 1 and 2 workers, the ratios of aggregate
epochs/s, frames/s and latency (2 workers : 1), and a sizing estimate: clients per
core at 10 frames/s each, from where the frames/s column crosses 10.

It prints and never fails. Targets: 1 client >= 30 frames/s at >= 3,000 epochs/s;
50 clients >= 4 frames/s each; the 6x8 frame <= 20 KB; the 5-class frame <= 20 KB at
30 frames/s for 1 client; median latency <= 100 ms; at
50 clients, 2 workers >= 1.6x the aggregate epochs/s of 1 worker (on 2 cores), with
frames/s and latency no worse.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import statistics
import sys
import threading
import time

from app.client import OrderedClient
from app.frames import THUMB
from bench._server import cpu_seconds, cpu_share, running_server, sessions_per_process

NET_421 = {
    "dataset": "xor4",
    "features": ["x1", "x2"],
    "hidden": [4, 2],
    "batch_size": 0,
    "speed": 0,
    "grid": 50,
}
NET_6X8 = {"hidden": [8] * 6, "grid": 100, "speed": 0}
# More than two classes: 5 spiral arms, one softmax unit per class, grid 100.
NET_5CLASS = {
    "dataset": "spiral5",
    "hidden": [8, 8],
    "output": "softmax",
    "loss": "ce",
    "grid": 100,
    "speed": 0,
}
WINDOW = 3.0  # seconds of steady streaming measured
CHANGES = 5  # config changes of each kind per client, for the latency figures
STAGGER = 0.5  # seconds: each change waits a random time up to this


# ---- the server -------------------------------------------------------------------------


SERVER_NICENESS = 5  # the server below the clients: see server()


@contextlib.contextmanager
def server(url: str | None, max_sessions: int, workers: int):
    """A running server: (base URL, master pid or None), the given URL or a fresh
    ``playground serve --workers`` subprocess whose every process may hold every
    client (the kernel decides which process accepts a connection).

    The server runs at a lower priority than the clients. They stand for browsers on
    other machines; here they share two cores with a server whose sessions train at
    full speed (``speed`` 0) and so take all the CPU they are given. At the same
    priority, with two workers busy on two cores, the clients waited for the CPU and
    the figures measured the clients' queue, not the server. Niced, the server still
    gets every cycle the clients do not use.
    """
    if url:
        yield url.rstrip("/"), None
        return
    # every client is this machine, one address: no per-address limit here
    with running_server(
        "--workers",
        str(workers),
        "--max-sessions",
        str(max_sessions),
        "--max-per-address",
        "0",
        niceness=SERVER_NICENESS,
    ) as (base, pid):
        yield base, pid


# ---- one client -------------------------------------------------------------------------


def frame_bytes(payload: dict) -> int:
    """Attachment bytes plus the JSON the frame carries around them."""
    attachments = 0

    def strip(value):
        nonlocal attachments
        if isinstance(value, bytes | bytearray):
            attachments += len(value)
            return {"_placeholder": True, "num": 0}
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    text = json.dumps(strip(payload), separators=(",", ":"))
    return attachments + len(text)


class Client:
    """A python-socketio client in the credit loop, recording what it receives."""

    def __init__(self, url: str, config: dict):
        self.url = url
        self.config = config
        self.sio = OrderedClient(reconnection=False)
        self.lock = threading.Lock()
        self.frames: list[tuple[float, int, int, dict]] = []  # (time, epoch, bytes, meta)
        self.changed = threading.Condition(self.lock)
        self.state_seen = threading.Event()
        self.closing = False
        self.in_flight = False  # a `ready` went out and its frame has not come back
        self.sio.on("frame", self._on_frame)
        self.sio.on("state", self._on_state)
        self.sio.on("error", lambda err: print("error event:", err, file=sys.stderr))

    def _on_state(self, state: dict) -> None:
        self.state_seen.set()

    def _on_frame(self, frame: dict) -> None:
        now = time.perf_counter()
        meta = {
            "grid": frame["grid"],
            "sizes": tuple(frame["sizes"]),
            "points": frame.get("train_points") is not None,
        }
        with self.lock:
            self.frames.append((now, frame["epoch"], frame_bytes(frame), meta))
            self.in_flight = False
            self.changed.notify_all()
        self._ready()

    def _ready(self) -> None:
        with self.lock:
            if self.closing:
                return
            self.in_flight = True
        self.sio.emit("ready")

    def start(self) -> None:
        self.sio.connect(self.url, transports=["websocket"], wait_timeout=10)
        self.sio.emit("config", self.config)
        self.sio.emit("control", {"action": "play"})
        self._ready()

    def close(self) -> None:
        """Stop the credit loop, let the last frame land, then disconnect.

        Disconnecting mid-frame makes python-socketio drop its half-decoded packet and
        trip over the remaining attachments (a harmless but noisy traceback).
        """
        with self.lock:
            self.closing = True
            deadline = time.perf_counter() + 1.0
            while self.in_flight and time.perf_counter() < deadline:
                self.changed.wait(deadline - time.perf_counter())
        with contextlib.suppress(Exception):
            self.sio.disconnect()

    def window(self, t0: float, t1: float) -> list[tuple[float, int, int, dict]]:
        with self.lock:
            return [f for f in self.frames if t0 <= f[0] < t1]

    def wait_for(self, predicate, after: float, timeout: float = 5.0) -> float | None:
        """Time of the first frame after ``after`` whose meta satisfies ``predicate``."""
        deadline = time.perf_counter() + timeout
        with self.lock:
            while True:
                for t, _, _, meta in self.frames:
                    if t >= after and predicate(meta):
                        return t
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self.changed.wait(left)

    def change_latency(self, change: dict, predicate) -> float | None:
        sent = time.perf_counter()
        self.sio.emit("config", change)
        seen = self.wait_for(predicate, sent)
        return None if seen is None else seen - sent


# ---- measurements -----------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def measure_clients(url: str, n: int, server_pid: int | None = None, workers: int = 1) -> dict:
    clients = [Client(url, NET_421) for _ in range(n)]
    try:
        for c in clients:
            c.start()
        time.sleep(1.0 + n * 0.02)  # warm up: the first frames, the chunk size settling
        t0, server0, me0 = time.perf_counter(), cpu_seconds(server_pid), time.process_time()
        time.sleep(WINDOW)
        t1, server1, me1 = time.perf_counter(), cpu_seconds(server_pid), time.process_time()
        server_cpu = cpu_share(server0, server1, t1 - t0)
        held = sessions_per_process(url, workers) if server_pid is not None else {}
        fps, eps, sizes = [], [], []
        for c in clients:
            frames = c.window(t0, t1)
            fps.append(len(frames) / (t1 - t0))
            if len(frames) >= 2:
                eps.append((frames[-1][1] - frames[0][1]) / (frames[-1][0] - frames[0][0]))
            sizes.extend(f[2] for f in frames if not f[3]["points"])
        live, rebuild = [], []
        results: list[tuple[str, float | None]] = []

        def probe(c: Client, rng: random.Random) -> None:
            # Each client changes its config at its own random moments, as people do;
            # fifty changes in the same millisecond would measure a queue instead.
            for k in range(CHANGES):
                time.sleep(rng.uniform(0, STAGGER))
                grid = 40 + k
                lat = c.change_latency({"grid": grid}, lambda m, g=grid: m["grid"] == g)
                results.append(("live", lat))
                time.sleep(rng.uniform(0, STAGGER))
                hidden = (4, 3) if k % 2 == 0 else (4, 2)
                lat = c.change_latency(
                    {"hidden": list(hidden)}, lambda m, h=hidden: m["sizes"][1:-1] == h
                )
                results.append(("rebuild", lat))

        threads = [
            threading.Thread(target=probe, args=(c, random.Random(i)))
            for i, c in enumerate(clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        live = [v for kind, v in results if kind == "live" and v is not None]
        rebuild = [v for kind, v in results if kind == "rebuild" and v is not None]
        return {
            "clients": n,
            "fps": _median(fps),
            "fps_min": min(fps) if fps else float("nan"),
            "eps": _median(eps),
            "eps_total": sum(eps),
            "bytes": _median(sizes),
            "live_ms": _median(live) * 1000,
            "rebuild_ms": _median(rebuild) * 1000,
            "lost": CHANGES * n * 2 - len(live) - len(rebuild),
            "server_cpu": server_cpu,
            "client_cpu": (me1 - me0) / (t1 - t0),
            "held": sorted(held.values(), reverse=True),
        }
    finally:
        for c in clients:
            c.close()


def measure_big_frame(url: str) -> tuple[float, float]:
    """Bytes of a steady frame and of a first frame (with points) of a 6x8 net, grid 100."""
    c = Client(url, NET_6X8)
    try:
        c.start()
        time.sleep(1.5)
        with c.lock:
            frames = list(c.frames)
        steady = [
            f[2]
            for f in frames
            if not f[3]["points"] and f[3]["grid"] == 100 and len(f[3]["sizes"]) == 8
        ]
        first = [f[2] for f in frames if f[3]["points"] and len(f[3]["sizes"]) == 8]
        return _median(steady), (first[0] if first else float("nan"))
    finally:
        c.close()


def measure_multiclass(url: str) -> dict:
    """One client of the 5-class 2-8-8-5 net at grid 100: frames/s, epochs/s and the
    bytes of a steady frame, over one window."""
    c = Client(url, NET_5CLASS)
    try:
        c.start()
        time.sleep(1.5)
        t0 = time.perf_counter()
        time.sleep(WINDOW)
        t1 = time.perf_counter()
        frames = [f for f in c.window(t0, t1) if f[3]["sizes"] == (2, 8, 8, 5)]
        eps = (
            (frames[-1][1] - frames[0][1]) / (frames[-1][0] - frames[0][0])
            if len(frames) >= 2
            else float("nan")
        )
        return {
            "fps": len(frames) / (t1 - t0),
            "eps": eps,
            "bytes": _median([f[2] for f in frames if not f[3]["points"]]),
        }
    finally:
        c.close()


@contextlib.contextmanager
def lab_runs(url: str, count: int):
    """``count`` restart-lab runs (1000 seeds x 20000 epochs: minutes of work) going on
    in other sessions while the block runs; they are cancelled at its end."""
    clients = []
    try:
        for _ in range(count):
            c = OrderedClient(reconnection=False)
            started = threading.Event()
            c.on("lab_progress", lambda p, started=started: started.set())
            c.connect(url, transports=["websocket"], wait_timeout=10)
            c.emit("lab", {"action": "run", "seeds": 1000, "epochs": 20000})
            clients.append((c, started))
        for _, started in clients:
            started.wait(30)
        yield
    finally:
        for c, _ in clients:
            with contextlib.suppress(Exception):
                c.disconnect()


def clients_per_core_at(rows: list[dict], workers: int, fps: float = 10.0) -> float | None:
    """Clients per core at which the median frames/s falls to ``fps``: interpolated
    between the two rows around it (None when no row pair brackets it)."""
    points = sorted((r["clients"], r["fps"]) for r in rows)
    for (n0, f0), (n1, f1) in zip(points, points[1:], strict=False):
        if f0 >= fps >= f1 and f0 != f1:
            return (n0 + (f0 - fps) / (f0 - f1) * (n1 - n0)) / workers
    return None


def _cpu(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def print_row(workers: int | str, r: dict, note: str = "") -> None:
    lost = f"  ({r['lost']} changes not seen in 5 s)" if r["lost"] else ""
    held = "/".join(map(str, r["held"])) or "-"
    print(
        f"{workers:>7} {r['clients']:>7} {r['fps']:>9.1f} {r['fps_min']:>6.1f} "
        f"{r['eps']:>9.0f} {r['eps_total']:>9.0f} {r['bytes']:>11.0f} "
        f"{r['live_ms']:>8.1f} {r['rebuild_ms']:>10.1f} {_cpu(r['server_cpu']):>10} "
        f"{held:>9} {_cpu(r['client_cpu']):>10}{lost}{note}",
        flush=True,
    )


def print_comparison(rows: dict[int, list[dict]]) -> None:
    """Two workers against one, at each client count measured with both."""
    if 1 not in rows or 2 not in rows:
        return
    two = {r["clients"]: r for r in rows[2]}
    print("\n2 workers : 1 worker, same clients (one run of each):")
    print(f"{'clients':>7} {'aggregate epochs/s':>19} {'frames/s':>14} {'live ms':>15}")
    for r1 in rows[1]:
        r2 = two.get(r1["clients"])
        if r2 is None:
            continue
        ratio = r2["eps_total"] / r1["eps_total"] if r1["eps_total"] else float("nan")
        print(
            f"{r1['clients']:>7} {ratio:>18.2f}x {r1['fps']:>6.1f} -> {r2['fps']:<5.1f} "
            f"{r1['live_ms']:>6.1f} -> {r2['live_ms']:<6.1f}"
        )
    for workers, measured in sorted(rows.items()):
        per_core = clients_per_core_at(measured, workers)
        if per_core is not None:
            print(
                f"{workers} worker(s): about {per_core:.0f} clients per core at 10 frames/s "
                f"each; a class of 200 needs {math.ceil(200 / per_core)} cores"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server (default: start one per worker count)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50, 100])
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="worker processes of the server (default: 1 2)",
    )
    parser.add_argument(
        "--lab-runs",
        type=int,
        default=2,
        help="restart-lab runs going on during a last 50-client row (0: none)",
    )
    args = parser.parse_args(argv)
    worker_counts = [1] if args.url else args.workers
    print(
        f"4-2-1 full batch, speed 0 (as fast as possible), grid 50, {WINDOW:.0f} s windows; "
        f"medians over clients; {os.cpu_count()} cores; server CPU 100 % = one core"
    )
    print(
        f"{'workers':>7} {'clients':>7} {'frames/s':>9} {'(min)':>6} {'epochs/s':>9} "
        f"{'(sum)':>9} {'bytes/frame':>11} {'live ms':>8} {'rebuild ms':>10} "
        f"{'server CPU':>10} {'sessions':>9} {'client CPU':>10}"
    )
    rows: dict[int, list[dict]] = {}
    with contextlib.ExitStack() as stack:
        # every server up front, then each client count on each in turn: the load from
        # whatever else runs on the machine drifts less between a pair of rows
        servers = {
            w: stack.enter_context(server(args.url, max(args.clients) + 8, w))
            for w in worker_counts
        }
        shown = {w: "?" if args.url else w for w in worker_counts}
        for n in args.clients:
            for workers, (url, pid) in servers.items():
                r = measure_clients(url, n, pid, workers)
                rows.setdefault(workers, []).append(r)
                print_row(shown[workers], r)
        if args.lab_runs:
            n = 50 if 50 in args.clients else max(args.clients)
            for workers, (url, pid) in servers.items():
                with lab_runs(url, args.lab_runs):
                    r = measure_clients(url, n, pid, workers)
                print_row(shown[workers], r, f"  (while {args.lab_runs} restart-lab runs go on)")
        first_url = next(iter(servers.values()))[0]
        big_frame = measure_big_frame(first_url)
        multiclass = measure_multiclass(first_url)
    print_comparison(rows)
    steady, first = big_frame
    print(
        f"6x8 network, grid 100, {THUMB}x{THUMB} thumbnails: {steady:.0f} bytes per frame "
        f"({first:.0f} for the first frame after a rebuild, which carries the points)"
    )
    print(
        f"5-class 2-8-8-5 net (spiral5, softmax), grid 100, 1 client: "
        f"{multiclass['bytes']:.0f} bytes per frame, {multiclass['fps']:.1f} frames/s, "
        f"{multiclass['eps']:.0f} epochs/s"
    )
    print(
        "targets: 1 client >= 30 frames/s at >= 3000 epochs/s; 50 clients >= 4 frames/s; "
        "6x8 frame <= 20 KB; 5-class frame <= 20 KB at >= 30 frames/s; median "
        "change-to-frame latency <= 100 ms; at 50 clients "
        "2 workers >= 1.6x the aggregate epochs/s of 1, frames/s and latency no worse"
    )


if __name__ == "__main__":
    main()
