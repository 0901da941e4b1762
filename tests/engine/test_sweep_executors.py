"""Where a sweep runs never changes a number: local processes give every field a
serial run gives, bit for bit; a cancel keeps what finished and ends every process;
the derived init_scale axis is the uniform ±a it stands for."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from pathlib import Path

import numpy as np
import psutil
import pytest
from waiting import wait_until

from engine import Config, ConfigError
from engine.executors import MissingExtra, make_executor, parse_workers
from engine.sweep import sweep, sweep_grid

# A grid with mini-batches (xor4 sampled to 24 rows, batches of 5: 5 updates an epoch,
# the last one short) whose cells split into several seed chunks each.
MINI = Config(xor4_sample=True, n_points=24, batch_size=5, hidden=[3])
GRID = {"activation": ["tanh", "relu"], "lr": [0.03, 0.3]}
SEEDS, EPOCHS, CHUNK = 14, 120, 4
FIELDS = (
    "seeds",
    "final_loss",
    "final_acc",
    "epochs_to_success",
    "outcome",
    "case",
    "dead_units",
    "saturated_units",
    "surfaces",
    "surface_xs",
    "surface_ys",
)


def _grid(**kwargs):
    return sweep_grid(
        MINI,
        GRID,
        seeds=SEEDS,
        epochs=EPOCHS,
        chunk=CHUNK,
        surface_grid=6,
        surface_limit=6,
        **kwargs,
    )


def _same(a, b) -> None:
    """Every field of two cells equal, bit for bit (elapsed is a clock, not a result)."""
    assert a.changes == b.changes and a.config == b.config
    assert (a.epochs, a.loss_below, a.seed_start, a.cancelled) == (
        b.epochs,
        b.loss_below,
        b.seed_start,
        b.cancelled,
    )
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x.dtype == y.dtype and np.array_equal(x, y), name
    da, db = a.to_dict(surfaces=True), b.to_dict(surfaces=True)
    da.pop("elapsed"), db.pop("elapsed")
    assert da == db


@pytest.fixture(scope="module")
def serial():
    return _grid()


def test_two_processes_give_every_field_of_one_for_a_grid_with_mini_batches(serial):
    seen, cells = [], []
    before = set(multiprocessing.active_children())  # e.g. another test's lab process
    parallel = _grid(workers=2, progress=lambda d, t: seen.append((d, t)), on_cell=cells.append)
    assert not parallel.cancelled and len(parallel.cells) == len(serial.cells) == 4
    for a, b in zip(serial.cells, parallel.cells, strict=True):
        _same(a, b)
    # the cells differ from each other (the comparison is not of four copies)
    assert len({tuple(c.final_loss) for c in serial.cells}) == 4
    # on_cell in grid order, each once; progress in seed-epochs, never back, to the end
    assert [c.changes for c in cells] == [c.changes for c in serial.cells]
    dones = [d for d, _ in seen]
    assert dones == sorted(dones) and seen[-1] == (4 * SEEDS * EPOCHS,) * 2
    assert set(multiprocessing.active_children()) <= before


def test_one_cell_splits_into_seed_chunks_across_processes():
    one = sweep(MINI, seeds=SEEDS, epochs=EPOCHS, chunk=CHUNK, surface_grid=6)
    two = sweep(MINI, seeds=SEEDS, epochs=EPOCHS, chunk=CHUNK, surface_grid=6, workers=2)
    _same(one, two)
    assert one.n == SEEDS and one.surfaces.shape == (SEEDS, 6, 6)


def test_a_cancel_keeps_the_finished_cells_and_ends_every_process(serial):
    class AfterFirstCell:
        """Cancel as soon as the first cell is handed over."""

        def __init__(self):
            self.cells = []

        def is_set(self):
            return bool(self.cells)

    token = AfterFirstCell()
    before = set(multiprocessing.active_children())
    result = _grid(workers=2, cancel=token, on_cell=token.cells.append)
    assert result.cancelled
    whole = [c for c in result.cells if not c.cancelled]
    assert 1 <= len(whole) < 4
    for cell in result.cells:  # finished cells, and the leading chunks of the others
        ref = serial.cells[[c.changes for c in serial.cells].index(cell.changes)]
        n = cell.n
        assert n == SEEDS or (cell.cancelled and n % CHUNK == 0 and 0 < n < SEEDS)
        np.testing.assert_array_equal(cell.final_loss, ref.final_loss[:n])
        np.testing.assert_array_equal(cell.outcome, ref.outcome[:n])
    # every cell the caller heard of is in the result, in grid order
    assert [c.changes for c in token.cells] == [c.changes for c in result.cells]
    assert set(multiprocessing.active_children()) <= before


def test_init_scale_is_uniform_weights_in_plus_minus_a():
    grid = sweep_grid(
        Config(activation="relu"), {"hidden": [[2]], "init_scale": [0.5, 2.0]}, seeds=6, epochs=80
    )
    cfg = grid.cells[1].config
    assert grid.cells[1].changes == {"hidden": [2], "init_scale": 2.0}
    assert (cfg.init, cfg.init_low, cfg.init_high) == ("uniform", -2.0, 2.0)
    explicit = sweep(
        Config(activation="relu", hidden=[2], init="uniform", init_low=-2.0, init_high=2.0),
        seeds=6,
        epochs=80,
        surface_grid=0,
    )
    np.testing.assert_array_equal(grid.cells[1].final_loss, explicit.final_loss)
    assert grid.rows()[1]["init_scale"] == 2.0 and "init_scale" in grid.table()


@pytest.mark.parametrize(
    ("grid", "needle"),
    [
        ({"init_scale": [0.0]}, "init_scale must be a number in"),
        ({"init_scale": [1.0], "init_low": [-1.0]}, "do not sweep init_low as well"),
    ],
)
def test_init_scale_values_are_checked(grid, needle):
    with pytest.raises(ConfigError) as info:
        sweep_grid(Config(), grid, seeds=2, epochs=5)
    assert info.value.field == "init_scale" and needle in str(info.value)


def test_workers_auto_is_every_core_and_bad_counts_are_refused():
    import os

    assert parse_workers("auto") == len(os.sched_getaffinity(0))
    assert parse_workers("3") == 3
    for bad in (0, "0", "many", -1, True):
        with pytest.raises(ValueError, match="workers must be"):
            parse_workers(bad)
    with pytest.raises(ValueError, match="not both"):
        make_executor(2, "tcp://127.0.0.1:1")


def test_without_dask_the_scheduler_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if absent
    with pytest.raises(MissingExtra, match=r"pip install 'numpy-playground\[cluster\]'"):
        make_executor(scheduler="tcp://127.0.0.1:1")


def test_the_engine_imports_no_dask_unless_asked():
    code = (
        "import sys; from engine import Config, sweep_grid; "
        "sweep_grid(Config(), {'hidden': [[2], [3]]}, seeds=2, epochs=5, workers=2); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dask', 'distributed', 'tqdm')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
        timeout=120,
    )
    assert out.stdout.strip() == "[]"


def test_your_own_points_travel_to_the_processes_with_the_tasks():
    rng = np.random.default_rng(3)
    centres = np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    X = np.concatenate([c + 0.4 * rng.standard_normal((8, 2)) for c in centres])
    y = np.repeat([0, 1, 2], 8)
    base = Config(output="softmax", loss="ce", hidden=[4])
    kwargs = dict(seeds=6, epochs=60, chunk=2, surface_grid=5, data=(X, y))
    one = sweep_grid(base, {"lr": [0.03, 0.1]}, **kwargs)
    two = sweep_grid(base, {"lr": [0.03, 0.1]}, workers=2, **kwargs)
    assert one.cells[0].config.dataset == "custom" and one.cells[0].config.classes == 3
    for a, b in zip(one.cells, two.cells, strict=True):
        _same(a, b)
        np.testing.assert_array_equal(a.surface_confidence, b.surface_confidence)


def _env(name: str, progress=None, cancel=None) -> str | None:
    """A task: the worker process's value of an environment variable."""
    import os

    return os.environ.get(name)


def test_each_worker_process_gets_one_blas_thread_unless_the_environment_says(monkeypatch):
    """N processes x OpenBLAS's thread per core oversubscribed the 2-core machine (two
    workers were slower than one process): the children start with one thread each,
    a value the user set is kept, and this process's environment is left as it was."""
    import os

    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    seen = []
    tasks = ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]
    make_executor(2, None).run(_env, tasks, lambda i, value: seen.append((i, value)))
    assert sorted(seen) == [(0, "1"), (1, "1"), (2, "3")]
    assert "OPENBLAS_NUM_THREADS" not in os.environ and "OMP_NUM_THREADS" not in os.environ
    assert os.environ["MKL_NUM_THREADS"] == "3"


def _spawned(process: psutil.Process) -> list[psutil.Process]:
    return [p for p in process.children(recursive=True) if "spawn_main" in " ".join(p.cmdline())]


def test_a_sweeps_worker_processes_end_when_its_program_is_killed():
    """kill -9 runs no exit handler: the pool's workers, each waiting on its call
    queue, and the resource tracker end by themselves (issue 24), within 10 s."""
    program = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from engine import Config\nfrom engine.sweep import sweep\n"
            "sweep(Config(), seeds=2000, epochs=20000, chunk=100, workers=2)",
        ],
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        parent = psutil.Process(program.pid)
        wait_until(lambda: len(_spawned(parent)) == 2, 60, "the sweep's two worker processes")
        started = parent.children(recursive=True)  # and the resource tracker
        program.kill()
        program.wait(10)
        _, alive = psutil.wait_procs(started, timeout=10)
        left = [(p.pid, p.cmdline()[:4]) for p in alive]
        for p in alive:
            p.kill()
        assert not left
    finally:
        program.kill()
