"""Run files over the wire: ``save_run`` / ``run_file`` and ``open_run`` (docs/PROTOCOL.md).

A saved run opened in another session trains on to the very numbers the original goes
on to, and to those of one Trainer never interrupted (the independent reference);
every kind of bad file is refused with an ``error`` naming ``file`` and what is wrong,
and the session keeps its run exactly.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from app_helpers import wait_until

from app import get_socketio
from app.run_files import SESSION_HISTORY_ROWS
from engine import Config, Trainer
from engine.datasets import custom_data

SETUP = {
    "dataset": "circle",
    "noise": 0.1,
    "hidden": [4, 3],
    "activation": "tanh",
    "optimizer": "adam",
    "lr": 0.03,
    "batch_size": 10,
    "seed": 7,
}


def _step(client, session, epochs):
    target = session.trainer.epoch + epochs
    client.emit("control", {"action": "step", "epochs": epochs})
    wait_until(lambda: session.trainer.epoch == target, what=f"epoch {target}")


def _saved(client, inbox) -> dict:
    seen = len(inbox.of("run_file"))
    client.emit("save_run")
    return inbox.wait("run_file", seen + 1)[-1]


def _configured(connect, setup=SETUP):
    client, inbox, session = connect()
    client.emit("config", setup)
    inbox.wait("state", 2)
    return client, inbox, session


def test_a_saved_run_opened_elsewhere_goes_on_bitwise_as_if_never_interrupted(connect):
    client, inbox, session = _configured(connect)
    _step(client, session, 150)
    saved = _saved(client, inbox)
    assert saved["epoch"] == 150 and saved["name"].endswith("-epoch-150.npz")
    assert isinstance(saved["file"], bytes)
    _step(client, session, 120)  # the original goes on

    other, other_inbox, reopened = connect()
    other.emit("open_run", {"file": saved["file"]})
    state = other_inbox.wait("state", 2)[-1]
    assert state["epoch"] == 150 and state["status"] == "paused"
    assert state["config"] == session.trainer.config.to_dict()
    _step(other, reopened, 120)

    # never interrupted: one Trainer, 270 epochs straight
    alone = Trainer(
        Config.from_dict({**Config().to_dict(), **SETUP}), max_history_rows=SESSION_HISTORY_ROWS
    )
    alone.step(270)
    for trainer in (session.trainer, reopened.trainer):
        assert trainer.epoch == 270
        np.testing.assert_array_equal(trainer.net.flat, alone.net.flat)
        assert trainer.last["train_loss"][0] == alone.last["train_loss"][0]
        np.testing.assert_array_equal(trainer.history["train_loss"], alone.history["train_loss"])
    other.emit("ready")
    frame = other_inbox.wait("frame")[0]
    assert frame["epoch"] == 270 and frame["train_loss"] == float(alone.last["train_loss"][0])


def test_your_own_points_travel_in_the_run_file(connect):
    points = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1], [0, 0.2], [0.1, -0.3]], "<f4")
    client, inbox, session = connect()
    client.emit("data", {"n": 6, "points": points.tobytes(), "labels": bytes([0, 1, 1, 0, 2, 2])})
    first = inbox.wait("state", 2)[-1]
    _step(client, session, 40)
    saved = _saved(client, inbox)
    _step(client, session, 30)

    other, other_inbox, reopened = connect()
    other.emit("open_run", {"file": saved["file"]})
    state = other_inbox.wait("state", 2)[-1]
    assert state["data"] == first["data"] and state["epoch"] == 40
    _step(other, reopened, 30)
    np.testing.assert_array_equal(reopened.trainer.net.flat, session.trainer.net.flat)


def test_a_file_saved_from_python_with_a_long_history_is_thinned_on_opening(connect, tmp_path):
    config = Config.from_dict({"hidden": [3], "seed": 3})
    big = Trainer(config, max_history_rows=100_000)
    big.step(9000)
    big.save(tmp_path / "run.npz")
    client, inbox, session = connect()
    client.emit("open_run", {"file": (tmp_path / "run.npz").read_bytes()})
    assert inbox.wait("state", 2)[-1]["epoch"] == 9000
    # what a Trainer bounded to the session's rows from the start keeps
    bounded = Trainer(config, max_history_rows=SESSION_HISTORY_ROWS)
    bounded.step(9000)
    np.testing.assert_array_equal(session.trainer.history["epoch"], bounded.history["epoch"])
    np.testing.assert_array_equal(
        session.trainer.history["train_loss"], bounded.history["train_loss"]
    )
    np.testing.assert_array_equal(session.trainer.net.flat, big.net.flat)


# ---- bad files -----------------------------------------------------------------------------


def _good_file() -> bytes:
    trainer = Trainer(Config.from_dict({"hidden": [2], "seed": 5}))
    trainer.step(20)
    buf = io.BytesIO()
    trainer.save(buf)
    return buf.getvalue()


def _rewritten(header_change) -> bytes:
    """The good file with its JSON header changed by ``header_change(header)``."""
    with np.load(io.BytesIO(_good_file())) as npz:
        arrays = {name: npz[name] for name in npz.files}
    header = json.loads(arrays["header"].tobytes())
    header_change(header)
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def _newer(h):
    h["format"] = 2


def _other_shape(h):
    h["config"]["hidden"] = [5]


def _corrupted() -> bytes:
    data = bytearray(_good_file())
    middle = len(data) // 2
    data[middle] ^= 0xFF
    return bytes(data)


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("weights.npy", bytes(40 * 2**20))
    return buf.getvalue()


def _two_replicas() -> bytes:
    buf = io.BytesIO()
    Trainer(Config(), replicas=2).save(buf)
    return buf.getvalue()


def _three_columns() -> bytes:
    # a run on points of 3 raw columns (from Python, e.g. an estimator's to_trainer())
    points = custom_data(np.eye(3)[[0, 1, 2, 0]], [0, 1, 1, 0], any_width=True)
    buf = io.BytesIO()
    Trainer(Config(train_share=100), data=points).save(buf)
    return buf.getvalue()


BAD = [
    ("not a zip", {"file": b"hello, I am not a run file"}, "not a readable run file"),
    ("truncated", {"file": _good_file()[:400]}, "not a readable run file"),
    ("a flipped byte", {"file": _corrupted()}, "run file"),
    ("a newer format", {"file": _rewritten(_newer)}, "format 2 is newer"),
    ("arrays of another net", {"file": _rewritten(_other_shape)}, "weights"),
    ("a zip that unpacks to 40 MiB", {"file": _zip_bomb()}, "unpack to"),
    ("two replicas", {"file": _two_replicas()}, "2 networks"),
    ("points of 3 columns", {"file": _three_columns()}, "3 columns"),
    ("text, not bytes", {"file": "UEsDBBQ="}, "binary attachment"),
    ("empty", {"file": b""}, "empty"),
    ("no file", {}, "missing"),
]


@pytest.mark.parametrize(
    ("payload", "says"), [(p, s) for _, p, s in BAD], ids=[name for name, _, _ in BAD]
)
def test_a_bad_file_is_refused_saying_what_is_wrong_and_changes_nothing(connect, payload, says):
    client, inbox, session = _configured(connect)
    _step(client, session, 25)
    trainer, weights = session.trainer, session.trainer.net.flat.copy()
    states = len(inbox.of("state"))
    client.emit("open_run", payload)
    error = inbox.wait("error")[0]
    assert error["event"] == "open_run" and error["field"] == "file", error
    assert says in error["message"], error
    assert session.trainer is trainer and trainer.epoch == 25
    np.testing.assert_array_equal(trainer.net.flat, weights)
    assert len(inbox.of("state")) == states
    _step(client, session, 5)  # and it trains on


def test_an_unknown_key_is_named(connect):
    client, inbox, _ = connect()
    client.emit("open_run", {"file": _good_file(), "colour": "red"})
    assert inbox.wait("error")[0]["field"] == "colour"


def test_a_file_over_the_limit_is_refused_by_its_size(make_app):
    good = _good_file()
    app = make_app(MAX_RUN_FILE_BYTES=len(good) - 100)
    client = get_socketio(app).test_client(app)
    try:
        client.emit("open_run", {"file": good})
        errors = [e["args"][0] for e in client.get_received() if e["name"] == "error"]
        assert errors and errors[0]["field"] == "file"
        assert f"at most {len(good) - 100:,}" in errors[0]["message"]
    finally:
        client.disconnect()


def test_save_run_takes_no_payload(connect):
    client, inbox, _ = connect()
    client.emit("save_run", {"now": True})
    assert inbox.wait("error")[0]["field"] == "payload"


# ---- over a real WebSocket -----------------------------------------------------------------


def test_a_run_file_larger_than_other_messages_opens_over_the_wire_and_one_too_large_closes(
    live_server,
):
    from real_server import RealClient

    from app.wire import MAX_RUN_FILE_BYTES

    trainer = Trainer(Config.from_dict({"hidden": [4], "seed": 2}), max_history_rows=100_000)
    trainer.step(8000)  # a history of 8001 rows: a file past the 64 KiB of other messages
    buf = io.BytesIO()
    trainer.save(buf)
    assert buf.tell() > 64 * 1024
    ok = RealClient(live_server)
    big = RealClient(live_server)
    try:
        ok.sio.emit("open_run", {"file": buf.getvalue()})
        wait_until(lambda: any(s["epoch"] == 8000 for s in ok.of("state")), what="the run")
        big.sio.emit("open_run", {"file": bytes(MAX_RUN_FILE_BYTES + 4096)})
        wait_until(lambda: big.of("disconnect") or None, what="the big sender dropped")
        ok.sio.emit("control", {"action": "step", "epochs": 3})
        wait_until(
            lambda: len([s for s in ok.of("state") if s["epoch"] == 8000]) >= 2,
            what="the other client still answered",
        )
        assert ok.sio.connected
    finally:
        big.close()
        ok.close()


# ---- the page's checkpoint: save_run {"checkpoint": true} ------------------------------------


def test_a_checkpoint_is_the_run_file_marked_as_one_and_reopens_at_its_epoch(connect):
    client, inbox, session = _configured(connect)
    _step(client, session, 40)
    client.emit("save_run", {"checkpoint": True})
    checkpoint = inbox.wait("run_file")[-1]
    assert checkpoint["checkpoint"] is True and checkpoint["epoch"] == 40
    plain = _saved(client, inbox)
    assert "checkpoint" not in plain
    assert plain["file"] == checkpoint["file"]  # the same bytes the Runs panel saves

    other, other_inbox, reopened = connect()
    other.emit("open_run", {"file": checkpoint["file"]})
    assert other_inbox.wait("state", 2)[-1]["epoch"] == 40
    np.testing.assert_array_equal(reopened.trainer.net.flat, session.trainer.net.flat)


@pytest.mark.parametrize("payload", [{"checkpoint": 1}, {"checkpoint": "yes"}, {"tag": "x"}])
def test_a_checkpoint_request_with_anything_but_a_boolean_is_refused(connect, payload):
    client, inbox, _ = connect()
    client.emit("save_run", payload)
    error = inbox.wait("error")[0]
    assert error["event"] == "save_run" and error["field"] in ("checkpoint", "payload")
    assert inbox.of("run_file") == []
