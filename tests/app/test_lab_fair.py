"""The lab's fair share and its prices, without processes or threads: which runs
start (app/lab_fair.py) and what a job costs (app/lab_jobs.py), each against
cases worked by hand."""

from __future__ import annotations

import pytest

from app.lab_fair import RunAdmission
from app.lab_jobs import (
    EPOCH_UNITS,
    STEP_OVERHEAD,
    Shape,
    TooCostly,
    check_cost,
    gradcheck_cost,
    landscape_cost,
    sweep_chunk,
    sweep_cost,
)
from engine import Config, Trainer

# ---- admission ---------------------------------------------------------------------------


def test_runs_start_up_to_the_cap_one_per_session():
    runs = RunAdmission(2)
    assert runs.add("a", "a1") is True
    assert runs.add("a", "a2") is False  # a's second waits for its first
    assert runs.add("b", "b1") is True
    assert runs.add("c", "c1") is False  # every place taken
    assert len(runs) == 2


def test_a_session_that_floods_does_not_get_ahead_of_one_that_asked_once():
    runs = RunAdmission(1)
    assert runs.add("a", "a1")
    for i in range(2, 6):
        runs.add("a", f"a{i}")
    runs.add("b", "b1")
    # a's runs alternate with b's: b1 is next after a's run under way, not after a5
    assert runs.finish("a") == [("b", "b1")]
    assert runs.finish("b") == [("a", "a2")]
    assert runs.finish("a") == [("a", "a3")]  # nobody else waits


def test_waiting_counts_the_runs_ahead():
    runs = RunAdmission(1)
    runs.add("a", "a1")
    runs.add("a", "a2")
    runs.add("b", "b1")
    assert runs.ahead("a", "a2") == 1  # its own session's run under way
    assert runs.ahead("b", "b1") == 1  # the run under way; then b goes before a2
    runs.add("c", "c1")
    assert runs.ahead("c", "c1") == 2  # a1 under way, then b1
    assert runs.ahead("a", "a1") == 0  # under way


def test_a_cancelled_waiting_run_starts_right_after_its_own_sessions_run_whatever_the_cap():
    runs = RunAdmission(1)
    runs.add("a", "a1")
    runs.add("b", "b1")  # waits for the place
    assert runs.cancel("b", "b1") == [("b", "b1")]  # nothing of b's under way: at once
    runs.add("a", "a2")
    assert runs.cancel("a", "a2") == []  # behind a1: its answer must come after a1's
    assert runs.finish("a") == [("a", "a2")]


# ---- costs --------------------------------------------------------------------------------


def test_the_shape_of_a_trainer():
    trainer = Trainer(
        Config.from_dict(
            {
                "dataset": "xor",
                "n_points": 200,
                "train_share": 50,
                "hidden": [4, 3],
                "batch_size": 30,
            }
        )
    )
    shape = Shape.of(trainer)
    # 2-4-3-1: (2*4 + 4) + (4*3 + 3) + (3*1 + 1) = 31 parameters in 3 weight layers;
    # 100 training points in batches of 30: 4 updates an epoch
    assert shape == Shape(points=100, params=31, layers=3, updates=4)
    full = Trainer(Config.from_dict({"hidden": [2]}))
    assert Shape.of(full) == Shape(points=4, params=9, layers=2, updates=1)


def test_a_run_costs_its_arithmetic_plus_the_overhead_of_each_chunks_updates():
    xor4 = Shape(points=4, params=9, layers=2, updates=1)
    assert sweep_chunk(xor4) == 1000
    # 1000 seeds x 20000 epochs: 1000*20000*4*9 = 7.2e8 of arithmetic; chunks of 104
    # seeds (the engine keeps a chunk's history within 64 MB: 64 MiB / (32 B x 20002
    # epochs) = 104), ten of them, each doing 20000 updates through 2 layers
    assert sweep_cost(xor4, 1000, 20000) == 7.2e8 + 20000 * 1 * 2 * STEP_OVERHEAD * 10
    big = Shape(points=1800, params=393, layers=7, updates=1800)  # 6x8, batch 1
    chunk = sweep_chunk(big)
    assert chunk == int(EPOCH_UNITS // (1800 * 393)) == 14
    # 30 seeds: three chunks (14, 14, 2), each paying the per-update overhead
    assert sweep_cost(big, 30, 10) == 30 * 10 * 1800 * 393 + 10 * 1800 * 7 * STEP_OVERHEAD * 3


def test_probes_cost_a_pass_over_the_points_per_evaluation():
    shape = Shape(points=100, params=21, layers=2, updates=1)
    assert gradcheck_cost(shape) == 2 * 21 * 100 * 21
    assert landscape_cost(shape, steps=41, snapshots=5) == (41 * 41 + 5 + 1) * 100 * 21


def test_a_job_over_the_ceiling_is_refused_naming_the_limit():
    check_cost(1e9, 3e10, "seeds", "this run")
    with pytest.raises(TooCostly) as refused:
        check_cost(8.7e10, 3e10, "seeds", "this run")
    assert refused.value.field == "seeds"
    assert "8.7e+10" in str(refused.value) and "limit is 3e+10" in str(refused.value)
