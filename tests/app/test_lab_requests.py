"""The lab's requests checked (app/lab/requests.py), without a server: what a client
may ask comes out typed, and a bad request is refused naming its field."""

from __future__ import annotations

import pytest

from app.lab.requests import (
    Axis,
    Cancel,
    LabRequest,
    LandscapeRequest,
    PhaseRequest,
    parse_lab,
    parse_landscape,
    parse_phase,
)
from app.validation import ValidationError


def test_a_lab_run_comes_out_typed():
    request = parse_lab({"action": "run", "seeds": 12, "epochs": 200, "against": {"lr": 1}})
    assert request == LabRequest(seeds=12, epochs=200, loss_below=None, against={"lr": 1})
    assert parse_lab({"action": "run", "seeds": 1, "epochs": 1, "loss_below": 0}).loss_below == 0.0
    assert parse_lab({"action": "cancel"}) == Cancel()


def test_a_phase_request_comes_out_with_its_axes():
    request = parse_phase(
        {
            "action": "run",
            "seeds": 4,
            "epochs": 50,
            "x": {"key": "lr", "values": [1, 0.5]},
            "y": {"key": "units", "values": [2, 5.0]},
        }
    )
    assert isinstance(request, PhaseRequest)
    # lr is a float setting: its values become floats; units are whole numbers
    assert request.x == Axis("lr", (1.0, 0.5)) and type(request.x.values[0]) is float
    assert request.y == Axis("units", (2, 5)) and type(request.y.values[1]) is int
    assert parse_phase({"action": "cancel"}) == Cancel()


def test_a_landscape_request_has_its_defaults():
    assert parse_landscape(None) == LandscapeRequest(steps=41, span=1.0, directions="random")
    assert parse_landscape({"steps": 11, "directions": "trajectory"}) == LandscapeRequest(
        11, 1.0, "trajectory"
    )


@pytest.mark.parametrize(
    ("parse", "payload", "field"),
    [
        (parse_lab, {"action": "run", "seeds": 0, "epochs": 10}, "seeds"),
        (parse_lab, {"action": "run", "seeds": 5}, "epochs"),
        (parse_lab, {"action": "run", "seeds": 5, "epochs": 5, "loss_below": "x"}, "loss_below"),
        (parse_lab, {"action": "run", "seeds": 5, "epochs": 5, "against": [1]}, "against"),
        (parse_lab, {"action": "go"}, "action"),
        (parse_lab, {"action": "cancel", "epochs": 3}, "epochs"),
        (
            parse_phase,
            {
                "action": "run",
                "seeds": 2,
                "epochs": 2,
                "x": {"key": "lr", "values": [0.1, 0.2]},
                "y": {"key": "lr", "values": [0.3, 0.4]},
            },
            "y",
        ),
        (
            parse_phase,
            {
                "action": "run",
                "seeds": 2,
                "epochs": 2,
                "x": {"key": "seed", "values": [1, 2]},
                "y": {"key": "lr", "values": [0.3, 0.4]},
            },
            "x",
        ),
        (parse_landscape, {"steps": 100}, "steps"),
        (parse_landscape, {"span": float("nan")}, "span"),
        (parse_landscape, {"directions": "pca"}, "directions"),
    ],
)
def test_a_bad_request_is_refused_naming_its_field(parse, payload, field):
    with pytest.raises(ValidationError) as refused:
        parse(payload)
    assert refused.value.field == field


def _phase_over(values) -> dict:
    return {
        "action": "run",
        "seeds": 2,
        "epochs": 2,
        "x": {"key": "activation", "values": values},
        "y": {"key": "lr", "values": [0.1, 0.3]},
    }


def test_an_activation_axis_takes_names_and_one_name_per_layer():
    request = parse_phase(_phase_over(["relu", ["relu", "tanh"], ["tanh", "tanh"]]))
    assert isinstance(request, PhaseRequest)
    assert request.x == Axis("activation", ("relu", ("relu", "tanh"), ("tanh", "tanh")))


@pytest.mark.parametrize(
    ("values", "words"),
    [
        (["relu"], "a list of 2 to 12 activations"),
        ("relu,tanh", "a list of 2 to 12 activations"),
        (["relu", "cosine"], "one of"),
        (["relu", ["relu", 3]], "among"),
        (["relu", ["relu"]], "each value once"),
        (["tanh", ["tanh", "tanh"]], "each value once"),  # the same set-up
    ],
)
def test_a_bad_activation_axis_is_refused_naming_the_axis(values, words):
    with pytest.raises(ValidationError, match=words) as refused:
        parse_phase(_phase_over(values))
    assert refused.value.field == "x"
