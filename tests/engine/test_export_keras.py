"""The Keras 3 script of a run (keras.Sequential, keras.optimizers, train_on_batch)
prints the engine's training loss at every epoch, as close as Keras's own update rules
allow, for every optimizer, full batch and mini-batch, 2-class and multi-class.

Keras is not a test dependency: these tests run where ``keras`` imports, in this
interpreter or in the one ``PLAYGROUND_KERAS_PYTHON`` names, on the backend
``KERAS_BACKEND`` names (Keras's default: TensorFlow), and skip elsewhere.

How close is measured (docs/EXPORT.md). Where Keras's rule is torch's (SGD, the
script's own TorchSGD): ~1e-15, 6e-7 where the same rule in another order meets a
plateau (Nesterov on XOR), hence 1e-6. Rprop decides by the sign of g * g_prev, which a
last-bit difference can flip where a gradient is ~0: on XOR within 1e-6; on the
4-class points 1e-9 early, 1.5e-7 while the loss is above 1e-6, then 2.6e-2 as it falls
to ~1e-8 and below, hence 5e-2 (above 1e-10 absolute).
Adam, RMSprop and Adagrad put epsilon elsewhere (the script's comments say where): 1e-8
to 7e-6 on XOR, up to 5e-3 on the multi-class runs, where the early differences grow,
hence 1e-2; centered RMSprop also cancels as torch's does (test_export_torch): 1.4e-2,
hence 5e-2 (torch's own: 6e-3 at worst). Off TensorFlow, Keras computes float64 in float32
(keras.backend.result_type): every bound is then at least float32's 1e-4.
"""

from __future__ import annotations

import ast
import subprocess

import pytest
from export_helpers import (
    OPTIMIZERS,
    PER_LAYER_SETUPS,
    SETUPS,
    activation_setups,
    assert_reproduces,
    output_setups,
    python_with,
    run_script,
    script_losses,
    trained,
)

from engine.activations import ACTIVATIONS, script_forms
from engine.export import export

KERAS = python_with("keras", "PLAYGROUND_KERAS_PYTHON")
needs_keras = pytest.mark.skipif(KERAS is None, reason="keras is not importable")
ATOL = 1e-10  # Rprop's tiny losses (above); any other loss here is far above it
BOUNDS = {"sgd": 1e-6, "rprop": 5e-2, "adam": 1e-2, "rmsprop": 1e-2, "adagrad": 1e-2}
CENTERED = 5e-2  # centered RMSprop's cancellation (test_export_torch.CENTERED)
FLOAT32 = 1e-4


def bound(optimizer: str) -> float:
    if optimizer == "rmsprop-centered-momentum":
        return CENTERED
    rtol = BOUNDS[optimizer.split("-")[0]]
    return rtol if _backend() == "tensorflow" else max(rtol, FLOAT32)


_BACKEND: list[str] = []


def _backend() -> str:
    if not _BACKEND:
        done = subprocess.run(
            [KERAS, "-c", "import keras; print(keras.backend.backend())"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        _BACKEND.append(done.stdout.strip().splitlines()[-1] if done.stdout else "?")
    return _BACKEND[0]


@needs_keras
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("setup", SETUPS)
def test_the_keras_script_prints_the_engines_loss_at_every_epoch(setup, optimizer, tmp_path):
    trainer = trained({**SETUPS[setup], **OPTIMIZERS[optimizer]})
    losses = script_losses(export(trainer, "keras"), tmp_path, python=KERAS)
    assert_reproduces(trainer, losses, bound(optimizer), atol=ATOL)


@needs_keras
def test_a_penalty_and_a_mid_run_edit(tmp_path):
    trainer = trained(
        {
            "dataset": "gauss",
            "hidden": [3],
            "activation": "elu",
            "regularization": "l2",
            "reg_rate": 0.01,
            "optimizer": "sgd",
            "lr": 0.1,
            "momentum": 0.9,
            "batch_size": 10,
        },
        40,
    )
    trainer.set_param(0, "weight", 0, 0, 0.3)
    trainer.step(60)
    text = export(trainer, "keras")
    assert "optimizer.build(model.trainable_variables)" in text
    losses = script_losses(text, tmp_path, python=KERAS)
    assert_reproduces(trainer, losses, bound("sgd"), start=40, atol=ATOL)


DECLARED = {**activation_setups(), **output_setups()}


@needs_keras
@pytest.mark.parametrize("setup", DECLARED)
def test_every_declared_activation_output_and_loss_is_reproduced(setup, tmp_path):
    trainer = trained(DECLARED[setup], 40)
    losses = script_losses(export(trainer, "keras"), tmp_path, python=KERAS)
    assert_reproduces(trainer, losses, bound("adam"), atol=ATOL)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_each_hidden_layer_has_its_declared_activation(activation):
    """Without keras: each hidden Dense has the declaration's activation argument, or
    is followed by its layer (none for the identity), the output's logits left to
    the loss."""
    text = export(trained(activation_setups()[activation], 2), "keras")
    ast.parse(text)
    model = text[text.index("model = keras.Sequential([\n") :].split("\n])\n")[0].splitlines()
    forms = script_forms(activation)
    argument = f", activation={forms.keras}" if forms.keras else ""
    after = [f"{forms.keras_layer},"] if forms.keras_layer else []
    expected = [
        "keras.Input(shape=(2,)),",
        f"keras.layers.Dense(3{argument}),",
        *after,
        f"keras.layers.Dense(2{argument}),",
        *after,
        "keras.layers.Dense(1),",
    ]
    assert [line.split("  #")[0].strip() for line in model[1:]] == expected


def test_each_hidden_layer_has_its_own_activation():
    """Without keras: one activation per hidden layer, each Dense its own layer's
    (Leaky ReLU as the layer after its Dense; the identity as no argument)."""
    setup = PER_LAYER_SETUPS["leaky,softplus,sigmoid spiral3 softmax l2"]
    text = export(trained(setup, 2), "keras")
    ast.parse(text)
    model = text[text.index("model = keras.Sequential([\n") :].split("\n])\n")[0].splitlines()
    assert [line.split("  #")[0].strip() for line in model[2:]] == [
        "keras.layers.Dense(5, kernel_regularizer=penalty),",
        "keras.layers.LeakyReLU(negative_slope=0.01),",
        'keras.layers.Dense(4, activation="softplus", kernel_regularizer=penalty),',
        'keras.layers.Dense(3, activation="sigmoid", kernel_regularizer=penalty),',
        "keras.layers.Dense(3, kernel_regularizer=penalty),",
    ]
    for layer, name in enumerate(("leaky_relu", "softplus", "sigmoid")):
        assert f"  # layer {layer + 1}: {name}\n" in text
    text = export(trained(PER_LAYER_SETUPS["relu,tanh xor4 full batch sgd"], 2), "keras")
    assert 'keras.layers.Dense(4, activation="relu"),  # layer 1: relu' in text
    assert 'keras.layers.Dense(3, activation="tanh"),  # layer 2: tanh' in text


@needs_keras
@pytest.mark.parametrize("setup", PER_LAYER_SETUPS)
def test_one_activation_per_hidden_layer_is_reproduced(setup, tmp_path):
    trainer = trained(PER_LAYER_SETUPS[setup], 40)
    losses = script_losses(export(trainer, "keras"), tmp_path, python=KERAS)
    assert_reproduces(trainer, losses, bound("adam"), atol=ATOL)


@needs_keras
def test_without_json_it_prints_losses_and_each_points_decision(tmp_path):
    trainer = trained(
        {"dataset": "blobs3", "output": "softmax", "loss": "ce", "hidden": [4], "n_points": 60}, 30
    )
    printed = run_script(export(trainer, "keras"), tmp_path, python=KERAS)
    assert printed.splitlines()[0].split()[:3] == ["epoch", "0", "loss"]
    assert f"accuracy {float(trainer.last['train_acc'][0]):.4f} (" in printed


def test_the_script_is_idiomatic_keras_and_says_where_it_differs():
    """Without keras: what the script is made of, and its comments on the rules."""
    cases = {
        "adam": ("keras.optimizers.Adam(", "before the bias correction"),
        "rmsprop": ("keras.optimizers.RMSprop(", "inside the square root"),
        "adagrad": ("keras.optimizers.Adagrad(", "inside the square root"),
        "sgd": ("keras.optimizers.SGD(", None),
        "rprop": ("class Rprop(", None),
    }
    for optimizer, (call, note) in cases.items():
        text = export(trained({"optimizer": optimizer, "batch_size": 2}, 2), "keras")
        ast.parse(text)
        assert "model = keras.Sequential([" in text and call in text
        assert "keras.losses.BinaryCrossentropy(from_logits=True)" in text
        assert note is None or note in " ".join(text.split())
        assert "import engine" not in text and "from engine" not in text
    text = export(trained({"dataset": "blobs3", "output": "softmax", "loss": "ce"}, 2), "keras")
    assert "keras.losses.SparseCategoricalCrossentropy(from_logits=True)" in text
    text = export(trained({"optimizer": "sgd", "momentum": 0.9, "dampening": 0.2}, 2), "keras")
    assert "class TorchSGD(keras.optimizers.Optimizer):" in text
