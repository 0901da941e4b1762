"""Restart lab, diagnostics in frames, gradient check and loss landscape over the wire
(docs/PROTOCOL.md, last section), through Flask-SocketIO's test client."""

from __future__ import annotations

import math

import pytest
from app_helpers import wait_until

LAB_TIMEOUT = 60.0


@pytest.fixture()
def client(connect):
    return connect()


def step_and_wait(sock, session, epochs, timeout=30.0):
    target = session.trainer.epoch + epochs
    sock.emit("control", {"action": "step", "epochs": epochs})
    wait_until(lambda: session.trainer.epoch >= target, timeout, what=f"epoch {target}")


def fresh_frame(sock, inbox, epoch):
    """A frame showing ``epoch`` (asks for frames until one does)."""

    def got():
        for frame in inbox.of("frame"):
            if frame["epoch"] == epoch:
                return frame
        sock.emit("ready")
        return None

    return wait_until(got, 10.0, what=f"a frame at epoch {epoch}")


def test_lab_run_returns_n_seeds_and_a_consistent_summary(client):
    sock, inbox, _ = client
    sock.emit("lab", {"action": "run", "seeds": 12, "epochs": 200, "loss_below": None})
    result = inbox.wait("lab_result", timeout=LAB_TIMEOUT)[0]
    assert result["cancelled"] is False
    assert result["epochs"] == 200
    runs = result["runs"]
    assert [r["seed"] for r in runs] == list(range(12))  # seeds seed .. seed + n - 1
    summary = result["summary"]
    assert summary["n"] == 12
    solved = sum(r["outcome"] == "solved" for r in runs)
    assert summary["successes"] == solved
    assert summary["rate"] == pytest.approx(solved / 12)
    assert summary["wilson_low"] <= summary["rate"] <= summary["wilson_high"]
    assert len(result["surfaces"]["surfaces"]) == 12
    assert len(result["surfaces"]["surfaces"][0]) == 24


def test_lab_progress_is_rate_limited_and_counts_up(client):
    sock, inbox, _ = client
    sock.emit("lab", {"action": "run", "seeds": 64, "epochs": 600})
    inbox.wait("lab_result", timeout=LAB_TIMEOUT)
    progress = inbox.of("lab_progress")
    assert progress, "no lab_progress before the result"
    dones = [p["done"] for p in progress]
    assert dones == sorted(dones)
    assert all(p["total"] == 64 * 600 for p in progress)


def test_cancel_answers_with_cancelled_true(client):
    sock, inbox, _ = client
    sock.emit("lab", {"action": "run", "seeds": 1000, "epochs": 20000})
    inbox.wait("lab_progress", timeout=LAB_TIMEOUT)
    sock.emit("lab", {"action": "cancel"})
    result = inbox.wait("lab_result", timeout=LAB_TIMEOUT)[0]
    assert result["cancelled"] is True
    assert len(result["runs"]) < 1000


def test_a_new_run_cancels_the_old_one(client):
    sock, inbox, _ = client
    sock.emit("lab", {"action": "run", "seeds": 1000, "epochs": 20000})
    inbox.wait("lab_progress", timeout=LAB_TIMEOUT)
    sock.emit("lab", {"action": "run", "seeds": 3, "epochs": 50})
    results = inbox.wait("lab_result", 2, timeout=LAB_TIMEOUT)
    assert results[0]["cancelled"] is True
    assert results[1]["cancelled"] is False and len(results[1]["runs"]) == 3


def test_a_lab_seed_trained_live_ends_at_the_labs_loss(client):
    """Issue 6, acceptance 1: opening seed s in the live view reproduces its run."""
    sock, inbox, session = client
    epochs = 300
    sock.emit("lab", {"action": "run", "seeds": 8, "epochs": epochs})
    result = inbox.wait("lab_result", timeout=LAB_TIMEOUT)[0]
    run = result["runs"][5]
    sock.emit("config", {"seed": run["seed"]})
    wait_until(lambda: session.trainer.config.seed == run["seed"], what="the seed")
    step_and_wait(sock, session, epochs)
    frame = fresh_frame(sock, inbox, epochs)
    assert math.isclose(frame["train_loss"], run["final_loss"], rel_tol=1e-9)


def test_frames_carry_diagnostics(client):
    sock, inbox, session = client
    step_and_wait(sock, session, 20)
    frame = fresh_frame(sock, inbox, 20)
    diag = frame["diagnostics"]
    sizes = frame["sizes"]
    assert [layer["units"] for layer in diag["layers"]] == sizes[1:-1]
    assert len(diag["grad_norms"]) == len(sizes) - 1
    assert diag["stuck"] is None  # 20 epochs: too early to call anything stuck
    assert isinstance(diag["dead"], int) and isinstance(diag["saturated"], int)


def test_a_stuck_relu_2_2_1_reports_dead_units(client):
    sock, inbox, session = client
    sock.emit("config", {"hidden": [2], "activation": "relu", "seed": 0})
    wait_until(
        lambda: session.trainer.config.hidden == (2,) or list(session.trainer.config.hidden) == [2],
        what="the config",
    )
    step_and_wait(sock, session, 600)
    frame = fresh_frame(sock, inbox, 600)
    diag = frame["diagnostics"]
    assert diag["dead"] >= 1
    assert "dead" in diag["layers"][0]["status"]
    stuck = diag["stuck"]
    assert stuck is not None and stuck["case"] == "dead_units"
    assert "dead" in stuck["message"]
    assert stuck["suggestions"] and all("config_change" in s for s in stuck["suggestions"])


def test_gradcheck_ok_for_a_healthy_net(client):
    sock, inbox, session = client
    step_and_wait(sock, session, 10)
    sock.emit("gradcheck", {})
    result = inbox.wait("gradcheck_result")[0]
    assert result["ok"] is True
    assert len(result["layers"]) == len(session.sizes) - 1
    assert all(layer["max_relative_error"] < result["threshold"] for layer in result["layers"])


@pytest.mark.parametrize("directions", ["random", "trajectory"])
def test_landscape_centre_is_the_current_loss(client, directions):
    sock, inbox, session = client
    for _ in range(4):  # frames record the trajectory
        step_and_wait(sock, session, 25)
        fresh_frame(sock, inbox, session.trainer.epoch)
    frame = fresh_frame(sock, inbox, 100)
    sock.emit("landscape", {"steps": 21, "span": 1.0, "directions": directions})
    result = inbox.wait("landscape_result")[0]
    loss = result["loss"]
    assert len(loss) == 21 and all(len(row) == 21 for row in loss)
    assert math.isclose(loss[10][10], frame["train_loss"], rel_tol=1e-9)
    assert math.isclose(result["center_loss"], frame["train_loss"], rel_tol=1e-9)
    if directions == "trajectory":
        assert len(result["trajectory"]) >= 3


@pytest.mark.parametrize(
    ("event", "payload", "field"),
    [
        ("lab", {"action": "run", "seeds": 0, "epochs": 10}, "seeds"),
        ("lab", {"action": "run", "seeds": 1001, "epochs": 10}, "seeds"),
        ("lab", {"action": "run", "seeds": True, "epochs": 10}, "seeds"),
        ("lab", {"action": "run", "seeds": 4, "epochs": 2.5}, "epochs"),
        ("lab", {"action": "run", "seeds": 4, "epochs": 20001}, "epochs"),
        ("lab", {"action": "run", "seeds": 4}, "epochs"),
        ("lab", {"action": "run", "seeds": 4, "epochs": 10, "loss_below": "x"}, "loss_below"),
        ("lab", {"action": "fly"}, "action"),
        ("lab", {"action": "run", "seeds": 4, "epochs": 10, "extra": 1}, "extra"),
        ("lab", [1, 2], "payload"),
        ("gradcheck", {"x": 1}, "x"),
        ("landscape", {"steps": 5}, "steps"),
        ("landscape", {"steps": 41, "span": 0}, "span"),
        ("landscape", {"directions": "sideways"}, "directions"),
        ("landscape", {"steps": False}, "steps"),
        ("landscape", {"directions": "trajectory"}, "directions"),  # nothing recorded yet
    ],
)
def test_bad_payloads_are_refused(client, event, payload, field):
    sock, inbox, _ = client
    sock.emit(event, payload)
    error = inbox.wait("error")[0]
    assert error["event"] == event
    assert error["field"] == field
    assert error["message"]
    assert inbox.of("lab_result") == [] and inbox.of("landscape_result") == []


def test_disconnect_cancels_the_lab(connect, lab_runner):
    runner = lab_runner
    wait_until(lambda: runner.pending() == 0, LAB_TIMEOUT, "an idle lab")
    sock, inbox, session = connect()
    sock.emit("lab", {"action": "run", "seeds": 1000, "epochs": 20000})
    inbox.wait("lab_progress", timeout=LAB_TIMEOUT)
    wait_until(lambda: runner.pending() == 1, LAB_TIMEOUT, "only this run pending")
    sock.disconnect()
    # the worker stops the run within one block and answers (to nobody)
    wait_until(lambda: runner.pending() == 0, LAB_TIMEOUT, "the cancelled run's answer")


def test_trajectory_is_recorded_per_training_chunk_without_frames(client):
    """A `step` that no frame watched still leaves a path for trajectory directions."""
    sock, inbox, session = client
    step_and_wait(sock, session, 300)
    assert inbox.of("frame") == []
    sock.emit("landscape", {"steps": 11, "directions": "trajectory"})
    result = inbox.wait("landscape_result")[0]
    assert len(result["trajectory"]) >= 3
    assert result["trajectory_epochs"][-1] == 300


def test_a_small_run_of_another_session_finishes_while_a_big_run_is_under_way(connect, lab_runner):
    """The worker serves sessions in turn (app/lab/process.py): a big run no longer
    holds back everyone's small ones until it is done (issue 16)."""
    wait_until(lambda: lab_runner.pending() == 0, LAB_TIMEOUT, "an idle lab")
    sock_a, inbox_a, _ = connect()
    sock_b, inbox_b, _ = connect()
    sock_a.emit("lab", {"action": "run", "seeds": 1000, "epochs": 20000})  # ~1 min
    inbox_a.wait("lab_progress", timeout=LAB_TIMEOUT)  # a's run has started
    sock_b.emit("lab", {"action": "run", "seeds": 4, "epochs": 30})
    second = inbox_b.wait("lab_result", timeout=LAB_TIMEOUT)[0]
    assert inbox_a.of("lab_result") == [], "the big run finished first"
    assert not second["cancelled"] and second["summary"]["n"] == 4
    assert all("waiting" not in p for p in inbox_b.of("lab_progress"))
    sock_a.emit("lab", {"action": "cancel"})
    first = inbox_a.wait("lab_result", timeout=LAB_TIMEOUT)[0]
    assert first["cancelled"]


def test_a_lost_lab_worker_fails_its_run_and_the_next_run_starts_a_new_one(client, lab_runner):
    wait_until(lambda: lab_runner.pending() == 0, LAB_TIMEOUT, "an idle lab")
    sock, inbox, _ = client
    sock.emit("lab", {"action": "run", "seeds": 1000, "epochs": 20000})
    inbox.wait("lab_progress", timeout=LAB_TIMEOUT)
    lab_runner._process.kill()
    error = inbox.wait("error", timeout=LAB_TIMEOUT)[0]
    assert error["event"] == "lab" and "worker stopped" in error["message"]
    sock.emit("lab", {"action": "run", "seeds": 3, "epochs": 20})
    result = inbox.wait("lab_result", timeout=LAB_TIMEOUT)[0]
    assert result["summary"]["n"] == 3 and not result["cancelled"]
