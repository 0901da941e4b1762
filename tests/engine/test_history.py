"""History: rows recorded on the stride, thinned by halves when full (engine/history.py).

The expected epochs are worked by hand from the rule in the module docstring: when
``max_rows`` rows are stored, the stride doubles and only rows on it stay."""

from __future__ import annotations

import numpy as np
import pytest

from engine.history import KEYS, History


def _row(epoch: int, k: int = 1) -> np.ndarray:
    """A (4, K) row whose numbers say which epoch and metric they are."""
    return np.array([[epoch + 0.1 * m] * k for m in range(4)], float)


def _run(history: History, epochs: range) -> None:
    """Record as the Trainer does: only the epochs the history wants."""
    for e in epochs:
        if history.wants(e):
            history.record(e, _row(e, history.k))


def test_four_rows_hold_ten_epochs_at_a_stride_of_four():
    # 0 1 2 3 fill it; 4 thins to 0 2 (stride 2) and lands: 0 2 4; 6 fills it: 0 2 4 6;
    # 8 thins to 0 4 (stride 4) and lands: 0 4 8; 5, 7 and 9 are off the stride.
    history = History(1, max_rows=4)
    _run(history, range(10))
    assert history.stride == 4
    rows = history.since(-1)
    assert rows["epoch"].tolist() == [0, 4, 8]
    for m, key in enumerate(KEYS):
        np.testing.assert_array_equal(rows[key][:, 0], [0 + 0.1 * m, 4 + 0.1 * m, 8 + 0.1 * m])


def test_since_gives_the_rows_after_an_epoch_as_copies():
    history = History(2, max_rows=100)
    _run(history, range(6))
    later = history.since(3)
    assert later["epoch"].tolist() == [4, 5] and later["train_acc"].shape == (2, 2)
    later["train_loss"][:] = -1.0
    assert history.since(3)["train_loss"][0, 0] == 4.0
    assert history.since(5)["epoch"].size == 0


def test_the_latest_epoch_recorded_again_overwrites_its_row():
    history = History(1, max_rows=10)
    history.record(0, _row(0))
    history.record(3, _row(3))
    history.record(3, _row(7))
    rows = history.since(-1)
    assert rows["epoch"].tolist() == [0, 3] and rows["train_loss"][:, 0].tolist() == [0.0, 7.0]


def test_growth_past_the_first_buffer_keeps_every_row_until_full():
    # 3000 rows fit (the buffers start at 1024 and double); epoch 3000 thins to the
    # 1500 even epochs 0..2998, then lands on the stride of 2.
    history = History(1, max_rows=3000)
    _run(history, range(3000))
    assert history.stride == 1 and history.n == 3000
    _run(history, range(3000, 3002))
    epochs = history.since(-1)["epoch"]
    assert history.stride == 2 and len(epochs) == 1501
    np.testing.assert_array_equal(epochs, np.arange(0, 3001, 2))


def test_limit_thins_now_as_a_full_history_would():
    history = History(1, max_rows=100)
    _run(history, range(9))  # 0..8, stride 1
    history.limit(3)  # stride 2: 0 2 4 6 8 (5 rows), stride 4: 0 4 8
    assert history.stride == 4 and history.since(-1)["epoch"].tolist() == [0, 4, 8]
    _run(history, range(9, 13))  # 12 thins to 0 8 (stride 8): 12 is off it
    assert history.since(-1)["epoch"].tolist() == [0, 8]
    with pytest.raises(ValueError, match="max_rows"):
        history.limit(0)


def test_saved_rows_come_back_and_bad_ones_are_refused():
    history = History(2, max_rows=4)
    _run(history, range(7))
    saved = history.saved()
    back = History.restored(2, 4, saved)
    assert back.stride == history.stride == 2
    for key, values in history.since(-1).items():
        np.testing.assert_array_equal(back.since(-1)[key], values, err_msg=key)
    _run(back, range(7, 9))  # goes on as the original would
    _run(history, range(7, 9))
    assert back.since(-1)["epoch"].tolist() == history.since(-1)["epoch"].tolist()
    bad = [
        ({**saved, "stride": 0}, "stride"),
        ({**saved, "stride": True}, "stride"),
        ({**saved, "epoch": saved["epoch"][::-1].copy()}, "rise"),
        ({**saved, "epoch": saved["epoch"].astype(float)}, "integer epochs"),
        ({**saved, "data": saved["data"][:, :, :1]}, "shape"),
    ]
    for broken, message in bad:
        with pytest.raises(ValueError, match=message):
            History.restored(2, 4, broken)
    with pytest.raises(ValueError, match="1 to 3"):
        History.restored(2, 3, saved)  # 4 rows where at most 3 may be kept
