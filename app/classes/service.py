"""One :class:`~app.classes.classroom.Classroom` per app, on the store and bus its
``MESSAGE_QUEUE`` setting asks for: Redis when it names a ``redis://`` server (every
process shares the classes), else this process alone."""

from __future__ import annotations

from flask import Flask

from .bus import LocalBus
from .classroom import Classroom, Sessions
from .store import CLASS_SIZE, LocalStore

EXTENSION = "playground.classes"


def install(app: Flask, sessions: Sessions) -> Classroom:
    """Make the app's classroom (``CLASS_SIZE``, ``MESSAGE_QUEUE``) and keep it in
    ``app.extensions``."""
    url = app.config.get("MESSAGE_QUEUE")
    if url:
        from .bus import RedisBus
        from .redis_store import RedisStore

        classroom = Classroom(RedisStore(url), RedisBus(url), sessions, _size(app))
    else:
        classroom = Classroom(LocalStore(), LocalBus(), sessions, _size(app))
    app.extensions[EXTENSION] = classroom
    return classroom


def _size(app: Flask) -> int:
    return int(app.config.get("CLASS_SIZE") or CLASS_SIZE)


def get_classroom(app: Flask) -> Classroom:
    """The classroom ``install`` made for ``app``."""
    return app.extensions[EXTENSION]
