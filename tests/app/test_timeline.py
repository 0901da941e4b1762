"""The timeline's events, ``rewind`` and ``fork`` (app/timeline.py), through
Flask-SocketIO's test client: the frame of a kept epoch, and going on from it.

Expected surfaces come from fresh engine runs stepped to the epoch (engine.Trainer),
not from the session's kept numbers."""

from __future__ import annotations

import numpy as np
import pytest
from app_helpers import wait_until

from app.timeline import MAX_REWINDS_PER_SECOND
from engine import Config, Trainer


def step_and_wait(client, session, epochs):
    target = session.trainer.epoch + epochs
    client.emit("control", {"action": "step", "epochs": epochs})
    wait_until(lambda: session.trainer.epoch >= target, what=f"epoch {target}")


def fresh_surface(config: Config, epoch: int) -> np.ndarray:
    trainer = Trainer(config)
    trainer.step(epoch)
    return np.asarray(trainer.frame(config.grid).surface, np.float64)


def decoded(frame) -> np.ndarray:
    q = np.frombuffer(frame["surface"], np.uint8).astype(np.float64)
    lo, hi = frame["surface_range"]
    return (lo + q / 255.0 * (hi - lo)).reshape(frame["grid"], frame["grid"])


def test_rewind_answers_with_the_frame_of_that_epoch_and_leaves_the_run(client):
    sock, inbox, session = client
    step_and_wait(sock, session, 300)
    config = session.trainer.config
    inbox.clear()
    sock.emit("rewind", {"epoch": 40})
    frame = inbox.wait("frame")[0]
    assert frame["rewound"] is True and frame["epoch"] == 40 and frame["live_epoch"] == 300
    assert frame["status"] == "paused"
    expected = fresh_surface(config, 40)
    # 8-bit quantised over the surface's own range: within half a step
    step = (expected.max() - expected.min()) / 255
    np.testing.assert_allclose(decoded(frame), expected, atol=step / 2 + 1e-6)
    assert session.trainer.epoch == 300  # untouched
    # that epoch's own diagnostics: a gradient norm per weight layer of its network
    sizes = frame["sizes"]
    assert len(frame["diagnostics"]["grad_norms"]) == len(sizes) - 1


def test_rewind_snaps_to_the_nearest_kept_epoch_and_pauses_a_playing_run(client):
    sock, inbox, session = client
    step_and_wait(sock, session, 400)
    sock.emit("control", {"action": "play"})
    wait_until(lambda: session.playing, what="playing")
    inbox.clear()
    sock.emit("rewind", {"epoch": 290})  # kept: 250, 300 (every 50th past 100)
    frame = next(f for f in inbox.wait("frame", 1) if f.get("rewound"))
    assert frame["epoch"] == 300
    assert inbox.last("state")["status"] == "paused"
    assert not session.playing


def test_fork_goes_on_from_the_kept_epoch_as_a_fresh_run_would(client):
    sock, inbox, session = client
    step_and_wait(sock, session, 200)
    config = session.trainer.config
    sock.emit("fork", {"epoch": 100})
    wait_until(lambda: session.trainer.epoch == 100, what="the fork")
    assert inbox.last("state")["epoch"] == 100
    step_and_wait(sock, session, 25)
    expected = Trainer(config)
    expected.step(125)
    np.testing.assert_array_equal(session.trainer.net.flat, expected.net.flat)


def test_live_changes_reach_the_page_in_state(client):
    sock, inbox, session = client
    step_and_wait(sock, session, 30)
    sock.emit("config", {"lr": 0.01})
    wait_until(lambda: inbox.of("state") and inbox.last("state")["changes"], what="changes")
    assert inbox.last("state")["changes"] == [{"epoch": 30, "reason": "change", "fields": ["lr"]}]


@pytest.mark.parametrize(
    ("event", "payload", "field"),
    [
        ("rewind", None, "payload"),
        ("rewind", {}, "epoch"),
        ("rewind", {"epoch": -1}, "epoch"),
        ("rewind", {"epoch": 1.5}, "epoch"),
        ("rewind", {"epoch": 10**12}, "epoch"),
        ("rewind", {"epoch": 3, "x": 1}, "x"),
        ("fork", {"epoch": "3"}, "epoch"),
    ],
)
def test_bad_payloads_are_refused_naming_the_field(client, event, payload, field):
    sock, inbox, session = client
    sock.emit(event, payload)
    error = inbox.wait("error")[0]
    assert error["event"] == event and error["field"] == field, error
    assert session.trainer.epoch == 0


def test_rewinds_faster_than_the_limit_are_refused(client):
    sock, inbox, session = client
    step_and_wait(sock, session, 20)
    inbox.clear()
    for epoch in range(1, 41):
        sock.emit("rewind", {"epoch": epoch})
    answered = [f for f in inbox.of("frame") if f.get("rewound")]
    refused = [e for e in inbox.of("error") if e["event"] == "rewind"]
    assert len(answered) + len(refused) == 40
    # the test client is synchronous: 40 rewinds arrive within far less than a second
    assert refused and f"at most {MAX_REWINDS_PER_SECOND} a second" in refused[0]["message"]
