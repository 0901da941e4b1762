"""An activation is one declaration (engine/activations.py) and nothing else: a made-up
one, added to the registry by a test and nothing more, trains in the engine, matches
the readable reference, shows in the schema with its display name and is written by
every exporter. And every declared activation carries all that its readers need.

The made-up activation is the softsign, f(z) = z / (1 + |z|), worked by hand:
f'(z) = 1 / (1 + |z|)², which is (1 - |a|)² in terms of a = f(z) (1 - |a| =
1 / (1 + |z|)); f(1) = 1/2, f(-3) = -3/4, f(0) = 0; f'(1) = 1/4, f'(-3) = 1/16,
f'(0) = 1.
"""

from __future__ import annotations

import ast
import pickle

import numpy as np
import pytest
from export_helpers import assert_reproduces, python_with, script_losses

from engine import MLP, Config, Trainer, reference
from engine.activations import (
    ACTIVATIONS,
    OUTPUTS,
    Activation,
    Scripts,
    every_activation,
)
from engine.config import FIELDS
from engine.export import export

NAME = "softsign_made_up"


def _softsign(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    # out may be z: the denominator is made before out is written
    return np.divide(z, 1.0 + np.abs(z), out)


def _softsign_der(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.abs(a, out)
    np.subtract(1.0, out, out)
    return np.multiply(out, out, out)


SOFTSIGN = Activation(
    NAME,
    "f(z) = z / (1 + |z|)",
    _softsign,
    _softsign_der,
    label="Softsign (made up)",
    reference=(lambda z: z / (1.0 + np.abs(z)), lambda z: 1.0 / (1.0 + np.abs(z)) ** 2),
    scripts=Scripts(
        "z / (1 + np.abs(z))",
        "(1 - np.abs(a)) ** 2",
        torch="nn.Softsign()",
        keras='"soft_sign"',
    ),
)


@pytest.fixture
def softsign(monkeypatch):
    """The made-up activation as one more registry entry, for this test only:
    monkeypatch takes it out again however the test ends."""
    monkeypatch.setitem(ACTIVATIONS, NAME, SOFTSIGN)
    return SOFTSIGN


def _trained(epochs: int = 40) -> Trainer:
    trainer = Trainer(
        Config(dataset="circle", n_points=60, hidden=[4, 3], activation=NAME, lr=0.03, seed=2)
    )
    trainer.step(epochs)
    return trainer


def test_the_made_up_formulas_are_the_hand_worked_ones(softsign):
    z = np.array([1.0, -3.0, 0.0])
    a = softsign.forward(z, np.empty(3))
    np.testing.assert_allclose(a, [0.5, -0.75, 0.0], rtol=1e-15)
    np.testing.assert_allclose(softsign.derivative(z, a, np.empty(3)), [0.25, 1 / 16, 1.0])
    f, f_prime = reference.formulas(NAME)
    np.testing.assert_allclose(f(z), [0.5, -0.75, 0.0], rtol=1e-15)
    np.testing.assert_allclose(f_prime(z), [0.25, 1 / 16, 1.0], rtol=1e-15)


def test_a_made_up_activation_is_a_choice_of_the_schema_with_its_display_name(softsign):
    (field,) = [f for f in Config.schema() if f["name"] == "activation"]
    assert NAME in field["choices"]
    assert field["labels"][NAME] == "Softsign (made up)"
    assert Config(activation=NAME).activation == NAME


def test_the_registry_is_restored_after_the_fixture(monkeypatch):
    monkeypatch.setitem(ACTIVATIONS, NAME, SOFTSIGN)
    monkeypatch.undo()
    assert NAME not in ACTIVATIONS
    with pytest.raises(ValueError, match="activation must be one of"):
        Config(activation=NAME)


def test_a_made_up_activation_trains_and_matches_the_reference(softsign):
    trainer = _trained()
    losses = trainer.history["train_loss"][:, 0]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    rng = np.random.default_rng(5)
    net = MLP([2, 4, 3, 1], NAME, "sigmoid")
    net.flat[...] = rng.normal(0.0, 0.8, net.flat.shape)
    X = rng.normal(size=(9, 2))
    y = (rng.random((9, 1)) > 0.5).astype(float)
    value, grads = net.loss_and_grads(X, y, loss="bce", l1=0.0, l2=0.01)
    params = [p[0] for p in net.params]
    ref_value, ref_grads = reference.loss_and_grads(params, X, y, NAME, "sigmoid", "bce", 0.0, 0.01)
    np.testing.assert_allclose(value[0], ref_value, rtol=1e-12)
    for g, ref_g in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(g[0], ref_g, rtol=1e-9, atol=1e-13)


def test_a_made_up_activation_exports_a_numpy_script_that_reproduces_the_run(softsign, tmp_path):
    trainer = _trained()
    text = export(trainer, "numpy")
    assert "z / (1 + np.abs(z))" in text and "(1 - np.abs(a)) ** 2" in text
    assert_reproduces(trainer, script_losses(text, tmp_path), 1e-10)


@pytest.mark.parametrize(
    ("target", "library", "variable", "declared"),
    [
        ("torch", "torch", "PLAYGROUND_TORCH_PYTHON", "    nn.Softsign(),"),
        ("keras", "keras", "PLAYGROUND_KERAS_PYTHON", 'activation="soft_sign"'),
    ],
)
def test_a_made_up_activation_is_written_by_the_torch_and_keras_scripts(
    softsign, target, library, variable, declared, tmp_path
):
    """The declared module or argument is in the script's model after each hidden
    layer; where the library imports, the script reproduces the run too (to the
    bounds of test_export_torch and test_export_keras for Adam)."""
    trainer = _trained(20)
    text = export(trainer, target)
    ast.parse(text)
    assert text.count(declared) == 2  # two hidden layers
    python = python_with(library, variable)
    if python is not None:
        losses = script_losses(text, tmp_path, python=python)
        assert_reproduces(trainer, losses, 1e-9 if target == "torch" else 1e-2, atol=1e-10)


def test_every_declared_activation_carries_what_its_readers_need():
    for act in every_activation():
        assert act.label, act.name
        f, f_prime = act.reference
        assert callable(f) and (callable(f_prime) or act.name == "softmax")
        assert act.scripts is not None and act.scripts.numpy, act.name
        for used in act.scripts.numpy_uses:
            assert (ACTIVATIONS | OUTPUTS)[used].scripts.numpy_def, (act.name, used)


def test_a_name_reads_the_same_in_every_field_of_the_schema():
    """The page keeps one word per option name (static/js/schema.js words())."""
    seen: dict[str, str] = {}
    for field in Config.schema():
        for name, label in (field["labels"] or {}).items():
            assert seen.setdefault(name, label) == label, (field["name"], name)
    assert seen["leaky_relu"] == "Leaky ReLU" and seen["sgd"] == "SGD"


def test_a_registered_activation_and_the_schema_pickle():
    """Readable formulas may be lambdas: a registered entry pickles as its name."""
    for act in every_activation():
        assert pickle.loads(pickle.dumps(act)) is act
    for field in FIELDS:
        assert pickle.loads(pickle.dumps(field)).describe() == field.describe()
