"""Running an exported script the way a user would, and reading what it prints; the
set-ups and optimizers every exporter's tests train (one list, shared by all three),
and a set-up for every declared activation, output and loss, read from the engine's
registries so that a new declaration is exported and tested without a line here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from engine import Config, Trainer
from engine.activations import ACTIVATIONS
from engine.losses import LOSSES

# Runs a script as __main__ with this project's packages made unimportable: the
# script must stand on NumPy (and its own library) alone.
_RUN_ALONE = (
    "import runpy, sys\n"
    "sys.modules['engine'] = sys.modules['app'] = None\n"
    "path = sys.argv[1]\n"
    "sys.argv = sys.argv[1:]\n"
    "runpy.run_path(path, run_name='__main__')\n"
)


def run_script(
    text: str,
    tmp_path: Path,
    *args: str,
    python: str = sys.executable,
    name: str = "run.py",
    timeout: float = 600,
) -> str:
    """Write ``text`` to a file, run it in a fresh isolated interpreter with ``args``
    from an empty directory, and return what it printed (stderr in the error)."""
    path = tmp_path / name
    path.write_text(text)
    done = subprocess.run(
        [python, "-I", "-c", _RUN_ALONE, str(path), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise AssertionError(f"the script failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout


def script_losses(text: str, tmp_path: Path, **kwargs) -> dict[int, float]:
    """The script's ``--json`` output as {epoch: loss}."""
    printed = json.loads(run_script(text, tmp_path, "--json", **kwargs))
    assert len(printed["epochs"]) == len(printed["loss"])
    return dict(zip(printed["epochs"], printed["loss"], strict=True))


def relative_gaps(
    trainer: Trainer, losses: dict[int, float], replica: int = 0, atol: float = 0.0
) -> dict:
    """max(0, |script - engine| - atol) / |engine| at every epoch of the engine's
    history that the script printed. ``atol``: a loss near 0 is only known to about
    1e-16 absolute (the engine's softplus(z) - y z from a = sigmoid(z), torch's from
    log1p), so its relative gap says nothing below that."""
    history = trainer.history
    gaps = {}
    for epoch, engine in zip(
        history["epoch"].tolist(), history["train_loss"][:, replica], strict=True
    ):
        if epoch in losses:
            gap = max(0.0, abs(losses[epoch] - engine) - atol)
            gaps[epoch] = gap / abs(engine) if engine else gap
    return gaps


def assert_reproduces(
    trainer: Trainer, losses: dict[int, float], rtol: float, start: int = 0, atol: float = 0.0
) -> None:
    """The script printed every epoch from ``start`` to the run's, each loss within
    ``rtol`` of the engine's (plus ``atol``), the run's last epoch above all."""
    assert sorted(losses) == list(range(start, trainer.epoch + 1))
    gaps = relative_gaps(trainer, losses, atol=atol)
    assert trainer.epoch in gaps
    worst = max(gaps.values())
    assert np.isfinite(worst) and worst <= rtol, (
        f"worst relative gap {worst:.3g} at epoch {max(gaps, key=gaps.get)} "
        f"(epoch {trainer.epoch}: {gaps[trainer.epoch]:.3g})"
    )


def python_with(module: str, variable: str) -> str | None:
    """An interpreter that can import ``module``: this one, or the one the environment
    variable ``variable`` names (e.g. a scratch virtualenv with PyTorch, for a machine
    whose test environment has none); None if neither can."""
    import os

    for python in (sys.executable, os.environ.get(variable)):
        if (
            python
            and subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode
            == 0
        ):
            return python
    return None


EPOCHS = 200

OPTIMIZERS = {
    "sgd": {"optimizer": "sgd", "lr": 0.3},
    "sgd-momentum-dampening": {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "dampening": 0.1},
    "sgd-nesterov": {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True},
    "adagrad": {
        "optimizer": "adagrad",
        "lr": 0.1,
        "lr_decay": 0.01,
        "initial_accumulator_value": 0.1,
    },
    "rmsprop": {"optimizer": "rmsprop", "lr": 0.01},
    "rmsprop-centered-momentum": {
        "optimizer": "rmsprop",
        "lr": 0.005,
        "centered": True,
        "momentum": 0.5,
        "alpha": 0.9,
    },
    "adam": {"optimizer": "adam", "lr": 0.03},
    "adam-amsgrad": {"optimizer": "adam", "lr": 0.01, "amsgrad": True, "beta1": 0.8, "beta2": 0.99},
    "rprop": {"optimizer": "rprop", "lr": 0.01, "eta_minus": 0.4, "eta_plus": 1.3, "step_max": 0.1},
}
SETUPS = {
    "xor4 full batch": {"hidden": [4, 2], "activation": "tanh"},
    "circle mini-batch": {"dataset": "circle", "hidden": [8, 8], "batch_size": 10, "n_points": 100},
    "moons mini-batch leaky l2": {
        "dataset": "moons",
        "hidden": [5, 3],
        "activation": "leaky_relu",
        "batch_size": 7,
        "regularization": "l2",
        "reg_rate": 0.01,
    },
    "spiral3 softmax full batch": {
        "dataset": "spiral3",
        "output": "softmax",
        "loss": "ce",
        "hidden": [8, 6],
        "n_points": 150,
    },
    "own 4-class points softmax mini-batch": {
        "output": "softmax",
        "loss": "ce",
        "hidden": [6],
        "activation": "relu",
        "batch_size": 16,
        "noise": 5,
        "data": "own4",
    },
}


# One activation per hidden layer: every exporter reproduces these, and names each
# layer's own activation. Together they use every declared hidden activation.
PER_LAYER_SETUPS = {
    "relu,tanh xor4 full batch sgd": {
        "hidden": [4, 3],
        "activation": ["relu", "tanh"],
        "optimizer": "sgd",
        "lr": 0.3,
        "bias_init": 0.1,
    },
    "elu,linear,swish circle mini-batch adam": {
        "dataset": "circle",
        "n_points": 60,
        "hidden": [4, 3, 3],
        "activation": ["elu", "linear", "swish"],
        "batch_size": 7,
    },
    "leaky,softplus,sigmoid spiral3 softmax l2": {
        "dataset": "spiral3",
        "n_points": 90,
        "output": "softmax",
        "loss": "ce",
        "hidden": [5, 4, 3],
        "activation": ["leaky_relu", "softplus", "sigmoid"],
        "regularization": "l2",
        "reg_rate": 0.01,
    },
}


def activation_setups(epochs: int = 40) -> dict[str, dict]:
    """A small two-hidden-layer run of every declared hidden activation."""
    return {
        name: {
            "dataset": "circle",
            "n_points": 40,
            "hidden": [3, 2],
            "activation": name,
            "optimizer": "adam",
            "lr": 0.03,
        }
        for name in ACTIVATIONS
    }


# The data each output fits: a softmax several classes, a linear output real targets.
_OUTPUT_DATA = {"softmax": "blobs3", "linear": "plane"}


def output_setups() -> dict[str, dict]:
    """A small run of every declared loss with every output it takes."""
    return {
        f"{output} output, {loss}": {
            "dataset": _OUTPUT_DATA.get(output, "circle"),
            "n_points": 40,
            "hidden": [3],
            "output": output,
            "loss": loss,
            "optimizer": "adam",
            "lr": 0.03,
        }
        for loss, declared in LOSSES.items()
        for output in declared.outputs
    }


def own_points(kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Points of one's own: 60 points in 4 classes by quadrant, or a regression
    target, from a generator of the test's (not the engine's data sets)."""
    rng = np.random.default_rng(11)
    points = rng.uniform(-5, 5, (60, 2))
    if kind == "own4":
        return points, (2 * (points[:, 0] > 0) + (points[:, 1] > 0)).astype(np.int64)
    return points, np.sin(points[:, 0]) + 0.1 * points[:, 1]


def trained(changes: dict, epochs: int = EPOCHS) -> Trainer:
    changes = dict(changes)
    data = changes.pop("data", None)
    trainer = Trainer(Config(**changes), data=own_points(data) if data else None)
    trainer.step(epochs)
    return trainer


# Set-ups every exporter's test adds to its own: regression, the tanh output with its ±1
# targets, sigmoid + mse, l1 and input features, each with another optimizer.
VARIED_SETUPS: list[dict] = [
    {
        "dataset": "plane",
        "output": "linear",
        "loss": "mse",
        "hidden": [4],
        "activation": "softplus",
        "optimizer": "adam",
        "lr": 0.01,
    },
    {
        "dataset": "multi_gauss",
        "output": "tanh",
        "loss": "mse",
        "hidden": [6, 6],
        "activation": "swish",
        "batch_size": 16,
        "optimizer": "rmsprop",
        "lr": 0.003,
    },
    {
        "dataset": "xor",
        "output": "tanh",
        "loss": "mse",
        "hidden": [4],
        "activation": "sigmoid",
        "features": ["x1", "x2", "x1x2", "sinx1", "x2sq"],
        "optimizer": "sgd",
        "lr": 0.1,
        "momentum": 0.5,
    },
    {
        "dataset": "gauss",
        "hidden": [3],
        "activation": "elu",
        "regularization": "l1",
        "reg_rate": 0.003,
        "optimizer": "adagrad",
        "lr": 0.1,
    },
]
