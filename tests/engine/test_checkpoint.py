"""Run files and pickling: a Trainer saved, loaded (or pickled, or deep-copied) and
trained on gives, bit for bit, what one that never stopped gives; bad files are
refused with a ValueError that says what is wrong."""

from __future__ import annotations

import copy
import io
import json
import pickle
import struct
import zipfile

import numpy as np
import pytest

from engine import Config, Trainer, diagnose_trainer, sweep
from engine.checkpoint import FORMAT, from_bytes, to_bytes

FULL = Config(optimizer="adam", lr=0.03)
MINI = Config(
    dataset="xor4",
    xor4_sample=True,
    n_points=40,
    noise=10,
    batch_size=3,
    optimizer="sgd",
    lr=0.1,
    momentum=0.9,
    regularization="l2",
    reg_rate=0.001,
)


def assert_same_run(a: Trainer, b: Trainer) -> None:
    """Every number the next epochs depend on, and every number recorded, equal."""
    assert a.epoch == b.epoch and a.config == b.config
    np.testing.assert_array_equal(a.net.flat, b.net.flat)
    for key, va in a.history.items():
        np.testing.assert_array_equal(va, b.history[key], err_msg=key)
    for key in ("train_loss", "test_loss", "train_acc", "test_acc"):
        np.testing.assert_array_equal(a.last[key], b.last[key], err_msg=key)
    np.testing.assert_array_equal(a.diverged, b.diverged)
    sa, sb = a.optimizer.state_dict(), b.optimizer.state_dict()
    assert sa["t"] == sb["t"]
    for ea, eb in zip(sa["state"], sb["state"], strict=True):
        assert ea.keys() == eb.keys()
        for key in ea:
            if isinstance(ea[key], np.ndarray):
                np.testing.assert_array_equal(ea[key], eb[key], err_msg=key)
            else:
                assert ea[key] == eb[key], key
    assert [r.bit_generator.state for r in a.net.rngs] == [
        r.bit_generator.state for r in b.net.rngs
    ]


@pytest.mark.parametrize("replicas", [1, 50])
@pytest.mark.parametrize("config", [FULL, MINI], ids=["full batch", "mini-batch"])
def test_500_epochs_saved_loaded_and_500_more_equal_1000_straight(config, replicas, tmp_path):
    straight = Trainer(config, replicas=replicas)
    straight.step(1000)
    first = Trainer(config, replicas=replicas)
    first.step(500)
    path = tmp_path / "run"
    first.save(path)
    assert path.exists() and not (tmp_path / "run.npz").exists()  # the name as given
    resumed = Trainer.load(path)
    assert_same_run(first, resumed)
    resumed.step(500)
    assert_same_run(straight, resumed)


@pytest.mark.parametrize(
    "changes",
    [
        {"optimizer": "rprop", "lr": 0.05},
        {"optimizer": "rmsprop", "centered": True, "momentum": 0.5, "lr": 0.01},
        {"optimizer": "adagrad", "lr": 0.1, "lr_decay": 0.01},
        {"hidden": [3, 2], "activation": ["relu", "tanh"], "batch_size": 5, "lr": 0.05},
        {
            "optimizer": "adam",
            "amsgrad": True,
            "dtype": "float32",
            "batch_size": 2,
            "dataset": "circle",
            "n_points": 30,
            "features": ["x1", "x2", "x1sq", "x2sq"],
            "output": "tanh",
            "loss": "mse",
            "hidden": [3, 2],
        },
        {
            "dataset": "plane",
            "output": "linear",
            "loss": "mse",
            "n_points": 40,
            "regularization": "l1",
            "reg_rate": 0.01,
        },
    ],
)
def test_resuming_is_exact_for_every_optimizer_and_set_up(changes):
    config = Config(**changes)
    # a live change on the way, as the page makes them
    live = (
        {"reg_rate": 3 * config.reg_rate}
        if config.regularization != "none"
        else {"regularization": "l2", "reg_rate": 0.05}
    )
    straight = Trainer(config, replicas=3)
    straight.step(60)
    first = Trainer(config, replicas=3)
    first.step(25)
    first.update(config.replace(live))
    straight2 = Trainer(config, replicas=3)
    straight2.step(25)
    straight2.update(config.replace(live))
    straight2.step(35)
    resumed = from_bytes(to_bytes(first))
    resumed.step(35)
    assert_same_run(straight2, resumed)
    assert not np.array_equal(straight.net.flat, resumed.net.flat)  # the change mattered


def test_thinned_history_and_a_diverged_replica_carry_over():
    config = Config(optimizer="sgd", lr=0.5, hidden=[3])
    runs = []
    for _ in range(2):
        trainer = Trainer(config, replicas=3, max_history_rows=16)
        trainer.net.params[0][1] = 1e308  # replica 1 blows up at once and is frozen
        trainer.net.params[2][1] = 1e308
        runs.append(trainer)
    straight, first = runs
    straight.step(300)
    first.step(100)
    assert first.diverged.tolist() == [False, True, False] and first._history.stride > 1
    resumed = Trainer.load(io.BytesIO(to_bytes(first)))
    resumed.step(200)
    assert_same_run(straight, resumed)


def test_a_pickled_or_deep_copied_trainer_trains_on_to_the_same_numbers():
    straight = Trainer(MINI, replicas=4)
    straight.step(40)
    first = Trainer(MINI, replicas=4)
    first.step(15)
    for twin in (pickle.loads(pickle.dumps(first)), copy.deepcopy(first)):
        assert_same_run(first, twin)
        twin.step(25)
        assert_same_run(straight, twin)
    assert first.epoch == 15  # the original is untouched by its copies


def test_config_sweep_result_and_diagnosis_pickle_and_copy():
    config = Config(hidden=[3, 2], activation="relu", lr=0.01)
    assert pickle.loads(pickle.dumps(config)) == config
    assert copy.deepcopy(config) == config and copy.copy(config) == config
    result = sweep(config, seeds=3, epochs=30, surface_grid=6)
    for twin in (pickle.loads(pickle.dumps(result)), copy.deepcopy(result)):
        assert twin.to_dict(surfaces=True) == result.to_dict(surfaces=True)
    trainer = Trainer(config, replicas=2)
    trainer.step(20)
    diagnosis = diagnose_trainer(trainer)
    for twin in (pickle.loads(pickle.dumps(diagnosis)), copy.deepcopy(diagnosis)):
        assert twin.to_dict() == diagnosis.to_dict()


def test_a_config_from_a_pickle_is_validated():
    """Pickles carry the settings, not the object: a tampered value is refused."""
    data = pickle.dumps(Config(lr=0.5))
    binfloat = b"G" + struct.pack(">d", 0.5)  # pickle's opcode for a float
    tampered = data.replace(binfloat, b"G" + struct.pack(">d", 50.0))
    assert tampered != data
    with pytest.raises(ValueError, match="lr"):
        pickle.loads(tampered)


def test_the_header_is_json_with_the_format_the_config_and_the_layout():
    trainer = Trainer(Config(hidden=[4, 2]))
    trainer.step(3)
    trainer.set_param(1, "weight", 2, 1, 0.25)
    with np.load(io.BytesIO(to_bytes(trainer))) as npz:
        header = json.loads(npz["header"].tobytes())
        assert npz["weights"].shape == (1, trainer.net.n_params)
    assert header["format"] == FORMAT == 1
    assert header["config"] == trainer.config.to_dict()
    assert header["layout"] == trainer.net.layout.to_dict()
    assert header["data"] == {"source": "generator"}
    assert header["edits"] == {"count": 1, "last_epoch": 3}
    # after a hand edit the file keeps the weights the edit made (exported code
    # starts there); before it, they come from the config and seed
    assert header["initial_weights"] == "origin"
    assert header["origin"]["epoch"] == 3 and header["origin"]["reason"] == "edit"
    loaded = from_bytes(to_bytes(trainer))
    assert (loaded.edits, loaded.last_edit_epoch) == (1, 3)
    np.testing.assert_array_equal(loaded.origin.flat, trainer.net.flat)
    fresh = Trainer(Config(hidden=[4, 2]))
    with np.load(io.BytesIO(to_bytes(fresh))) as npz:
        assert json.loads(npz["header"].tobytes())["initial_weights"] == "config"
        assert "origin/weights" not in npz.files


def test_your_own_points_travel_in_the_file_and_the_run_goes_on_exactly():
    """Custom data: the points as given (not the config) are in the file; the split,
    noise and features follow from the config, so the loaded run trains on exactly."""
    rng = np.random.default_rng(4)
    points = rng.uniform(-1, 1, (30, 2))
    labels = (points[:, 0] > 0).astype(int) + (points[:, 1] > 0)
    config = Config(hidden=[4], output="softmax", loss="ce", noise=5, train_share=60, batch_size=7)
    trainer = Trainer(config, replicas=2, data=(points, labels))
    trainer.step(10)
    data = from_bytes(to_bytes(trainer))
    np.testing.assert_array_equal(data.custom_data.points, points)
    np.testing.assert_array_equal(data.custom_data.values, labels)
    np.testing.assert_array_equal(data.train.points, trainer.train.points)
    assert data.config == trainer.config and data.config.dataset == "custom"
    assert data.domain == trainer.domain
    with np.load(io.BytesIO(to_bytes(trainer))) as npz:
        header = json.loads(npz["header"].tobytes())
    assert header["data"] == {
        "source": "points",
        "task": "classification",
        "classes": 3,
        "domain": None,
        "digest": trainer.custom_data.digest,
    }
    trainer.step(10)
    data.step(10)
    assert_same_run(trainer, data)


def test_points_kept_while_a_generator_runs_come_back_with_the_file():
    points = np.array([[0, 0], [1, 0], [0, 1], [1, 1.0]])
    trainer = Trainer(Config(), data=(points, [0, 1, 1, 0]))
    trainer.update(trainer.config.replace({"dataset": "xor4"}))
    loaded = from_bytes(to_bytes(trainer))
    assert loaded.config.dataset == "xor4"
    loaded.update(loaded.config.replace({"dataset": "custom"}))
    np.testing.assert_array_equal(loaded.custom_data.points, points)


# ---- bad files -------------------------------------------------------------------


@pytest.fixture(scope="module")
def good() -> bytes:
    trainer = Trainer(MINI, replicas=2)
    trainer.step(5)
    return to_bytes(trainer)


def _rewritten(data: bytes, change) -> bytes:
    with np.load(io.BytesIO(data)) as npz:
        members = {name: npz[name] for name in npz.files}
    header = json.loads(members["header"].tobytes())
    change(header, members)
    members["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **members)
    return buf.getvalue()


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.999])
def test_a_truncated_file_is_refused(good, cut):
    with pytest.raises(ValueError, match="truncated or corrupted"):
        from_bytes(good[: int(len(good) * cut)])


def _data_middle(data: bytes, member: str) -> int:
    """Where the middle of ``member``'s compressed bytes lies in the zip ``data``: past
    its local header (30 bytes, the name, the extra field: PKWARE's APPNOTE 4.3.7)."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    start = info.header_offset
    name_len, extra_len = struct.unpack("<HH", data[start + 26 : start + 30])
    return start + 30 + name_len + extra_len + info.compress_size // 2


def test_a_corrupted_byte_is_refused(good):
    # inside the data of a member (a flipped byte in a local header's copy of the CRC,
    # say, is one the reader never reads: the central directory's copy is the one used)
    for position in (_data_middle(good, "weights.npy"), _data_middle(good, "header.npy")):
        bad = bytearray(good)
        bad[position] ^= 0xFF
        with pytest.raises(ValueError, match="run file"):
            from_bytes(bytes(bad))


def test_other_files_are_refused(good, tmp_path):
    with pytest.raises(ValueError, match="not a readable run file"):
        from_bytes(b"hello, I am not a zip")
    with pytest.raises(ValueError, match="not a readable run file"):
        from_bytes(pickle.dumps({"weights": 1}))
    plain = io.BytesIO()
    np.savez(plain, weights=np.zeros((1, 9)))
    with pytest.raises(ValueError, match="no header"):
        from_bytes(plain.getvalue())
    with pytest.raises(FileNotFoundError):
        Trainer.load(tmp_path / "missing.npz")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda h, m: h.update(format=FORMAT + 1), "format 2 is newer than this engine reads"),
        (lambda h, m: h.update(format="1"), "format must be a positive integer"),
        (lambda h, m: h.update(kind="something else"), "does not describe"),
        (lambda h, m: h["config"].update(lr=100.0), "config: lr must be a number"),
        (lambda h, m: h["config"].update(hidden=[5]), "weights: expected a float array"),
        (lambda h, m: h.update(replicas=1000), "weights: expected 1000 rows"),
        (lambda h, m: m.update(weights=m["weights"][:, :-1]), "weights: expected"),
        (lambda h, m: m["weights"].__setitem__((0, 0), np.nan), "non-finite"),
        (lambda h, m: m.pop("rng"), "missing 'rng'"),
        (lambda h, m: m.update(rng=m["rng"][:1]), "rng: expected"),
        (lambda h, m: m.update(history=m["history"][:, :-1]), "history: expected"),
        (lambda h, m: h["optimizer"].update(name="adam"), "optimizer: state of 'adam'"),
        (lambda h, m: h["optimizer"].update(t=-1), "t must be an integer"),
        (
            lambda h, m: m.update({"optimizer/0/buf": m["optimizer/0/buf"][:1]}),
            "optimizer state 'buf'",
        ),
        (lambda h, m: h.update(epoch=2), "epoch: expected an integer >= the last history row"),
        (lambda h, m: h.update(data={"source": "elsewhere"}), "data: unknown source"),
    ],
)
def test_a_file_that_does_not_fit_its_config_names_what_is_wrong(good, change, message):
    with pytest.raises(ValueError, match=message):
        from_bytes(_rewritten(good, change))


def test_the_unchanged_rewrite_loads(good):
    """The tampering helper itself leaves a good file good."""
    assert from_bytes(_rewritten(good, lambda h, m: None)).epoch == 5


def test_saving_over_a_file_replaces_it_whole(tmp_path):
    path = tmp_path / "run.npz"
    trainer = Trainer(FULL)
    trainer.save(path)
    trainer.step(7)
    trainer.save(path)
    assert Trainer.load(path).epoch == 7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]


def test_a_bad_run_file_is_a_playground_error_naming_the_file():
    """One error family: a refused run file says ``field`` "file", so the server and
    a Python user catch it as they catch any refusal."""
    from engine import PlaygroundError

    with pytest.raises(PlaygroundError) as err:
        from_bytes(b"not a zip at all")
    assert err.value.field == "file"
    assert err.value.message.startswith("run file: not a readable run file")


def test_a_per_layer_activation_travels_in_the_file_and_a_one_name_file_reads_as_before():
    per_layer = Trainer(Config(hidden=[4, 3], activation=["relu", "tanh"]))
    per_layer.step(5)
    with np.load(io.BytesIO(to_bytes(per_layer))) as npz:
        assert json.loads(npz["header"].tobytes())["config"]["activation"] == ["relu", "tanh"]
    loaded = from_bytes(to_bytes(per_layer))
    assert loaded.net.activations == ("relu", "tanh")
    assert_same_run(per_layer, loaded)
    assert pickle.loads(pickle.dumps(per_layer.net)).activations == ("relu", "tanh")
    # A run of one activation writes it as one name, as files written before
    # per-layer activations do, and such a header reads back to the same run.
    one = Trainer(Config(hidden=[4, 3], activation="relu"))
    data = to_bytes(one)
    with np.load(io.BytesIO(data)) as npz:
        assert json.loads(npz["header"].tobytes())["config"]["activation"] == "relu"
    assert from_bytes(data).net.activations == ("relu", "relu")
