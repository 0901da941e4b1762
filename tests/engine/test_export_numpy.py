"""The plain-NumPy script of a run, run in its own interpreter with only NumPy,
prints the engine's training loss at every epoch to 1e-10 relative (measured: ~1e-15;
its updates are the engine's to the last bit), for every optimizer, full batch and
mini-batch, 2-class and multi-class (softmax), generated points and your own,
classification and regression, and from wherever the run's settings last changed."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys

import pytest
from export_helpers import (
    OPTIMIZERS,
    PER_LAYER_SETUPS,
    SETUPS,
    VARIED_SETUPS,
    activation_setups,
    assert_reproduces,
    output_setups,
    run_script,
    script_losses,
    trained,
)

from engine import Config, Trainer
from engine.checkpoint import from_bytes, to_bytes
from engine.export import export, script_for
from engine.export.optimizer_forms import forms
from engine.optimizers import OPTIMIZERS as REGISTERED

RTOL = 1e-10


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("setup", SETUPS)
def test_the_numpy_script_prints_the_engines_loss_at_every_epoch(setup, optimizer, tmp_path):
    trainer = trained({**SETUPS[setup], **OPTIMIZERS[optimizer]})
    assert_reproduces(trainer, script_losses(export(trainer, "numpy"), tmp_path), RTOL)


DECLARED = {**activation_setups(), **output_setups()}


@pytest.mark.parametrize("setup", PER_LAYER_SETUPS)
def test_one_activation_per_hidden_layer_is_reproduced(setup, tmp_path):
    trainer = trained(PER_LAYER_SETUPS[setup])
    text = export(trainer, "numpy")
    assert_reproduces(trainer, script_losses(text, tmp_path), RTOL)
    names = trainer.config.activations()
    for layer, name in enumerate(names):
        assert f"# layer {layer + 1}: {name}\n" in text
    assert text.count("lambda z:") == text.count("lambda z, a:") == len(names)


def test_every_declared_optimizer_is_exported_and_tested():
    """The exporters' set-ups train each registered optimizer, with its export forms."""
    assert {variant["optimizer"] for variant in OPTIMIZERS.values()} == set(REGISTERED)
    for name in REGISTERED:
        assert forms(name).numpy_source(name).lstrip().startswith("class ")


@pytest.mark.parametrize("setup", DECLARED)
def test_every_declared_activation_output_and_loss_is_reproduced(setup, tmp_path):
    trainer = trained(DECLARED[setup], 40)
    assert_reproduces(trainer, script_losses(export(trainer, "numpy"), tmp_path), RTOL)


@pytest.mark.parametrize(
    "changes",
    [
        *VARIED_SETUPS,
        {
            "output": "sigmoid",
            "loss": "mse",
            "hidden": [3],
            "activation": "linear",
            "optimizer": "rprop",
            "lr": 0.05,
        },
        {
            "dataset": "spiral",
            "hidden": [8, 8, 8],
            "activation": "relu",
            "optimizer": "adam",
            "lr": 0.01,
            "n_points": 300,
        },  # tanh's exp form does not apply; relu kinks
        {
            "dataset": "spiral",
            "hidden": [8, 8],
            "optimizer": "adam",
            "lr": 0.01,
            "n_points": 300,
        },  # 150 points x 8 units: tanh's exp form
        {
            "dataset": "blobs5",
            "output": "softmax",
            "loss": "ce",
            "hidden": [5],
            "activation": "elu",
            "regularization": "l1",
            "reg_rate": 0.001,
            "optimizer": "rmsprop",
            "lr": 0.01,
            "features": ["x1", "x2", "x1x2"],
        },  # 5 classes, a penalty, features
        {
            "dataset": "custom_regression",
            "output": "linear",
            "loss": "mse",
            "hidden": [4],
            "batch_size": 8,
            "data": "target",
            "optimizer": "sgd",
            "lr": 0.01,
            "momentum": 0.9,
        },  # your own regression targets
    ],
)
def test_every_kind_of_network_loss_and_penalty(changes, tmp_path):
    trainer = trained(changes)
    assert_reproduces(trainer, script_losses(export(trainer, "numpy"), tmp_path), RTOL)


def test_a_float32_run_exports_a_float32_script(tmp_path):
    """float32 arithmetic is followed as closely (differences from operation order
    then show at ~1e-7 and grow); agreement to 1e-4 here."""
    trainer = trained({"dtype": "float32", "hidden": [4], "optimizer": "adam", "lr": 0.03})
    text = export(trainer, "numpy")
    assert "np.float32" in text
    assert_reproduces(trainer, script_losses(text, tmp_path), 1e-4)


@pytest.mark.parametrize(
    "live",
    [
        {"lr": 0.01},  # hyper-parameter: the optimizer's state goes on
        {"optimizer": "rmsprop", "lr": 0.01},  # another optimizer: fresh state
        {"batch_size": 5},  # mini-batches from here, from the generator where it stood
        {"regularization": "l2", "reg_rate": 0.01},
    ],
)
def test_a_setting_changed_mid_run_starts_the_script_there(live, tmp_path):
    config = Config(
        dataset="xor4",
        xor4_sample=True,
        n_points=40,
        noise=10,
        hidden=[3],
        optimizer="adam",
        lr=0.03,
    )
    trainer = Trainer(config)
    trainer.step(60)
    trainer.update(config.replace(live))
    trainer.step(140)
    assert (trainer.origin.epoch, trainer.origin.reason) == (60, "change")
    text = export(trainer, "numpy")
    words = " ".join(text.split())
    assert "does not start at epoch 0" in words and "changed at epoch 60" in words
    assert_reproduces(trainer, script_losses(text, tmp_path), RTOL, start=60)


def test_a_hand_edit_starts_the_script_at_the_last_edit_and_says_so(tmp_path):
    trainer = Trainer(Config(hidden=[3], optimizer="rmsprop", lr=0.02, momentum=0.3))
    trainer.step(30)
    trainer.set_param(0, "weight", 1, 2, 0.75)
    trainer.step(40)
    trainer.set_param(1, "bias", 0, None, -0.5)
    trainer.step(130)
    text = export(trainer, "numpy")
    assert "set by hand at epoch 70 (the last of 2 edits)" in " ".join(text.split())
    assert "optimizer.square_avg = [" in text and "optimizer.momentum_buffer = [" in text
    assert_reproduces(trainer, script_losses(text, tmp_path), RTOL, start=70)


def test_a_change_before_any_epoch_keeps_the_start():
    trainer = Trainer(Config())
    trainer.update(trainer.config.replace({"lr": 0.1, "optimizer": "sgd"}))
    trainer.update(trainer.config.replace({"grid": 80, "speed": 10}))  # display only
    assert (trainer.origin.epoch, trainer.origin.reason) == (0, "start")
    trainer.step(5)
    trainer.update(trainer.config.replace({"grid": 60}))
    assert trainer.origin.epoch == 0
    text = export(trainer, "numpy")
    assert "does not start" not in text and "START, END = 0, 5" in text


def test_a_run_file_exports_the_same_script():
    trainer = Trainer(Config(batch_size=2, hidden=[3], optimizer="adagrad", lr=0.1))
    trainer.step(20)
    trainer.set_param(0, "weight", 0, 0, 1.5)
    trainer.step(20)
    assert export(from_bytes(to_bytes(trainer)), "numpy") == export(trainer, "numpy")


def test_the_script_imports_only_numpy_and_the_standard_library():
    for changes in ({}, {"batch_size": 2, "optimizer": "adam"}):
        tree = ast.parse(export(trained(changes, 3), "numpy"))
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        imported |= {
            node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        }
        assert imported <= {"json", "math", "sys", "numpy"}


def test_without_json_it_prints_losses_and_each_points_decision(tmp_path):
    trainer = trained({"optimizer": "adam", "lr": 0.05, "hidden": [4]})
    printed = run_script(export(trainer, "numpy"), tmp_path)
    lines = printed.splitlines()
    assert lines[0].split() == ["epoch", "0", "loss", f"{trainer.history['train_loss'][0, 0]:.12g}"]
    assert f"epoch    200   loss {trainer.history['train_loss'][-1, 0]:.12g}" in printed
    accuracy = float(trainer.last["train_acc"][0])
    assert f"accuracy {accuracy:.4f} ({round(4 * accuracy)} of 4 points)" in printed
    decided = trainer.predict_class(trainer.train.points)[0]
    rows = lines[-4:]
    assert [int(row.split()[-1]) for row in rows] == decided.tolist()


def test_a_softmax_script_prints_each_points_most_probable_class(tmp_path):
    trainer = trained(SETUPS["own 4-class points softmax mini-batch"], 40)
    printed = run_script(export(trainer, "numpy"), tmp_path)
    accuracy = float(trainer.last["train_acc"][0])
    n = len(trainer.train)
    assert f"accuracy {accuracy:.4f} ({round(n * accuracy)} of {n} points)" in printed
    lines = printed.splitlines()
    first = lines.index("      x1         x2   label   decision   P(decision)") + 1
    rows = [line.split() for line in lines[first : first + 20]]
    probabilities = trainer.predict(trainer.train.points[:20])[0]  # (20, C)
    assert [int(row[3]) for row in rows] == probabilities.argmax(axis=1).tolist()
    assert [float(row[4]) for row in rows] == pytest.approx(probabilities.max(axis=1), abs=1e-6)


def test_script_for_takes_a_trainer_or_a_run_file(tmp_path):
    trainer = trained({"hidden": [3], "batch_size": 2}, 10)
    path = tmp_path / "run.npz"
    path.write_bytes(to_bytes(trainer))
    expected = export(trainer, "numpy")
    assert script_for(trainer, "numpy") == expected
    assert script_for(to_bytes(trainer), "numpy") == expected
    assert script_for(path, "numpy") == script_for(str(path), "numpy") == expected
    with pytest.raises(ValueError, match="unknown export target 'jax'"):
        script_for(trainer, "jax")
    with pytest.raises(ValueError, match="run file"):
        script_for(b"not a zip", "numpy")


def test_a_regression_script_prints_outputs_and_the_error(tmp_path):
    trainer = trained(
        {
            "dataset": "plane",
            "output": "linear",
            "loss": "mse",
            "hidden": [3],
            "n_points": 50,
            "optimizer": "adam",
        },
        50,
    )
    printed = run_script(export(trainer, "numpy"), tmp_path)
    assert f"mean squared error {trainer.history['train_loss'][-1, 0]:.6g}" in printed
    assert "... and 5 more" in printed  # 25 training points, 20 shown


RUFF = shutil.which("ruff") or shutil.which(
    "ruff", path=str(__import__("pathlib").Path(sys.executable).parent)
)


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed")
@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"batch_size": 3, "optimizer": "rprop", "regularization": "l1", "reg_rate": 0.01},
        {
            "dataset": "spiral",
            "hidden": [8, 8],
            "activation": "swish",
            "output": "tanh",
            "loss": "mse",
            "optimizer": "rmsprop",
            "centered": True,
        },
        {"dataset": "blobs3", "output": "softmax", "loss": "ce", "batch_size": 4},
    ],
)
def test_the_script_is_clean_python(changes, tmp_path):
    trainer = trained(changes, 3)
    trainer.set_param(0, "weight", 0, 0, 0.5)
    trainer.step(2)
    path = tmp_path / "run.py"
    path.write_text(export(trainer, "numpy"))
    done = subprocess.run(
        [
            RUFF,
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "E,F,W,I",
            "--line-length",
            "100",
            str(path),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout
