"""What the page's checkpoint costs (static/js/checkpoint.js; docs/PAGE.md "No run is lost").

    python -m bench.checkpoint                   # both parts
    python -m bench.checkpoint --seconds 6 --rounds 3

1. The run file, in this process: its bytes and the median time to build it
   (``engine.checkpoint.to_bytes``, what ``save_run`` does between two training
   chunks, holding the session's turn) for runs of 300, 2,000 and 20,000 epochs with the
   session's 4096 rows of history, and 20,000 epochs on 5,000 points of one's own.
2. A real server (``playground serve``, gunicorn, one worker) and one client of the
   default net at speed "max" that returns its frame credit at once (bench.stream's
   page that draws instantly): frames/s and epochs/s over ``--seconds``, without
   checkpoints and with one ``save_run {"checkpoint": true}`` every 1.25 s (the page's
   PLAYING_EVERY_MS while playing), alternating, ``--rounds`` of each; medians, their
   ratio, and the checkpoints' bytes per second on the wire beside the frames'.

It prints and never fails; the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

import numpy as np

from app.client import OrderedClient
from app.run_files import SESSION_HISTORY_ROWS
from bench._server import running_server
from engine import Config, Trainer
from engine.checkpoint import to_bytes
from engine.datasets import custom_data

PLAYING_EVERY_S = 1.25  # static/js/checkpoint.js PLAYING_EVERY_MS


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def run_file_figures() -> None:
    print(f"run files ({_load()}): bytes, median build time of 15")
    rng = np.random.default_rng(0)
    points = rng.uniform(-5, 5, (5000, 2))
    own = custom_data(points, (points[:, 0] > 0).astype(float), task="classification")
    cases = [("300 epochs", 300, None), ("2,000 epochs", 2000, None)]
    cases += [("20,000 epochs", 20_000, None), ("20,000 epochs, 5,000 own points", 20_000, own)]
    for label, epochs, data in cases:
        trainer = Trainer(Config(), max_history_rows=SESSION_HISTORY_ROWS)
        if data is not None:
            trainer.set_data(data)
        trainer.step(epochs)
        times = []
        for _ in range(15):
            started = time.perf_counter()
            size = len(to_bytes(trainer))
            times.append(time.perf_counter() - started)
        ms = statistics.median(times) * 1000
        print(f"  {label:32} {size:>8,} bytes  {ms:6.2f} ms")


def _bytes_in(value: object) -> int:
    """Bytes of the binary attachments in an event's payload."""
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, dict):
        return sum(_bytes_in(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(_bytes_in(v) for v in value)
    return 0


def stream(url: str, seconds: float, checkpoints: bool) -> dict:
    """One client at speed max for ``seconds``: frames/s, epochs/s, attachment bytes/s."""
    sio = OrderedClient(reconnection=False)
    counts = {"frames": 0, "frame_bytes": 0, "checkpoints": 0, "checkpoint_bytes": 0}
    epochs: list[int] = []
    lock = threading.Lock()

    def on_frame(frame):
        with lock:
            counts["frames"] += 1
            counts["frame_bytes"] += _bytes_in(frame)
            epochs.append(int(frame["epoch"]))
        sio.emit("ready")

    def on_run_file(answer):
        with lock:
            counts["checkpoints"] += 1
            counts["checkpoint_bytes"] += len(answer["file"])

    sio.on("frame", on_frame)
    sio.on("run_file", on_run_file)
    sio.connect(url, transports=["websocket"], wait_timeout=10)
    try:
        sio.emit("config", {"hidden": [4, 2], "speed": 0})
        sio.emit("control", {"action": "play"})
        sio.emit("ready")
        time.sleep(1.0)  # warm-up: the first frames carry the points
        with lock:
            start = {**counts, "epoch": epochs[-1] if epochs else 0}
        began = time.monotonic()
        next_ask = began
        while (now := time.monotonic()) - began < seconds:
            if checkpoints and now >= next_ask:
                sio.emit("save_run", {"checkpoint": True})
                next_ask += PLAYING_EVERY_S
            time.sleep(0.01)
        with lock:
            took = time.monotonic() - began
            return {
                "frames/s": (counts["frames"] - start["frames"]) / took,
                "epochs/s": ((epochs[-1] if epochs else 0) - start["epoch"]) / took,
                "frame B/s": (counts["frame_bytes"] - start["frame_bytes"]) / took,
                "checkpoint B/s": (counts["checkpoint_bytes"] - start["checkpoint_bytes"]) / took,
            }
    finally:
        sio.disconnect()


def live_figures(seconds: float, rounds: int) -> None:
    with running_server("--workers", "1") as (url, _pid):
        rows: dict[bool, list[dict]] = {False: [], True: []}
        load_before = _load()
        for _ in range(rounds):
            for checkpoints in (False, True):
                rows[checkpoints].append(stream(url, seconds, checkpoints))
        load_after = _load()
    print(
        f"one client at speed max, {rounds} x {seconds:.0f} s each ({load_before} -> {load_after})"
    )
    medians = {}
    for checkpoints, results in rows.items():
        m = {k: statistics.median(r[k] for r in results) for k in results[0]}
        medians[checkpoints] = m
        label = "with a checkpoint every 1.25 s" if checkpoints else "without checkpoints"
        print(
            f"  {label:31} {m['frames/s']:6.1f} frames/s  {m['epochs/s']:8,.0f} epochs/s"
            f"  frames {m['frame B/s'] / 1000:7.1f} KB/s"
            f"  checkpoints {m['checkpoint B/s'] / 1000:5.1f} KB/s"
        )
    off, on = medians[False], medians[True]
    if off["frames/s"] and off["epochs/s"]:
        print(
            f"  ratio with/without: frames/s {on['frames/s'] / off['frames/s']:.3f},"
            f" epochs/s {on['epochs/s'] / off['epochs/s']:.3f}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    run_file_figures()
    live_figures(args.seconds, args.rounds)


if __name__ == "__main__":
    main()
