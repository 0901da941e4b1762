"""RunScheduler (app/scheduler.py) with a fake clock: no threads, no sleeps.

The time is an argument of every call, so each test walks a run through fake seconds.
Expected values are worked by hand from the rules in the module's docstring:

* chunk = int(seconds / seconds_per_epoch), seconds = min(15 ms, max(1 ms, 50 ms /
  sharing)), between 1 and 20,000 epochs; 1 before any chunk was measured.
* seconds_per_epoch <- max(0.7 s + 0.3 measured, s / 4).
* next frame due = max(due, sent - interval / 2) + interval.

Measured times are powers of two (2**-10 s = 0.9765625 ms per epoch) so that the
chunks come out exact: 0.015 * 1024 = 15.36, so 15 epochs.
"""

from __future__ import annotations

import pytest

from app.scheduler import (
    MAX_CHUNK_EPOCHS,
    RunScheduler,
    SendFrame,
    Sleep,
    Train,
)

MS = 2**-10  # seconds per epoch in most tests: a chunk is 15 epochs


def measured(scheduler: RunScheduler, seconds_per_epoch: float = MS) -> RunScheduler:
    """``scheduler`` after one 1-epoch chunk that took ``seconds_per_epoch``."""
    scheduler.trained(1, seconds_per_epoch, diverged=False)
    return scheduler


# ---- frames: credit, changes, cadence ------------------------------------------------------


def test_a_new_run_sleeps_until_the_client_asks_for_a_frame():
    s = RunScheduler(speed=0, max_fps=10)
    assert s.next_task(0.0, 0) == Sleep(None)
    s.grant_credit()
    assert s.next_task(0.0, 0) == SendFrame()  # the first frame is always due


def test_a_sent_frame_spends_the_credit_and_the_next_waits_for_a_change_and_its_time():
    s = RunScheduler(speed=0, max_fps=10)  # 0.1 s between frames
    s.grant_credit()
    s.frame_sent(0.0, 0)
    assert (s.credit, s.dirty, s.next_frame_at) == (False, False, 0.1)
    s.grant_credit()
    assert s.next_task(0.01, 0) == Sleep(None)  # nothing new to show
    s.changed(diverged=False)
    assert s.next_task(0.01, 0) == Sleep(0.1)  # new, but not due yet
    assert s.next_task(0.1, 0) == SendFrame()


def test_no_frame_while_the_previous_one_has_not_left():
    s = RunScheduler(speed=0, max_fps=10)
    s.grant_credit()
    assert s.next_task(5.0, 0, frame_ready=False) == Sleep(None)
    assert s.next_task(5.0, 0, frame_ready=True) == SendFrame()


def test_a_late_frame_does_not_push_the_next_back_but_frames_keep_half_an_interval_apart():
    s = RunScheduler(speed=0, max_fps=10)
    s.frame_sent(0.0, 0)  # max(0, -0.05) + 0.1
    assert s.next_frame_at == pytest.approx(0.1)
    s.frame_sent(0.13, 0)  # 30 ms late: max(0.1, 0.08) + 0.1, still on the 0.1 grid
    assert s.next_frame_at == pytest.approx(0.2)
    s.frame_sent(0.3, 0)  # 100 ms late: max(0.2, 0.25) + 0.1, not 0.3
    assert s.next_frame_at == pytest.approx(0.35)


def test_no_frame_cap_at_max_fps_zero():
    s = RunScheduler(speed=0, max_fps=0)
    s.frame_sent(1.0, 0)
    assert s.next_frame_at == 1.0
    s.grant_credit()
    s.changed(diverged=False)
    assert s.next_task(1.0, 0) == SendFrame()


def test_a_chunk_ends_when_the_frame_falls_due():
    s = measured(RunScheduler(speed=0, max_fps=10))  # 15-epoch chunks
    s.play(0.0, 1)
    s.frame_sent(0.0, 1)  # next due at 0.1
    s.grant_credit()
    s.changed(diverged=False)
    # 5 ms left = 5.12 epochs: a chunk of 5, and wake for the frame if not our turn
    assert s.next_task(0.095, 1) == Train(5, 0.1)
    # with no frame wanted, the whole chunk
    s.frame_sent(0.1, 1)
    assert s.next_task(0.105, 1) == Train(15, None)


# ---- chunk sizing ----------------------------------------------------------------------------


def test_the_first_chunk_is_one_epoch_then_about_15_ms_of_them():
    s = RunScheduler(speed=0)
    assert s.chunk_epochs() == 1
    measured(s)
    assert s.chunk_epochs() == 15  # 0.015 / 2**-10 = 15.36


def test_chunks_shrink_when_sessions_share_the_cpu():
    s = measured(RunScheduler(speed=0), 2**-14)  # 16,384 epochs a second
    assert s.chunk_epochs(sharing=1) == 245  # 0.015 * 16384 = 245.76
    assert s.chunk_epochs(sharing=3) == 245  # 50 ms / 3 = 16.7 ms: still 15 ms
    assert s.chunk_epochs(sharing=10) == 81  # 5 ms: 81.92
    assert s.chunk_epochs(sharing=100) == 16  # 0.5 ms, raised to 1 ms: 16.384
    assert s.chunk_epochs(sharing=0) == 245  # as if alone


def test_a_chunk_has_at_most_max_chunk_epochs():
    s = measured(RunScheduler(speed=0), 1e-9)
    assert s.chunk_epochs() == MAX_CHUNK_EPOCHS == 20_000


def test_the_measured_speed_is_smoothed():
    s = measured(RunScheduler(speed=0))
    # a chunk that took no time (counted as 1e-7 s): 0.7 * 2**-10 + 0.3 * 1e-7
    s.trained(1, 0.0, diverged=False)
    assert s.seconds_per_epoch == pytest.approx(0.00068362375)
    assert s.chunk_epochs() == 21  # 0.015 / 0.00068362375 = 21.94, not 20,000
    # a slow chunk: 0.7 * 0.00068362375 + 0.3 * 0.01
    s.trained(2, 0.02, diverged=False)
    assert s.seconds_per_epoch == pytest.approx(0.003478536625)
    assert s.chunk_epochs() == 4  # 0.015 / 0.0034785 = 4.31


# ---- steps -------------------------------------------------------------------------------


def test_a_step_trains_its_epochs_in_chunks_and_then_sleeps():
    s = RunScheduler(speed=10)  # pacing does not apply to a step
    s.step(20)
    assert s.next_task(0.0, 0) == Train(1)  # nothing measured yet
    s.trained(1, MS, diverged=False)
    assert s.steps_pending == 19
    assert s.next_task(0.0, 1) == Train(15)
    s.trained(15, 15 * MS, diverged=False)
    assert s.next_task(0.0, 16) == Train(4)
    s.trained(4, 4 * MS, diverged=False)
    assert s.steps_pending == 0
    assert s.next_task(0.0, 20) == Sleep(None)
    assert s.status() == "paused"  # a step is not "playing"
    assert s.settled


def test_pause_during_a_step_drops_what_is_left():
    s = measured(RunScheduler(speed=0))
    s.step(100)
    s.trained(15, 15 * MS, diverged=False)
    assert s.steps_pending == 85
    assert not s.settled
    s.pause()
    assert s.steps_pending == 0
    assert s.next_task(0.0, 16) == Sleep(None)
    assert s.settled


def test_play_during_a_step_drops_the_step_and_plays():
    s = measured(RunScheduler(speed=0))
    s.step(100)
    s.play(0.0, 1)
    assert (s.playing, s.steps_pending) == (True, 0)
    assert s.next_task(0.0, 1) == Train(15)  # speed 0: a whole chunk at once


def test_a_step_during_play_pauses_after_it():
    s = measured(RunScheduler(speed=0))
    s.play(0.0, 1)
    s.step(3)
    assert (s.playing, s.status()) == (False, "paused")
    assert s.next_task(0.0, 1) == Train(3)
    s.trained(3, 3 * MS, diverged=False)
    assert s.next_task(0.0, 4) == Sleep(None)


# ---- pacing --------------------------------------------------------------------------------


def test_steady_pacing_trains_n_epochs_a_second():
    s = measured(RunScheduler(speed=10))  # 10 epochs a second
    s.play(0.0, 0)
    assert s.next_task(0.0, 0) == Sleep(0.1)  # epoch 1 is due at 0.1 s
    assert s.next_task(0.35, 0) == Train(3)  # floor(3.5) due
    assert s.next_task(0.35, 3) == Sleep(pytest.approx(0.4))


def test_a_run_that_fell_behind_does_not_catch_up_in_a_burst():
    s = measured(RunScheduler(speed=10))
    s.play(0.0, 0)
    # 10 epochs due after 1 s, more than 10 * 0.25 s + 1: one now, then 10 a second
    assert s.next_task(1.0, 0) == Train(1)
    assert s.next_task(1.0, 1) == Sleep(pytest.approx(1.1))


def test_auto_pacing_waits_for_the_viewer():
    s = RunScheduler(speed=-1, max_fps=10)
    s.play(0.0, 0)
    s.grant_credit()
    assert s.next_task(0.0, 0) == SendFrame()
    s.frame_sent(0.0, 0)
    # 50 ms in: 300 * (exp(0.005) - 1) = 1.50 epochs due; a frame's worth is 1
    assert s.next_task(0.05, 0) == Train(1)
    s.trained(1, MS, diverged=False)
    # one frame's worth past the frame shown: sleep until a frame goes out
    assert s.next_task(0.5, 1) == Sleep(None)
    s.grant_credit()
    assert s.next_task(0.5, 1) == SendFrame()
    s.frame_sent(0.5, 1)
    assert isinstance(s.next_task(0.5, 1), Train)


def test_playing_waits_for_whichever_comes_first_the_frame_or_the_epoch():
    s = measured(RunScheduler(speed=1, max_fps=10))  # an epoch a second
    s.play(0.0, 0)
    s.frame_sent(0.0, 0)  # next frame at 0.1
    s.grant_credit()
    s.changed(diverged=False)
    assert s.next_task(0.05, 0) == Sleep(0.1)  # the frame before epoch 1 (at 1.0)
    s.frame_sent(0.1, 0)
    assert s.next_task(0.15, 0) == Sleep(1.0)


# ---- live changes ------------------------------------------------------------------------


def test_a_new_speed_paces_from_the_moment_it_is_set():
    s = measured(RunScheduler(speed=10))
    s.play(0.0, 0)
    assert s.next_task(0.35, 0) == Train(3)
    s.trained(3, 3 * MS, diverged=False)
    s.set_speed(20, 1.0, 3)  # 20 a second, counted from (1.0 s, epoch 3)
    assert s.next_task(1.0, 3) == Sleep(pytest.approx(1.05))
    assert s.next_task(1.1, 3) == Train(2)


def test_speed_zero_trains_whole_chunks():
    s = measured(RunScheduler(speed=10))
    s.play(0.0, 1)
    s.set_speed(0, 0.0, 1)
    assert s.next_task(0.0, 1) == Train(15)


def test_a_rebuild_restarts_pacing_and_lets_the_new_runs_first_frame_through():
    s = measured(RunScheduler(speed=-1, max_fps=10))  # 15-epoch chunks
    s.play(0.0, 0)
    s.frame_sent(0.0, 50)  # the viewer saw epoch 50
    s.rebuilt(2.0, 0)  # a new network at epoch 0
    assert s.shown_epoch == 0
    # counted from (2.0 s, 0): 200 ms in, 300 * (exp(0.02) - 1) = 6.06 epochs are due,
    # but the viewer has seen epoch 0 and a frame's worth is 1
    assert s.next_task(2.2, 0) == Train(1)
    unwatched = measured(RunScheduler(speed=-1, max_fps=10))  # no frame sent yet
    unwatched.play(0.0, 0)
    unwatched.rebuilt(2.0, 0)
    assert unwatched.next_task(2.2, 0) == Train(6)  # the clock alone


def test_a_rebuild_before_any_frame_leaves_nobody_watching():
    s = RunScheduler(speed=-1)
    s.rebuilt(2.0, 0)
    assert s.shown_epoch is None


def test_a_change_marks_a_frame_due_and_caches_divergence():
    s = RunScheduler(speed=0, max_fps=10)
    s.grant_credit()
    s.frame_sent(0.0, 0)
    s.grant_credit()
    s.changed(diverged=True)
    assert s.dirty and s.diverged
    assert s.next_task(0.2, 0) == SendFrame()
    assert s.status(frame=True) == "diverged"
    assert s.status() == "paused"


# ---- divergence and failures ---------------------------------------------------------------


def test_divergence_stops_the_run():
    s = measured(RunScheduler(speed=0))
    s.play(0.0, 1)
    assert s.trained(15, 15 * MS, diverged=True) is True
    assert (s.playing, s.steps_pending, s.diverged, s.dirty) == (False, 0, True, True)
    s.play(0.0, 16)  # a diverged run is not trained even when played
    assert s.next_task(0.0, 16) == Sleep(None)


def test_a_failure_stops_and_sends_nothing_until_the_next_change():
    s = measured(RunScheduler(speed=0))
    s.play(0.0, 1)
    s.grant_credit()
    s.failed()
    assert (s.playing, s.dirty) == (False, False)
    assert s.next_task(0.0, 1) == Sleep(None)
    s.changed(diverged=False)
    assert s.next_task(0.0, 1) == SendFrame()
