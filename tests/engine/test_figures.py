"""trainer.figure(): the decision surface with the points, and the loss curve, as
Plotly figures, without a server."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, Trainer
from engine.figures import CLASS_COLORS, MIN_TINT, class_image

pytest.importorskip("plotly")


def test_the_surface_is_the_networks_output_on_the_grid_with_the_points():
    trainer = Trainer(Config(dataset="circle", hidden=[4], n_points=60, optimizer="adam"))
    trainer.step(50)
    surface, loss = trainer.figure(grid=20)
    heat = surface.data[0]
    xs, ys = np.asarray(heat.x), np.asarray(heat.y)
    gx, gy = np.meshgrid(xs, ys)
    expected = trainer.predict(np.column_stack([gx.ravel(), gy.ravel()]))[0].reshape(20, 20)
    assert np.allclose(np.asarray(heat.z), expected, atol=1e-6)  # frames are float32
    train, test = surface.data[1], surface.data[2]
    assert (train.name, test.name) == ("train", "test")
    assert np.array_equal(np.column_stack([train.x, train.y]), trainer.train.points)
    assert np.array_equal(np.column_stack([test.x, test.y]), trainer.test.points)
    assert list(train.marker.color) == [CLASS_COLORS[int(v)] for v in trainer.train.y[:, 0]]
    assert np.array_equal(loss.data[0].x, trainer.history["epoch"])
    assert np.array_equal(loss.data[0].y, trainer.history["train_loss"][:, 0])
    assert loss.layout.yaxis.type == "log"


def test_it_unpacks_as_a_pair_and_a_tanh_output_is_shown_as_a_probability():
    trainer = Trainer(Config(output="tanh", loss="mse", hidden=[3]))
    figures = trainer.figure(grid=10)
    surface, loss = figures
    assert surface is figures.surface and loss is figures.loss
    z = np.asarray(surface.data[0].z)
    assert z.min() >= 0.0 and z.max() <= 1.0
    frame = trainer.frame(10)
    assert np.allclose(z, (frame.surface + 1) / 2, atol=1e-6)


def test_class_colours_fade_to_white_as_the_network_is_less_sure():
    # worked by hand: orange #e69f00 = (230, 159, 0); blue #0072b2 = (0, 114, 178)
    p = np.zeros((3, 1, 3))
    p[:, 0, 0] = [1.0, 0.0, 0.0]  # sure of class 0: the full colour
    p[:, 0, 1] = [1 / 3, 1 / 3, 1 / 3]  # a tie: the faintest tint of class 0
    p[:, 0, 2] = [0.0, 2 / 3, 1 / 3]  # class 1 at 2/3: t = (2/3 - 1/3) / (2/3) = 1/2
    image = class_image(p)
    assert image[0, 0].tolist() == [230, 159, 0]
    assert image[0, 1].tolist() == [
        round(255 - 25 * MIN_TINT),
        round(255 - 96 * MIN_TINT),
        round(255 - 255 * MIN_TINT),
    ]
    assert image[0, 2].tolist() == [128, 184, 216]  # halfway from white to (0, 114, 178)


def test_a_softmax_run_draws_its_most_probable_class():
    trainer = Trainer(Config(dataset="blobs3", output="softmax", loss="ce", hidden=[6]))
    trainer.step(100)
    surface, _ = trainer.figure(grid=12)
    image = np.asarray(surface.data[0].z)
    assert image.shape == (12, 12, 3)
    frame = trainer.frame(12)
    best = frame.surface.argmax(axis=0)
    sure = frame.surface.max(axis=0) > 0.99
    colours = np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in CLASS_COLORS])
    assert sure.any()
    # p > 0.99: t > 0.985, within 255 (1 - t) < 4 of the full colour
    assert np.abs(image[sure].astype(int) - colours[best[sure]]).max() <= 4
