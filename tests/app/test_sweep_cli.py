"""``playground sweep``: flags from the schema, table, JSON, CSV, HTML, clear errors."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from waiting import wait_until

from app.sweep_cli import (
    SWEEP_FIELDS,
    add_sweep_parser,
    build_parser,
    flag_name,
    parse_grid,
    run_sweep,
)
from engine import Config
from engine.config import FIELDS

SMALL = ["--seeds", "6", "--epochs", "150", "--quiet"]
ROOT = Path(__file__).resolve().parents[2]


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = run_sweep(build_parser().parse_args(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_every_training_field_of_the_schema_is_a_flag():
    parser = build_parser()
    flags = {opt for action in parser._actions for opt in action.option_strings}
    for spec in SWEEP_FIELDS:
        assert flag_name(spec.name) in flags
    assert {s.name for s in FIELDS} - {s.name for s in SWEEP_FIELDS} == {"seed", "grid", "speed"}
    args = parser.parse_args(
        [
            "--hidden",
            "4,2",
            "--nesterov",
            "true",
            "--momentum",
            "0.9",
            "--optimizer",
            "sgd",
            "--features",
            "x1,x2,x1x2",
        ]
    )
    from app.sweep_cli import config_from_args

    cfg = config_from_args(args)
    assert cfg.hidden == (4, 2) and cfg.nesterov is True and cfg.features[-1] == "x1x2"


def test_the_sub_command_attaches_to_a_parent_parser():
    parent = argparse.ArgumentParser(prog="playground")
    add_sweep_parser(parent.add_subparsers(dest="command"))
    args = parent.parse_args(["sweep", "--seeds", "3", "--lr", "0.1"])
    assert args.command == "sweep" and args.seeds == 3 and args.cfg_lr == 0.1


def test_grid_values_lists_with_slashes_scalars_with_commas():
    grid = parse_grid(["hidden=2/3/4,2", "activation=relu,tanh", "lr=0.1/0.3"])
    assert grid == {"hidden": [[2], [3], [4, 2]], "activation": ["relu", "tanh"], "lr": [0.1, 0.3]}


def test_activation_per_layer_as_a_flag_and_as_grid_values():
    assert parse_grid(["activation=relu,relu/relu,tanh"]) == {
        "activation": [["relu", "relu"], ["relu", "tanh"]]
    }
    assert parse_grid(["activation=relu/tanh"]) == {"activation": ["relu", "tanh"]}
    code, out, _ = _run([*SMALL, "--json", "--hidden", "2,2", "--activation", "relu,tanh"])
    assert code == 0
    assert json.loads(out)["cells"][0]["config"]["activation"] == ["relu", "tanh"]
    code, out, _ = _run(
        [*SMALL, "--json", "--hidden", "2,2", "--grid", "activation=relu,relu/relu,tanh"]
    )
    assert code == 0
    cells = json.loads(out)["cells"]
    assert [c["config"]["activation"] for c in cells] == ["relu", ["relu", "tanh"]]


def test_table_on_stdout_progress_on_stderr():
    code, out, err = _run([*SMALL[:-1], "--grid", "hidden=2/3", "--activation", "relu"])
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("# 6 seeds, 0 to 5, 150 epochs; base: activation=relu")
    assert lines[1].split()[:3] == ["hidden", "solved", "rate"]
    assert len(lines) == 3 + 2
    assert re.search(r"^2\s+\d/6\s", lines[3]) and re.search(r"^3\s+\d/6\s", lines[4])
    # the bar counts seeds (2 cells x 6) and cells, and reached the end
    assert "100%" in err and "12/12" in err and "cells 2/2" in err


def test_json_has_the_right_counts_and_replaces_the_table():
    code, out, _ = _run(
        [*SMALL, "--json", "--grid", "activation=tanh,sigmoid", "--seed-start", "10"]
    )
    assert code == 0
    doc = json.loads(out)
    assert len(doc["cells"]) == 2 and doc["seeds"] == 6 and doc["seed_start"] == 10
    for cell in doc["cells"]:
        runs = cell["runs"]
        assert [r["seed"] for r in runs] == list(range(10, 16))
        assert cell["seed_start"] == cell["config"]["seed"] == 10
        solved = sum(r["outcome"] == "solved" for r in runs)
        assert cell["summary"]["successes"] == solved and cell["summary"]["n"] == 6
    assert doc["cells"][1]["config"]["activation"] == "sigmoid"


def test_csv_one_row_per_cell(tmp_path):
    path = tmp_path / "out.csv"
    code, out, _ = _run([*SMALL, "--csv", str(path), "--grid", "hidden=2/4,2"])
    assert code == 0 and "solved" in out  # table still printed
    rows = list(csv.DictReader(path.open()))
    assert [r["hidden"] for r in rows] == ["2", "4,2"]
    assert all(int(r["n"]) == 6 for r in rows)
    assert float(rows[0]["wilson_low"]) <= float(rows[0]["rate"]) <= float(rows[0]["wilson_high"])


def test_html_report_is_self_contained(tmp_path):
    path = tmp_path / "report.html"
    code, _, err = _run([*SMALL, "--html", str(path), "--grid", "activation=relu,tanh"])
    assert code == 0 and str(path) in err
    text = path.read_text()
    assert "Plotly.newPlot" in text and '"type":"heatmap"' in text
    assert '"type":"histogram"' in text
    assert not re.search(r"<script[^>]+src=[\"']?https?:", text)
    assert len(text) > 1_000_000  # plotly.js itself is inline


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--lr", "100"], "--lr: lr must be a number in [1e-06, 10]"),
        (["--grid", "hidden=2/9"], "--grid hidden"),
        (["--grid", "colour=red"], "colour is not a setting"),
        (["--grid", "seed=1,2"], "--seeds"),
        (["--output", "tanh"], "--output"),
        (["--activation", "relu,tanh,elu"], "--activation: activation lists 3 names"),
        (["--seeds", "0"], "--seeds must be >= 1"),
        (["--json", "--csv"], "cannot both go to stdout"),
    ],
)
def test_bad_values_are_refused_with_exit_code_2(argv, needle):
    code, out, err = _run([*SMALL, *argv])
    assert code == 2 and out == ""
    assert err.startswith("playground sweep: error:") and needle in err


def test_unparseable_flags_exit_2_from_argparse(capsys):
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["--hidden", "two"])
    assert info.value.code == 2
    assert "--hidden" in capsys.readouterr().err


def test_preset_is_the_base_and_flags_override_it():
    code, out, _ = _run([*SMALL, "--json", "--preset", "seed001-sigmoid-gd", "--lr", "0.5"])
    assert code == 0
    cfg = json.loads(out)["config"]
    assert cfg["activation"] == "sigmoid" and cfg["init"] == "normal" and cfg["lr"] == 0.5
    assert Config.from_dict({k: v for k, v in cfg.items()}).hidden == (5,)


def test_seeds_start_at_the_presets_seed_as_in_the_page_unless_given():
    """seed003-tanh-adam runs seed 4 live; its sweep starts there too, and says so."""
    code, out, _ = _run([*SMALL, "--epochs", "20", "--preset", "seed003-tanh-adam"])
    assert code == 0 and out.startswith("# 6 seeds, 4 to 9, 20 epochs;")
    code, out, _ = _run([*SMALL, "--epochs", "20", "--json", "--preset", "seed003-tanh-adam"])
    doc = json.loads(out)
    assert doc["seed_start"] == 4 and doc["config"]["seed"] == 4
    assert [r["seed"] for r in doc["cells"][0]["runs"]] == list(range(4, 10))
    code, out, _ = _run(
        [*SMALL, "--epochs", "20", "--json", "--preset", "seed003-tanh-adam", "--seed-start", "0"]
    )
    assert json.loads(out)["cells"][0]["config"]["seed"] == 0


def _write_points(path, rows, header="x1,x2,label"):
    path.write_text("\n".join([header, *(",".join(map(str, r)) for r in rows)]) + "\n")
    return str(path)


def test_data_sweeps_over_your_points_with_softmax_for_three_classes(tmp_path):
    rng = np.random.default_rng(0)
    centres = [(-3, 0), (3, 0), (0, 3)]
    rows = [
        (round(cx + 0.3 * rng.normal(), 3), round(cy + 0.3 * rng.normal(), 3), k)
        for k, (cx, cy) in enumerate(centres)
        for _ in range(6)
    ]
    path = _write_points(tmp_path / "points.csv", rows)
    code, out, err = _run(
        ["--data", path, "--hidden", "4", "--json", "--seeds", "4", "--epochs", "150", "--quiet"]
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["config"]["dataset"] == "custom" and result["config"]["classes"] == 3
    assert result["config"]["output"] == "softmax" and result["config"]["loss"] == "ce"
    # each seed is the Trainer on the same points, run alone
    from engine import Trainer
    from engine.datasets import parse_points_csv

    data = parse_points_csv((tmp_path / "points.csv").read_text())
    cfg = Config.from_dict(result["config"])
    alone = Trainer(cfg.replace({"seed": 2}), data=data)
    alone.step(150)
    assert result["cells"][0]["runs"][2]["final_loss"] == alone.last["train_loss"][0]
    code, out, _ = _run(
        ["--data", path, "--hidden", "4", "--seeds", "2", "--epochs", "20", "--quiet"]
    )
    assert code == 0 and "18 points, 3 classes, digest" in out.splitlines()[0]


@pytest.mark.parametrize(
    ("rows", "needle"),
    [
        ([(0, 0, 0), (1, "abc", 1)], "line 3: x2 'abc' is not a finite number"),
        ([(0, 0, 0), (1, 1, "cat")], "line 3: label 'cat' is not a class number"),
        ([(0, 0, 1), (1, 1, 1)], "a classifier needs at least two classes"),
    ],
)
def test_a_bad_data_file_is_refused_naming_the_line(tmp_path, rows, needle):
    code, out, err = _run(["--data", _write_points(tmp_path / "p.csv", rows), *SMALL])
    assert code == 2 and needle in err and f"{tmp_path / 'p.csv'}" in err and out == ""


def test_data_and_a_dataset_cannot_both_be_given(tmp_path):
    path = _write_points(tmp_path / "p.csv", [(0, 0, 0), (1, 1, 1)])
    code, _, err = _run(["--data", path, "--dataset", "xor", *SMALL])
    assert code == 2 and "--data" in err
    code, _, err = _run(["--dataset", "custom", *SMALL])
    assert code == 2 and "--data CSV" in err
    code, _, err = _run(["--data", str(tmp_path / "missing.csv"), *SMALL])
    assert code == 2 and "cannot read it" in err


# ---- where it runs, output written as cells finish, Ctrl-C ----------------------------------

MINI_BATCH = [
    "--seeds",
    "10",
    "--epochs",
    "100",
    "--chunk",
    "3",
    "--xor4-sample",
    "1",
    "--n-points",
    "24",
    "--batch-size",
    "5",
    "--hidden",
    "3",
    "--grid",
    "activation=tanh,relu",
    "--grid",
    "init_scale=0.5,2",
    "--quiet",
]


def _written(tmp_path, name, argv):
    """Run with --json and --csv to files; (exit code, JSON doc, CSV rows)."""
    doc, rows = tmp_path / f"{name}.json", tmp_path / f"{name}.csv"
    code, _, err = _run([*argv, "--json", str(doc), "--csv", str(rows)])
    assert code == 0, err
    return json.loads(doc.read_text()), rows.read_text()


def _without_clock(doc: dict) -> dict:
    for cell in doc["cells"]:
        cell.pop("elapsed")
    return doc


def test_workers_2_write_every_field_workers_1_write_for_a_grid_with_mini_batches(tmp_path):
    one, one_csv = _written(tmp_path, "one", [*MINI_BATCH, "--workers", "1"])
    two, two_csv = _written(tmp_path, "two", [*MINI_BATCH, "--workers", "2"])
    assert len(one["cells"]) == 4 and not one["cancelled"]
    assert _without_clock(two) == _without_clock(one)
    assert two_csv == one_csv
    # the cells differ (a comparison of four copies would prove nothing)
    assert len({json.dumps(c["runs"]) for c in one["cells"]}) == 4
    assert one["cells"][1]["config"]["init_high"] == 2.0


def test_the_json_written_cell_by_cell_is_the_grids_document(tmp_path):
    from engine.sweep import sweep_grid

    doc, text = _written(tmp_path, "doc", MINI_BATCH)
    expect = sweep_grid(
        Config(xor4_sample=True, n_points=24, batch_size=5, hidden=[3]),
        {"activation": ["tanh", "relu"], "init_scale": [0.5, 2.0]},
        seeds=10,
        epochs=100,
        chunk=3,
    )
    assert _without_clock(doc) == _without_clock(json.loads(json.dumps(expect.to_dict())))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["activation"], r["init_scale"]) for r in rows] == [
        ("tanh", "0.5"),
        ("tanh", "2.0"),
        ("relu", "0.5"),
        ("relu", "2.0"),
    ]
    assert [int(r["successes"]) for r in rows] == [c["summary"]["successes"] for c in doc["cells"]]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--workers", "0"], "--workers: workers must be >= 1"),
        (["--workers", "lots"], "--workers: workers must be a number or 'auto'"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "give one"),
    ],
)
def test_bad_workers_are_refused(argv, needle):
    code, out, err = _run([*SMALL, *argv])
    assert code == 2 and out == "" and needle in err


def test_scheduler_without_dask_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if absent
    code, out, err = _run([*SMALL, "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 2 and out == ""
    assert "pip install 'numpy-playground[cluster]'" in err


def _children(pid: int) -> list[int]:
    import psutil

    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _process(pid: int):
    import psutil

    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None


def test_ctrl_c_stops_every_process_and_keeps_the_finished_cells(tmp_path):
    """A terminal's Ctrl-C: SIGINT to the whole process group, workers included."""
    import psutil

    doc, rows = tmp_path / "cut.json", tmp_path / "cut.csv"
    argv = [
        "--seeds",
        "40",
        "--epochs",
        "1500",
        "--chunk",
        "10",
        "--grid",
        "hidden=2/3/4",
        "--grid",
        "lr=0.01,0.1",
        "--workers",
        "2",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "sweep", *argv, "--json", str(doc), "--csv", str(rows)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        wait_until(
            lambda: rows.exists() and len(rows.read_text().splitlines()) >= 2,
            timeout=240,
            what="the first finished cell in the CSV",
        )
        workers = wait_until(lambda: _children(proc.pid), what="the worker processes")
        assert proc.poll() is None  # mid-run
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 1, err
    assert "interrupted" in err and "cells finished, kept" in err
    # every child (the workers and multiprocessing's resource tracker) ends with it
    _, alive = psutil.wait_procs([_process(p) for p in workers if _process(p)], timeout=15)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]
    kept = json.loads(doc.read_text())
    assert kept["cancelled"] is True and 1 <= len(kept["cells"]) < 6
    table_rows = [line for line in out.splitlines()[3:] if line.strip()]
    assert len(table_rows) == len(kept["cells"])
    csv_rows = list(csv.DictReader(rows.open()))
    assert len(csv_rows) == len(kept["cells"])
    # what was kept is what an uninterrupted serial run computes for those cells
    from engine.sweep import sweep_grid

    first = kept["cells"][0]
    assert first["changes"] == {"hidden": [2], "lr": 0.01} and not first["cancelled"]
    ref = sweep_grid(Config(hidden=[2], lr=0.01), {}, seeds=40, epochs=1500, chunk=10)
    assert [r["final_loss"] for r in first["runs"]] == [
        r["final_loss"] for r in ref.cells[0].to_dict()["runs"]
    ]


def test_data_on_the_four_xor_points_trains_on_all_four_and_says_so(tmp_path):
    path = _write_points(tmp_path / "xor.csv", [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)])
    code, out, err = _run(["--data", path, "--hidden", "4", "--seeds", "8", "--epochs", "300"])
    assert code == 0, err
    assert "(4 points, 2 classes" in out and "training on all 4)" in out
    table = out.splitlines()[3].split()
    # every seed solves XOR on all four points, and none at epoch 0 (two of four right
    # at random is the usual start): the median is a real number of epochs
    assert table[0] == "8/8" and int(table[-1]) > 0
    trainers = sweep_trainers_for(path)
    assert all(len(t.train) == 4 and t.test is t.train for t in trainers)


def test_a_hold_out_on_your_points_is_reported(tmp_path):
    rows = [(i, j, c) for c in range(4) for i, j in [(c, k) for k in range(10)]]
    path = _write_points(tmp_path / "p.csv", rows)
    code, out, _ = _run(["--data", path, "--train-share", "50", "--hidden", "4", *SMALL])
    assert code == 0 and "training on 20 of 40, 20 held out for testing" in out


def sweep_trainers_for(path):
    """The Trainer each seed of the sweep builds, from the CLI's own Config."""
    from app.sweep_cli import config_from_args, read_points
    from engine import Trainer

    data = read_points(path)
    config = config_from_args(build_parser().parse_args(["--data", path, "--hidden", "4"]), data)
    return [Trainer(config.replace({"seed": s}), data=data) for s in range(2)]
