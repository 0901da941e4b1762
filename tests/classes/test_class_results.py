"""What the teacher sees of a student (app/classes/results.py), against hand-worked
values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.classes.results import StuckWatch, curve, solved, solved_share
from engine import Config, Trainer, explain_stuck


def test_the_solved_share_of_2_in_10_has_the_hand_worked_wilson_interval():
    # p = 0.2, z = 1.96: centre = (0.2 + 0.19208) / 1.38416 = 0.28326,
    # half = 1.96 / 1.38416 * sqrt(0.016 + 0.0096040) = 0.22657 -> [0.0567, 0.5098]
    results = [{"solved": i < 2} for i in range(10)]
    share = solved_share(results)
    assert (share["count"], share["n"], share["share"]) == (2, 10, 0.2)
    assert share["low"] == pytest.approx(0.0567, abs=1e-4)
    assert share["high"] == pytest.approx(0.5098, abs=1e-4)


def test_results_that_do_not_define_solved_are_left_out_and_none_gives_no_interval():
    assert solved_share([{"solved": None}]) == {
        "count": 0,
        "n": 0,
        "share": None,
        "low": None,
        "high": None,
    }
    share = solved_share([{"solved": True}, {"solved": None}])
    assert (share["count"], share["n"], share["share"]) == (1, 1, 1.0)
    # k = n = 1: centre = (1 + z²/2) / (1 + z²), half = z/(1 + z²) · z/2, so
    # low = 1 / (1 + z²) = 1 / 4.8416 and high = 1
    assert share["low"] == pytest.approx(1 / 4.8416, abs=1e-9)
    assert share["high"] == pytest.approx(1.0)


def test_the_curve_takes_epochs_evenly_spread_in_log_one_plus_epoch():
    # 3 points over epochs 0..3: expm1 of linspace(0, log 4, 3) = 0, 1, 3
    epochs = np.arange(4)
    losses = np.array([0.7, 0.6, 0.5, 0.4])
    assert curve(epochs, losses, points=3) == [[0, 0.7], [1, 0.6], [3, 0.4]]


def test_a_long_curve_has_at_most_64_points_first_and_last_in_and_no_nan():
    epochs = np.arange(20001)
    losses = np.exp(-epochs / 5000.0)
    losses[7] = np.nan
    points = curve(epochs, losses)
    assert len(points) <= 64
    assert points[0][0] == 0 and points[-1][0] == 20000
    assert all(a[0] < b[0] for a, b in zip(points, points[1:], strict=False))
    # evenly spread in log(1 + epoch): the steps in log are nearly equal past the start
    logs = np.log1p([e for e, _ in points[10:]])
    steps = np.diff(logs)
    assert steps.max() < 1.6 * steps.min()
    assert all(loss is None or math.isfinite(loss) for _, loss in points)


def test_a_thinned_history_uses_the_recorded_epoch_nearest_each_target():
    epochs = np.array([0, 2, 4, 8, 16])
    losses = np.arange(5.0)
    # targets expm1(linspace(0, log 17, 3)) = 0, 3.12, 16: 3.12 is nearest to 4
    assert [e for e, _ in curve(epochs, losses, points=3)] == [0, 4, 16]


def test_solved_is_the_restart_labs_rule():
    trainer = Trainer(Config(dataset="xor4", hidden=[4], activation="tanh", lr=0.3, seed=1))
    assert solved(trainer, None) is False  # epoch 0: accuracy is not 100 %
    trainer.step(2000)
    acc = float(np.ravel(trainer.last["train_acc"])[0])
    loss = float(np.ravel(trainer.last["train_loss"])[0])
    assert solved(trainer, None) is (acc >= 1.0)
    assert solved(trainer, loss / 2) is False  # a threshold below its loss: not solved
    regression = Trainer(Config(dataset="plane", output="linear", loss="mse"))
    assert solved(regression, None) is None
    assert solved(regression, 1e9) is True


def test_the_stuck_kind_is_reused_from_recent_frame_diagnostics_else_explained_again():
    clock = [100.0]
    watch = StuckWatch(clock=lambda: clock[0])
    trainer = Trainer(Config(dataset="xor4", hidden=[4], activation="tanh", lr=0.3, seed=1))
    trainer.step(3000)  # solved: explain_stuck says it is not stuck
    assert watch.read(trainer, seen=(99.5, "dead_units")) == "dead_units"  # recent: reused
    clock[0] = 103.0
    trainer.step(10)
    # the frames' explanation is 3.5 s old: explained again, by the engine
    expected = explain_stuck(trainer)
    assert watch.read(trainer, seen=(99.5, "dead_units")) == (
        expected.case if expected.stuck else None
    )
