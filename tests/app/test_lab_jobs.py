"""The lab's job records and their prices (app/lab/jobs.py): what a job costs, against
cases worked by hand, and that a record crosses to the lab process whole (pickled
and back, it runs what the engine runs directly)."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from app.lab.jobs import (
    EPOCH_UNITS,
    STEP_OVERHEAD,
    GradcheckJob,
    NetSnapshot,
    PhaseJob,
    Shape,
    SweepJob,
    TooCostly,
    check_cost,
    gradcheck_cost,
    landscape_cost,
    sweep_chunk,
    sweep_cost,
)
from app.lab.runs import run
from engine import Config, Trainer, check_gradients, sweep
from engine.datasets import custom_data

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


# ---- records ------------------------------------------------------------------------------


class Hooks:
    """A job's view of the lab process, without one: never cancelled, no turns."""

    def __init__(self) -> None:
        self.parts: list = []

    def progress(self, done: int, total: int) -> None:
        pass

    def is_set(self) -> bool:
        return False

    def partial(self, payload) -> None:
        self.parts.append(payload)


def crossed(job):
    """``job`` as the lab process receives it (a spawned process unpickles it)."""
    return pickle.loads(pickle.dumps(job))


def test_a_sweep_job_crosses_whole_and_runs_the_engines_sweep():
    base = Config(dataset="xor4", hidden=[2], activation="relu", seed=3)
    against = base.replace({"hidden": [4]})
    job = SweepJob(
        config=base,
        seeds=5,
        epochs=80,
        loss_below=None,
        chunk=1000,
        against=against,
        against_chunk=1000,
    )
    copy = crossed(job)
    assert copy == job and copy.config == base and copy.against == against
    event, answer = run(copy, Hooks())
    assert event == "lab_result"
    # the engine's own sweep of each set-up, seeds 3..7
    mine = sweep(base, seeds=5, seed_start=3, epochs=80)
    theirs = sweep(against, seeds=5, seed_start=3, epochs=80)
    assert [r["seed"] for r in answer["runs"]] == [3, 4, 5, 6, 7]
    assert answer["summary"] == mine.summary()
    assert answer["compare"]["summary"] == theirs.summary()


def test_a_sweep_job_carries_the_sessions_own_points():
    points = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]] * 3)
    labels = np.array([0, 1, 1, 0] * 3)
    data = custom_data(points, labels)
    config = Config(dataset="custom", hidden=[3], seed=0)
    job = SweepJob(config=config, seeds=2, epochs=30, loss_below=None, chunk=1000, data=data)
    copy = crossed(job)
    assert np.array_equal(copy.data.points, points) and np.array_equal(copy.data.values, labels)
    _, answer = run(copy, Hooks())
    assert answer["summary"] == sweep(config, seeds=2, epochs=30, data=data).summary()


def test_a_gradcheck_job_checks_the_snapshot_as_the_trainer_itself():
    trainer = Trainer(Config(dataset="xor", n_points=60, hidden=[3], seed=2))
    trainer.step(20)
    snapshot = NetSnapshot(
        config=trainer.config,
        net=trainer.net.copy(),
        train=trainer.train,
        epoch=int(trainer.epoch),
        trajectory=None,
        trajectory_epochs=[],
    )
    event, answer = run(crossed(GradcheckJob(snapshot)), Hooks())
    assert event == "gradcheck_result"
    assert answer == check_gradients(trainer)


def test_a_phase_jobs_progress_counts_every_cells_seeds_and_epochs():
    job = PhaseJob(
        config=Config(),
        grid={"hidden": [[2], [3]], "lr": [0.1, 0.3, 1.0]},
        seeds=3,
        epochs=10,
        loss_below=None,
        chunk=1000,
    )
    assert job.units() == 3 * 10 * 2 * 3  # 2 rows x 3 columns
    assert SweepJob(Config(), 7, 11, None, 1000).units() == 77


def test_a_job_record_does_not_change_on_its_way():
    job = SweepJob(Config(), 7, 11, None, 1000)
    with pytest.raises(dataclasses.FrozenInstanceError):
        job.seeds = 1000  # type: ignore[misc]
