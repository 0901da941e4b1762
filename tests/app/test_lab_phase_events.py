"""Phase diagrams over the wire (docs/PROTOCOL.md, "Phase diagrams"): the ``phase``
event, its cells streamed as they finish, its checks and limits, through
Flask-SocketIO's test client and the server's real lab process.

Expected values come from elsewhere: each cell against a single-config ``sweep`` of
a Config written out by hand (not through the grid's axes), its first failing seed
against that seed trained alone, and a cell's cost against the parameter count of
a 2-h-1 net worked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from app_helpers import Inbox, wait_until

from app import get_socketio
from app.lab import jobs, phase
from app.server import get_registry
from engine import Config, Trainer, sweep

LAB_TIMEOUT = 120.0
SMALL = {
    "action": "run",
    "seeds": 6,
    "epochs": 150,
    "loss_below": None,
    "y": {"key": "units", "values": [1, 3]},
    "x": {"key": "init_scale", "values": [0.1, 1.5]},
}


@pytest.fixture()
def client(connect, lab_runner):
    wait_until(lambda: lab_runner.pending() == 0, LAB_TIMEOUT, "an idle lab")
    return connect()


def relu(sock, session):
    sock.emit("config", {"activation": "relu", "hidden": [2], "dataset": "xor4"})
    wait_until(
        lambda: (
            session.trainer.config.activation == "relu" and session.trainer.config.dataset == "xor4"
        ),
        what="the relu config",
    )


def test_a_2x2_diagram_streams_each_cell_as_a_hand_written_config_sweeps_it(client):
    sock, inbox, session = client
    relu(sock, session)
    base = session.trainer.config
    sock.emit("phase", SMALL)
    result = inbox.wait("phase_result", timeout=LAB_TIMEOUT)[0]
    assert result == {
        "cancelled": False,
        "cells": 4,
        "rows": 2,
        "cols": 2,
        "seeds": 6,
        "epochs": 150,
        "loss_below": None,
    }
    cells = inbox.of("phase_cell")
    assert [(c["row"], c["col"]) for c in cells] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    for cell in cells:
        h = SMALL["y"]["values"][cell["row"]]
        a = SMALL["x"]["values"][cell["col"]]
        by_hand = base.replace({"hidden": [h], "init": "uniform", "init_low": -a, "init_high": a})
        expected = sweep(by_hand, seeds=6, epochs=150, surface_grid=0).summary()
        assert cell["summary"] == expected
        assert Config.from_dict(cell["config"]) == by_hand
        assert cell["epochs"] == 150 and cell["cancelled"] is False
    # h = 1 cannot solve XOR: its first failing seed is the first seed
    assert cells[0]["summary"]["successes"] == 0 and cells[0]["first_failing"] == base.seed


def test_the_first_failing_seed_fails_alone_and_the_seeds_before_it_solve(client):
    sock, inbox, session = client
    relu(sock, session)
    payload = {**SMALL, "seeds": 12, "epochs": 300, "y": {"key": "units", "values": [2, 3]}}
    sock.emit("phase", payload)
    inbox.wait("phase_result", timeout=LAB_TIMEOUT)
    checked = 0
    for cell in inbox.of("phase_cell"):
        config = Config.from_dict(cell["config"])
        first = cell["first_failing"]
        last = first if first is not None else config.seed + 11
        for seed in range(config.seed, last + 1):
            alone = Trainer(config.replace({"seed": seed}))
            alone.step(300)
            solved = float(np.ravel(alone.last["train_acc"])[0]) == 1.0
            assert solved == (seed != first), f"seed {seed} of cell {cell['row'], cell['col']}"
        checked += first is not None
    assert checked, "no cell had a failing seed: the test checked nothing"


def test_progress_counts_seed_epochs_over_every_cell(client):
    sock, inbox, _ = client
    sock.emit("phase", {**SMALL, "seeds": 40, "epochs": 400})
    inbox.wait("phase_result", timeout=LAB_TIMEOUT)
    progress = inbox.of("phase_progress")
    assert progress and all(p["total"] == 40 * 400 * 4 for p in progress)
    dones = [p["done"] for p in progress]
    assert dones == sorted(dones)
    assert inbox.of("lab_progress") == [] and inbox.of("lab_result") == []


def test_cancel_keeps_the_finished_cells(client):
    sock, inbox, _ = client
    sock.emit(
        "phase",
        {
            **SMALL,
            "seeds": 1000,
            "epochs": 20000,
            "y": {"key": "lr", "values": [0.01, 0.03]},
            "x": {"key": "momentum", "values": [0, 0.9]},
        },
    )
    inbox.wait("phase_progress", timeout=LAB_TIMEOUT)
    sock.emit("phase", {"action": "cancel"})
    result = inbox.wait("phase_result", timeout=LAB_TIMEOUT)[0]
    assert result["cancelled"] is True
    cells = inbox.of("phase_cell")
    assert len(cells) == result["cells"] < 4
    assert all(c["summary"]["n"] < 1000 for c in cells if c["cancelled"])


def test_a_phase_diagram_does_not_cancel_the_sessions_lab_run(client):
    sock, inbox, _ = client
    sock.emit("lab", {"action": "run", "seeds": 5, "epochs": 200})
    sock.emit("phase", SMALL)
    lab_result = inbox.wait("lab_result", timeout=LAB_TIMEOUT)[0]
    phase_result = inbox.wait("phase_result", timeout=LAB_TIMEOUT)[0]
    assert lab_result["cancelled"] is False and lab_result["summary"]["n"] == 5
    assert phase_result["cancelled"] is False and phase_result["cells"] == 4


def test_a_new_diagram_cancels_the_one_under_way_which_answers_first(client):
    sock, inbox, _ = client
    sock.emit("phase", {**SMALL, "seeds": 1000, "epochs": 20000})
    inbox.wait("phase_progress", timeout=LAB_TIMEOUT)
    sock.emit("phase", SMALL)
    first, second = inbox.wait("phase_result", 2, timeout=LAB_TIMEOUT)
    assert first["cancelled"] is True and second == {**second, "cancelled": False, "cells": 4}


def test_a_third_diagram_while_one_waits_is_refused(client):
    sock, inbox, _ = client
    big = {**SMALL, "seeds": 1000, "epochs": 20000}
    for _ in range(3):
        sock.emit("phase", big)
    error = inbox.wait("error", timeout=LAB_TIMEOUT)[0]
    assert (error["event"], error["field"]) == ("phase", "action")
    sock.emit("phase", {"action": "cancel"})
    inbox.wait("phase_result", 2, timeout=LAB_TIMEOUT)


AXIS = {"key": "lr", "values": [0.01, 0.1]}


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"action": "run", "seeds": 4, "epochs": 10, "x": AXIS}, "y", "required"),
        ({"action": "run", "seeds": 4, "epochs": 10, "x": AXIS, "y": AXIS}, "y", "different"),
        (
            {
                "action": "run",
                "seeds": 4,
                "epochs": 10,
                "x": AXIS,
                "y": {"key": "dataset", "values": [1, 2]},
            },
            "y",
            "must be one of",
        ),
        (
            {
                "action": "run",
                "seeds": 4,
                "epochs": 10,
                "x": AXIS,
                "y": {"key": "seed", "values": [1, 2]},
            },
            "y",
            "must be one of",
        ),
        (
            {
                "action": "run",
                "seeds": 4,
                "epochs": 10,
                "x": AXIS,
                "y": {"key": "momentum", "values": [0.5]},
            },
            "y",
            "2 to 12",
        ),
        (
            {
                "action": "run",
                "seeds": 4,
                "epochs": 10,
                "x": AXIS,
                "y": {"key": "momentum", "values": list(range(13))},
            },
            "y",
            "2 to 12",
        ),
        (
            {
                "action": "run",
                "seeds": 4,
                "epochs": 10,
                "x": AXIS,
                "y": {"key": "momentum", "values": [0.5, 1.5]},
            },
            "y",
            "[0, 0.999]",
        ),
        (
            {
                "action": "run",
                "seeds": 4,
                "epochs": 10,
                "x": AXIS,
                "y": {"key": "momentum", "values": [0.5, 0.5]},
            },
            "y",
            "each value once",
        ),
        (
            {
                "action": "run",
                "seeds": 4,
                "epochs": 10,
                "x": AXIS,
                "y": {"key": "units", "values": [1, 2.5]},
            },
            "y",
            "whole numbers",
        ),
        (
            {
                "action": "run",
                "seeds": 4,
                "epochs": 10,
                "x": AXIS,
                "y": {"key": "units", "values": [0, 2]},
            },
            "y",
            "[1, 8]",
        ),
        (
            {
                "action": "run",
                "seeds": 4,
                "epochs": 10,
                "x": AXIS,
                "y": {"key": "lr", "values": [0.1, "fast"]},
            },
            "y",
            "finite number",
        ),
        (
            {
                "action": "run",
                "seeds": 4,
                "epochs": 10,
                "y": AXIS,
                "x": {"key": "momentum", "values": [0, True]},
            },
            "x",
            "finite number",
        ),
        (
            {
                "action": "run",
                "seeds": 4,
                "epochs": 10,
                "y": AXIS,
                "x": {"key": "momentum", "values": [0, 0.5], "step": 1},
            },
            "step",
            "unknown",
        ),
        (
            {
                "action": "run",
                "seeds": 4,
                "epochs": 10,
                "y": {"key": "init_scale", "values": [0.1, 1]},
                "x": {"key": "init_low", "values": [-1, 0]},
            },
            "x",
            "init_low",
        ),
        (
            {
                "action": "run",
                "seeds": 0,
                "epochs": 10,
                "x": AXIS,
                "y": {"key": "units", "values": [1, 2]},
            },
            "seeds",
            "[1, 1000]",
        ),
        (
            {
                "action": "run",
                "seeds": 4,
                "epochs": 20001,
                "x": AXIS,
                "y": {"key": "units", "values": [1, 2]},
            },
            "epochs",
            "[1, 20000]",
        ),
        ({"action": "cancel", "seeds": 4}, "seeds", "cancel"),
        ({"action": "plot"}, "action", "'run' or 'cancel'"),
        ("run", "payload", "object"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(client, payload, field, words):
    sock, inbox, _ = client
    sock.emit("phase", payload)
    error = inbox.wait("error")[0]
    assert (error["event"], error["field"]) == ("phase", field)
    assert words in error["message"]
    assert inbox.of("phase_cell") == [] and inbox.of("phase_result") == []


def test_a_diagram_over_the_cost_ceiling_is_refused_with_its_cost(make_app):
    app = make_app(LAB_MAX_COST=1e7)
    sock = get_socketio(app).test_client(app)
    inbox = Inbox(sock)
    points = len(get_registry(app).all()[0].trainer.train)
    # PROTOCOL.md's formula by hand: a 2-h-1 net has 4h + 1 parameters and 2 weight
    # layers; full batch (1 update), and one chunk holds the 200 seeds
    units, seeds, epochs = [1, 8], 200, 100
    cost = (
        sum(seeds * epochs * points * (4 * h + 1) + epochs * 1 * 2 * 10_000 * 1 for h in units) * 2
    )  # x: two learning rates
    assert cost > 1e7
    sock.emit(
        "phase",
        {
            "action": "run",
            "seeds": seeds,
            "epochs": epochs,
            "y": {"key": "units", "values": units},
            "x": AXIS,
        },
    )
    error = inbox.wait("error")[0]
    assert (error["event"], error["field"]) == ("phase", "seeds")
    assert f"would cost {cost:.2g} work units" in error["message"]
    assert "the limit is 1e+07" in error["message"]
    sock.disconnect()


def test_a_cells_shape_counts_its_own_network():
    live = jobs.Shape(points=4, params=9, layers=2, updates=1)
    for h in (1, 5, 8):
        shape = phase.cell_shape(live, Config(hidden=[h]))
        assert shape == jobs.Shape(points=4, params=4 * h + 1, layers=2, updates=1)
    deep = phase.cell_shape(live, Config(hidden=[3, 3], batch_size=3))
    assert deep == jobs.Shape(points=4, params=9 + 12 + 4, layers=3, updates=2)
    assert phase.engine_grid(
        Config(hidden=[4, 2]), rows=("units", [2, 5]), cols=("lr", [0.1, 1.0])
    ) == {"hidden": [[2, 2], [5, 5]], "lr": [0.1, 1.0]}


def test_a_per_layer_set_up_keeps_each_layers_activation_in_every_cell():
    """A units axis widens every hidden layer and keeps the depth, so each cell keeps
    the session's activation per layer."""
    base = Config(hidden=[4, 2], activation=["relu", "tanh"])
    grid = phase.engine_grid(base, rows=("units", [2, 5]), cols=("lr", [0.1, 1.0]))
    cells = phase.cell_configs(base, grid)
    assert [c.hidden for c in cells] == [(2, 2), (2, 2), (5, 5), (5, 5)]
    assert all(c.activations() == ("relu", "tanh") for c in cells)


def test_an_activation_axis_sweeps_one_name_per_layer_in_each_cell(client):
    """Rows: relu,relu and relu,tanh on the session's 2-2-2-1 net; columns: two learning
    rates. Each cell is the engine's sweep of that set-up, written by hand."""
    sock, inbox, session = client
    sock.emit("config", {"hidden": [2, 2], "activation": "relu", "dataset": "xor4"})
    wait_until(lambda: session.trainer.config.hidden == (2, 2), what="the 2-2-2-1 set-up")
    base = session.trainer.config
    rows = [["relu", "relu"], ["relu", "tanh"]]
    request = {
        **SMALL,
        "y": {"key": "activation", "values": rows},
        "x": {"key": "lr", "values": [0.03, 0.1]},
    }
    sock.emit("phase", request)
    result = inbox.wait("phase_result", timeout=LAB_TIMEOUT)[0]
    assert result["cells"] == 4 and result["cancelled"] is False
    for cell in inbox.of("phase_cell"):
        by_hand = base.replace(
            {"activation": rows[cell["row"]], "lr": request["x"]["values"][cell["col"]]}
        )
        assert Config.from_dict(cell["config"]) == by_hand
        expected = sweep(by_hand, seeds=6, epochs=150, surface_grid=0).summary()
        assert cell["summary"] == expected
    # a list of another length than the net's layers is refused naming the axis
    sock.emit(
        "phase",
        {**request, "y": {"key": "activation", "values": ["relu", ["relu", "tanh", "tanh"]]}},
    )
    error = inbox.wait("error")[0]
    assert error["field"] == "y" and "3 names" in error["message"]
