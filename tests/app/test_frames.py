"""Frame building: quantisation, thinning, thumbnails, sizes, JSON safety."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from app import frames
from engine import Config, Trainer


@given(arrays(np.float64, st.integers(1, 300), elements=st.floats(-1e6, 1e6, allow_nan=False)))
def test_quantise_round_trips_within_half_a_step(values):
    data, lo, hi = frames.quantise(values)
    q = np.frombuffer(data, np.uint8)
    assert q.size == values.size
    assert lo == values.min() and hi == values.max()
    back = lo + q / 255 * (hi - lo)
    assert np.all(np.abs(back - values) <= (hi - lo) / 510 * (1 + 1e-9) + 1e-9)


def test_quantise_non_finite_and_constant():
    data, lo, hi = frames.quantise(np.array([np.nan, 1.0, np.inf, 3.0]))
    assert (lo, hi) == (1.0, 3.0)
    assert list(np.frombuffer(data, np.uint8)) == [0, 0, 0, 255]
    data, lo, hi = frames.quantise(np.full(4, 2.0))
    assert (lo, hi) == (2.0, 2.0) and set(data) == {0}
    data, lo, hi = frames.quantise(np.full(3, np.nan))
    assert (lo, hi) == (0.0, 0.0) and math.isfinite(lo)


def test_quantise_rows_uses_each_rows_range():
    stack = np.stack([np.linspace(0, 1, 16), np.linspace(-5, 5, 16), np.full(16, 7.0)])
    data, ranges = frames.quantise_rows(stack.reshape(3, 4, 4))
    q = np.frombuffer(data, np.uint8).reshape(3, 16)
    assert ranges.tolist() == [[0, 1], [-5, 5], [7, 7]]
    assert q[0, 0] == 0 and q[0, -1] == 255 and q[1, -1] == 255 and not q[2].any()


@pytest.mark.parametrize("n", [0, 1, 5, 64, 65, 256, 1000, 100_000])
def test_thin_keeps_first_and_last_and_at_most_the_limit(n):
    idx = np.arange(n)[frames.thin(n)]
    assert len(idx) == min(n, frames.MAX_HISTORY)
    if n:
        assert idx[0] == 0 and idx[-1] == n - 1
        assert np.all(np.diff(idx) > 0)


def test_subsample_to_thumbnails():
    stack = np.arange(3 * 50 * 50, dtype=float).reshape(3, 50, 50)
    small = frames.subsample(stack, 12)
    assert small.shape == (3, 12, 12)
    assert small[0, 0, 0] == stack[0, 0, 0] and small[0, -1, -1] == stack[0, -1, -1]
    assert frames.subsample(stack[:, :10, :10], 12).shape == (3, 10, 10)


def _json_part(frame):
    def strip(v):
        if isinstance(v, bytes):
            return None
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items()}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    return strip(frame)


def build(trainer, **kw):
    args = dict(seq=1, status="paused", history_since=-1, include_points=True)
    args.update(kw)
    return frames.build_frame(trainer, **args)


def test_frame_of_a_trainer_is_consistent():
    t = Trainer(Config().replace({"hidden": [3, 2], "grid": 30}))
    t.step(10)
    f = build(t)
    sizes = f["sizes"]
    assert sizes == [len(t.config.features), 3, 2, 1]
    assert f["epoch"] == 10 and f["grid"] == 30
    assert len(f["surface"]) == 30 * 30
    assert len(f["neurons"]) == sum(sizes) * f["thumb"] ** 2
    assert len(f["neuron_ranges"]) == sum(sizes) * 2 * 4
    n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
    assert len(f["weights"]) == n_params * 4
    assert len(f["train_points"]) == len(t.train.points) * 3 * 4
    epochs = np.frombuffer(f["history"]["epoch"], "<u4")
    assert epochs[-1] == 10
    for key in frames.HISTORY_KEYS:
        assert len(f["history"][key]) == epochs.size * 4
    json.dumps(_json_part(f), allow_nan=False)  # no NaN or Infinity in the JSON part


def test_frame_history_is_incremental_and_thinned():
    t = Trainer(Config())
    t.step(1000)
    f = build(t, history_since=960, include_points=False)
    epochs = np.frombuffer(f["history"]["epoch"], "<u4")
    assert epochs.tolist() == list(range(961, 1001))
    assert f["train_points"] is None and f["test_points"] is None
    f = build(t, history_since=-1)
    epochs = np.frombuffer(f["history"]["epoch"], "<u4")
    assert epochs.size <= frames.MAX_HISTORY and epochs[-1] == 1000


def test_frame_reports_current_values_even_without_new_history():
    t = Trainer(Config())
    t.step(3)
    first = build(t)
    again = build(t, history_since=t.epoch)
    assert np.frombuffer(again["history"]["epoch"], "<u4").size == 0
    assert again["train_loss"] == first["train_loss"] is not None
    t.set_param(0, "weight", 0, 0, 5.0)  # an edit changes the loss at the same epoch
    edited = build(t, history_since=t.epoch)
    assert edited["epoch"] == first["epoch"]
    assert edited["train_loss"] != first["train_loss"]


def test_a_6x8_network_at_grid_100_fits_in_20_kb():
    t = Trainer(Config().replace({"hidden": [8] * 6, "grid": 100}))
    t.step(2)
    f = build(t, history_since=1, include_points=False)
    attachments = sum(len(v) for v in f.values() if isinstance(v, bytes))
    attachments += sum(len(v) for v in f["history"].values())
    size = attachments + len(json.dumps(_json_part(f)))
    assert size <= 20_000, size


def test_class_bytes_decode_to_the_most_probable_class_and_its_probability():
    rng = np.random.default_rng(0)
    for c in (2, 3, 5, 6):
        logits = rng.normal(0, 2, (c, 7, 7))
        probs = np.exp(logits) / np.exp(logits).sum(axis=0)
        raw = np.frombuffer(frames.encode_classes(probs), np.uint8)
        levels = 256 // c
        decoded_p = 1 / c + (raw % levels) / (levels - 1) * (1 - 1 / c)
        np.testing.assert_array_equal(raw // levels, probs.reshape(c, -1).argmax(axis=0))
        np.testing.assert_allclose(
            decoded_p, probs.reshape(c, -1).max(axis=0), atol=0.5 / (levels - 1)
        )
    certain = np.zeros((3, 1, 2))
    certain[2] = 1.0  # class 2 for sure: the top level of class 2
    assert list(frames.encode_classes(certain)) == [2 * 85 + 84] * 2


def test_a_softmax_frame_carries_its_classes_and_a_thumbnail_per_class():
    t = Trainer(Config(dataset="blobs5", hidden=[8, 8], output="softmax", loss="ce", grid=40))
    t.step(20)
    f = build(t)
    assert f["classes"] == 5 and f["sizes"] == [2, 8, 8, 5]
    assert f["surface"] == frames.encode_classes(t.frame(40).surface)
    assert len(f["neurons"]) == (2 + 8 + 8 + 5) * f["thumb"] ** 2  # one per class
    labels = np.frombuffer(f["train_points"], "<f4").reshape(-1, 3)[:, 2]
    assert set(labels) == {0, 1, 2, 3, 4}
    assert build(Trainer(Config()))["classes"] is None


def test_a_5_class_2_8_8_5_network_at_grid_100_fits_in_20_kb():
    t = Trainer(Config(dataset="spiral5", hidden=[8, 8], output="softmax", loss="ce", grid=100))
    t.step(2)
    f = build(t, history_since=1, include_points=False)
    attachments = sum(len(v) for v in f.values() if isinstance(v, bytes))
    attachments += sum(len(v) for v in f["history"].values())
    size = attachments + len(json.dumps(_json_part(f)))
    assert size <= 20_000, size


def test_a_scheduled_runs_history_carries_each_rows_learning_rate():
    """StepLR(3, 0.5) from 0.4, by hand: the epoch after row e trains with
    0.4 · 0.5^⌊e / 3⌋; a constant rate sends no ``lr``."""
    cfg = Config(optimizer="sgd", lr=0.4, lr_schedule="step", step_size=3, gamma=0.5)
    trainer = Trainer(cfg)
    trainer.step(8)
    frame = frames.build_frame(
        trainer, seq=1, status="paused", history_since=-1, include_points=False
    )
    epochs = np.frombuffer(frame["history"]["epoch"], "<u4")
    rates = np.frombuffer(frame["history"]["lr"], "<f4")
    assert epochs.tolist() == list(range(9))
    expected = [0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1]
    np.testing.assert_allclose(rates, expected, rtol=1e-7)
    plain = Trainer(Config(optimizer="sgd", lr=0.4))
    plain.step(2)
    frame = frames.build_frame(
        plain, seq=1, status="paused", history_since=-1, include_points=False
    )
    assert "lr" not in frame["history"]


def test_the_rate_follows_a_schedule_changed_mid_run():
    trainer = Trainer(Config(optimizer="sgd", lr=0.4))
    trainer.step(5)
    trainer.update(trainer.config.replace({"lr_schedule": "step", "step_size": 2}))
    trainer.step(4)
    frame = frames.build_frame(
        trainer, seq=1, status="paused", history_since=4, include_points=False
    )
    rates = np.frombuffer(frame["history"]["lr"], "<f4")
    # rows 5..9: the schedule began at epoch 5 (t = e - 5): 0.4, 0.4, 0.04, 0.04, 0.004
    np.testing.assert_allclose(rates, [0.4, 0.4, 0.04, 0.04, 0.004], rtol=1e-6)
