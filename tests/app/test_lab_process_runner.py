"""Who owns the lab's worker process (app/lab/__init__.py, app/lab/process.py): each
app its own LabRunner, made by create_app, and the process ends when the app stops."""

from __future__ import annotations

import threading

import pytest
from waiting import wait_until

from app.lab import LabRunner, get_runner
from app.lab.jobs import GradcheckJob, NetSnapshot, SweepJob
from app.lab.process import WORKER_LOST
from app.live import LiveServer
from engine import Config, Trainer

TIMEOUT = 60.0


def gradcheck_job() -> GradcheckJob:
    trainer = Trainer(Config(hidden=[2]))
    return GradcheckJob(
        NetSnapshot(
            config=trainer.config,
            net=trainer.net.copy(),
            train=trainer.train,
            epoch=0,
            trajectory=None,
            trajectory_epochs=[],
        )
    )


def answer_of(runner: LabRunner) -> tuple[str, object]:
    """Run one gradient check on ``runner``; its (event, payload)."""
    answered = threading.Event()
    got: list = []

    def deliver(event: str, payload: object) -> None:
        got.append((event, payload))
        answered.set()

    runner.submit("session", gradcheck_job(), deliver)
    assert answered.wait(TIMEOUT), "no answer from the lab process"
    return got[0]


def test_two_apps_get_two_runners_with_their_own_processes(make_app):
    first, second = make_app(), make_app()
    runners = get_runner(first), get_runner(second)
    assert isinstance(runners[0], LabRunner) and runners[0] is not runners[1]
    assert not any(r.is_running() for r in runners)  # a process starts on the first job
    for runner in runners:
        assert answer_of(runner)[0] == "gradcheck_result"
    pids = [r._process.pid for r in runners]
    assert pids[0] != pids[1]


def test_a_stopped_runners_process_is_gone_and_it_takes_no_more_jobs():
    runner = LabRunner()
    assert answer_of(runner)[0] == "gradcheck_result"
    process = runner._process
    assert process.is_alive()
    runner.stop()
    assert not process.is_alive() and process.exitcode is not None
    assert not runner.is_running()
    with pytest.raises(RuntimeError, match="stopped"):
        runner.submit("session", gradcheck_job(), lambda event, payload: None)


def test_a_closed_live_server_takes_its_lab_process_along():
    with LiveServer() as server:
        runner = get_runner(server.app)
        assert answer_of(runner)[0] == "gradcheck_result"
        process = runner._process
    assert not process.is_alive()


def test_a_job_left_by_a_dead_worker_hears_so_and_a_new_worker_takes_the_next():
    runner = LabRunner()
    try:
        assert answer_of(runner)[0] == "gradcheck_result"  # the worker is up
        heard: list[tuple[str, object]] = []
        long_run = SweepJob(Config(hidden=[8, 8]), 50, 1_000_000, None, 50)
        runner.submit("session", long_run, lambda event, payload: heard.append((event, payload)))
        dead = runner._process
        dead.kill()
        dead.join(TIMEOUT)
        # the next job starts a new worker; the run the dead one left fails, once
        assert answer_of(runner)[0] == "gradcheck_result"
        assert runner._process is not dead and runner.is_running()
        wait_until(lambda: ("error", WORKER_LOST) in heard, TIMEOUT, "the lost run's error")
        assert [event for event, _ in heard if event != "lab_progress"] == ["error"]
        assert runner.pending() == 0
    finally:
        runner.stop()
