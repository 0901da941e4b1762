"""Payload checks that do not need a server."""

from __future__ import annotations

import pytest

from app.validation import (
    ValidationError,
    as_int,
    as_number,
    parse_config,
    parse_control,
    parse_set_weight,
)
from engine import Config, PlaygroundError


@pytest.mark.parametrize(
    "value", [True, False, "3", None, [3], {"v": 3}, 3.5, float("nan"), float("inf"), 11, -1]
)
def test_as_int_refuses(value):
    with pytest.raises(ValidationError) as err:
        as_int("n", value, 0, 10)
    assert err.value.field == "n"


def test_as_int_accepts_integral_floats():
    assert as_int("n", 3.0, 0, 10) == 3
    assert as_int("n", 10, 0, 10) == 10


@pytest.mark.parametrize("value", [True, "1", None, float("nan"), float("-inf"), 101.0])
def test_as_number_refuses(value):
    with pytest.raises(ValidationError):
        as_number("value", value, 100)


def test_parse_control():
    assert parse_control({"action": "play"}) == ("play", 0)
    assert parse_control({"action": "step"}) == ("step", 1)
    assert parse_control({"action": "step", "epochs": 250.0}) == ("step", 250)


def test_parse_set_weight_reads_the_wire_and_leaves_the_network_to_the_engine():
    weight = {"kind": "weight", "layer": 1, "i": 2, "j": 0, "value": -1}
    assert parse_set_weight(weight) == (1, "weight", 2, 0, -1.0)
    assert parse_set_weight({"kind": "bias", "layer": 0, "i": 2, "value": 0.5}) == (
        0,
        "bias",
        2,
        None,
        0.5,
    )
    # a unit past the layer's width passes here: the engine refuses it (one place)
    assert parse_set_weight({"kind": "bias", "layer": 9, "i": 99, "value": 0})[:3] == (
        9,
        "bias",
        99,
    )
    with pytest.raises(ValidationError, match="j is missing"):
        parse_set_weight({"kind": "weight", "layer": 0, "i": 1, "value": 0})
    with pytest.raises(ValidationError, match="value"):
        parse_set_weight({"kind": "weight", "layer": 0, "i": 1, "j": 0, "value": 1e6})


def test_parse_config_is_all_or_nothing_and_leaves_current_alone():
    current = Config()
    new = parse_config({"lr": 0.05, "hidden": [3, 3]}, current)
    assert new.lr == 0.05 and list(new.hidden) == [3, 3]
    assert current.to_dict() == Config().to_dict()
    # the engine's refusal travels as it is (one error family, no translation)
    with pytest.raises(PlaygroundError) as err:
        parse_config({"lr": 0.05, "hidden": [3, 3], "grid": -4}, current)
    assert err.value.field == "grid"


def test_parse_config_integral_floats_in_int_fields():
    assert parse_config({"grid": 40.0}, Config()).grid == 40
    assert list(parse_config({"hidden": [4.0, 2.0]}, Config()).hidden) == [4, 2]
    with pytest.raises(PlaygroundError) as err:
        parse_config({"grid": 40.5}, Config())
    assert err.value.field == "grid"


def test_a_wire_refusal_is_of_the_engines_error_family():
    assert issubclass(ValidationError, PlaygroundError)
