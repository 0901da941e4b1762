"""The ``code`` event (the page's "Code" button): the run as a standalone script.

The NumPy script, run in a subprocess with only NumPy, prints the training loss at
every epoch; held against the session's own history (the engine's numbers, which the
script's code never touched), it must agree to 1e-10 relative.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from app_helpers import wait_until


def test_the_numpy_script_trains_the_sessions_run_to_its_losses(connect, tmp_path):
    client, inbox, session = connect()
    client.emit(
        "config",
        {
            "dataset": "circle",
            "hidden": [4],
            "activation": "tanh",
            "optimizer": "adam",
            "batch_size": 10,
            "seed": 3,
        },
    )
    inbox.wait("state", 2)
    client.emit("control", {"action": "step", "epochs": 60})
    wait_until(lambda: session.trainer.epoch == 60, what="epoch 60")
    client.emit("code", {"target": "numpy"})
    answer = inbox.wait("code")[0]
    assert answer["target"] == "numpy" and answer["name"].endswith(".py")
    path = tmp_path / answer["name"]
    path.write_text(answer["script"])
    out = subprocess.run(
        [sys.executable, str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    printed = json.loads(out.stdout)
    history = session.trainer.history
    mine = dict(zip(history["epoch"].tolist(), history["train_loss"][:, 0], strict=True))
    epochs = [e for e in printed["epochs"] if e in mine]
    assert epochs[-1] == 60 and len(epochs) > 50
    np.testing.assert_allclose(
        [printed["loss"][printed["epochs"].index(e)] for e in epochs],
        [mine[e] for e in epochs],
        rtol=1e-10,
    )


@pytest.mark.parametrize("payload", [{"target": "julia"}, {}, {"target": 3}])
def test_an_unknown_target_is_refused_naming_target(connect, payload):
    client, inbox, _ = connect()
    client.emit("code", payload)
    error = inbox.wait("error")[0]
    assert error["event"] == "code" and error["field"] == "target"
    assert not inbox.of("code")
