"""The stuck detector's plateau rule (flat over the last half of the run, in
log-epochs) and the divergence rule (loss 100x its best, or a weight past the bound).

Expected outcomes come from hand-worked loss sequences, and for real runs from the
run's own state after long training (independent of the detector): a run whose loss
after 5000 epochs is still >= 0.3 was stuck; one that reaches < 0.01 never was.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import Config, Trainer, explain_stuck
from engine.diagnostics import (
    DEFAULT_REL_TOL,
    DIVERGING_RISE,
    WEIGHT_BOUND,
    diverging_mask,
    plateau_improvement,
    plateau_window,
)
from engine.presets import preset_config

EPOCHS = np.arange(201)


def test_the_window_is_the_last_half_of_the_run_up_to_500_epochs():
    assert plateau_window(100) == 50
    assert plateau_window(101) == 51
    assert plateau_window(999) == 500
    assert plateau_window(5000) == 500
    assert plateau_window(5000, longest=200) == 200


def test_a_flat_tail_over_the_last_half_is_a_plateau():
    # falls 0.005 an epoch from 0.7 to 0.4723 (reached at epoch 45.5), then flat
    losses = np.maximum(0.4723, 0.7 - 0.005 * EPOCHS[:101])
    # window 50: best of epochs 0-50 is 0.4723, best of 51-100 is 0.4723: no change
    assert plateau_improvement(EPOCHS[:101], losses, 50)[0] == 0.0


def test_a_slow_steady_fall_is_not_a_plateau():
    losses = 0.7 - 0.0005 * EPOCHS  # 0.05 per 100 epochs
    # best of 0-100 is 0.65 (epoch 100), best of 101-200 is 0.6: (0.65 - 0.6) / 0.65
    improvement = plateau_improvement(EPOCHS, losses, 100)[0]
    assert improvement == pytest.approx(0.05 / 0.65)
    assert improvement > DEFAULT_REL_TOL


def test_a_noisy_mini_batch_loss_that_still_falls_is_not_a_plateau():
    # a slow fall under +-0.06 of noise: +0.06 on every fourth epoch, -0.06 otherwise
    noise = np.where(EPOCHS % 4 == 0, 0.06, -0.06)
    losses = 0.6 - 0.0005 * EPOCHS + noise
    # The loss 50 epochs ago (epoch 150, 0.465) is below today's (epoch 200, 0.56):
    # read point to point, it "rose". Best against best: 0.465 (epoch 150) against
    # 0.4405 (epoch 199), a 5.3 % fall.
    assert losses[150] < losses[200]
    improvement = plateau_improvement(EPOCHS, losses, 50)[0]
    assert improvement == pytest.approx((0.465 - 0.4405) / 0.465)
    assert improvement > DEFAULT_REL_TOL


def test_too_early_and_per_replica():
    losses = np.stack([np.full(201, 0.5), 1.0 - 0.004 * EPOCHS], axis=1)  # (n, K=2)
    flat, falling = plateau_improvement(EPOCHS, losses, 100)
    assert flat == 0.0 and falling == pytest.approx((0.6 - 0.2) / 0.6)
    # no row at or before now - window: nothing to compare with
    assert np.isnan(plateau_improvement(EPOCHS[150:], losses[150:], 100)).all()


def test_thinned_history_uses_the_last_row_before_the_window():
    epochs = np.array([0, 64, 128, 192, 256, 300])  # thinned: rows 64 epochs apart
    losses = np.array([0.9, 0.6, 0.5, 0.48, 0.45, 0.44])
    # window 100: the reference rows 100-200 (0.5, 0.48) against 256 and 300 (0.45, 0.44)
    assert plateau_improvement(epochs, losses, 100)[0] == pytest.approx(0.04 / 0.48)
    # window 20: no row in 260-280; the last row before it (256, 0.45) stands in
    assert plateau_improvement(epochs, losses, 20)[0] == pytest.approx(0.01 / 0.45)


def _stuck_epoch(trainer: Trainer, limit: int, block: int = 10) -> int | None:
    """The first multiple of ``block`` epochs at which explain_stuck reports."""
    while trainer.epoch < limit:
        trainer.step(block)
        if explain_stuck(trainer).stuck:
            return trainer.epoch
    return None


def _plateau_start(cfg: Config, final_epoch: int = 5000) -> tuple[int, float]:
    """The first epoch whose loss is within 1 % of the loss after ``final_epoch``
    epochs (the run's own plateau, found without the detector), and that loss."""
    t = Trainer(cfg)
    t.step(final_epoch)
    h = t.history_since(-1)
    final = float(t.last["train_loss"][0])
    near = np.abs(h["train_loss"][:, 0] - final) <= 0.01 * final
    # the plateau starts where the loss is near its end and stays there
    away = np.flatnonzero(~near)
    first = int(away[-1]) + 1 if len(away) else 0
    return int(h["epoch"][first]), final


@pytest.mark.parametrize(
    ("name", "case"),
    [
        ("seed000-keras-relu", "dead_units"),
        ("seed001-sigmoid-gd", "small_steps"),
        ("relu-2-2-1", "dead_units"),
    ],
)
def test_stuck_runs_are_called_stuck_within_a_few_hundred_epochs_of_their_plateau(name, case):
    cfg = Config(activation="relu") if name == "relu-2-2-1" else preset_config(name)
    start, final = _plateau_start(cfg)
    assert final >= 0.3  # stuck, by its own state after 5000 epochs
    trainer = Trainer(cfg)
    epoch = _stuck_epoch(trainer, start + 300)
    assert epoch is not None, f"{name}: plateau from epoch {start}, not stuck by {start + 300}"
    report = explain_stuck(trainer)
    assert report.case == case
    # the old rule (a fixed 500-epoch window) could not answer before epoch 500
    assert epoch < 500


SOLVING = [
    ("2-2-1", preset_config("2-2-1")),
    ("2-4-2-1 tanh", preset_config("4-2-1")),  # 250 epochs on the ln2/2 half plateau
    ("2-5-1", preset_config("2-5-1")),
    ("seed001-sigmoid-rmsprop", preset_config("seed001-sigmoid-rmsprop")),
    ("seed004-relu-uniform", preset_config("seed004-relu-uniform")),
    ("2-5-1 relu", Config(hidden=[5], activation="relu")),
    ("2-5-1 relu seed 2", Config(hidden=[5], activation="relu", seed=2)),
    ("2-4-2-1 tanh seed 1", Config(hidden=[4, 2], seed=1)),
    ("2-4-2-1 tanh seed 3", Config(hidden=[4, 2], seed=3)),
]


@pytest.mark.parametrize(("name", "cfg"), SOLVING, ids=[n for n, _ in SOLVING])
def test_a_solving_run_is_never_called_stuck_or_diverging(name, cfg):
    trainer = Trainer(cfg)
    assert _stuck_epoch(trainer, 3000) is None
    trainer.step(5000 - trainer.epoch)
    assert float(trainer.last["train_loss"][0]) < 0.01  # it solves: never stuck


def test_sgd_at_lr_10_on_regression_is_diverging_while_the_loss_is_finite():
    trainer = Trainer(
        Config(dataset="plane", output="linear", loss="mse", optimizer="sgd", lr=10.0)
    )
    seen = None
    while trainer.epoch < 200 and seen is None:
        trainer.step(1)
        report = explain_stuck(trainer)
        seen = report if report.stuck else None
    assert seen is not None and seen.case == "diverging"
    loss = float(trainer.last["train_loss"][0])
    assert math.isfinite(loss) and not trainer.diverged[0]
    best = float(np.min(trainer.history_since(-1)["train_loss"][:, 0]))
    assert loss > DIVERGING_RISE * best
    assert seen.details["times_best"] == pytest.approx(loss / best)
    assert "diverging" in seen.message and "Lower the learning rate" in seen.message
    assert seen.suggestions[0]["key"] == "smaller_lr"
    assert seen.suggestions[0]["config_change"] == {"lr": 1.0}
    # it stays diverging until the loss stops being finite, then it is "diverged"
    while not trainer.diverged[0]:
        trainer.step(1)
        report = explain_stuck(trainer)
        assert report.case == ("diverged" if trainer.diverged[0] else "diverging")


def test_a_weight_past_the_bound_is_diverging_and_a_healthy_run_is_not():
    trainer = Trainer(Config(), replicas=2)
    trainer.step(50)
    assert diverging_mask(trainer).tolist() == [False, False]
    trainer.net.weights[0][1, 0, 0] = 2 * WEIGHT_BOUND
    assert diverging_mask(trainer).tolist() == [False, True]
    report = explain_stuck(trainer, replica=1)
    assert report.case == "diverging"
    assert report.details["largest_weight"] == 2 * WEIGHT_BOUND
