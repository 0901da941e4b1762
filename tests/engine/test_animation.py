"""trainer.animate (engine/animation.py): a GIF Pillow reads back with at least 30
frames, an MP4 imageio reads back, pictures that show the run, and refusals."""

from __future__ import annotations

from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest
from PIL import Image

from engine import Config, Trainer
from engine.animation import play_epochs, surface_rgb
from engine.figures import CLASS_COLORS


@pytest.fixture(scope="module")
def run() -> Trainer:
    trainer = Trainer(Config(dataset="circle", n_points=60, hidden=[5], lr=0.1, seed=1))
    trainer.step(500)
    return trainer


def test_a_gif_of_at_least_30_frames_that_pillow_reads_back(run: Trainer, tmp_path: Path):
    path = tmp_path / "run.gif"
    written = run.animate(path, fps=12)
    with Image.open(path) as gif:
        assert gif.n_frames == written >= 30
        assert gif.size == (640, 320)
        assert abs(gif.info["duration"] - 1000 / 12) <= 10  # GIF keeps centiseconds


def test_an_mp4_that_imageio_reads_back(run: Trainer, tmp_path: Path):
    path = tmp_path / "run.mp4"
    written = run.animate(path, fps=10, size=(320, 160))
    reader = imageio.get_reader(path)
    try:
        assert reader.count_frames() == written >= 30
        assert reader.get_data(0).shape == (160, 320, 3)
    finally:
        reader.close()


def test_the_default_epochs_are_log_spaced_kept_epochs(run: Trainer):
    epochs = play_epochs(run.snapshots(), run.epoch)
    assert epochs[0] == 0 and epochs[-1] == 500 and len(epochs) >= 30
    assert set(epochs) <= set(run.snapshots())
    # as many pictures in the first 10 epochs as in the last 250 (log spacing), about
    assert sum(e <= 10 for e in epochs) >= sum(e >= 250 for e in epochs)


def test_a_short_run_uses_every_kept_epoch():
    assert play_epochs(list(range(13)), 12) == list(range(13))


def test_the_surface_is_coloured_as_the_figures_colour_it():
    trainer = Trainer(Config())
    # P(class 1) = 0, 0.5, 1: class 0's colour, white, class 1's colour (by hand)
    image = surface_rgb(trainer, np.array([[0.0, 0.5, 1.0]]))
    assert [tuple(int(c) for c in px) for px in image[0]] == [
        (0xE6, 0x9F, 0x00),
        (255, 255, 255),
        (0x00, 0x72, 0xB2),
    ]
    assert CLASS_COLORS[0] == "#e69f00"


def test_the_first_and_last_pictures_differ_where_the_boundary_moved(run: Trainer, tmp_path):
    path = tmp_path / "two.gif"
    run.animate(path, epochs=[0, 500])
    with Image.open(path) as gif:
        first = np.asarray(gif.convert("RGB"))
        gif.seek(1)
        last = np.asarray(gif.convert("RGB"))
    assert (first[:, :320] != last[:, :320]).any(axis=2).mean() > 0.1


@pytest.mark.parametrize(
    ("name", "kwargs", "match"),
    [
        ("run.avi", {}, "suffix"),
        ("run.gif", {"fps": 0}, "fps"),
        ("run.gif", {"epochs": [123]}, "epoch 123 is not kept"),
        ("run.gif", {"size": (100, 50)}, "size"),
    ],
)
def test_bad_requests_are_refused_naming_what_is_wrong(run, tmp_path, name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        run.animate(tmp_path / name, **kwargs)
    assert not (tmp_path / name).exists()
