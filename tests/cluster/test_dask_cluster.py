"""``playground sweep --scheduler``: a real Dask cluster on loopback.

A scheduler and two workers are started from the installed extra's ``dask`` command
(``pip install 'numpy-playground[cluster]'``), as someone would on their machines:
the workers get no code of ours but the installed package. The same grid through the
cluster gives the JSON a serial run gives, field for field; with one worker killed
mid-run (SIGKILL, while it holds tasks), Dask runs its tasks again on the other and
the JSON is still the same. Every process is ended at the end, even on failure.

Without the extra the tests skip locally and fail in CI (CI=true).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from waiting import wait_until

from app.sweep_cli import build_parser, run_sweep

ROOT = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).with_name("dask")
GRID = ["--grid", "hidden=2/3", "--grid", "lr=0.03,0.1", "--chunk", "6"]


def _need_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        message = "Dask is not installed: pip install 'numpy-playground[cluster]'"
    else:
        if DASK.exists():
            return
        message = f"no dask command at {DASK}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"the Dask cluster test is mandatory in CI: {message}")
    pytest.skip(message)


class Cluster:
    """``dask scheduler`` and ``dask worker`` processes on loopback, each in its own
    process group (killed whole at the end)."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.procs: dict[str, subprocess.Popen] = {}
        self.file = tmp / "scheduler.json"
        self.client = None

    def start(self, workers: int = 2) -> Cluster:
        self._spawn(
            "scheduler",
            [
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(self.file),
            ],
        )
        wait_until(
            lambda: self.file.exists() and self.file.stat().st_size,
            timeout=60,
            what="the scheduler's address file",
        )
        self.address = wait_until(
            lambda: json.loads(self.file.read_text()).get("address"), what="the scheduler's address"
        )
        for i in range(workers):
            self._spawn(
                f"worker{i}",
                [
                    "worker",
                    "--scheduler-file",
                    str(self.file),
                    "--host",
                    "127.0.0.1",
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--name",
                    f"w{i}",
                    "--death-timeout",
                    "60",
                ],
            )
        self.client = self._client()
        wait_until(
            lambda: len(self.workers()) == workers,
            timeout=120,
            what=f"{workers} workers registered",
        )
        return self

    def _spawn(self, name: str, args: list[str]) -> None:
        log = (self.tmp / f"{name}.log").open("w")
        self.procs[name] = subprocess.Popen(
            [str(DASK), *args],
            cwd=self.tmp,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def _client(self):
        from distributed import Client

        return Client(self.address, timeout=60, set_as_default=False)

    def workers(self) -> dict[str, str]:
        """Worker name -> address, as the scheduler sees them."""
        info = self.client.scheduler_info()["workers"]
        return {w["name"]: address for address, w in info.items()}

    def kill(self, name: str) -> None:
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(timeout=30)

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):  # the scheduler may already be gone
                self.client.close()
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def cluster(tmp_path) -> Iterator[Cluster]:
    _need_dask()
    c = Cluster(tmp_path)
    try:
        yield c.start()
    finally:
        c.close()


def _serial(argv: list[str]) -> dict:
    out, err = io.StringIO(), io.StringIO()
    code = run_sweep(build_parser().parse_args([*argv, "--json", "--quiet"]), out, err)
    assert code == 0, err.getvalue()
    return _without_clock(json.loads(out.getvalue()))


def _without_clock(doc: dict) -> dict:
    for cell in doc["cells"]:
        cell.pop("elapsed")
    return doc


def _on_cluster(address: str, argv: list[str], path: Path) -> subprocess.Popen:
    """``playground sweep --scheduler`` as its own process, JSON to ``path``."""
    return subprocess.Popen(
        [sys.executable, "-m", "app", "sweep", *argv, "--scheduler", address, "--json", str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    return out, err


def test_a_grid_on_the_cluster_gives_the_serial_runs_json(cluster, tmp_path):
    argv = ["--seeds", "24", "--epochs", "300", *GRID]
    path = tmp_path / "cluster.json"
    out, err = _finish(_on_cluster(cluster.address, argv, path))
    assert "100%" in err and "cells 4/4" in err  # the bar counted every seed and cell
    assert "solved" in out  # the table
    doc = _without_clock(json.loads(path.read_text()))
    assert doc == _serial(argv)
    # both workers took part (the lambda is this test's probe, not the sweep's code)
    executed = cluster.client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert len(executed) == 2 and all(n > 0 for n in executed.values())
    assert sum(executed.values()) == 2 * 2 * 4  # 4 cells x 24 seeds / 6 a chunk


def test_a_worker_killed_mid_run_is_survived_with_the_same_results(cluster, tmp_path):
    argv = ["--seeds", "36", "--epochs", "1500", *GRID]
    path = tmp_path / "cluster.json"
    proc = _on_cluster(cluster.address, argv, path)
    try:
        victim = cluster.workers()["w0"]
        # mid-run: the sweep is under way and w0 holds tasks of it
        wait_until(
            lambda: cluster.client.processing().get(victim), timeout=120, what="a task on worker w0"
        )
        assert proc.poll() is None
        cluster.kill("worker0")
        wait_until(
            lambda: "w0" not in cluster.workers(),
            timeout=60,
            what="the scheduler to notice w0 is gone",
        )
        _finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    doc = _without_clock(json.loads(path.read_text()))
    assert not doc["cancelled"] and len(doc["cells"]) == 4
    assert doc == _serial(argv)
    log = (tmp_path / "scheduler.log").read_text()
    assert "Remove worker" in log
