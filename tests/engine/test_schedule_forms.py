"""A run with a learning-rate schedule, exported: the NumPy script reproduces the
engine's losses to 1e-10 (the engine's own rule, copied); the PyTorch script, with
torch's own schedulers, to 1e-9 where torch is importable (here or in the interpreter
PLAYGROUND_TORCH_PYTHON names); the Keras script where keras is. Each run changes a
setting live half-way, so the scripts start after some scheduler steps too."""

from __future__ import annotations

import subprocess

import pytest
from export_helpers import assert_reproduces, python_with, script_losses

from engine import Config, Trainer
from engine.export import export
from engine.schedules import SCHEDULES as DECLARED

TORCH = python_with("torch", "PLAYGROUND_TORCH_PYTHON")
KERAS = python_with("keras", "PLAYGROUND_KERAS_PYTHON")
ATOL = 1e-14  # a loss near 0 is known to ~1e-16 absolute only (export_helpers)

SCHEDULES = {
    "step": {"lr_schedule": "step", "step_size": 7, "gamma": 0.5},
    "cosine": {"lr_schedule": "cosine", "T_max": 30, "eta_min": 0.01},
    "cyclic": {"lr_schedule": "cyclic", "max_lr": 1.0, "step_size_up": 5, "mode": "triangular2"},
    "cyclic-exp-range": {
        "lr_schedule": "cyclic",
        "max_lr": 1.0,
        "step_size_up": 4,
        "mode": "exp_range",
        "gamma": 0.97,
    },
    "onecycle": {"lr_schedule": "onecycle", "total_steps": 40, "pct_start": 0.25},
    "onecycle-three-phase": {
        "lr_schedule": "onecycle",
        "total_steps": 50,
        "pct_start": 0.2,
        "three_phase": True,
        "anneal_strategy": "linear",
    },
}
RUNS = {
    "sgd full batch": {"optimizer": "sgd", "lr": 0.3, "hidden": [4]},
    "adam mini-batch": {"optimizer": "adam", "lr": 0.03, "hidden": [3], "batch_size": 16},
}


def scheduled_run(schedule: str, run: str, change: dict | None = None) -> Trainer:
    """30 epochs, a live change (``change``, default momentum for SGD and beta1 for
    Adam), 30 more."""
    trainer = Trainer(Config(**RUNS[run], **SCHEDULES[schedule]))
    trainer.step(30)
    if change is None:
        change = {"momentum": 0.5} if trainer.config.optimizer == "sgd" else {"beta1": 0.8}
    trainer.update(trainer.config.replace(change))
    trainer.step(30)
    return trainer


def test_every_declared_schedule_is_exported_here():
    assert {c["lr_schedule"] for c in SCHEDULES.values()} == set(DECLARED) - {"constant"}


@pytest.mark.parametrize("run", RUNS)
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_the_numpy_script_reproduces_a_scheduled_runs_losses(schedule, run, tmp_path):
    trainer = scheduled_run(schedule, run)
    assert trainer.origin.epoch == 30
    losses = script_losses(export(trainer, "numpy"), tmp_path)
    assert_reproduces(trainer, losses, 1e-10, start=30, atol=ATOL)


def test_the_numpy_script_starts_a_schedule_changed_mid_run_at_its_first_step(tmp_path):
    """A schedule set at epoch 30 begins there: the script's LR_START is 30."""
    trainer = Trainer(Config(optimizer="sgd", lr=0.3, hidden=[4]))
    trainer.step(30)
    trainer.update(trainer.config.replace(SCHEDULES["cosine"]))
    trainer.step(30)
    text = export(trainer, "numpy")
    assert "LR_START = 30" in text
    assert_reproduces(trainer, script_losses(text, tmp_path), 1e-10, start=30, atol=ATOL)


@pytest.mark.skipif(TORCH is None, reason="torch is not importable")
@pytest.mark.parametrize("run", RUNS)
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_the_torch_script_with_torchs_scheduler_reproduces_the_losses(schedule, run, tmp_path):
    trainer = scheduled_run(schedule, run)
    text = export(trainer, "torch")
    assert "torch.optim.lr_scheduler." in text
    losses = script_losses(text, tmp_path, python=TORCH)
    assert_reproduces(trainer, losses, 1e-9, start=30, atol=ATOL)


@pytest.mark.parametrize("schedule", ["cyclic", "onecycle"])
def test_the_torch_script_keeps_the_momentum_still(schedule):
    """torch's CyclicLR and OneCycleLR would cycle the momentum by default."""
    text = export(scheduled_run(schedule, "sgd full batch"), "torch")
    assert "cycle_momentum=False" in text


def test_a_constant_rate_writes_no_schedule():
    trainer = Trainer(Config(optimizer="sgd", lr=0.3, hidden=[4]))
    trainer.step(5)
    for target in ("numpy", "torch", "keras"):
        text = export(trainer, target)
        assert "lr_at" not in text and "scheduler" not in text


def test_the_keras_script_drives_keras_learning_rate_scheduler():
    text = export(scheduled_run("cosine", "sgd full batch"), "keras")
    assert "keras.callbacks.LearningRateScheduler(" in text
    assert "lr_callback.on_epoch_begin(epoch)" in text
    # momentum with a changing rate: torch's rule, not Keras's SGD (its velocity
    # carries the old rates)
    assert "TorchSGD(" in text


def test_keras_refuses_a_schedule_on_top_of_adagrads_lr_decay():
    trainer = Trainer(
        Config(optimizer="adagrad", lr=0.1, lr_decay=0.01, hidden=[3], **SCHEDULES["step"])
    )
    trainer.step(3)
    with pytest.raises(ValueError, match="lr_decay"):
        export(trainer, "keras")


def keras_bound() -> float:
    """SGD's bound in test_export_keras: 1e-6 on TensorFlow; off it Keras computes
    float64 in float32 (measured with KERAS_BACKEND=torch: 6.8e-8 to 1.6e-7), 1e-4."""
    assert KERAS is not None
    asked = "import keras; print(keras.backend.backend())"
    backend = subprocess.run([KERAS, "-c", asked], capture_output=True, text=True).stdout
    return 1e-6 if backend.strip() == "tensorflow" else 1e-4


@pytest.mark.skipif(KERAS is None, reason="keras is not importable")
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_the_keras_script_reproduces_the_losses(schedule, tmp_path):
    trainer = scheduled_run(schedule, "sgd full batch")
    losses = script_losses(export(trainer, "keras"), tmp_path, python=KERAS)
    assert_reproduces(trainer, losses, keras_bound(), start=30, atol=ATOL)
