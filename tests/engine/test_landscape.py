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
    direct = evaluate_points(
        trainer.net, point[None], trainer.train.X, trainer.train.target, "bce", l1, l2
    )[0]
    assert land.loss[i, j] == pytest.approx(direct, rel=1e-12)


def _direction_of(trainer, include_biases=False, seed=0):
    """A random direction as loss_landscape draws it (the public entry point)."""
    land = loss_landscape(trainer, steps=3, seed=seed, include_biases=include_biases)
    return trainer.net.flat[0].astype(float), land.d1, land.d2


@pytest.mark.parametrize("hidden", [[2], [4, 2], [3, 1, 2]])
def test_random_directions_normalise_every_neurons_filter_at_the_layouts_positions(hidden):
    """Li et al. (2018): each neuron's incoming weights (column j of W) scaled to the
    norm of the same neuron's weights in θ, in every layer, the output layer too;
    biases do not move. Positions come from the network's public layout."""
    trainer = Trainer(Config(hidden=hidden, seed=7))
    theta, d1, d2 = _direction_of(trainer)
    layout = trainer.net.layout
    for d in (d1, d2):
        for W in layout.weights:
            dw, tw = d[W.slice].reshape(W.shape), theta[W.slice].reshape(W.shape)
            np.testing.assert_allclose(
                np.linalg.norm(dw, axis=0), np.linalg.norm(tw, axis=0), rtol=1e-12, err_msg=W.name
            )
            assert (dw != 0).all(), f"{W.name} does not move"
            if W.shape[0] > 1:  # a one-weight filter can only be ±θ's
                assert not np.allclose(
                    dw / np.linalg.norm(dw, axis=0), tw / np.linalg.norm(tw, axis=0)
                )  # random, not θ
        for b in layout.biases:
            assert (d[b.slice] == 0).all(), f"{b.name} moves without include_biases"
    assert not np.allclose(d1, d2)


def test_the_default_2_2_1_direction_moves_the_output_weights_not_the_hidden_biases():
    """Worked by hand from the documented layout [W1 (2x2) | b1 (2) | W2 (2x1) | b2 (1)]:
    positions 0-3 and 6-7 are weights, 4-5 and 8 biases."""
    trainer = Trainer(Config())  # the page's default 2-2-1
    theta, d, _ = _direction_of(trainer)
    assert d.shape == (9,)
    assert (d[[4, 5, 8]] == 0).all()
    assert (d[[0, 1, 2, 3, 6, 7]] != 0).all()
    # W2's filter (one output neuron, incoming weights at 6 and 7) has θ's norm
    assert np.hypot(d[6], d[7]) == pytest.approx(np.hypot(theta[6], theta[7]), rel=1e-12)
    # W1's first filter: W1[0, 0] and W1[1, 0], at 0 and 2 (row-major 2 x 2)
    assert np.hypot(d[0], d[2]) == pytest.approx(np.hypot(theta[0], theta[2]), rel=1e-12)


def test_include_biases_puts_each_bias_in_its_neurons_filter():
    trainer = Trainer(Config(hidden=[4, 2], seed=3, bias_init=0.1))
    theta, d, _ = _direction_of(trainer, include_biases=True)
    for W, b in zip(trainer.net.layout.weights, trainer.net.layout.biases, strict=True):
        dcol = np.vstack([d[W.slice].reshape(W.shape), d[b.slice][None]])
        tcol = np.vstack([theta[W.slice].reshape(W.shape), theta[b.slice][None]])
        np.testing.assert_allclose(
            np.linalg.norm(dcol, axis=0), np.linalg.norm(tcol, axis=0), rtol=1e-12
        )
        assert (d[b.slice] != 0).all()


def test_filter_normalized_direction_works_on_a_bare_layout():
    net = MLP([2, 4, 2, 1], replicas=1, seed=7)
    theta = net.flat[0].copy()
    d = filter_normalized_direction(theta, net.layout, np.random.default_rng(0))
    assert d.shape == theta.shape and (d[~net.layout.weight_mask(bool)] == 0).all()


def test_trajectory_directions_put_the_current_point_at_the_origin(trained):
    trainer, recorder = trained
    assert len(recorder) == 25 and recorder.epochs[-1] == trainer.epoch
    land = loss_landscape(trainer, steps=9, directions="trajectory", trajectory=recorder, replica=1)
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
