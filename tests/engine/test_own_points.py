"""Your own points (issue 23): every point trains unless a hold-out is asked for; a
hold-out is stratified by class and reproducible; labels are checked."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, Trainer, make_dataset
from engine.datasets import DataError, custom_data, parse_points_csv
from engine.errors import ConfigError

README_X = [[-3, 0], [-2.8, 0.4], [3, 0], [3.1, -0.3], [0, 3], [0.2, 2.9]]
README_Y = [0, 0, 1, 1, 2, 2]
SOFTMAX = {"output": "softmax", "loss": "ce"}


def _four_by_ten() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.normal(size=(40, 2)), np.repeat(np.arange(4), 10)


def test_the_readmes_six_points_all_train_and_are_learned_in_300_epochs():
    mine = Trainer(Config(hidden=[4], **SOFTMAX), data=(README_X, README_Y))
    assert len(mine.train) == 6 and mine.test is mine.train
    assert sorted(mine.train.y[:, 0].tolist()) == README_Y
    mine.step(300)
    np.testing.assert_array_equal(mine.predict_class(README_X), [README_Y])


def test_a_half_hold_out_of_four_classes_of_ten_trains_on_five_of_each():
    X, y = _four_by_ten()
    for seed in range(5):
        trainer = Trainer(
            Config(hidden=[3], train_share=50, data_seed=seed, **SOFTMAX), data=(X, y)
        )
        assert np.bincount(trainer.train.y[:, 0].astype(int)).tolist() == [5, 5, 5, 5]
        assert np.bincount(trainer.test.y[:, 0].astype(int)).tolist() == [5, 5, 5, 5]


def test_a_hold_out_is_reproducible_from_the_data_seed_and_moves_with_it():
    X, y = _four_by_ten()
    first, again, other = (make_dataset((X, y), train_share=70, seed=s) for s in (3, 3, 4))
    np.testing.assert_array_equal(first.train.points, again.train.points)
    assert not np.array_equal(first.train.points, other.train.points)
    # 7 of each class of 10 train
    assert np.bincount(first.train.y[:, 0].astype(int)).tolist() == [7, 7, 7, 7]


def test_train_share_100_is_accepted_and_trains_on_every_generated_point():
    trainer = Trainer(Config(dataset="circle", n_points=60, train_share=100))
    assert len(trainer.train) == 60 and trainer.test is trainer.train
    assert Config(dataset="circle").train_share == 50  # generated sets keep TFP's half


def test_own_points_default_to_all_but_keep_a_share_that_was_moved():
    assert Config(dataset="custom").train_share == 100
    assert Config(dataset="custom", train_share=50).train_share == 50
    assert Config(train_share=70).replace({"dataset": "custom"}).train_share == 70
    back = Config().replace({"dataset": "custom"}).replace({"dataset": "xor"})
    assert back.train_share == 50
    for cfg in (Config(dataset="custom"), Config(dataset="custom", train_share=50)):
        assert Config.from_query(cfg.to_query()) == cfg


def test_a_hold_out_that_leaves_a_class_without_training_points_is_refused():
    X = [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]]
    y = [0, 1, 1, 1, 1]
    with pytest.raises(DataError) as err:
        Trainer(Config(train_share=50), data=(X, y))
    assert err.value.field == "train_share"
    assert "class 0 (1 point) no training point" in str(err.value)
    assert len(Trainer(Config(), data=(X, y)).train) == 5  # all of them: fine


def test_the_four_xor_points_train_on_all_four_by_default():
    X, y = [[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0]
    trainer = Trainer(Config(hidden=[4]), data=(X, y))
    assert len(trainer.train) == 4 and trainer.test is trainer.train


def test_labels_with_gaps_are_refused_naming_the_missing_classes():
    with pytest.raises(DataError) as err:
        custom_data(np.zeros((6, 2)), [0, 1, 5, 0, 1, 5])
    assert err.value.field == "labels"
    assert "classes 2, 3, 4 have no point" in str(err.value)
    with pytest.raises(DataError, match="class 0 has no point"):
        custom_data(np.zeros((3, 2)), [1, 2, 3])
    with pytest.raises(DataError, match="classes 2, 3, 4 have no point"):
        parse_points_csv("0,0,0\n1,1,1\n2,2,5\n")


def test_seven_classes_are_refused_saying_the_limit_is_six():
    with pytest.raises(DataError) as err:
        custom_data(np.zeros((7, 2)), np.arange(7))
    assert err.value.field == "labels" and "the limit is 6 classes" in str(err.value)
    with pytest.raises(DataError, match="the limit is 6 classes"):
        parse_points_csv("".join(f"{c},{c},{c}\n" for c in range(10)))


def test_float_targets_are_a_regression_and_a_classifier_output_is_named():
    X, t = [[0, 0], [1, 0], [0, 1], [1, 1]], [0.5, -0.25, 0.75, 0.1]
    trainer = Trainer(Config(output="linear", loss="mse", dataset="plane"), data=(X, t))
    assert trainer.config.dataset == "custom_regression" and len(trainer.train) == 4
    with pytest.raises(ConfigError) as err:
        Trainer(Config(), data=(X, t))
    assert err.value.field == "output" and "regression" in str(err.value)
    with pytest.raises(ConfigError, match="custom_regression"):
        Config(output="linear", loss="mse")  # names where regression lives


def test_a_whole_config_sent_again_sets_nothing_so_own_points_still_all_train():
    """The page sends its whole config (train_share 50 among it): repeating a value is
    not setting it, so your points then train on every point; changing it is."""
    page = Config().replace(Config(dataset="circle", hidden=[4], **SOFTMAX).to_dict())
    mine = Trainer(page, data=(README_X, README_Y))
    assert mine.config.train_share == 100 and len(mine.train) == 6
    moved = page.replace({"train_share": 70})
    assert moved.replace({"dataset": "custom", "classes": 3, **SOFTMAX}).train_share == 70
