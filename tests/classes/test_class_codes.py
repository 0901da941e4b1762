"""Class codes and keys (app/classes/codes.py)."""

from __future__ import annotations

import pytest

from app.classes.codes import ALPHABET, CODE_LENGTH, check_key, new_code, new_key, normalize
from app.validation import ValidationError


def test_codes_are_six_signs_without_look_alikes_and_differ():
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == CODE_LENGTH >= 6 and set(code) <= set(ALPHABET)
    assert not set(ALPHABET) & set("0O1IL") and len(ALPHABET) == 31
    # every sign turns up: drawn from the whole alphabet
    assert set("".join(codes)) == set(ALPHABET)


def test_a_typed_code_is_read_in_any_case_without_spaces_or_dashes():
    assert normalize(" k7q-x2m ") == "K7QX2M"
    assert normalize("K7Q X2M") == "K7QX2M"


@pytest.mark.parametrize("bad", [None, 5, "", "abc", "x" * 17, "a" * 65, ["K7QX2M"]])
def test_a_code_that_is_not_a_short_text_is_refused_naming_code(bad):
    with pytest.raises(ValidationError) as err:
        normalize(bad)
    assert err.value.field == "code"


def test_keys_are_long_random_text_and_checked_on_join():
    assert len(new_key()) == 22 and new_key() != new_key()
    assert check_key(None) is None and check_key("abc") == "abc"
    for bad in (5, "", "k" * 65):
        with pytest.raises(ValidationError) as err:
            check_key(bad)
        assert err.value.field == "key"
