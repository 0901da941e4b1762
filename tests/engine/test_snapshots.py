"""Kept epochs (engine/snapshots.py): a run's past, bit-identical to a fresh run stepped
there, and the place to go on from.

The expected values come from fresh Trainers stepped to the epoch in question (which
never rewind), not from the kept numbers themselves."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from engine import Config, Trainer
from engine.snapshots import DEFAULT_BUDGET, FILE_BUDGET, Kept, is_kept

MINI = Config(
    dataset="spiral",
    n_points=120,
    noise=10,
    batch_size=10,
    optimizer="adam",
    lr=0.01,
    hidden=[6, 4],
    regularization="l2",
    reg_rate=0.001,
    seed=5,
)
FULL = Config(optimizer="sgd", lr=0.1, momentum=0.9, seed=2)


def fresh(config: Config, epochs: int) -> Trainer:
    trainer = Trainer(config)
    trainer.step(epochs)
    return trainer


@pytest.fixture(scope="module")
def run500() -> Trainer:
    return fresh(MINI, 500)


@pytest.mark.parametrize("epoch", [1, 10, 100, 300, 500])
def test_weights_at_equal_a_fresh_run_stepped_there_bit_for_bit(run500: Trainer, epoch: int):
    expected = fresh(MINI, epoch).net.params
    got = run500.weights_at(epoch)
    assert [a.shape for a in got] == [a.shape for a in expected]
    for a, b in zip(got, expected, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("epoch", [10, 300])
def test_frame_at_is_the_frame_a_fresh_run_draws_there(run500: Trainer, epoch: int):
    expected = fresh(MINI, epoch).frame()
    got = run500.frame_at(epoch)
    assert got.epoch == epoch
    np.testing.assert_array_equal(got.surface, expected.surface)
    for a, b in zip(got.neurons, expected.neurons, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("config", [MINI, FULL], ids=["mini-batch", "full-batch"])
def test_going_on_from_a_kept_epoch_is_the_fresh_run_going_on(config: Config):
    run = fresh(config, 250)
    forked = run.at(150)
    assert forked.epoch == 150 and run.epoch == 250  # the run itself is unchanged
    forked.step(37)
    expected = fresh(config, 187)
    np.testing.assert_array_equal(forked.net.flat, expected.net.flat)
    assert float(forked.last["train_loss"][0]) == float(expected.last["train_loss"][0])
    # its history stops at the fork, then goes on with the fork's own rows
    assert forked.history["epoch"][-1] == 187
    assert (np.diff(forked.history["epoch"]) > 0).all()


def test_the_kept_epochs_are_every_epoch_to_100_then_18_per_decade(run500: Trainer):
    kept = run500.snapshots()
    assert kept[:101] == list(range(101))
    assert kept[101:] == [150, 200, 250, 300, 350, 400, 450, 500]
    # by hand: 100..1000 every 50th, 1000..10000 every 500th
    assert [e for e in range(101, 2001) if is_kept(e)] == list(range(150, 1001, 50)) + list(
        range(1500, 2001, 500)
    )


def test_a_live_change_is_noted_and_going_on_from_before_it_replays_it():
    run = fresh(MINI, 60)
    run.update(MINI.replace({"lr": 0.003}))
    run.step(60)
    changes = run.live_changes()
    assert [(c.epoch, c.reason, c.fields) for c in changes] == [(60, "change", ("lr",))]
    # the fresh run with the same change at the same epoch
    expected = fresh(MINI, 60)
    expected.update(MINI.replace({"lr": 0.003}))
    expected.step(40)
    for a, b in zip(run.weights_at(100), expected.net.params, strict=True):
        np.testing.assert_array_equal(a, b)
    # going on from before the change uses the config in force then
    early = run.at(30)
    assert early.config.lr == MINI.lr and early.live_changes() == []
    early.step(10)
    np.testing.assert_array_equal(early.net.flat, fresh(MINI, 40).net.flat)


def test_a_weight_set_by_hand_is_kept_as_the_state_after_it():
    run = fresh(FULL, 20)
    run.set_param(0, "weight", 0, 0, 0.25)
    run.step(5)
    assert run.live_changes()[-1].reason == "edit"
    assert run.weights_at(20)[0][0, 0, 0] == 0.25
    again = run.at(20)
    again.step(5)
    np.testing.assert_array_equal(again.net.flat, run.net.flat)


def test_an_epoch_not_kept_is_refused_naming_the_kept_ones_near_it(run500: Trainer):
    with pytest.raises(ValueError, match=r"epoch 123 is not kept \(kept near it: 100, 150"):
        run500.weights_at(123)
    with pytest.raises(TypeError):
        run500.at(1.5)  # type: ignore[arg-type]


def test_the_run_s_own_epoch_is_always_there():
    run = fresh(FULL, 123)
    np.testing.assert_array_equal(run.weights_at(123)[0], run.net.params[0])
    assert run.at(123).epoch == 123


def test_kept_epochs_stay_within_the_byte_budget_thinning_evenly_in_log_epochs():
    run = Trainer(FULL)
    one = run._kept.nbytes  # epoch 0 alone
    run._kept = Kept(budget=20 * one)
    run._kept.take(run)
    run.step(3000)
    kept = run.snapshots()
    assert run._kept.nbytes <= 20 * one
    assert kept[0] == 0 and kept[-1] == 3000 and len(kept) >= 10
    gaps = np.diff(np.log1p(kept[1:]))
    assert gaps.max() < 4 * gaps.min()  # evenly thinned on the log axis
    assert DEFAULT_BUDGET // one > 300  # the default budget holds a long run's kept epochs


def test_a_run_of_many_replicas_keeps_no_epochs():
    run = Trainer(FULL, replicas=3)
    run.step(5)
    assert run.snapshots() == []
    with pytest.raises(ValueError, match="keeps no epochs"):
        run.weights_at(2)


def test_kept_epochs_and_changes_go_into_run_files_and_come_back():
    run = fresh(MINI, 120)
    run.update(MINI.replace({"lr": 0.02}))
    run.step(40)
    buf = io.BytesIO()
    run.save(buf)
    loaded = Trainer.load(buf.getvalue())
    assert loaded.snapshots() == run.snapshots() + [160]  # and where it stands
    assert loaded.live_changes() == run.live_changes()
    for epoch in (7, 120, 150):
        for a, b in zip(loaded.weights_at(epoch), run.weights_at(epoch), strict=True):
            np.testing.assert_array_equal(a, b)
    a, b = loaded.at(100), fresh(MINI, 100)
    a.step(20)
    b.step(20)
    np.testing.assert_array_equal(a.net.flat, b.net.flat)


def test_a_run_file_from_before_kept_epochs_still_opens():
    run = fresh(FULL, 30)
    buf = io.BytesIO()
    run.save(buf)
    with np.load(io.BytesIO(buf.getvalue())) as npz:
        arrays = {k: npz[k] for k in npz.files if not k.startswith("kept/")}
    header = json.loads(arrays["header"].tobytes())
    del header["kept"]
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    old = io.BytesIO()
    np.savez_compressed(old, **arrays)
    loaded = Trainer.load(old.getvalue())
    assert loaded.snapshots() == [30]  # only where it stands
    loaded.step(5)
    np.testing.assert_array_equal(loaded.net.flat, fresh(FULL, 35).net.flat)


def test_a_run_file_whose_kept_weights_do_not_fit_is_refused():
    run = fresh(FULL, 12)
    buf = io.BytesIO()
    run.save(buf)
    with np.load(io.BytesIO(buf.getvalue())) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["kept/weights"] = arrays["kept/weights"][:, :, :-1]
    bad = io.BytesIO()
    np.savez_compressed(bad, **arrays)
    with pytest.raises(ValueError, match="kept epoch 0: weights of shape"):
        Trainer.load(bad.getvalue())


def test_a_run_file_carries_kept_epochs_within_its_budget_so_the_page_can_open_it():
    # the largest network the schema allows, Adam (three arrays per parameter), long run
    run = Trainer(Config(hidden=[8] * 6, optimizer="adam"), max_history_rows=4096)
    run.step(3000)
    assert run._kept.nbytes > FILE_BUDGET  # more than a file carries
    buf = io.BytesIO()
    run.save(buf)
    assert len(buf.getvalue()) < 2**20  # the page's Open run takes at most 1 MiB
    loaded = Trainer.load(buf.getvalue())
    kept = loaded.snapshots()
    assert kept[0] == 0 and kept[-1] == 3000 and 10 <= len(kept) < len(run.snapshots())
    for epoch in kept[::7]:
        for a, b in zip(loaded.weights_at(epoch), run.weights_at(epoch), strict=True):
            np.testing.assert_array_equal(a, b)


def test_a_new_optimizer_and_a_hand_edit_survive_a_run_file_and_replay_from_before():
    config = Config(dataset="circle", batch_size=10, optimizer="sgd", lr=0.1, momentum=0.9)
    run = fresh(config, 50)
    run.update(config.replace({"optimizer": "adam", "lr": 0.01}))
    run.step(100)
    run.set_param(0, "weight", 0, 0, 0.3)
    run.step(20)
    buf = io.BytesIO()
    run.save(buf)
    loaded = Trainer.load(buf.getvalue())
    assert [(c.epoch, c.reason) for c in loaded.live_changes()] == [(50, "change"), (150, "edit")]
    assert loaded.at(30).config.optimizer == "sgd" and loaded.at(100).config.optimizer == "adam"
    assert loaded.at(150).origin.reason == "edit"
    for epoch in (30, 100, 150):
        a, b = loaded.at(epoch), run.at(epoch)
        a.step(13)
        b.step(13)
        np.testing.assert_array_equal(a.net.flat, b.net.flat)
    early = loaded.at(30)
    early.step(13)
    np.testing.assert_array_equal(early.net.flat, fresh(config, 43).net.flat)


def test_live_changes_at_many_epochs_stay_within_the_default_budget():
    # each change keeps the state after it: a client changing the learning rate at
    # every epoch of the largest network would otherwise grow the session without end
    config = Config(hidden=[8] * 6, optimizer="adam")
    run = Trainer(config)
    for i in range(400):
        run.update(config.replace({"lr": 0.01 if i % 2 else 0.02}))
        run.step(1)
    one = run._kept.nbytes / len(run.snapshots())
    assert len(run.live_changes()) == 400
    assert run._kept.nbytes <= DEFAULT_BUDGET < 400 * one  # it had to thin
    assert run.snapshots()[0] == 0 and run.snapshots()[-1] == 400
