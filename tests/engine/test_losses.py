"""Each loss is one declaration (engine/losses.py): the fast functions, its display
name, its readable formulas (the reference's) and its exported scripts' forms. The
readable formulas against hand-worked values; every declaration complete."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from engine.losses import LOSSES
from engine.reference import data_loss, output_delta


@pytest.mark.parametrize("name", LOSSES)
def test_every_declared_loss_carries_what_its_readers_need(name):
    loss = LOSSES[name]
    assert loss.label and loss.reference is not None, name
    assert loss.scripts is not None and loss.scripts.numpy and loss.scripts.torch, name
    assert loss.scripts.logits_of in (None, *loss.outputs)


def test_the_readable_losses_at_hand_worked_points():
    # bce at z = 0 (a = 1/2) with y = 1: -ln(1/2) = ln 2; delta = (1/2 - 1) / 1
    z = np.array([[0.0]])
    assert data_loss(z, z + 0.5, np.array([[1.0]]), "bce") == pytest.approx(math.log(2))
    np.testing.assert_allclose(output_delta(z, z + 0.5, np.array([[1.0]])), [[-0.5]])
    # mse of a = 0.5 against 0 over two points: 0.25; linear output (f' = 1):
    # delta = 2 (a - y) / 2 = 0.5 each
    a = np.array([[0.5], [0.5]])
    assert data_loss(a, a, np.zeros((2, 1)), "mse") == pytest.approx(0.25)
    np.testing.assert_allclose(output_delta(a, a, np.zeros((2, 1)), "linear", "mse"), [[0.5]] * 2)
    # ce of two equal logits: ln 2 for either class
    Z = np.zeros((1, 2))
    assert data_loss(Z, Z + 0.5, np.array([[1.0, 0.0]]), "ce") == pytest.approx(math.log(2))


@pytest.mark.parametrize("name", LOSSES)
def test_a_registered_loss_pickles_as_itself(name):
    assert pickle.loads(pickle.dumps(LOSSES[name])) is LOSSES[name]
