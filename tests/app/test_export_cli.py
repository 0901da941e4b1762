"""``playground export RUN --to numpy|torch|keras [-o FILE]``: a saved run becomes a
script that, run alone, prints the run's losses; a bad file or target is refused with
one line naming what is wrong, and nothing is written."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from app.cli import main
from engine import Config, Trainer


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Trainer, str]:
    trainer = Trainer(
        Config(dataset="circle", hidden=[4], batch_size=10, n_points=60, optimizer="adam", lr=0.03)
    )
    trainer.step(30)
    trainer.set_param(0, "weight", 0, 1, 0.5)  # the script starts here, and says so
    trainer.step(50)
    path = tmp_path_factory.mktemp("run") / "circle.npz"
    trainer.save(path)
    return trainer, str(path)


def test_export_writes_a_script_that_prints_the_runs_losses(run, tmp_path, capsys):
    trainer, path = run
    out = tmp_path / "circle.py"
    assert main(["export", path, "--to", "numpy", "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().err
    text = out.read_text()
    assert "python circle.py --json" in text
    assert "set by hand at epoch 30" in " ".join(text.split())
    done = subprocess.run(
        [sys.executable, "-I", str(out), "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["epochs"] == list(range(30, 81))
    engine = trainer.history["train_loss"][30:, 0]
    assert np.allclose(printed["loss"], engine, rtol=1e-10, atol=0)


def test_without_output_the_script_goes_to_stdout(run, capsys):
    _, path = run
    for target, marker in (
        ("numpy", "import numpy as np"),
        ("torch", "import torch"),
        ("keras", "import keras"),
    ):
        assert main(["export", path, "--to", target]) == 0
        assert marker in capsys.readouterr().out


def test_python_m_app_export_is_the_same_program(run, tmp_path):
    _, path = run
    done = subprocess.run(
        [sys.executable, "-m", "app", "export", path, "--to", "torch"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "torch.optim.Adam(" in done.stdout


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        (b"not a run file", "run file"),
        (b"PK\x03\x04 truncated", "run file"),
    ],
)
def test_a_missing_or_broken_file_is_refused_and_nothing_is_written(
    content, message, tmp_path, capsys
):
    path = tmp_path / "run.npz"
    if content is not None:
        path.write_bytes(content)
    out = tmp_path / "script.py"
    assert main(["export", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground export: ") and message in err
    assert not out.exists() and not (tmp_path / "script.py.partial").exists()


def test_a_replica_that_does_not_exist_is_refused(run, capsys):
    _, path = run
    assert main(["export", path, "--replica", "3"]) == 2
    assert "replica must be an integer in [0, 0]" in capsys.readouterr().err


def test_an_unknown_target_is_refused_by_name(run, capsys):
    _, path = run
    with pytest.raises(SystemExit):
        main(["export", path, "--to", "jax"])
    assert "invalid choice: 'jax'" in capsys.readouterr().err
