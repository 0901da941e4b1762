"""The wire protocol through Flask-SocketIO's test client (docs/PROTOCOL.md)."""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import pytest
from app_helpers import wait_until

from app.server import get_registry


def n_params(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=False))


def step_and_wait(client, session, epochs):
    target = session.trainer.epoch + epochs
    client.emit("control", {"action": "step", "epochs": epochs})
    wait_until(lambda: session.trainer.epoch >= target, what=f"epoch {target}")


def test_connect_sends_state_first(client):
    _, inbox, _ = client
    events = inbox.pump()
    assert [name for name, _ in events] == ["state"]
    state = events[0][1]
    assert state["status"] == "paused"
    assert state["epoch"] == 0
    assert state["diverged"] is False
    assert state["sizes"][0] == len(state["config"]["features"])
    assert state["sizes"][-1] == 1
    assert isinstance(state["query"], str)


def test_no_frame_before_ready_then_one_per_ready(client):
    sock, inbox, session = client
    step_and_wait(sock, session, 5)  # something to show, but no credit yet
    wait_until(lambda: session.wakeups >= 3, what="the thread to look for work")
    assert inbox.of("frame") == []
    sock.emit("ready")
    frame = inbox.wait("frame")[0]
    assert frame["seq"] == 1
    assert frame["epoch"] == 5
    step_and_wait(sock, session, 3)
    sock.emit("ready")
    frames = inbox.wait("frame", 2)
    assert frames[1]["seq"] == 2 and frames[1]["epoch"] == 8


def test_credits_do_not_accumulate(client):
    sock, inbox, session = client
    # at max speed training never waits for the client (auto would hold the run one
    # frame's worth past the frame it sent: test_an_auto_run_stays_one_frame_ahead...)
    sock.emit("config", {"speed": 0})
    sock.emit("ready")
    inbox.wait("frame")  # the new config's frame: the credit spent, nothing new to show
    # Three credits while paused with nothing new: had they been counted, playing would
    # send three frames. (Sent while playing, a frame could go out between two of them,
    # and the next would then be a fair new credit.)
    sock.emit("ready")
    sock.emit("ready")
    sock.emit("ready")
    sock.emit("control", {"action": "play"})
    second = inbox.wait("frame", 2)[1]
    # Training goes on; without a new credit no third frame may come.
    wait_until(lambda: session.trainer.epoch > second["epoch"] + 50, what="more training")
    wakeups = session.wakeups
    wait_until(lambda: session.wakeups > wakeups + 20, what="the thread to turn over")
    assert len(inbox.of("frame")) == 2
    for k in range(3, 7):
        sock.emit("ready")
        assert inbox.wait("frame", k)[-1]["seq"] == k
    assert len(inbox.of("frame")) == 6


def test_a_paused_session_with_nothing_new_sends_nothing_and_idles(client):
    sock, inbox, session = client
    sock.emit("ready")
    inbox.wait("frame")
    sock.emit("ready")  # held: nothing has changed since the last frame
    wait_until(lambda: session.scheduler.credit and session.idle, what="the thread to sleep")
    idle_from = session.wakeups
    deadline = time.monotonic() + 0.3
    while time.monotonic() < deadline:  # observe: the thread must stay asleep
        time.sleep(0.05)
        assert session.wakeups == idle_from
    assert len(inbox.of("frame")) == 1
    sock.emit("config", {"lr": 0.05})  # a change: the held credit yields a frame
    assert inbox.wait("frame", 2)[1]["seq"] == 2


def test_learning_rate_change_keeps_epoch_and_weights_shape(client):
    sock, inbox, session = client
    step_and_wait(sock, session, 20)
    sock.emit("ready")
    before = inbox.wait("frame")[0]
    sock.emit("config", {"lr": 0.01})
    state = inbox.last("state")
    assert state["config"]["lr"] == 0.01
    assert state["epoch"] == 20
    sock.emit("ready")
    after = inbox.wait("frame", 2)[1]
    assert after["epoch"] == 20
    assert after["train_points"] is None  # not a rebuild
    assert after["weights"] == before["weights"]
    step_and_wait(sock, session, 1)
    assert session.trainer.epoch == 21


def test_a_changes_state_comes_before_any_frame_built_from_it(client):
    """With a credit waiting, a change wakes the session thread to send a frame at once;
    the change's `state` still arrives first (both go out under the send lock), and
    its epoch is the trainer's at the change."""
    sock, inbox, session = client
    for grid in range(21, 41):
        inbox.clear()
        step_and_wait(sock, session, 3)
        sock.emit("ready")  # the steps' frame
        wait_until(lambda: inbox.of("frame"), what="the steps' frame")
        inbox.clear()
        sock.emit("ready")  # and a credit that waits: nothing new to show
        wait_until(
            lambda: session.idle and session.scheduler.credit,
            what="the session idle, holding the credit",
        )
        sock.emit("config", {"grid": grid})
        frame = wait_until(
            lambda g=grid: next(
                (p for e, p in inbox.pump() if e == "frame" and p["grid"] == g), None
            ),
            what=f"a frame at grid {grid}",
        )
        names = [e for e, _ in inbox.events]
        assert names.index("state") < names.index("frame"), names
        state = inbox.of("state")[0]
        assert state["config"]["grid"] == grid and state["epoch"] == frame["epoch"]


def test_shape_change_rebuilds(client):
    sock, inbox, session = client
    step_and_wait(sock, session, 10)
    sock.emit("config", {"hidden": [3, 4]})
    state = inbox.last("state")
    assert state["epoch"] == 0
    assert state["sizes"] == [2, 3, 4, 1]
    sock.emit("ready")
    frame = inbox.wait("frame")[0]
    assert frame["epoch"] == 0
    assert frame["sizes"] == [2, 3, 4, 1]
    assert len(np.frombuffer(frame["weights"], "<f4")) == n_params([2, 3, 4, 1])
    assert frame["train_points"] is not None
    hist_epochs = np.frombuffer(frame["history"]["epoch"], "<u4")
    assert hist_epochs.size == 0 or hist_epochs.max() == 0


def test_rebuild_keeps_playing(client):
    sock, inbox, session = client
    sock.emit("control", {"action": "play"})
    assert inbox.last("state")["status"] == "playing"
    sock.emit("config", {"hidden": [5]})
    state = inbox.last("state")
    assert state["status"] == "playing" and state["sizes"] == [2, 5, 1]
    wait_until(lambda: session.trainer.epoch > 5, what="training after the rebuild")


def test_step_trains_exactly_and_pauses(client):
    sock, inbox, session = client
    sock.emit("control", {"action": "play"})
    sock.emit("control", {"action": "step", "epochs": 7})
    assert inbox.last("state")["status"] == "paused"  # a step stops a play
    # The play may have trained any number of epochs, and the step may be under way:
    # pause to reach a known epoch, then time an exact step from there.
    sock.emit("control", {"action": "pause"})
    start = session.trainer.epoch
    sock.emit("control", {"action": "step", "epochs": 7})
    wait_until(lambda: session.trainer.epoch == start + 7, what="7 epochs")
    sock.emit("ready")
    assert inbox.wait("frame")[0]["epoch"] == start + 7
    assert session.trainer.epoch == start + 7


def test_reset_pauses_and_repeats_the_first_frame(client):
    sock, inbox, session = client
    sock.emit("ready")
    first = inbox.wait("frame")[0]
    step_and_wait(sock, session, 25)
    sock.emit("control", {"action": "play"})
    sock.emit("control", {"action": "reset"})
    state = inbox.last("state")
    assert state["status"] == "paused" and state["epoch"] == 0
    sock.emit("ready")
    again = inbox.wait("frame", 2)[1]
    assert again["epoch"] == 0
    for key in ("surface", "weights", "neurons", "train_points"):
        assert again[key] == first[key], key


def test_regenerate_draws_new_data(client):
    sock, inbox, _ = client
    seed = inbox.last("state")["config"]["data_seed"]
    sock.emit("control", {"action": "regenerate"})
    state = inbox.last("state")
    assert state["config"]["data_seed"] == seed + 1
    assert state["epoch"] == 0


def test_set_weight_and_bias(client):
    sock, inbox, _ = client
    sock.emit("set_weight", {"kind": "weight", "layer": 0, "i": 1, "j": 0, "value": 1.5})
    sock.emit("set_weight", {"kind": "bias", "layer": 1, "i": 0, "value": -2.25})
    assert not inbox.of("error")
    sock.emit("ready")
    frame = inbox.wait("frame")[0]
    sizes = frame["sizes"]
    flat = np.frombuffer(frame["weights"], "<f4")
    w0 = flat[: sizes[0] * sizes[1]].reshape(sizes[0], sizes[1])
    assert w0[1, 0] == pytest.approx(1.5)
    b1_at = sizes[0] * sizes[1] + sizes[1] + sizes[1] * sizes[2]
    assert flat[b1_at] == pytest.approx(-2.25)


def test_speed_paces_training(client):
    sock, _, session = client
    sock.emit("config", {"speed": 50})
    started = time.monotonic()
    sock.emit("control", {"action": "play"})
    wait_until(lambda: session.trainer.epoch >= 10, what="10 epochs")
    # epoch k may not finish before k / speed seconds
    assert time.monotonic() - started >= 10 / 50 * 0.9


def test_the_default_speed_is_auto_and_paces_the_first_epochs(client):
    sock, inbox, session = client
    assert session.trainer.config.speed == -1
    started = time.monotonic()
    sock.emit("control", {"action": "play"})
    wait_until(lambda: session.trainer.epoch >= 60, what="60 epochs")
    # auto pacing: epoch e is due (e + 300)/300 = exp(t/10 s) after play, 1.82 s for 60
    assert time.monotonic() - started >= 10 * math.log(360 / 300) * 0.9


# ---- bad input ----------------------------------------------------------------------------

BIG = 10**30
BAD_MESSAGES = [
    # (event, payload, field named in the error)
    ("config", {"lr": float("nan")}, "lr"),
    ("config", {"lr": float("inf")}, "lr"),
    ("config", {"lr": -float("inf")}, "lr"),
    ("config", {"lr": "0.1"}, "lr"),
    ("config", {"lr": True}, "lr"),
    ("config", {"lr": -1.0}, "lr"),
    ("config", {"lr": None}, "lr"),
    ("config", {"lr": [0.1]}, "lr"),
    ("config", {"n_points": -10}, "n_points"),
    ("config", {"n_points": 3.5}, "n_points"),
    ("config", {"n_points": BIG}, "n_points"),
    ("config", {"hidden": [2] * 100}, "hidden"),
    ("config", {"hidden": [-1]}, "hidden"),
    ("config", {"hidden": ["2"]}, "hidden"),
    ("config", {"hidden": [[2, 2]]}, "hidden"),
    ("config", {"hidden": {"a": 1}}, "hidden"),
    ("config", {"features": []}, "features"),
    ("config", {"features": ["x1", "bogus"]}, "features"),
    ("config", {"dataset": "nope"}, "dataset"),
    ("config", {"activation": {"$gt": ""}}, "activation"),
    ("config", {"grid": 5000}, "grid"),
    ("config", {"no_such_field": 1}, "no_such_field"),
    ("config", {"lr": 0.05, "hidden": [3], "bogus": 1}, "bogus"),  # all or nothing
    ("config", [1, 2, 3], "payload"),
    ("config", "lr=0.1", "payload"),
    ("config", None, "payload"),
    ("config", {str(k): k for k in range(200)}, "payload"),
    ("config", {"optimizer": "x" * 1000}, "optimizer"),
    ("control", {"action": "explode"}, "action"),
    ("control", {"action": ["play"]}, "action"),
    ("control", {}, "action"),
    ("control", "play", "payload"),
    ("control", {"action": "step", "epochs": 0}, "epochs"),
    ("control", {"action": "step", "epochs": -5}, "epochs"),
    ("control", {"action": "step", "epochs": 10**9}, "epochs"),
    ("control", {"action": "step", "epochs": float("nan")}, "epochs"),
    ("control", {"action": "step", "epochs": "3"}, "epochs"),
    ("control", {"action": "play", "epochs": 3}, "epochs"),
    ("control", {"action": "play", "extra": {"nested": [1]}}, "extra"),
    ("set_weight", {"kind": "weight", "layer": 0, "i": 0, "j": 0}, "value"),
    ("set_weight", {"kind": "weight", "layer": 0, "i": 0, "j": 0, "value": float("nan")}, "value"),
    ("set_weight", {"kind": "weight", "layer": 0, "i": 0, "j": 0, "value": 1e6}, "value"),
    ("set_weight", {"kind": "weight", "layer": 0, "i": 0, "j": 0, "value": "1"}, "value"),
    ("set_weight", {"kind": "weight", "layer": 9, "i": 0, "j": 0, "value": 1.0}, "layer"),
    ("set_weight", {"kind": "weight", "layer": 0, "i": 99, "j": 0, "value": 1.0}, "i"),
    ("set_weight", {"kind": "weight", "layer": 0, "i": 0, "j": -1, "value": 1.0}, "j"),
    ("set_weight", {"kind": "weight", "layer": True, "i": 0, "j": 0, "value": 1.0}, "layer"),
    ("set_weight", {"kind": "bias", "layer": 0, "i": 0, "j": 0, "value": 1.0}, "j"),
    ("set_weight", {"kind": "neuron", "layer": 0, "i": 0, "value": 1.0}, "kind"),
    ("set_weight", [0, 0, 0, 1.0], "payload"),
    ("ready", {"credits": 100}, "payload"),
    ("launch_missiles", {}, "event"),
]


@pytest.mark.parametrize(
    ("event", "payload", "field"),
    BAD_MESSAGES,
    ids=[f"{e}-{f}-{i}" for i, (e, _, f) in enumerate(BAD_MESSAGES)],
)
def test_bad_message_gets_an_error_and_changes_nothing(client, event, payload, field):
    sock, inbox, session = client
    sock.emit("control", {"action": "play"})
    wait_until(lambda: session.trainer.epoch > 0, what="training")
    before = inbox.last("state")
    weights_before = session.state()["sizes"]
    inbox.clear()
    sock.emit(event, payload)
    errors = inbox.of("error")
    assert len(errors) == 1, errors
    assert errors[0]["event"] == event
    assert errors[0]["field"] == field
    assert errors[0]["message"]
    assert inbox.of("state") == []  # a refused message is not answered by state
    now = session.state()
    assert now["config"] == before["config"]
    assert now["status"] == "playing" and now["sizes"] == weights_before
    # ...and the session goes on: training advances and a frame still comes.
    epoch = session.trainer.epoch
    wait_until(lambda: session.trainer.epoch > epoch, what="training to go on")
    sock.emit("ready")
    assert inbox.wait("frame")[0]["sizes"] == weights_before
    assert sock.is_connected()


def test_extra_arguments_are_refused(client):
    sock, inbox, _ = client
    sock.emit("config", {"lr": 0.2}, {"lr": 0.3})
    assert inbox.of("error")[-1]["field"] == "payload"
    assert inbox.last("state")["config"]["lr"] != 0.3


def test_integral_float_accepted_for_an_integer(client):
    sock, inbox, _ = client
    sock.emit("config", {"grid": 32.0})
    assert not inbox.of("error")
    assert inbox.last("state")["config"]["grid"] == 32


def test_reserved_event_names_do_not_end_the_session(client):
    sock, inbox, session = client
    sock.emit("disconnect")
    sock.emit("connect")
    assert [e["field"] for e in inbox.of("error")] == ["event", "event"]
    assert session.thread.is_alive()
    sock.emit("ready")
    inbox.wait("frame")


# ---- sessions -----------------------------------------------------------------------------


def test_disconnect_ends_the_thread(app, connect):
    baseline = {t.ident for t in threading.enumerate()}
    sock, _, session = connect()
    sock.emit("control", {"action": "play"})
    wait_until(lambda: session.trainer.epoch > 0, what="training")
    assert session.thread.is_alive()
    sock.disconnect()
    session.thread.join(1.0)
    assert not session.thread.is_alive()
    assert get_registry(app).get(session.sid) is None
    wait_until(
        lambda: {t.ident for t in threading.enumerate()} <= baseline,
        timeout=2,
        what="the thread count to return",
    )


def test_each_client_has_its_own_session(connect):
    a_sock, a_inbox, a = connect()
    b_sock, b_inbox, b = connect()
    assert a is not b and a.trainer is not b.trainer
    a_sock.emit("config", {"hidden": [6]})
    b_sock.emit("config", {"lr": float("nan")})
    assert a_inbox.last("state")["sizes"] == [2, 6, 1]
    assert b_inbox.of("error") and not a_inbox.of("error")
    assert b.state()["sizes"] != [2, 6, 1]


def test_session_cap_refuses_with_a_clear_message(make_app):
    from app import get_socketio

    app = make_app(MAX_SESSIONS=2)
    sio = get_socketio(app)
    first, second = sio.test_client(app), sio.test_client(app)
    third = sio.test_client(app)
    try:
        assert first.is_connected() and second.is_connected()
        assert not third.is_connected()
        assert len(get_registry(app)) == 2
        first.disconnect()
        fourth = sio.test_client(app)
        assert fourth.is_connected()
        fourth.disconnect()
    finally:
        for c in (first, second):
            if c.is_connected():
                c.disconnect()


def test_state_names_the_data_settings_the_data_set_ignores(client):
    sock, inbox, session = client
    state = session.state()
    assert set(state["ignored"]) == {"n_points", "train_share", "data_seed"}  # exact xor4
    sock.emit("config", {"dataset": "circle"})
    state = wait_until(
        lambda: next((s for s in inbox.of("state") if s["config"]["dataset"] == "circle"), None),
        what="state for circle",
    )
    assert set(state["ignored"]) == {"xor4_sample"}


def test_an_auto_run_stays_one_frame_ahead_of_a_page_that_takes_no_frame(client):
    """Auto pacing follows the viewer (app/pacing.py): with its frame credit out, a run
    goes at most one frame's worth of epochs (1 at the start) past the last frame sent,
    then sleeps until the page asks for the next frame."""
    sock, inbox, session = client
    sock.emit("ready")
    assert inbox.wait("frame")[0]["epoch"] == 0
    sock.emit("control", {"action": "play"})
    wait_until(lambda: session.idle and session.trainer.epoch == 1, what="held at epoch 1")
    sock.emit("ready")
    assert inbox.wait("frame", 2)[1]["epoch"] == 1
    wait_until(lambda: session.idle and session.trainer.epoch == 2, what="held at epoch 2")
    # max never waits for the page
    sock.emit("config", {"speed": 0})
    wait_until(lambda: session.trainer.epoch > 100, what="training on at max")


def test_a_schedule_set_live_starts_at_the_next_epoch_and_frames_carry_its_rate(client):
    """StepLR(2, 0.5) set at epoch 10 from lr 0.4: epochs 10, 11 train at 0.4, 12, 13 at
    0.2 (by hand); the frame's history carries those rates, the URL the schedule."""
    sock, inbox, session = client
    sock.emit("config", {"optimizer": "sgd", "lr": 0.4})
    step_and_wait(sock, session, 10)
    sock.emit("config", {"lr_schedule": "step", "step_size": 2, "gamma": 0.5})
    state = inbox.last("state")
    assert "lr_schedule=step" in state["query"] and state["epoch"] == 10
    step_and_wait(sock, session, 4)
    sock.emit("ready")
    history = inbox.wait("frame")[-1]["history"]
    epochs = np.frombuffer(history["epoch"], "<u4").tolist()
    rates = dict(zip(epochs, np.frombuffer(history["lr"], "<f4").tolist(), strict=True))
    assert [rates[e] for e in (10, 11, 12, 13)] == pytest.approx([0.4, 0.4, 0.2, 0.2])
    sock.emit("config", {"lr_schedule": "onecycle", "total_steps": 2, "pct_start": 0.3})
    error = inbox.last("error")
    assert error["field"] in ("pct_start", "total_steps")
    assert "pct_start × total_steps" in error["message"]
