"""The learning-rate schedules' rules on hand-worked cases, their Config fields, and a
Trainer stepping them once per epoch: live changes, run files, constant untouched.
(Against PyTorch itself: test_schedules_torch_parity.py.)"""

from __future__ import annotations

import io
import json
import math
import pickle

import numpy as np
import pytest

from engine import Config, Trainer
from engine.checkpoint import from_bytes, to_bytes
from engine.errors import ConfigError
from engine.schedules import (
    SCHEDULES,
    cosine_lr,
    cyclic_lr,
    lr_sequence,
    onecycle_lr,
    step_lr,
)


def test_step_halves_every_step_size_epochs():
    assert [step_lr(t, 1.0, 2, 0.5) for t in range(6)] == [1, 1, 0.5, 0.5, 0.25, 0.25]


def test_cosine_reaches_eta_min_at_t_max_and_rises_again():
    rates = [cosine_lr(t, 1.0, 4, 0.0) for t in range(9)]
    # (1 + cos(π t / 4)) / 2 by hand: 1, 0.854, 0.5, 0.146, 0, then back up
    expected = [1, (1 + math.sqrt(0.5)) / 2, 0.5, (1 - math.sqrt(0.5)) / 2, 0]
    assert rates[:5] == pytest.approx(expected, abs=1e-15)
    assert rates[8] == pytest.approx(1.0)
    assert cosine_lr(2, 1.0, 4, 0.2) == pytest.approx(0.6)  # 0.2 + 0.8 · 0.5


def test_cyclic_triangle_and_its_two_decays():
    # base 0.1, max 1.1, up 2 (down 2): 0.1, 0.6, 1.1, 0.6, 0.1, ...
    tri = [cyclic_lr(t, 0.1, 1.1, 2, "triangular", 1.0) for t in range(5)]
    assert tri == pytest.approx([0.1, 0.6, 1.1, 0.6, 0.1])
    # triangular2: the second cycle (t = 4..7) has half the height: peak 0.1 + 0.5
    assert cyclic_lr(6, 0.1, 1.1, 2, "triangular2", 1.0) == pytest.approx(0.6)
    # exp_range: height scaled by gamma^t: t = 1 -> 0.1 + 1.0 · 0.5 · 0.5
    assert cyclic_lr(1, 0.1, 1.1, 2, "exp_range", 0.5) == pytest.approx(0.35)


def test_onecycle_warms_up_anneals_and_then_holds():
    # max 1, div 10 -> initial 0.1, final_div 100 -> min 0.001; 10 steps, pct 0.3: the
    # warm-up ends at step 0.3 · 10 - 1 = 2
    def at(t, strategy="cos"):
        return onecycle_lr(t, 1.0, 10, 0.3, strategy, 10.0, 100.0, False)

    assert at(0) == pytest.approx(0.1)
    assert at(1) == pytest.approx(0.55)  # half-way, cos: (0.1 + 1) / 2
    assert at(1, "linear") == pytest.approx(0.55)
    assert at(2) == pytest.approx(1.0)
    assert at(9) == pytest.approx(0.001)
    assert at(50) == at(9)  # held after total_steps (torch would raise)
    # three phases: up to step 2, back to initial by step 0.6 · 10 - 2 = 4, then to min
    three = onecycle_lr(4, 1.0, 10, 0.3, "linear", 10.0, 100.0, True)
    assert three == pytest.approx(0.1)


def test_every_schedule_is_a_config_choice_with_its_settings_in_the_schema():
    spec = next(f for f in Config.schema() if f["name"] == "lr_schedule")
    assert spec["choices"] == list(SCHEDULES)
    assert spec["default"] == "constant" and spec["live"]
    assert spec["extra"]["fields"]["step"] == ["step_size", "gamma"]
    assert spec["extra"]["fields"]["constant"] == []
    names = {f["name"] for f in Config.schema()}
    for settings in spec["extra"]["fields"].values():
        assert set(settings) <= names


def test_the_url_carries_a_schedule():
    cfg = Config(lr_schedule="cyclic", max_lr=0.5, step_size_up=10, mode="exp_range", gamma=0.9)
    assert "lr_schedule=cyclic" in cfg.to_query()
    assert Config.from_query(cfg.to_query()) == cfg


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lr_schedule": "warmup"}, "lr_schedule"),
        ({"step_size": 0}, "step_size"),
        ({"gamma": 1.5}, "gamma"),
        ({"mode": "sawtooth"}, "mode"),
        ({"lr_schedule": "onecycle", "total_steps": 3, "pct_start": 0.3}, "pct_start"),
        ({"lr_schedule": "onecycle", "three_phase": True, "pct_start": 0.5}, "pct_start"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(changes, field):
    with pytest.raises(ConfigError) as caught:
        Config(**changes)
    assert caught.value.field == field


def test_a_trainer_uses_each_epochs_rate():
    cfg = Config(optimizer="sgd", lr=0.4, lr_schedule="step", step_size=3, gamma=0.5)
    trainer = Trainer(cfg)
    seen = []
    for _ in range(7):
        trainer.step(1)
        seen.append(trainer.optimizer.lr)
    assert seen == [0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.1]


def test_constant_leaves_the_optimizers_rate_alone():
    trainer = Trainer(Config(optimizer="sgd", lr=0.4))
    trainer.optimizer.lr = 0.123  # set by hand, as engine/optimizers.py allows
    trainer.step(3)
    assert trainer.optimizer.lr == 0.123


def test_steps_of_one_epoch_and_of_many_give_the_same_weights():
    cfg = Config(optimizer="sgd", lr=0.4, lr_schedule="cosine", T_max=7, batch_size=16)
    a, b = Trainer(cfg), Trainer(cfg)
    a.step(20)
    for _ in range(20):
        b.step(1)
    assert np.array_equal(a.net.flat, b.net.flat)


def test_a_changed_schedule_starts_again_from_the_next_epoch():
    trainer = Trainer(Config(optimizer="sgd", lr=0.4, lr_schedule="step", step_size=2))
    trainer.step(10)
    new = trainer.config.replace({"lr_schedule": "cosine", "T_max": 4})
    trainer.update(new)
    assert trainer.lr_start == 10 and trainer.origin.epoch == 10
    rates = []
    for _ in range(3):
        trainer.step(1)
        rates.append(trainer.optimizer.lr)
    assert rates == pytest.approx(lr_sequence(new, 0, 3))
    assert rates[0] == 0.4  # cosine at its step 0


def test_a_new_learning_rate_rescales_the_schedule_without_restarting_it():
    trainer = Trainer(Config(optimizer="sgd", lr=0.4, lr_schedule="step", step_size=4))
    trainer.step(6)
    trainer.update(trainer.config.replace({"lr": 0.8}))
    assert trainer.lr_start == 0
    trainer.step(1)
    assert trainer.optimizer.lr == pytest.approx(0.08)  # 0.8 · 0.1^⌊6 / 4⌋


def test_back_to_constant_restores_the_plain_rate():
    trainer = Trainer(Config(optimizer="sgd", lr=0.4, lr_schedule="step", step_size=1))
    trainer.step(3)
    trainer.update(trainer.config.replace({"lr_schedule": "constant"}))
    trainer.step(1)
    assert trainer.optimizer.lr == 0.4


def test_a_run_file_and_a_pickle_carry_the_schedule_and_where_it_began():
    cfg = Config(optimizer="adam", lr=0.05, lr_schedule="cyclic", step_size_up=3, max_lr=0.2)
    trainer = Trainer(cfg)
    trainer.step(8)
    trainer.update(trainer.config.replace({"step_size_up": 5}))  # starts again at 8
    trainer.step(4)
    buffer = io.BytesIO()
    trainer.save(buffer)
    for copy in (Trainer.load(buffer.getvalue()), pickle.loads(pickle.dumps(trainer))):
        assert copy.lr_start == 8 and copy.config == trainer.config
        copy.step(9)
    trainer.step(9)
    assert np.array_equal(copy.net.flat, trainer.net.flat)


def test_a_run_file_with_a_schedule_start_after_its_epoch_is_refused():
    trainer = Trainer(Config(lr_schedule="step"))
    trainer.step(2)
    state = trainer.__reduce__()[1][0]
    state["lr_start"] = 5
    with pytest.raises(ValueError, match="schedule start"):
        Trainer._from_state(state)


def _with_schedule_header(data: bytes, schedule: object) -> bytes:
    """The run file ``data`` with its header's ``schedule`` replaced (None: removed)."""
    with np.load(io.BytesIO(data)) as npz:
        arrays = {name: npz[name] for name in npz.files}
    header = json.loads(arrays["header"].tobytes())
    header.pop("schedule")
    if schedule is not None:
        header["schedule"] = schedule
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    out = io.BytesIO()
    np.savez_compressed(out, **arrays)
    return out.getvalue()


def test_a_run_file_names_its_schedule_and_a_file_from_before_schedules_starts_at_0():
    trainer = Trainer(Config(lr_schedule="step", step_size=2))
    trainer.step(3)
    data = to_bytes(trainer)
    with np.load(io.BytesIO(data)) as npz:
        assert json.loads(npz["header"].tobytes())["schedule"] == {"name": "step", "start": 0}
    assert from_bytes(_with_schedule_header(data, None)).lr_start == 0


@pytest.mark.parametrize(
    ("schedule", "needle"),
    [
        ([1], "schedule: expected an object"),
        ({"start": "x"}, "schedule start"),
        ({"start": -1}, "schedule start"),
    ],
)
def test_a_broken_schedule_in_a_run_file_is_refused_naming_it(schedule, needle):
    trainer = Trainer(Config(lr_schedule="step"))
    trainer.step(2)
    with pytest.raises(ValueError, match=needle):
        from_bytes(_with_schedule_header(to_bytes(trainer), schedule))
