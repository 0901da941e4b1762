"""The ``data`` event: a client's own points over the wire (docs/PROTOCOL.md).

Valid points become the session's data set (state, frames, the lab); every kind of bad
payload is answered by an ``error`` naming its field, and the session's data, config
and weights stay exactly as they were.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from app_helpers import wait_until

from app.frames import encode_classes
from engine import Trainer
from engine.datasets import DataError, custom_data, parse_points_csv

POINTS = np.array(
    [
        [-3, 0],
        [-3, 0.4],
        [-2.6, 0.1],
        [3, 0],
        [3.2, 0.3],
        [2.8, -0.2],
        [0, 3],
        [0.3, 3.1],
        [-0.2, 2.7],
    ],
    "<f4",
)
LABELS = bytes([0, 0, 0, 1, 1, 1, 2, 2, 2])


def _payload(**changes):
    base = {"n": 9, "points": POINTS.tobytes(), "labels": LABELS}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def test_points_become_the_session_data_set_with_softmax_for_three_classes(connect):
    client, inbox, session = connect()
    client.emit("data", _payload(domain=[-6, 6, -6, 6]))
    state = inbox.wait("state", 2)[-1]
    assert state["config"]["dataset"] == "custom" and state["config"]["classes"] == 3
    assert state["config"]["output"] == "softmax" and state["config"]["loss"] == "ce"
    expected = custom_data(POINTS.astype(float), list(LABELS), domain=(-6, 6, -6, 6))
    assert state["data"] == {
        "n": 9,
        "task": "classification",
        "classes": 3,
        "digest": expected.digest,
        "active": True,
    }
    assert state["sizes"] == [2, 2, 3]
    client.emit("ready")
    frame = inbox.wait("frame")[0]
    assert frame["classes"] == 3 and frame["domain"] == [-6.0, 6.0, -6.0, 6.0]
    # your own points all train (no hidden test set); with no separate test side the
    # frame's test points are the training points again, as for exact xor4
    assert state["config"]["train_share"] == 100
    shown = np.frombuffer(frame["train_points"], "<f4").reshape(-1, 3)
    assert frame["test_points"] == frame["train_points"]
    order = np.lexsort(shown[:, :2].T)
    mine = np.column_stack([POINTS, np.frombuffer(LABELS, np.uint8)])
    np.testing.assert_array_equal(shown[order], mine[np.lexsort(mine[:, :2].T)])
    # the surface: class and probability per pixel, as the engine's frame says
    probs = session.trainer.frame(frame["grid"]).surface
    assert frame["surface"] == encode_classes(probs)


def _trained_on_points(connect, epochs: int):
    """A session given the nine points, then trained `epochs` epochs."""
    client, inbox, session = connect()
    client.emit("data", _payload())
    inbox.wait("state", 2)
    client.emit("control", {"action": "step", "epochs": epochs})
    wait_until(lambda: session.trainer.epoch == epochs, what=f"{epochs} epochs")
    return client, inbox, session


def test_new_points_with_as_many_classes_keep_the_weights(connect):
    client, inbox, session = _trained_on_points(connect, 30)
    weights = session.trainer.net.flat.copy()
    more = np.vstack([POINTS, [[1, 1]]]).astype("<f4")
    client.emit("data", {"n": 10, "points": more.tobytes(), "labels": LABELS + bytes([2])})
    state = inbox.wait("state", 4)[-1]
    assert state["data"]["n"] == 10 and state["epoch"] == 30
    np.testing.assert_array_equal(session.trainer.net.flat, weights)
    four = LABELS + bytes([3])
    client.emit("data", {"n": 10, "points": more.tobytes(), "labels": four})
    state = inbox.wait("state", 5)[-1]
    assert state["sizes"] == [2, 2, 4] and state["epoch"] == 0


def test_a_whole_new_point_set_restarts_at_epoch_zero_still_playing(connect):
    client, inbox, session = _trained_on_points(connect, 30)
    client.emit("control", {"action": "play"})
    wait_until(lambda: session.trainer.epoch > 30, what="playing past epoch 30")
    more = np.vstack([POINTS, [[1, 1]]]).astype("<f4")
    labels = LABELS + bytes([2])
    client.emit("data", {"n": 10, "points": more.tobytes(), "labels": labels, "restart": True})
    state = inbox.wait("state", 5)[-1]
    assert state["data"]["n"] == 10 and state["epoch"] == 0 and state["status"] == "playing"
    # the run's first frame: epoch 0 with its points, its history starting there
    frames = len(inbox.of("frame"))
    client.emit("ready")
    wait_until(lambda: any("train_points" in f for f in inbox.of("frame")[frames:]), what="frame")
    first = next(f for f in inbox.of("frame")[frames:] if "train_points" in f)
    assert np.frombuffer(first["history"]["epoch"], "<u4")[0] == 0
    client.emit("control", {"action": "pause"})
    inbox.wait("state", 6)
    # the same run as a fresh Trainer on these points with the session's config
    with session.hold() as trainer:
        fresh = Trainer(trainer.config, data=trainer.custom_data)
        fresh.step(trainer.epoch)
        np.testing.assert_allclose(trainer.net.flat, fresh.net.flat, rtol=1e-6)


def test_regression_targets_switch_to_a_linear_output(connect):
    client, inbox, _ = connect()
    targets = (POINTS[:, 0] * 0.1).astype("<f4")
    client.emit(
        "data",
        {"task": "regression", "n": 9, "points": POINTS.tobytes(), "targets": targets.tobytes()},
    )
    state = inbox.wait("state", 2)[-1]
    assert state["config"]["dataset"] == "custom_regression"
    assert (state["config"]["output"], state["config"]["loss"]) == ("linear", "mse")
    assert state["data"]["task"] == "regression" and state["data"]["classes"] is None


BAD = [
    ("not an object", [1, 2], "payload"),
    ("an unknown key", _payload(colour="red"), "colour"),
    ("no count", _payload(n=None), "n"),
    ("one point", _payload(n=1), "n"),
    ("too many points", _payload(n=5001), "n"),
    ("a fractional count", _payload(n=8.5), "n"),
    ("a bool for a count", _payload(n=True), "n"),
    ("no points", _payload(points=None), "points"),
    ("points as a list", _payload(points=POINTS.tolist()), "points"),
    ("points short of 9 pairs", _payload(points=POINTS[:8].tobytes()), "points"),
    (
        "a NaN coordinate",
        _payload(
            points=np.where(np.arange(18).reshape(9, 2) == 5, np.nan, POINTS)
            .astype("<f4")
            .tobytes()
        ),
        "points",
    ),
    ("an infinite coordinate", _payload(points=np.full((9, 2), np.inf, "<f4").tobytes()), "points"),
    ("no labels", _payload(labels=None), "labels"),
    ("labels short of 9", _payload(labels=LABELS[:8]), "labels"),
    ("a label past 5", _payload(labels=LABELS[:8] + bytes([6])), "labels"),
    ("a single class", _payload(labels=bytes(9)), "labels"),
    ("labels as text", _payload(labels="000111222"), "labels"),
    ("an unknown task", _payload(task="clustering"), "task"),
    ("labels for a regression", _payload(task="regression"), "labels"),
    (
        "a non-finite target",
        {
            "task": "regression",
            "n": 9,
            "points": POINTS.tobytes(),
            "targets": np.full(9, np.nan, "<f4").tobytes(),
        },
        "targets",
    ),
    ("a domain that leaves points out", _payload(domain=[-1, 1, -1, 1]), "domain"),
    ("a domain of three numbers", _payload(domain=[0, 1, 2]), "domain"),
    ("an empty domain", _payload(domain=[1, 1, 0, 5]), "domain"),
    ("restart as text", _payload(restart="yes"), "restart"),
]


@pytest.mark.parametrize(
    ("payload", "field"), [(p, f) for _, p, f in BAD], ids=[name for name, _, _ in BAD]
)
def test_a_bad_payload_gets_an_error_naming_its_field_and_changes_nothing(connect, payload, field):
    client, inbox, session = connect()
    client.emit("data", _payload())  # the data the bad payload must leave alone
    inbox.wait("state", 2)
    client.emit("control", {"action": "step", "epochs": 5})
    wait_until(lambda: session.trainer.epoch == 5, what="5 epochs")
    before = (session.trainer.custom_data, session.trainer.config, session.trainer.net.flat.copy())
    states = len(inbox.of("state"))
    client.emit("data", payload)
    error = inbox.wait("error")[0]
    assert error["event"] == "data" and error["field"] == field, error
    assert session.trainer.custom_data is before[0] and session.trainer.config == before[1]
    np.testing.assert_array_equal(session.trainer.net.flat, before[2])
    assert len(inbox.of("state")) == states  # a refused message is not answered by state


def test_a_lab_run_trains_on_the_sessions_points(connect):
    client, inbox, session = connect()
    client.emit("data", _payload())
    inbox.wait("state", 2)
    client.emit("lab", {"action": "run", "seeds": 3, "epochs": 40})
    result = inbox.wait("lab_result", timeout=120)[0]
    assert result["config"]["dataset"] == "custom" and result["surfaces"]["classes"] == 3
    alone = Trainer(session.trainer.config.replace({"seed": 1}), data=session.trainer.custom_data)
    alone.step(40)
    assert result["runs"][1]["final_loss"] == alone.last["train_loss"][0]


def test_the_largest_data_set_crosses_a_real_websocket(live_server):
    """5000 points (40,000 bytes of coordinates in one attachment, past the 16 KiB
    that other messages get) reach a real server over a real WebSocket."""
    from real_server import RealClient

    rng = np.random.default_rng(5)
    points = rng.uniform(-5, 5, (5000, 2)).astype("<f4")
    labels = (np.arange(5000) % 6).astype(np.uint8)
    client = RealClient(live_server)
    try:
        client.wait("state")
        client.sio.emit("data", {"n": 5000, "points": points.tobytes(), "labels": labels.tobytes()})
        state = client.wait("state", 2)[-1]
        assert state["data"]["n"] == 5000 and state["config"]["classes"] == 6
        assert state["data"]["digest"] == custom_data(points.astype(float), labels).digest
    finally:
        client.close()


def test_the_gradient_check_and_the_landscape_run_on_the_sessions_points(connect):
    client, inbox, session = _trained_on_points(connect, 10)
    client.emit("gradcheck", {})
    assert inbox.wait("gradcheck_result", timeout=60)[0]["ok"] is True
    client.emit("landscape", {"steps": 11, "span": 0.5})
    result = inbox.wait("landscape_result", timeout=60)[0]
    assert result["center_loss"] == pytest.approx(session.trainer.last["train_loss"][0], rel=1e-12)


@pytest.mark.parametrize(
    ("labels", "words"),
    [
        (bytes([0, 0, 0, 1, 1, 1, 5, 5, 5]), "classes 2, 3, 4 have no point"),
        (bytes([0, 1, 2, 3, 4, 5, 6, 0, 1]), "the limit is 6 classes"),
    ],
    ids=["labels with a gap", "seven classes"],
)
def test_labels_are_checked_as_the_engine_and_the_csv_reader_check_them(connect, labels, words):
    client, inbox, _ = connect()
    client.emit("data", _payload(labels=labels))
    error = inbox.wait("error")[0]
    assert error["field"] == "labels" and words in error["message"], error
    with pytest.raises(DataError) as engine_error:
        custom_data(POINTS.astype(float), list(labels))
    assert engine_error.value.message in error["message"]
    csv = "".join(f"{x},{y},{c}\n" for (x, y), c in zip(POINTS.tolist(), labels, strict=True))
    with pytest.raises(DataError, match=re.escape(words)):
        parse_points_csv(csv)


def test_drawn_points_all_train_and_a_set_hold_out_is_stratified(connect):
    client, inbox, session = connect()
    client.emit("data", _payload())
    inbox.wait("state", 2)
    assert len(session.trainer.train) == 9 and session.trainer.test is session.trainer.train
    client.emit("config", {"train_share": 70})
    wait_until(lambda: session.trainer.config.train_share == 70, what="the hold-out")
    counts = np.bincount(session.trainer.train.y[:, 0].astype(int)).tolist()
    assert counts == [2, 2, 2]  # floor(3 · 0.7) of each class; 6 of 9 overall


def test_a_generator_after_your_points_brings_its_half_back(connect):
    client, inbox, session = connect()
    client.emit("data", _payload())
    inbox.wait("state", 2)
    assert session.trainer.config.train_share == 100
    client.emit("config", {"dataset": "blobs3"})
    wait_until(lambda: session.trainer.config.dataset == "blobs3", what="blobs3")
    assert session.trainer.config.train_share == 50
    assert len(session.trainer.train) == 100 and len(session.trainer.test) == 100
