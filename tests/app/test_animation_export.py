"""The Runs panel's Animation (app/animation_export.py): a GIF of the session's run,
through Flask-SocketIO's test client, within its limits."""

from __future__ import annotations

import io

from app_helpers import wait_until
from PIL import Image


def test_the_run_comes_back_as_a_gif_of_its_kept_epochs(client):
    sock, inbox, session = client
    sock.emit("control", {"action": "step", "epochs": 120})
    wait_until(lambda: session.trainer.epoch >= 120, what="epoch 120")
    sock.emit("animation")
    answer = inbox.wait("animation")[0]
    assert answer["epoch"] == 120 and answer["name"].endswith("-epoch-120.gif")
    with Image.open(io.BytesIO(answer["file"])) as gif:
        assert gif.n_frames == answer["frames"] >= 30
        assert gif.size == (480, 240)
    assert session.trainer.epoch == 120  # drawn from a copy


def test_a_second_request_at_once_is_refused_and_a_payload_too(client):
    sock, inbox, session = client
    sock.emit("animation", {"size": 4000})
    assert inbox.wait("error")[0]["field"] == "payload"
    sock.emit("animation")
    sock.emit("animation")
    inbox.wait("animation")
    refused = [e for e in inbox.of("error") if e["event"] == "animation"]
    assert refused and "one animation at a time" in refused[-1]["message"]
