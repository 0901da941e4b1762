"""engine.layout: positions in the flat vector, worked by hand from the layout
``[W1 (2·3) | b1 (3) | W2 (3·1) | b2 (1)]`` of sizes [2, 3, 1]."""

import pytest

from engine.layout import Layout


def test_position_of_weights_and_biases():
    layout = Layout([2, 3, 1])
    assert layout.position(0, "weight", 0, 0) == 0
    assert layout.position(0, "weight", 1, 2) == 5  # row 1 of W1 starts at 3
    assert layout.position(0, "bias", 2) == 8  # b1 = columns 6..8
    assert layout.position(1, "weight", 2, 0) == 11  # W2 = columns 9..11
    assert layout.position(1, "bias", 0) == 12
    assert layout.n_params == 13


def test_weight_position_without_column_is_refused():
    # mypy found it: j defaults to None, which only a bias may leave out
    with pytest.raises(TypeError, match="column j"):
        Layout([2, 3, 1]).position(0, "weight", 1)
