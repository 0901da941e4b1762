"""A Trainer's data and the passes over them (engine/training_data.py): the sides and
their targets, the losses each side's pass writes against the readable reference
(engine/reference.py), and the mini-batch slots."""

from __future__ import annotations

import numpy as np
import pytest

from engine import MLP, Config, ConfigError, Trainer, reference
from engine.datasets import custom_data
from engine.losses import get_loss
from engine.training_data import Passes, check_has_data, config_for_data, split_data


def test_a_tanh_output_trains_on_plus_minus_one_and_a_sigmoid_on_the_labels():
    config = Config(dataset="circle", n_points=40)
    task, train, test = split_data(config.replace({"output": "tanh", "loss": "mse"}), None)
    assert task == "classification" and test is not train
    assert len(train) + len(test) == 40
    np.testing.assert_array_equal(train.target, 2.0 * train.y - 1.0)
    assert set(np.unique(train.target)) == {-1.0, 1.0}
    _, train, _ = split_data(config, None)
    np.testing.assert_array_equal(train.target, train.y)
    assert train.X.shape == (len(train), len(config.features))


def test_the_four_xor_points_are_their_own_test_side():
    _, train, test = split_data(Config(), None)
    assert test is train and len(train) == 4


def _reference_loss(net: MLP, replica: int, side, loss: str) -> float:
    params = net.layout.unpack(net.flat[replica])
    Z, A = reference.forward(params, side.X, net.activation, net.output)[-1]
    return float(reference.data_loss(Z, A, side.target, loss))


@pytest.mark.parametrize("output, loss", [("sigmoid", "bce"), ("tanh", "mse")])
def test_each_sides_loss_from_the_one_evaluation_pass_is_the_references(output, loss):
    config = Config(dataset="circle", n_points=60, noise=20, output=output, loss=loss)
    _, train, test = split_data(config, None)
    net = MLP(config.sizes(), config.activation, output, 3, config.init, config.seed)
    passes = Passes.build(net, config, get_loss(loss, output), train, test)
    for f, args in passes.eval:
        f(*args)
    for r in range(3):
        want_train = _reference_loss(net, r, train, loss)
        want_test = _reference_loss(net, r, test, loss)
        np.testing.assert_allclose(passes.train_loss[r], want_train, rtol=1e-12)
        np.testing.assert_allclose(passes.test_loss[r], want_test, rtol=1e-12)
    assert passes.threshold == (0.5 if output == "sigmoid" else 0.0)


def test_minibatch_slots_are_built_once_per_batch_size():
    config = Config(dataset="circle", n_points=40, train_share=50)
    _, train, test = split_data(config, None)
    net = MLP(config.sizes(), config.activation, config.output, 2, config.init, config.seed)
    passes = Passes.build(net, config, get_loss(config.loss, config.output), train, test)
    xbuf, tbuf, perm, programs = passes.minibatches(net, 6)
    assert len(programs) == 4  # ceil(20 / 6): 6 + 6 + 6 + 2 points
    assert perm.shape == (2, 20) and xbuf.shape[1:] == (2, 20)
    assert passes.minibatches(net, 6)[3] is programs
    assert len(passes.minibatches(net, 7)[3]) == 3  # ceil(20 / 7)
    assert passes.minibatches(net, 6)[3] is not programs  # rebuilt after another size


def test_custom_points_set_the_dataset_and_are_required_by_it():
    three = custom_data(np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]]), np.array([0, 1, 2]))
    with pytest.raises(ConfigError) as err:
        config_for_data(Config(), three)
    assert err.value.field == "output"
    config = config_for_data(Config(output="softmax", loss="ce"), three)
    assert (config.dataset, config.classes) == ("custom", 3)
    check_has_data(config, three)
    with pytest.raises(ConfigError) as err:
        check_has_data(config, None)
    assert err.value.field == "dataset"
    two = custom_data(np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([0, 1]))
    with pytest.raises(ConfigError) as err:
        check_has_data(config, two)
    assert err.value.field == "classes"


def test_a_three_column_run_predicts_at_rows_of_three_and_refuses_two():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 2] > 0).astype(float)  # only the third column matters
    config = Config(hidden=[4], train_share=100, lr=0.05)
    trainer = Trainer(config, data=custom_data(X, y, any_width=True))
    trainer.step(300)
    assert list(trainer.net.sizes) == [3, 4, 1]
    assert trainer.last["train_acc"][0] >= 0.95
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        trainer.predict(X[:, :2])
