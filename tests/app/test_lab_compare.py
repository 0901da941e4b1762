"""The restart lab against a pinned set-up (``lab`` ``against``, docs/PROTOCOL.md): both
set-ups on the same seeds, and whether their success rates differ beyond chance.

The lab's numbers are held against the engine's own sweep of each set-up (what the
wire must deliver); the statistics themselves are tested in tests/engine/test_compare.py.
"""

from __future__ import annotations

from app_helpers import wait_until

from engine import Config, sweep

LAB_TIMEOUT = 120.0
CURRENT = {
    "dataset": "xor4",
    "hidden": [2],
    "activation": "relu",
    "optimizer": "sgd",
    "lr": 0.3,
    "seed": 5,
}
PINNED = {**CURRENT, "hidden": [5], "seed": 40}  # its own seed is not the lab's


def test_a_pinned_set_up_runs_on_the_same_seeds_and_is_compared(connect):
    client, inbox, _ = connect()
    client.emit("config", CURRENT)
    inbox.wait("state", 2)
    client.emit("lab", {"action": "run", "seeds": 24, "epochs": 300, "against": PINNED})
    result = inbox.wait("lab_result", timeout=LAB_TIMEOUT)[0]
    compare = result["compare"]
    assert compare["config"]["hidden"] == [5] and compare["config"]["seed"] == 5
    base = Config.from_dict({**Config().to_dict(), **CURRENT})
    mine = sweep(base, seeds=24, epochs=300)
    theirs = sweep(base.replace({"hidden": [5]}), seeds=24, epochs=300)
    assert result["summary"]["successes"] == mine.summary()["successes"]
    assert compare["summary"]["successes"] == theirs.summary()["successes"]
    test = compare["test"]
    assert test["n"] == 24
    assert test["a"]["successes"] == mine.summary()["successes"]
    assert test["b"]["successes"] == theirs.summary()["successes"]
    only_a = sum(
        a == "solved" and b != "solved" for a, b in zip(mine.outcome, theirs.outcome, strict=True)
    )
    assert test["only_a"] == only_a
    assert test["differ"] == (test["p_value"] < 0.05)


def test_a_bad_set_up_to_compare_with_is_refused_naming_its_field(connect):
    client, inbox, _ = connect()
    client.emit("lab", {"action": "run", "seeds": 4, "epochs": 10, "against": {"lr": -1}})
    assert inbox.wait("error")[0]["field"] == "lr"
    client.emit("lab", {"action": "run", "seeds": 4, "epochs": 10, "against": [1]})
    wait_until(lambda: len(inbox.of("error")) == 2, what="a second error")
    assert inbox.of("error")[1]["field"] == "against"
    assert not inbox.of("lab_result")


def test_per_layer_activations_run_in_the_lab_and_as_the_set_up_compared_with(connect):
    """The seeds' question on 2-2-2-1 xor4: ReLU in both hidden layers, against ReLU
    then tanh, on the same seeds; each side is the engine's own sweep of its set-up."""
    client, inbox, session = connect()
    both_relu = {**CURRENT, "hidden": [2, 2], "activation": ["relu", "relu"]}
    client.emit("config", both_relu)
    wait_until(lambda: session.trainer.config.hidden == (2, 2), what="the 2-2-2-1 set-up")
    against = {"activation": ["relu", "tanh"]}
    client.emit("lab", {"action": "run", "seeds": 24, "epochs": 300, "against": against})
    result = inbox.wait("lab_result", timeout=LAB_TIMEOUT)[0]
    assert result["compare"]["config"]["activation"] == ["relu", "tanh"]
    base = Config.from_dict({**Config().to_dict(), **both_relu})
    assert base.activation == "relu"  # equal names are one name
    mine = sweep(base, seeds=24, epochs=300)
    theirs = sweep(base.replace(against), seeds=24, epochs=300)
    assert result["summary"]["successes"] == mine.summary()["successes"]
    assert result["compare"]["summary"]["successes"] == theirs.summary()["successes"]
    assert [r["outcome"] for r in result["runs"]] == list(mine.outcome)


def test_a_per_layer_list_of_the_wrong_length_to_compare_with_names_activation(connect):
    client, inbox, _ = connect()
    against = {"hidden": [2, 2], "activation": ["relu", "tanh", "elu"]}
    client.emit("lab", {"action": "run", "seeds": 4, "epochs": 10, "against": against})
    error = inbox.wait("error")[0]
    assert error["field"] == "activation" and "3 names" in error["message"]
    assert not inbox.of("lab_result")
