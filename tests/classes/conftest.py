"""Fixtures for the class-mode tests: apps whose classes live in-process."""

from __future__ import annotations

import pytest


@pytest.fixture()
def class_app(make_app):
    """``make(**config)`` -> an app (in-process classes, room for 64 sessions: a class),
    torn down after the test (tests/conftest.py's ``make_app``)."""

    def make(**overrides):
        return make_app(**{"MAX_SESSIONS": 64, **overrides})

    return make
