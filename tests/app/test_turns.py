"""The CPU turns that sessions share, and the diagnostics' load-dependent intervals."""

from __future__ import annotations

from app.frame_diagnostics import DIAGNOSE_INTERVAL, DIAGNOSE_SECONDS_PER_SESSION, FrameDiagnostics
from app.turns import TrainingTurns
from engine import Config, Trainer


class Taker:
    """Records the order in which the turn reaches it."""

    def __init__(self, name: str, granted: list[str]):
        self.name, self.granted = name, granted

    def turn_granted(self) -> None:
        self.granted.append(self.name)


def takers(*names: str) -> tuple[list[str], dict[str, Taker]]:
    granted: list[str] = []
    return granted, {n: Taker(n, granted) for n in names}


def test_training_is_first_come_first_served():
    granted, t = takers("a", "b", "c")
    turns = TrainingTurns()
    assert turns.request(t["a"]) and turns.request(t["a"])  # the holder asks again
    assert not turns.request(t["b"]) and not turns.request(t["c"])
    assert not turns.request(t["b"])  # queued once
    assert turns.sessions_in_rotation() == 3
    turns.release(t["a"])
    turns.release(t["b"])
    turns.release(t["c"])
    assert granted == ["b", "c"] and not turns.others_waiting()
    assert turns.request(t["a"])  # free again


def test_frames_go_ahead_of_queued_training_in_their_own_order():
    granted, t = takers("holder", "train1", "train2", "frame1", "frame2")
    turns = TrainingTurns()
    turns.request(t["holder"])
    turns.request(t["train1"])
    turns.request(t["train2"])
    turns.request(t["frame1"], frame=True)
    turns.request(t["train2"], frame=True)  # queued for training, now wants a frame
    turns.request(t["frame2"], frame=True)
    assert turns.sessions_in_rotation() == 5
    for name in ["holder", "frame1", "train2", "frame2", "train1"]:
        turns.release(t[name])
    assert granted == ["frame1", "train2", "frame2", "train1"]
    assert turns.sessions_in_rotation() == 0


def test_leaving_the_queue_is_not_a_grant():
    granted, t = takers("a", "b", "c")
    turns = TrainingTurns()
    turns.request(t["a"])
    turns.request(t["b"], frame=True)
    turns.request(t["c"])
    turns.release(t["b"])  # b no longer wants it: it leaves the line
    turns.release(t["a"])
    assert granted == ["c"]


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_diagnostics_come_less_often_when_many_sessions_share_the_server():
    trainer = Trainer(Config(hidden=[3]))
    trainer.step(20)
    for sharing in (1, 50):
        clock = Clock()
        diag = FrameDiagnostics(clock)
        interval = max(DIAGNOSE_INTERVAL, sharing * DIAGNOSE_SECONDS_PER_SESSION)
        assert diag.compute(trainer, sharing=sharing) is not None
        clock.now = interval * 0.9
        assert diag.compute(trainer, sharing=sharing) is None
        # a settled run (paused, or a step just ended) always gets a fresh answer
        assert diag.compute(trainer, settled=True, sharing=sharing) is not None
        clock.now = interval * 1.9
        assert diag.compute(trainer, sharing=sharing) is None
        clock.now = interval * 2.0
        assert diag.compute(trainer, sharing=sharing) is not None
    assert 50 * DIAGNOSE_SECONDS_PER_SESSION > DIAGNOSE_INTERVAL  # the two cases differ
