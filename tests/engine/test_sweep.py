"""The restart lab: Wilson intervals, outcomes, sweep ≡ single runs, chunking,
cancellation, progress, surfaces and grids."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import Config, ConfigError, Trainer
from engine.sweep import GridResult, sweep, sweep_grid, wilson_interval

EPOCHS = 600


@pytest.fixture(scope="module")
def default_sweep():
    return sweep(Config(), seeds=16, epochs=EPOCHS, chunk=16)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.27754),  # upper = (z²/n) / (1 + z²/n) when k = 0
        (5, 10, 0.23659, 0.76341),
        (10, 10, 0.72246, 1.0),
        (81, 263, 0.25529, 0.36621),  # worked by hand: centre 0.310752, half 0.055461
    ],
)
def test_wilson_interval_matches_hand_values(k, n, low, high):
    got = wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=1e-5)


def test_wilson_interval_edges():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    lo, hi = wilson_interval(50, 100, z=0.0)
    assert lo == pytest.approx(0.5) and hi == pytest.approx(0.5)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_outcomes_and_summary_agree_with_the_per_seed_numbers(default_sweep):
    r = default_sweep
    s = r.summary()
    solved = r.outcome == "solved"
    assert r.n == s["n"] == 16 and r.seeds.tolist() == list(range(16))
    assert s["successes"] == int(solved.sum()) == int((r.final_acc == 1.0).sum())
    assert 2 <= s["successes"] <= 14  # xor4 2-2-1 Adam: about half solve
    assert s["rate"] == pytest.approx(s["successes"] / 16)
    assert (s["wilson_low"], s["wilson_high"]) == wilson_interval(s["successes"], 16)
    assert ((r.epochs_to_success >= 0) & (r.epochs_to_success <= EPOCHS))[solved].all()
    assert s["median_epochs_to_solve"] == np.median(r.epochs_to_success[solved])
    assert set(r.case[solved]) == {""}
    assert set(r.case[~solved]) <= {"half_plateau", "plateau", "still_improving"}
    assert s["outcomes"]["stuck"] + s["outcomes"]["solved"] == 16
    doc = json.loads(json.dumps(r.to_dict(surfaces=True)))
    assert len(doc["runs"]) == 16 and doc["summary"]["successes"] == s["successes"]
    assert len(doc["surfaces"]["surfaces"]) == 16


@pytest.mark.parametrize("changes", [{}, {"batch_size": 1, "hidden": [3]}])
def test_a_seed_from_the_sweep_rerun_alone_ends_at_the_same_loss(changes):
    cfg = Config().replace(changes)
    epochs = EPOCHS if not changes else 150
    result = sweep(cfg, seeds=6, seed_start=40, epochs=epochs, surface_limit=0)
    for i in (0, 3, 5):
        seed = int(result.seeds[i])
        alone = Trainer(result.config_for(seed))
        alone.step(epochs)
        assert alone.config.seed == seed
        np.testing.assert_allclose(alone.last["train_loss"][0], result.final_loss[i], rtol=1e-9)
        assert alone.last["train_acc"][0] == result.final_acc[i]


def test_epochs_to_success_is_the_first_epoch_with_every_point_right(default_sweep):
    r = default_sweep
    i = int(np.flatnonzero(r.outcome == "solved")[0])
    alone = Trainer(r.config_for(int(r.seeds[i])), max_history_rows=EPOCHS + 2)
    alone.step(EPOCHS)
    acc = alone.history["train_acc"][:, 0]
    assert r.epochs_to_success[i] == int(np.argmax(acc >= 1.0))


def test_chunks_give_the_same_results_as_one_chunk(default_sweep):
    chunked = sweep(Config(), seeds=16, epochs=EPOCHS, chunk=5)
    np.testing.assert_allclose(chunked.final_loss, default_sweep.final_loss, rtol=1e-9)
    np.testing.assert_array_equal(chunked.outcome, default_sweep.outcome)
    np.testing.assert_array_equal(chunked.epochs_to_success, default_sweep.epochs_to_success)
    np.testing.assert_allclose(chunked.surfaces, default_sweep.surfaces, atol=1e-6)


def test_progress_is_reported_and_cancellation_stops_after_whole_chunks():
    calls = []

    class StopAfter:
        def __init__(self, n):
            self.n = n

        def is_set(self):
            return len(calls) >= self.n

    result = sweep(
        Config(),
        seeds=12,
        epochs=300,
        chunk=4,
        progress=lambda done, total: calls.append((done, total)),
        cancel=StopAfter(6),
    )  # reports at epochs 0, 100, 200, 300 per chunk
    assert result.cancelled
    assert result.n == 4  # the first chunk of 4 finished, the second was dropped
    dones = [d for d, _ in calls]
    assert dones == sorted(dones) and {t for _, t in calls} == {12 * 300}

    calls.clear()
    full = sweep(
        Config(),
        seeds=6,
        epochs=250,
        chunk=4,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert not full.cancelled and full.n == 6
    assert calls[-1] == (6 * 250, 6 * 250)


def test_loss_below_tightens_success():
    loose = sweep(Config(), seeds=8, epochs=300, surface_limit=0)
    strict = sweep(Config(), seeds=8, epochs=300, loss_below=1e-9, surface_limit=0)
    assert loose.summary()["successes"] > 0
    assert strict.summary()["successes"] == 0
    np.testing.assert_array_equal(loose.final_loss, strict.final_loss)


def test_surfaces_are_the_decision_surfaces_of_the_first_seeds(default_sweep):
    r = sweep(Config(), seeds=5, epochs=200, surface_grid=12, surface_limit=3)
    assert r.surfaces.shape == (3, 12, 12)
    alone = Trainer(r.config_for(1))
    alone.step(200)
    frame = alone.frame(12)
    np.testing.assert_allclose(r.surfaces[1], frame.surface, atol=1e-5)
    np.testing.assert_allclose(r.surface_xs, frame.xs)


def test_a_grid_sweeps_every_cell_with_the_same_seeds():
    grid = {"hidden": [[2], [4, 2]], "activation": ["tanh", "relu"]}
    seen = []
    result = sweep_grid(
        Config(), grid, seeds=6, epochs=200, progress=lambda d, t: seen.append((d, t))
    )
    assert isinstance(result, GridResult) and len(result.cells) == 4
    assert [c.changes for c in result.cells][1] == {"hidden": [2], "activation": "relu"}
    assert all(c.seeds.tolist() == list(range(6)) for c in result.cells)
    assert result.cells[3].config.hidden == (4, 2)
    assert seen[-1] == (4 * 6 * 200, 4 * 6 * 200)
    table = result.table()
    lines = table.splitlines()
    assert lines[0].split()[:4] == ["hidden", "activation", "solved", "rate"]
    assert len(lines) == 2 + 4 and "4,2" in table
    rows = result.rows()
    assert rows[0]["hidden"] == [2] and rows[0]["n"] == 6
    doc = json.loads(json.dumps(result.to_dict()))
    assert doc["grid"]["hidden"] == [[2], [4, 2]] and len(doc["cells"]) == 4


def test_a_grid_value_the_schema_refuses_names_the_field():
    with pytest.raises(ConfigError) as info:
        sweep_grid(Config(), {"lr": [0.1, 100.0]}, seeds=2, epochs=10)
    assert info.value.field == "lr"


def test_seeds_start_at_the_configs_seed_unless_seed_start_is_given():
    """One rule with the page's lab: a Config with seed 7 sweeps seeds 7, 8, 9."""
    result = sweep(Config(seed=7), seeds=3, epochs=20, surface_limit=0)
    assert result.seeds.tolist() == [7, 8, 9] and result.seed_start == 7
    assert result.config.seed == 7
    doc = result.to_dict()
    assert doc["seed_start"] == 7 and doc["seeds"] == 3 and doc["config"]["seed"] == 7
    alone = Trainer(result.config_for(8))
    alone.step(20)
    assert alone.last["train_loss"][0] == pytest.approx(result.final_loss[1], rel=1e-12)
    other = sweep(Config(seed=7), seeds=2, seed_start=0, epochs=20, surface_limit=0)
    assert other.seeds.tolist() == [0, 1] and other.config.seed == 0
    grid = sweep_grid(Config(seed=5), {"hidden": [[2], [3]]}, seeds=2, epochs=10)
    assert all(c.seeds.tolist() == [5, 6] for c in grid.cells)
    assert grid.to_dict()["seed_start"] == 5
