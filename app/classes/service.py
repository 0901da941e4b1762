"""One :class:`~app.classes.classroom.Classroom` per app, on the store and bus its
``MESSAGE_QUEUE`` setting asks for: Redis when it names a ``redis://`` server (every
process shares the classes), else this process alone."""

from __future__ import annotations

from flask import Flask

from .bus import LocalBus, RedisBus
from .classroom import Classroom, Sessions
from .store import CLASS_SIZE, ClassStore, LocalStore

EXTENSION = "playground.classes"


def install(app: Flask, sessions: Sessions) -> Classroom:
    """Make the app's classroom (``CLASS_SIZE``, ``MESSAGE_QUEUE``) and keep it in
    ``app.extensions``."""
    url = app.config.get("MESSAGE_QUEUE")
    activity = app.extensions.get("playground.activity")  # app/idle.py's, made before
    keep_alive = None if activity is None else (lambda sid: activity.touch(sid, message=False))
    if url:
        from .redis_store import RedisStore

        store: ClassStore = RedisStore(url)
        bus: LocalBus | RedisBus = RedisBus(url)
    else:
        store, bus = LocalStore(), LocalBus()
    classroom = Classroom(store, bus, sessions, _size(app))
    if keep_alive is not None:
        classroom.keep_alive = keep_alive
    app.extensions[EXTENSION] = classroom
    return classroom


def _size(app: Flask) -> int:
    return int(app.config.get("CLASS_SIZE") or CLASS_SIZE)


def get_classroom(app: Flask) -> Classroom:
    """The classroom ``install`` made for ``app``."""
    return app.extensions[EXTENSION]
