"""The frame's diagnostics carry the plateau rule's "stuck" verdict early and the
"diverging" one before the loss stops being finite, and a surface that overflowed is
replaced by the last finite one (issue 22), through Flask-SocketIO's test client."""

from __future__ import annotations

import math

import numpy as np
import pytest
from app_helpers import wait_until
from test_lab_events import fresh_frame, step_and_wait

from app import frames
from engine import Config, Trainer

DIVERGING = {"dataset": "plane", "output": "linear", "loss": "mse", "optimizer": "sgd", "lr": 10.0}


@pytest.fixture()
def client(connect):
    return connect()


def configure(sock, session, change):
    sock.emit("config", change)
    wait_until(
        lambda: all(
            getattr(session.trainer.config, k) in (v, tuple(v) if isinstance(v, list) else v)
            for k, v in change.items()
        ),
        what=f"the config {change}",
    )


def test_a_relu_2_2_1_flat_since_epoch_50_is_stuck_by_epoch_150(client):
    sock, inbox, session = client
    configure(sock, session, {"hidden": [2], "activation": "relu", "seed": 0})
    # The engine alone: this run's loss after 5000 epochs is 0.4774, 75 % right; by
    # epoch 150 it is within 0.5 % of that (its plateau).
    probe = Trainer(session.trainer.config)
    probe.step(150)
    at_150 = float(probe.last["train_loss"][0])
    probe.step(4850)
    assert float(probe.last["train_loss"][0]) >= 0.3
    assert abs(at_150 / float(probe.last["train_loss"][0]) - 1) < 5e-3
    step_and_wait(sock, session, 150)
    stuck = fresh_frame(sock, inbox, 150)["diagnostics"]["stuck"]
    assert stuck is not None and stuck["case"] == "dead_units"
    assert stuck["epoch"] == 150
    assert stuck["details"]["window"] == 75  # the last half of the run


def test_regression_at_lr_10_says_diverging_while_the_loss_is_finite(client):
    sock, inbox, session = client
    configure(sock, session, DIVERGING)
    step_and_wait(sock, session, 3)
    frame = fresh_frame(sock, inbox, 3)
    assert frame["train_loss"] is not None and math.isfinite(frame["train_loss"])
    stuck = frame["diagnostics"]["stuck"]
    assert stuck is not None and stuck["case"] == "diverging"
    assert stuck["suggestions"][0]["config_change"] == {"lr": 1.0}
    # later, past float32's range, the surface is the last finite one, marked
    step_and_wait(sock, session, 60)
    late = fresh_frame(sock, inbox, 63)
    assert late["surface_epoch"] is not None and late["surface_epoch"] < 63
    lo, hi = late["surface_range"]
    assert lo is not None and hi is not None and hi > lo  # a real surface, not grey
    assert late["diagnostics"]["stuck"]["case"] in ("diverging", "diverged")


def test_the_last_finite_surface_stands_in_for_one_that_overflowed():
    trainer = Trainer(Config(**DIVERGING))
    keep = frames.FiniteSurface()
    shown_at = {}
    while not trainer.diverged[0]:
        trainer.step(1)
        with np.errstate(all="ignore"):
            finite = bool(np.isfinite(trainer.frame(trainer.config.grid).surface).all())
        f = frames.build_frame(
            trainer,
            seq=1,
            status="playing",
            history_since=-1,
            include_points=False,
            finite_surface=keep,
        )
        shown_at[trainer.epoch] = (finite, f["surface_epoch"], f["surface_range"])
    finite_epochs = [e for e, (ok, _, _) in shown_at.items() if ok]
    overflowed = [e for e, (ok, _, _) in shown_at.items() if not ok]
    assert finite_epochs and overflowed  # the engine's surface overflows before the loss
    for e, (ok, epoch, (lo, hi)) in shown_at.items():
        if ok:
            assert epoch is None
        else:  # the latest finite surface before it, with its range
            assert epoch == max(x for x in finite_epochs if x < e)
            assert lo is not None and hi is not None
    # a new run (epochs start again) forgets the old run's surface
    fresh = Trainer(Config(**DIVERGING))
    f = frames.build_frame(
        fresh,
        seq=2,
        status="playing",
        history_since=-1,
        include_points=False,
        finite_surface=keep,
    )
    assert f["surface_epoch"] is None and keep.saved is not None and keep.saved[5] == 0
