"""The Python API's edges (issue 23): predict on no points, step's integers, a
Trainer's repr, and explain_stuck on a run that is not stuck."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, Trainer, explain_stuck

SOFTMAX = {"output": "softmax", "loss": "ce"}


def test_predict_on_no_points_gives_empty_outputs_of_the_right_shape():
    one = Trainer(Config(), replicas=3)
    assert one.predict(np.zeros((0, 2))).shape == (3, 0)
    assert one.predict_class(np.zeros((0, 2))).shape == (3, 0)
    many = Trainer(Config(dataset="blobs3", hidden=[4], **SOFTMAX), replicas=2)
    assert many.predict(np.zeros((0, 2))).shape == (2, 0, 3)
    assert many.predict_class(np.zeros((0, 2))).shape == (2, 0)


@pytest.mark.parametrize("bad", [1.7, "5", True, 2.0, None])
def test_step_refuses_anything_but_an_integer(bad):
    trainer = Trainer(Config())
    with pytest.raises(TypeError, match="epochs must be an integer"):
        trainer.step(bad)
    assert trainer.epoch == 0


def test_step_takes_python_and_numpy_integers():
    trainer = Trainer(Config())
    trainer.step(2)
    trainer.step(np.int64(3))
    trainer.step(np.uint8(1))
    assert trainer.epoch == 6


def test_a_trainers_repr_says_what_it_is_and_where_it_stands():
    trainer = Trainer(Config(hidden=[4], lr=0.1))
    trainer.step(5)
    text = repr(trainer)
    assert text.startswith("<Trainer 2-4-1 tanh/sigmoid adam lr=0.1 on xor4")
    assert "1 replica," in text and "epoch 5" in text
    assert f"train loss {float(trainer.last['train_loss'][0]):.4g}" in text
    many = repr(Trainer(Config(dataset="circle", n_points=40), replicas=3))
    assert "3 replicas" in many and "20 training points, 20 test" in many


def test_explain_stuck_on_a_solved_run_says_not_stuck_and_why():
    trainer = Trainer(Config(hidden=[4]))
    trainer.step(800)
    assert trainer.last["train_acc"][0] == 1.0
    report = explain_stuck(trainer)
    assert report.case == "not_stuck" and not report.stuck
    assert report.message.startswith("Not stuck at epoch 800")
    assert "100 % training accuracy" in report.message
    assert report.to_dict()["case"] == "not_stuck"


def test_explain_stuck_early_says_why_it_is_not_stuck():
    trainer = Trainer(Config(activation="relu"))
    trainer.step(10)
    assert trainer.last["train_acc"][0] == 0.75  # not solved: only being early saves it
    report = explain_stuck(trainer)
    assert not report.stuck and "too early to tell" in report.message
    assert report.suggestions == []
