"""Fixtures for the class-mode tests: apps whose classes live in-process."""

from __future__ import annotations

import pytest

from app import create_app
from app.classes.service import get_classroom
from app.lab import get_runner
from app.server import get_registry


@pytest.fixture()
def class_app():
    """``make(**config)`` -> an app (in-process classes), torn down after the test."""
    made = []

    def make(**overrides):
        app = create_app({"MAX_FPS": 1000, "MAX_SESSIONS": 64, **overrides})
        made.append(app)
        return app

    yield make
    for app in made:
        sessions = get_registry(app).all()
        for s in sessions:
            s.stop()
        for s in sessions:
            s.thread.join(2)
        get_runner(app).stop()
        get_classroom(app).ticker.stop()
