"""What one attacking connection costs the real server, attack by attack (issue 16).

    python -m bench.abuse                  # every attack, 30 s each
    python -m bench.abuse --seconds 10     # shorter
    python -m bench.abuse --only no_read lab_flood
    python -m bench.abuse --only slowloris eio_only reconnect_storm   # issue 24

The server runs in its own process (``python -m app serve``) on loopback. A
well-behaved neighbour (a python-socketio client that plays the 4-2-1 net at full
speed and returns each frame's credit at once) streams throughout. For each attack
it prints, measured in one run:

* RSS growth of the server's processes (the server and its lab process) over the
  attack, its peak (sampled twice a second), and its growth over its last part, from
  5 s in, once the attacker's own sessions are set up (a session of a 6x8 net at grid
  200 holds ~10 MB of buffers, attack or not):
  what keeps growing is what the attack costs (target: <= 5 MB for one connection);
* the CPU the server's processes took during it, as a share of one core;
* the neighbour's frames/s and epochs/s before and during, and their ratios (target:
  frames/s unchanged, epochs/s within 10 %);
* for the header bomb (issue 24), how long each of its errors took to come back;
* for the lab flood, how long a small run of a second session took to start and to
  finish (target: starts within 2 s), and for a big batch-1 run, how long a cancel
  took to be answered (target: within 1 s).

Every client of issue 16's attacks comes from 127.0.0.1; the server trusts 127.0.0.1
as a proxy and each client names itself in X-Forwarded-For, so the neighbour and the
attacker count as two addresses, as they would be. Issue 24's connection attacks
(bench/abuse_connections.py) come from other loopback addresses of their own, since
they attack before any header is read. It prints and never fails; figures taken on a
machine busy with other work move with the CPU the server gets.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import websocket

from app.client import OrderedClient
from bench import bad_run_files
from bench._server import free_port, wait_healthy
from bench.abuse_connections import CONNECTION_ATTACKS
from bench.raw_socket import RawSocket

ROOT = Path(__file__).resolve().parent.parent

NEIGHBOUR = {"dataset": "xor4", "hidden": [4, 2], "batch_size": 0, "speed": 0, "grid": 50}
BIG_NET = {"dataset": "xor", "n_points": 2000, "train_share": 90, "hidden": [8] * 6}
BASELINE = 8.0  # seconds of the neighbour alone before each attack
SETTLE = 5.0  # seconds into an attack: its sessions are set up, what grows after is its cost
PAGE = 4096


# ---- the server and its processes -------------------------------------------------------


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


def tree_usage(pid: int) -> tuple[float, float]:
    """(RSS in MB, CPU seconds) of a process and its descendants."""
    rss = cpu = 0.0
    for p in _tree(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            rss += int(fields[21]) * PAGE / 1e6
    return rss, cpu


@contextlib.contextmanager
def server():
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), "--trusted-proxy", "127.0.0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    log_bytes = [0]

    def drain():  # the server's log: counted, not kept
        for line in proc.stderr:
            log_bytes[0] += len(line)

    threading.Thread(target=drain, daemon=True).start()
    try:
        wait_healthy(url, proc)
        yield url, proc.pid, log_bytes
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


# ---- the clients --------------------------------------------------------------------------


class Neighbour:
    """Plays and returns each frame's credit at once; counts frames and epochs."""

    def __init__(self, url: str, address: str):
        self.sio = OrderedClient(reconnection=False)
        self.samples: list[tuple[float, int]] = []  # (time, epoch) per frame
        self.events: dict[str, list] = {}
        self._lock = threading.Lock()
        self.sio.on("frame", self._frame)
        for name in ("lab_progress", "lab_result", "error"):
            self.sio.on(name, self._recorder(name))
        self.sio.connect(
            url, transports=["websocket"], wait_timeout=20, headers={"X-Forwarded-For": address}
        )

    def _frame(self, frame) -> None:
        with self._lock:
            self.samples.append((time.monotonic(), int(frame["epoch"])))
        self.sio.emit("ready")

    def _recorder(self, name: str):
        def record(payload=None):
            with self._lock:
                self.events.setdefault(name, []).append((time.monotonic(), payload))

        return record

    def of(self, name: str) -> list:
        with self._lock:
            return list(self.events.get(name, []))

    def play(self, config: dict) -> None:
        self.sio.emit("config", config)
        self.sio.emit("control", {"action": "play"})
        self.sio.emit("ready")

    def rates(self, start: float, end: float) -> tuple[float, float]:
        """frames/s and epochs/s between two moments."""
        with self._lock:
            inside = [(t, e) for t, e in self.samples if start <= t <= end]
        if len(inside) < 2:
            return 0.0, 0.0
        (t0, e0), (t1, e1) = inside[0], inside[-1]
        return (len(inside) - 1) / (t1 - t0), max(e1 - e0, 0) / (t1 - t0)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.sio.disconnect()


def wait_for(predicate: Callable[[], object], timeout: float) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.01)
    return None


def paced(seconds: float, rate: float, step: Callable[[], None]) -> None:
    """Call ``step`` ``rate`` times a second for ``seconds`` (the attacker's pace)."""
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        step()
        n += 1
        time.sleep(max(start + n / rate - time.monotonic(), 0))


def _raw(url: str, **kwargs) -> RawSocket | None:
    try:
        return RawSocket(url, headers=["X-Forwarded-For: 10.6.6.6"], **kwargs)
    except (ConnectionRefusedError, OSError):
        return None


# ---- the attacks: each runs for ``seconds`` and returns notes for the table ---------------


def attack_no_read(url: str, seconds: float) -> str:
    """1. `ready` 30 times a second, never reading the socket."""
    raw = _raw(url, rcvbuf=4096)
    # 60 epochs/s: a new frame is always due, for next to no training (a session that
    # trains at full speed takes its fair half of the CPU turns, attack or not)
    raw.emit("config", {"grid": 200, "hidden": [8] * 6, "speed": 60})
    raw.emit("control", {"action": "play"})

    def ready():
        with contextlib.suppress(OSError):
            raw.emit("ready")

    paced(seconds, 30, ready)
    raw.close()
    return ""


class Reconnecting:
    """An attacker that opens a new connection whenever the server hangs up."""

    def __init__(self, url: str, opening: str | None = None):
        self.url, self.opening = url, opening
        self.raw: RawSocket | None = None
        self.cut = 0  # connections the server ended

    def send(self, *messages: str | bytes) -> None:
        if self.raw is None:
            self.raw = _raw(self.url)
            if self.raw is None:
                return
            if self.opening is not None:
                self.raw.send(self.opening)
        try:
            for message in messages:
                self.raw.send(message)
        except (OSError, websocket.WebSocketException):
            self.cut += 1
            self.raw.ws.shutdown()
            self.raw = None


def attack_attachments(url: str, seconds: float) -> str:
    """2. A packet declaring 999,999,999 attachments, then 16 KiB binary messages;
    reconnects whenever the server hangs up."""
    attacker = Reconnecting(url, '45999999999-["config",{"_placeholder":true,"num":0}]')
    paced(seconds, 200, lambda: attacker.send(b"\0" * 16 * 1024))
    return f"{attacker.cut} connections closed by the server"


def attack_lab_flood(url: str, seconds: float) -> str:
    """3. 500 big lab runs in 10 s, and on; meanwhile a second session runs 4 seeds."""
    raw = _raw(url)
    other = Neighbour(url, "10.0.0.3")
    run = {"action": "run", "seeds": 1000, "epochs": 20000}
    try:
        paced(min(seconds, 5.0), 50, lambda: raw.emit("lab", run))
        asked = time.monotonic()
        other.sio.emit("lab", {"action": "run", "seeds": 4, "epochs": 30})
        started = wait_for(
            lambda: [t for t, p in other.of("lab_progress") if "waiting" not in p], 60
        )
        done = wait_for(lambda: other.of("lab_result"), 60)
        paced(max(seconds - (time.monotonic() - asked) - 5.0, 0), 50, lambda: raw.emit("lab", run))
    finally:
        other.close()
        raw.close()
    start_s = f"{started[0] - asked:.2f} s" if started else "never"
    done_s = f"{done[0][0] - asked:.2f} s" if done else "never"
    return f"second session's 4-seed run: started after {start_s}, done after {done_s}"


def attack_gradcheck_flood(url: str, seconds: float) -> str:
    """4. 50 gradient checks a second of a 6x8 net on 1,800 points."""
    raw = _raw(url)
    raw.emit("config", BIG_NET)
    paced(seconds, 50, lambda: raw.emit("gradcheck"))
    raw.close()
    return ""


def attack_session_cap(url: str, seconds: float) -> str:
    """5. 64 idle connections from one address, held."""
    held = [c for c in (_raw(url) for _ in range(64)) if c is not None]
    asked = time.monotonic()
    late = Neighbour(url, "10.0.0.4")  # someone else still gets in
    joined = time.monotonic() - asked
    late.close()
    paced(seconds, 1, lambda: None)
    for c in held:
        c.close()
    return f"{len(held)} of 64 accepted; another address got in after {joined * 1000:.0f} ms"


def attack_malformed(url: str, seconds: float) -> str:
    """7. Undecodable JSON (answered with an error) and a malformed packet (which
    ends the connection), 50 times a second, reconnecting when cut off."""
    attacker = Reconnecting(url)
    paced(seconds, 50, lambda: attacker.send('42["config",{"lr":' + "1" * 4400 + "}]", "x"))
    return f"{attacker.cut} connections closed by the server"


def attack_header_bomb(url: str, seconds: float) -> str:
    """8. A 34 KB run file whose header unpacks to 33 MB of ``[],`` (issue 24: 5-6 s of
    ``json.loads`` under the GIL, 0.93 GB), five a second, each answer awaited."""
    bomb = bad_run_files.header_bomb()
    raw = _raw(url)
    answers: list[float] = []

    def send() -> None:
        seen = len(raw.of("error"))
        sent = time.monotonic()
        raw.send('451-["open_run",{"file":{"_placeholder":true,"num":0}}]')
        raw.send(bomb)
        raw.read_until(lambda c: len(c.of("error")) > seen)
        answers.append(time.monotonic() - sent)

    paced(seconds, 5, send)
    raw.close()
    if not answers:
        return "no answer"
    return (
        f"{len(answers)} bombs of {len(bomb) / 1e3:.0f} KB, each an error after "
        f"{statistics.median(answers) * 1e3:.0f} ms (median), {max(answers) * 1e3:.0f} ms (max)"
    )


def cancel_latency(url: str) -> str:
    """A run of a 6x8 net with batch size 1 on 1,800 points: cancel to answer."""
    client = Neighbour(url, "10.0.0.5")
    try:
        client.sio.emit("config", {**BIG_NET, "batch_size": 1})
        client.sio.emit("lab", {"action": "run", "seeds": 14, "epochs": 200})
        if not wait_for(lambda: client.of("lab_progress"), 60):
            return "the run did not start"
        wait_for(lambda: len(client.of("lab_progress")) >= 3, 10)
        asked = time.monotonic()
        client.sio.emit("lab", {"action": "cancel"})
        done = wait_for(lambda: client.of("lab_result"), 120)
        return f"{done[0][0] - asked:.2f} s" if done else "no answer in 120 s"
    finally:
        client.close()


ATTACKS = {
    "no_read": attack_no_read,
    "attachments": attack_attachments,
    "lab_flood": attack_lab_flood,
    "gradcheck_flood": attack_gradcheck_flood,
    "session_cap": attack_session_cap,
    "malformed": attack_malformed,
    "header_bomb": attack_header_bomb,
}


# ---- the run ------------------------------------------------------------------------------


def measure(url: str, pid: int, log_bytes: list[int], name: str, seconds: float) -> dict:
    neighbour = Neighbour(url, "10.0.0.2")
    try:
        neighbour.play(NEIGHBOUR)
        wait_for(lambda: len(neighbour.samples) > 5, 20)
        t0 = time.monotonic()
        time.sleep(BASELINE)  # the neighbour alone, measured
        t1 = time.monotonic()
        rss0, cpu0 = tree_usage(pid)
        log0 = log_bytes[0]
        peak = [rss0]
        settled = [None]  # RSS once the attack's own session is set up
        stop = threading.Event()

        def sample():
            started = time.monotonic()
            while not stop.wait(0.5):
                rss = tree_usage(pid)[0]
                peak[0] = max(peak[0], rss)
                if settled[0] is None and time.monotonic() - started >= SETTLE:
                    settled[0] = rss

        threading.Thread(target=sample, daemon=True).start()
        attack = ATTACKS.get(name)
        notes = attack(url, seconds) if attack else CONNECTION_ATTACKS[name](url, seconds, pid)
        t2 = time.monotonic()
        stop.set()
        rss1, cpu1 = tree_usage(pid)
        before = neighbour.rates(t0, t1)
        during = neighbour.rates(t1 + 1.0, t2)  # from a second in: the attack is going
    finally:
        neighbour.close()
    return {
        "attack": name,
        "rss_mb": rss1 - rss0,
        "peak_mb": peak[0] - rss0,
        "growth_mb": rss1 - (settled[0] if settled[0] is not None else rss0),
        "cpu": (cpu1 - cpu0) / (t2 - t1),
        "before": before,
        "during": during,
        "log_kb": (log_bytes[0] - log0) / 1e3,
        "notes": notes,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="per attack (default 30)")
    every = [*ATTACKS, *CONNECTION_ATTACKS]
    parser.add_argument("--only", nargs="*", choices=sorted(every), default=None)
    args = parser.parse_args(argv)
    rows = []
    with server() as (url, pid, log_bytes):
        warm = Neighbour(url, "10.0.0.9")  # start the lab process before measuring
        warm.sio.emit("lab", {"action": "run", "seeds": 1, "epochs": 1})
        wait_for(lambda: warm.of("lab_result"), 60)
        warm.close()
        for name in args.only or every:
            print(f"... {name}", flush=True)
            rows.append(measure(url, pid, log_bytes, name, args.seconds))
        cancel = cancel_latency(url)
    print()
    print(
        f"{'attack':16} {'RSS +MB':>8} {'peak +MB':>9} {'after 5s':>9} {'CPU':>6} {'frames/s':>15} "
        f"{'ratio':>6} {'epochs/s':>17} {'ratio':>6} {'log KB':>7}  notes"
    )
    for r in rows:
        (fb, eb), (fd, ed) = r["before"], r["during"]
        print(
            f"{r['attack']:16} {r['rss_mb']:8.1f} {r['peak_mb']:9.1f} {r['growth_mb']:+9.1f} "
            f"{r['cpu']:6.0%} "
            f"{fb:6.1f} -> {fd:6.1f} {fd / fb if fb else 0:6.2f} "
            f"{eb:7.0f} -> {ed:7.0f} {ed / eb if eb else 0:6.2f} {r['log_kb']:7.1f}  "
            f"{r['notes']}"
        )
    print(f"\ncancel of a 6x8 batch-1 run on 1,800 points answered after {cancel}")
    ratios = [r["during"][1] / r["before"][1] for r in rows if r["before"][1]]
    if ratios:
        print(f"median neighbour epochs/s ratio: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
