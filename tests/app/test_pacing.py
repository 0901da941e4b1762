"""Pacing (app/pacing.py) with a fake clock: how many epochs a playing session may train.

Expected values are worked by hand from the rules in the module's docstring:
steady n/s allows floor(n·t) epochs t seconds after the origin; auto allows
floor(E(t)) more, E(t) = (e0 + r0·tau)·(exp(t/tau) − 1) with r0 = 30/s, tau = 10 s.
"""

from __future__ import annotations

import math

import pytest

from app.pacing import AUTO, AutoPacing, SteadyPacing, Unpaced, pacing_for
from engine import Config


def play(
    pacing,
    seconds: float,
    *,
    tick: float = 1 / 30,
    chunk: int = 10**9,
    epoch: int = 0,
    start: float = 100.0,
) -> list[tuple[float, int]]:
    """Drive a pacing like the session does: every `tick` seconds of fake time, train
    what it allows. Returns (time, epoch) after each tick."""
    pacing.restart(start, epoch)
    out = []
    now = start
    while now < start + seconds - 1e-9:
        now += tick
        n, _ = pacing.allowed(now, epoch, chunk)
        epoch += n
        out.append((now - start, epoch))
    return out


def epoch_at(trace, t: float) -> int:
    return next(e for (s, e) in trace if s >= t - 1e-9)


def test_speed_values_map_to_their_pacing():
    assert isinstance(pacing_for(0), Unpaced)
    assert isinstance(pacing_for(AUTO), AutoPacing)
    steady = pacing_for(50)
    assert isinstance(steady, SteadyPacing) and steady.speed == 50


def test_the_default_speed_is_auto_and_its_schema_names_both_special_values():
    assert Config().speed == AUTO
    (field,) = [f for f in Config.schema() if f["name"] == "speed"]
    assert field["min"] == AUTO and field["default"] == AUTO
    assert field["extra"]["special"] == {"-1": "auto", "0": "max"}


def test_unpaced_allows_the_whole_chunk_at_once():
    assert Unpaced().allowed(5.0, 123, 777) == (777, 5.0)


def test_steady_pacing_allows_n_epochs_per_second():
    trace = play(SteadyPacing(50), 2.0, tick=0.1)
    # 50/s: 5 epochs per 0.1 s tick, 100 after two seconds
    assert [e for _, e in trace[:3]] == [5, 10, 15]
    assert trace[-1][1] == 100


def test_steady_pacing_says_when_the_next_epoch_falls_due():
    pacing = SteadyPacing(4)
    pacing.restart(10.0, 0)
    assert pacing.allowed(10.1, 0, 100) == (0, pytest.approx(10.25))
    assert pacing.allowed(10.25, 0, 100) == (1, 10.25)


def test_steady_pacing_never_bursts_after_a_hold_up():
    pacing = SteadyPacing(100)
    pacing.restart(0.0, 0)
    # the thread was held up for 3 s: 300 epochs "due", but only one is allowed now
    n, _ = pacing.allowed(3.0, 0, 10**6)
    assert n == 1
    # and it goes on at 100/s from there: 10 more in the next 0.1 s
    n, _ = pacing.allowed(3.1, 1, 10**6)
    assert n == 10


def test_auto_pacing_starts_at_thirty_epochs_a_second():
    trace = play(AutoPacing(), 1.0)
    # E(1 s) = 300·(e^0.1 − 1) = 31.55: about one epoch per frame at 30 frames/s
    assert trace[-1][1] == 31
    assert all(e2 - e1 <= 2 for (_, e1), (_, e2) in zip(trace, trace[1:], strict=False))


def test_auto_pacing_shows_the_first_hundred_epochs_over_seconds_and_reaches_1e5_in_a_minute():
    trace = play(AutoPacing(), 60.0, tick=1 / 30)
    # E(t) = 300·(e^(t/10) − 1): 100 epochs at t = 10·ln(4/3) = 2.88 s
    first_hundred = next(s for s, e in trace if e >= 100)
    assert first_hundred == pytest.approx(10 * math.log(4 / 3), abs=0.05)
    assert 2.0 < first_hundred < 5.0
    assert epoch_at(trace, 15.0) == math.floor(300 * math.expm1(1.5))  # 1,044
    assert epoch_at(trace, 35.0) == math.floor(300 * math.expm1(3.5))  # 9,633
    reach = next(s for s, e in trace if e >= 100_000)
    assert reach == pytest.approx(10 * math.log(1 + 100_000 / 300), abs=0.05)  # 58.1 s
    assert reach < 65


def test_auto_pacing_resumes_at_the_rate_of_the_epoch_it_paused_at():
    pacing = AutoPacing()
    # Paused at epoch 5,000, played again: rate 30 + 5000/10 = 530 epochs/s
    pacing.restart(0.0, 5000)
    n, _ = pacing.allowed(0.1, 5000, 10**6)
    assert n == math.floor(5300 * math.expm1(0.01))  # 53


def test_auto_pacing_counts_afresh_when_the_epoch_goes_back():
    pacing = AutoPacing()
    pacing.restart(0.0, 20_000)
    # a rebuild: epoch 0 again, 0.1 s later; only r0's pace from here
    n, _ = pacing.allowed(0.1, 0, 10**6)
    assert n == 0
    n, due = pacing.allowed(0.1 + 1 / 60, 0, 10**6)
    assert n == 0 and due == pytest.approx(0.1 + 10 * math.log1p(1 / 300))  # 1/30 s on
    n, _ = pacing.allowed(0.2, 0, 10**6)
    assert n == math.floor(300 * math.expm1(0.01))  # 3 epochs in 0.1 s, not 20,000's pace


def test_auto_pacing_is_capped_by_the_chunk():
    pacing = AutoPacing()
    pacing.restart(0.0, 100_000)
    assert pacing.allowed(0.2, 100_000, 50)[0] == 50


# ---- auto follows the viewer: at most one frame's worth of epochs past the last frame ----


def test_auto_allows_one_frames_worth_of_epochs_past_the_last_frame_shown():
    pacing = AutoPacing()
    pacing.restart(0.0, 0)
    # 0.2 s after play the clock allows floor(300·(e^0.02 − 1)) = 6 epochs; the client
    # was last sent epoch 0, and a frame may show max(1, (30 + 0/10)/30) = 1 from there
    assert pacing.allowed(0.2, 0, 10**6, shown=None)[0] == 6
    assert pacing.allowed(0.2, 0, 10**6, shown=0) == (1, 0.2)
    assert pacing.allowed(0.2, 1, 10**6, shown=0) == (0, None)  # wait for the frame
    # at epoch 3,000 a frame may show (30 + 300)/30 = 11 epochs; the clock allows
    # floor(3300·(e^0.01 − 1)) = 33 in 0.1 s
    assert pacing.per_frame(3000) == 11
    pacing.restart(0.0, 3000)
    assert pacing.allowed(0.1, 3000, 10**6, shown=None)[0] == 33
    assert pacing.allowed(0.1, 3000, 10**6, shown=3000)[0] == 11
    assert pacing.allowed(0.1, 3005, 10**6, shown=3000)[0] == 6


def test_auto_ignores_the_viewer_until_it_asks_for_frames_and_after_a_rebuild():
    pacing = AutoPacing()
    pacing.restart(0.0, 0)
    assert pacing.allowed(0.2, 0, 10**6, shown=None)[0] == 6  # the clock alone
    pacing.restart(0.0, 0)
    assert pacing.allowed(0.2, 0, 10**6, shown=500)[0] == 6  # shown is the old run's


def test_steady_and_max_never_wait_for_the_viewer():
    assert Unpaced().allowed(1.0, 100, 50, shown=0) == (50, 1.0)
    steady = SteadyPacing(100)
    steady.restart(0.0, 0)
    assert steady.allowed(0.1, 0, 10**6, shown=0)[0] == 10


def test_a_slow_page_still_sees_the_fall_in_small_steps():
    """A page painting 5 frames a second (a busy machine): the default XOR net's fall,
    epochs 5 to 165 (engine figures: loss 0.79 to 0.1), still spans over 100 frames,
    where the clock alone would give it (4.5 s − 0.2 s) × 5 ≈ 21."""
    pacing = AutoPacing()
    pacing.restart(0.0, 0)
    now, epoch, shown, frames = 0.0, 0, 0, []
    while epoch < 165:
        now += 1 / 5
        while True:  # train what is allowed, then the frame goes out
            n, _ = pacing.allowed(now, epoch, 10**6, shown)
            if not n:
                break
            epoch += n
        shown = epoch
        frames.append(epoch)
    falling = [e for e in frames if 5 <= e <= 165]
    assert len(falling) >= 100
    assert max(b - a for a, b in zip(frames, frames[1:], strict=False)) <= pacing.per_frame(165)
