"""The presets' promises: each scenario's "watch" line is what the engine does."""

import math

import numpy as np
import pytest

from engine import FIELDS, Config, Trainer
from engine.presets import PRESETS, preset_config


def final(trainer: Trainer, key: str = "train_loss") -> float:
    return float(trainer.history_since(trainer.epoch - 1)[key][-1, 0])


@pytest.mark.parametrize("preset", PRESETS, ids=[p["name"] for p in PRESETS])
def test_every_preset_is_a_whole_valid_config(preset):
    # Complete: sending it reproduces the run whatever came before (issue 11: a shape
    # pill after seed 004's ReLU/SGD scenario gave a stuck SGD run).
    config = Config().replace(preset["config"])
    assert Config.from_dict(preset["config"]) == config
    assert set(preset["config"]) == {f.name for f in FIELDS}
    if preset["kind"] == "shape":
        # the default set-up with its hidden layers
        assert config == Config().replace({"hidden": config.hidden})


def test_preset_titles_are_distinct_and_scenarios_name_their_question():
    titles = [p["title"] for p in PRESETS]
    assert len(set(titles)) == len(titles)
    for p in PRESETS:
        if p["kind"] == "scenario":
            assert p["name"].startswith(f"seed{p['question']}"), p["name"]
            assert "seed" not in p["title"].lower()  # the random seed is shown on its own


@pytest.mark.parametrize("name", ["2-2-1", "4-2-1", "2-5-1"])
def test_shape_presets_learn_xor_as_their_watch_line_promises(name):
    trainer = Trainer(preset_config(name))
    trainer.step(1500)
    assert final(trainer, "train_acc") == 1.0 and final(trainer) < 0.05


def test_unknown_preset_names_the_known_ones():
    with pytest.raises(KeyError, match="2-5-1"):
        preset_config("no-such-preset")


def test_seed001_plain_gradient_descent_sits_on_ln2_while_rmsprop_leaves():
    plain = Trainer(preset_config("seed001-sigmoid-gd"))
    plain.step(2000)
    assert final(plain) == pytest.approx(math.log(2), abs=1e-3)
    assert np.allclose(plain.outputs(), 0.5, atol=0.01)

    rmsprop = Trainer(preset_config("seed001-sigmoid-rmsprop"))
    rmsprop.step(1000)
    assert final(rmsprop) < 0.01
    assert final(rmsprop, "train_acc") == 1.0


def test_seed003_scenario_is_stuck_at_half_ln2_with_two_outputs_at_half():
    trainer = Trainer(preset_config("seed003-tanh-adam"))
    trainer.step(8000)
    assert final(trainer) == pytest.approx(math.log(2) / 2, abs=0.01)
    outputs = trainer.outputs().ravel()
    assert np.sum(np.abs(outputs - 0.5) < 0.02) == 2


def test_seed000_two_relu_units_stall_where_five_learn():
    two = Trainer(preset_config("seed000-keras-relu"))
    five = Trainer(preset_config("seed000-keras-relu").replace({"hidden": [5]}))
    for trainer in (two, five):
        trainer.step(60)
    assert final(two, "train_acc") < 1.0 and final(two) > 0.3
    assert final(five, "train_acc") == 1.0 and final(five) < 0.01


def test_seed004_relu_with_positive_uniform_start_learns_with_correct_gradients():
    trainer = Trainer(preset_config("seed004-relu-uniform"))
    trainer.step(3000)
    assert final(trainer, "train_acc") == 1.0
