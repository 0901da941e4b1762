"""The Session object on its own, with a recording ``emit`` instead of a server."""

from __future__ import annotations

import pytest
from app_helpers import Recorder, wait_until

from app import operations
from app.session import Session


@pytest.fixture()
def session():
    made = []

    def make(**kw):
        rec = Recorder()
        s = Session("test", rec, max_fps=kw.pop("max_fps", 1000), **kw)
        s.start()
        made.append(s)
        return s, rec

    yield make
    for s in made:
        s.stop()
        s.thread.join(2)


def test_stop_ends_the_thread_within_a_second_even_mid_step(session):
    s, _ = session()
    operations.control(s, {"action": "step", "epochs": 100_000})
    wait_until(lambda: s.trainer.epoch > 0, what="training")
    s.stop()
    s.thread.join(1.0)
    assert not s.thread.is_alive()
    assert s.trainer.epoch < 100_000


def test_an_engine_failure_becomes_an_error_and_the_thread_lives_on(session, monkeypatch):
    s, rec = session()
    real_step = s.trainer.step
    calls = []

    def broken(n):
        calls.append(n)
        if len(calls) == 1:
            raise FloatingPointError("boom")
        return real_step(n)

    monkeypatch.setattr(s.trainer, "step", broken)
    operations.control(s, {"action": "play"})
    error = rec.wait("error")[0]
    assert error["field"] == "engine" and "boom" in error["message"]
    assert rec.of("state")[-1]["status"] == "paused"
    assert s.thread.is_alive()
    operations.control(s, {"action": "step", "epochs": 3})
    wait_until(lambda: s.trainer.epoch >= 3, what="training after the failure")


def test_frames_respect_max_fps(session):
    import time

    s, rec = session(max_fps=20)
    operations.control(s, {"action": "play"})
    started = time.monotonic()
    for k in range(1, 7):
        s.grant_credit()
        rec.wait("frame", k)
    # six frames at <= 20/s on a steady cadence span at least five intervals
    assert time.monotonic() - started >= 5 / 20 * 0.8


def test_divergence_pauses_and_says_so(session):
    s, rec = session()
    # at max: the run must reach its divergence without a second credit (auto would
    # wait one frame's worth past the frame it sent)
    operations.apply_config(
        s, {"optimizer": "sgd", "lr": 10.0, "activation": "linear", "hidden": [8, 8, 8], "speed": 0}
    )
    operations.control(s, {"action": "play"})
    s.grant_credit()
    wait_until(
        lambda: rec.of("state")[-1]["status"] == "paused",
        timeout=10,
        what="the run to stop on divergence",
    )
    state = rec.of("state")[-1]
    assert state["diverged"] is True
    s.grant_credit()
    frame = wait_until(
        lambda: [f for f in rec.of("frame") if f["status"] == "diverged"], what="a diverged frame"
    )[0]
    assert frame["train_loss"] is None  # NaN never goes out as JSON
