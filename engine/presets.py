"""Presets and seed scenarios: one click in the page, one name in Python.

Each entry is a whole Config to send (every field, so a click gives the same run
whatever the page held before) plus one line on what to watch for. Shapes
(``kind="shape"``) are the default set-up (tanh, Adam, learning rate 0.03, seed 0) with
their hidden layers; scenarios (``kind="scenario"``) reproduce a question from
``shared/seeds/`` (``question``: its number) as closely as the engine's settings allow,
with a seed chosen (by measurement over 100 restarts, figures in ``docs/ENGINE.md``) so
that the live run shows the phenomenon. Titles are distinct and say what happens; the
random seed is the config's ``seed``, which the page shows apart from the title.

>>> from engine import Config
>>> from engine.presets import preset_config
>>> preset_config("seed003-tanh-adam").hidden
[2]
"""

from __future__ import annotations

from typing import Any

from .config import Config
from .registry import lookup

# Keras's defaults, which the seeds used: RMSprop(lr=0.001, rho=0.9, eps=1e-7),
# Adam(lr=0.001, eps=1e-7), glorot_uniform weights and zero biases.
_KERAS_RMSPROP = {"optimizer": "rmsprop", "lr": 0.001, "alpha": 0.9, "eps": 1e-7}
_KERAS_ADAM = {"optimizer": "adam", "lr": 0.001, "eps": 1e-7}

# Seed 001's network, full batch: 2-5-1 sigmoid units, weights 0.01·randn, zero biases.
_SEED001_NET = {
    "dataset": "xor4",
    "hidden": [5],
    "activation": "sigmoid",
    "output": "sigmoid",
    "loss": "bce",
    "init": "normal",
    "init_mean": 0.0,
    "init_std": 0.01,
    "bias_init": 0.0,
    "batch_size": 0,
    "seed": 0,
}

PRESETS: list[dict[str, Any]] = [
    {
        "name": "2-2-1",
        "kind": "shape",
        "title": "2-2-1",
        "watch": (
            "The smallest net that can represent XOR, with tanh and Adam: this seed "
            "learns it, many others get stuck."
        ),
        "config": {"hidden": [2]},
    },
    {
        "name": "4-2-1",
        "kind": "shape",
        "title": "2-4-2-1",
        "watch": "Two hidden layers (4, then 2), tanh and Adam: more ways down to a solution.",
        "config": {"hidden": [4, 2]},
    },
    {
        "name": "2-5-1",
        "kind": "shape",
        "title": "2-5-1",
        "watch": "Five tanh units and Adam: spare units make a stuck start much rarer.",
        "config": {"hidden": [5]},
    },
    {
        "name": "seed000-keras-relu",
        "kind": "scenario",
        "question": "000",
        "title": "ReLU 2-2-1 stalls (Keras, RMSProp)",
        "watch": (
            "ReLU hidden units, RMSProp, batch 4 on 1000 random XOR rows: with 2 units the "
            "loss stalls (a unit dies or two points share an output); raise the layer to 5 "
            "units and it learns."
        ),
        "config": {
            "dataset": "xor4",
            "xor4_sample": True,
            "n_points": 1000,
            "hidden": [2],
            "activation": "relu",
            "output": "sigmoid",
            "loss": "bce",
            "init": "glorot_uniform",
            "bias_init": 0.0,
            "batch_size": 4,
            "seed": 0,
            **_KERAS_RMSPROP,
        },
    },
    {
        "name": "seed001-sigmoid-gd",
        "kind": "scenario",
        "question": "001",
        "title": "Sigmoid net on the ln 2 plateau (gradient descent)",
        "watch": (
            "Tiny initial weights: every output sits at 0.5 and the loss on the plateau "
            "ln 2 ≈ 0.693 for thousands of epochs; switch the optimizer to RMSProp and it "
            "leaves the plateau."
        ),
        "config": {**_SEED001_NET, "optimizer": "sgd", "lr": 0.03, "momentum": 0.0},
    },
    {
        "name": "seed001-sigmoid-rmsprop",
        "kind": "scenario",
        "question": "001",
        "title": "The same net with RMSProp escapes",
        "watch": (
            "The same start as plain gradient descent; RMSProp's per-weight step sizes "
            "escape the ln 2 plateau within a few hundred epochs."
        ),
        "config": {**_SEED001_NET, "optimizer": "rmsprop", "lr": 0.01, "alpha": 0.9, "eps": 1e-8},
    },
    {
        "name": "seed003-tanh-adam",
        "kind": "scenario",
        "question": "003",
        "title": "Tanh 2-2-1 stuck at ln2/2 (Adam, batch 1)",
        "watch": (
            "This seed gets stuck: two points settle at output 0.5 and the loss at "
            "ln2/2 ≈ 0.3466, forever. Change the seed and about half the runs learn."
        ),
        "config": {
            "dataset": "xor4",
            "hidden": [2],
            "activation": "tanh",
            "output": "sigmoid",
            "loss": "bce",
            "init": "glorot_uniform",
            "bias_init": 0.0,
            "batch_size": 1,
            "seed": 4,
            **_KERAS_ADAM,
        },
    },
    {
        "name": "seed004-relu-uniform",
        "kind": "scenario",
        "question": "004",
        "title": "ReLU net from U(0, 0.25) weights learns",
        "watch": (
            "All-positive small initial weights, ReLU units, SGD with batch 1: with correct "
            "gradients this learns XOR, so a hand-written version that does not has a "
            "gradient bug (the gradient check finds it)."
        ),
        "config": {
            "dataset": "xor4",
            "hidden": [8],
            "activation": "relu",
            "output": "sigmoid",
            "loss": "bce",
            "init": "uniform",
            "init_low": 0.0,
            "init_high": 0.25,
            "bias_init": 0.0,
            "optimizer": "sgd",
            "lr": 0.05,
            "momentum": 0.0,
            "batch_size": 1,
            "seed": 0,
        },
    },
]

# Every entry replaces every setting (its partial config on top of the defaults), so
# clicking it reproduces its run whatever the page held before: a shape pill after a
# ReLU/SGD scenario gives the default tanh/Adam net, not a stuck SGD run.
for _preset in PRESETS:
    _preset["config"] = Config().replace(_preset["config"]).to_dict()

_BY_NAME = {preset["name"]: preset for preset in PRESETS}


def preset_config(name: str, base: Config | None = None) -> Config:
    """The Config a preset gives: ``base`` (defaults when None) with the preset applied.

    Raises KeyError naming the known presets when ``name`` is not one of them.
    """
    preset = lookup(_BY_NAME, name, "preset", error=KeyError)
    return (base or Config()).replace(preset["config"])
