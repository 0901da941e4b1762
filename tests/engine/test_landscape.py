"""Loss landscape: centre, shape, filter normalisation, trajectory projection."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import MLP, Config, Trainer
from engine.landscape import (
    TrajectoryRecorder,
    evaluate_points,
    filter_normalized_direction,
    loss_landscape,
)


@pytest.fixture(scope="module")
def trained():
    trainer = Trainer(Config(hidden=[4, 2], reg_rate=0.01, regularization="l2"), replicas=2)
    recorder = TrajectoryRecorder(replica=1)
    for _ in range(25):
        trainer.step(8)
        recorder.record(trainer)
    return trainer, recorder


def test_the_centre_of_the_slice_is_the_trainers_current_loss(trained):
    trainer, _ = trained
    land = loss_landscape(trainer, steps=11, span=0.5, replica=1)
    assert land.loss.shape == (11, 11)
    assert land.alphas[5] == 0.0 and land.betas[5] == 0.0
    want = trainer.last["train_loss"][1]
    assert land.center_loss == pytest.approx(want, rel=1e-9)
    assert land.loss[5, 5] == pytest.approx(want, rel=1e-9)
    assert land.alphas[0] == -0.5 and land.betas[-1] == 0.5
    assert np.isfinite(land.loss).all()


def test_rows_follow_beta_and_columns_alpha(trained):
    trainer, _ = trained
    land = loss_landscape(trainer, steps=5, span=1.0, seed=3)
    theta = trainer.net.flat[0]
    i, j = 1, 4
    point = theta + land.alphas[j] * land.d1 + land.betas[i] * land.d2
    l1, l2 = trainer.config.penalty()
    direct = evaluate_points(trainer.net, point[None], trainer.train.X,
                             trainer.train.target, "bce", l1, l2)[0]
    assert land.loss[i, j] == pytest.approx(direct, rel=1e-12)


def test_random_directions_are_filter_normalised():
    net = MLP([2, 4, 2, 1], replicas=1, seed=7)
    theta = net.flat[0].copy()
    d = filter_normalized_direction(theta, net.sizes, np.random.default_rng(0))
    offset = 0
    for fan_in, fan_out in zip(net.sizes[:-1], net.sizes[1:], strict=True):
        w = theta[offset : offset + fan_in * fan_out].reshape(fan_in, fan_out)
        dw = d[offset : offset + fan_in * fan_out].reshape(fan_in, fan_out)
        np.testing.assert_allclose(np.linalg.norm(dw, axis=0), np.linalg.norm(w, axis=0),
                                   rtol=1e-12)
        assert not np.allclose(dw / np.linalg.norm(dw, axis=0), w / np.linalg.norm(w, axis=0))
        offset += fan_in * fan_out
    assert (d[net.n_weights:] == 0).all()  # biases: zero direction (Li et al.)
    with_b = filter_normalized_direction(theta, net.sizes, np.random.default_rng(0), True)
    assert (with_b[net.n_weights:] != 0).any()


def test_trajectory_directions_put_the_current_point_at_the_origin(trained):
    trainer, recorder = trained
    assert len(recorder) == 25 and recorder.epochs[-1] == trainer.epoch
    land = loss_landscape(trainer, steps=9, directions="trajectory", trajectory=recorder,
                          replica=1)
    assert land.trajectory.shape == (25, 2)
    np.testing.assert_allclose(land.trajectory[-1], [0.0, 0.0], atol=1e-9)
    assert abs(land.d1 @ land.d2) < 1e-9 and land.d1 @ land.d1 == pytest.approx(1.0)
    assert land.explained_variance[0] >= land.explained_variance[1] > 0
    reach = np.abs(land.trajectory).max(axis=0)
    assert land.alphas[-1] >= reach[0] and land.betas[-1] >= reach[1]
    assert land.trajectory_loss[-1] == pytest.approx(trainer.last["train_loss"][1], rel=1e-9)
    assert land.trajectory_loss[0] > land.trajectory_loss[-1]  # training went downhill
    json.dumps(land.to_dict())


def test_random_slice_also_projects_a_trajectory_given_as_vectors(trained):
    trainer, recorder = trained
    snaps = list(recorder.snapshots)
    land = loss_landscape(trainer, steps=5, trajectory=snaps, replica=1)
    np.testing.assert_allclose(land.trajectory[-1], [0.0, 0.0], atol=1e-9)


def test_recorder_restarts_on_rebuild_and_thins():
    trainer = Trainer(Config())
    rec = TrajectoryRecorder(max_snapshots=5)
    for _ in range(9):
        trainer.step(1)
        rec.record(trainer)
    assert len(rec) <= 5 and rec.epochs[-1] == 9 and rec.epochs[0] == 1
    rec.record(trainer)  # same epoch: replaced, not appended
    assert rec.epochs.count(9) == 1
    trainer.update(Config(hidden=[3]))  # rebuilt: epoch 0, more parameters
    rec.record(trainer)
    assert rec.epochs == [0] and rec.snapshots.shape == (1, trainer.net.n_params)


def test_bad_requests_are_refused(trained):
    trainer, _ = trained
    with pytest.raises(ValueError, match="trajectory"):
        loss_landscape(trainer, directions="trajectory")
    with pytest.raises(ValueError, match="steps"):
        loss_landscape(trainer, steps=1)
    with pytest.raises(ValueError, match="directions"):
        loss_landscape(trainer, directions="pca")
