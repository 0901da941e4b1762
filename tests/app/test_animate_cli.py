"""``playground animate`` (app/animate_cli.py): a run file or a preset to a GIF or MP4;
a clear message and exit status 2 for what is wrong."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.cli import main
from engine import Config, Trainer


def test_a_run_file_becomes_a_gif_of_its_kept_epochs(tmp_path: Path, capsys):
    trainer = Trainer(Config(hidden=[4], seed=3))
    trainer.step(200)
    run = tmp_path / "run.npz"
    trainer.save(run)
    out = tmp_path / "run.gif"
    assert main(["animate", str(run), "-o", str(out), "--fps", "8"]) == 0
    with Image.open(out) as gif:
        assert gif.n_frames >= 30
    assert "pictures of epochs 0..200" in capsys.readouterr().err


def test_a_preset_with_a_changed_setting_is_trained_then_drawn(tmp_path: Path):
    out = tmp_path / "solve.gif"
    code = main(
        ["animate", "--preset", "2-2-1", "--set", "hidden=[5]", "--epochs", "40", "-o", str(out)]
    )
    assert code == 0
    with Image.open(out) as gif:
        gif.seek(gif.n_frames - 1)
        last = np.asarray(gif.convert("RGB"))
    assert last.shape == (320, 640, 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.npz", "-o", "x.gif"], "missing.npz: no such file"),
        (["--preset", "no-such", "-o", "x.gif"], "no-such"),
        (["--preset", "2-2-1", "--set", "hidden", "-o", "x.gif"], "expected FIELD=VALUE"),
        (["--preset", "2-2-1", "--epochs", "0", "-o", "x.gif"], "--epochs must be in"),
        (["--preset", "2-2-1", "-o", "x.avi"], "suffix must be one of .gif, .mp4, .webm"),
        (["-o", "x.gif"], "give a run file (RUN) or --preset NAME"),
    ],
)
def test_what_is_wrong_is_named_with_exit_status_2(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["animate", *args]) == 2
    assert message in capsys.readouterr().err


def test_a_broken_run_file_is_refused(tmp_path: Path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    assert main(["animate", str(bad), "-o", str(tmp_path / "x.gif")]) == 2
    assert "not a readable run file" in capsys.readouterr().err
    assert not (tmp_path / "x.gif").exists()


def test_the_readme_s_gifs_are_animations_of_at_least_30_pictures_under_1_mb():
    docs = Path(__file__).resolve().parents[2] / "docs" / "animations"
    readme = (docs.parents[1] / "README.md").read_text(encoding="utf-8")
    for name in ("relu-2-2-1-stall.gif", "relu-2-5-1-solve.gif"):
        path = docs / name
        assert f"-o docs/animations/{name}" in readme  # the command that made it
        assert path.stat().st_size < 2**20
        with Image.open(path) as gif:
            assert gif.n_frames >= 30
