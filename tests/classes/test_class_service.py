"""The app's classroom (app/classes/service.py): in-process without a message queue, on
Redis with one; two apps whose classrooms share a real redis-server behave as two
worker processes. (Flask-SocketIO's test client refuses an app with a message queue,
so these apps have none and their classrooms are put on Redis by hand: what a worker's
classroom is with ``--message-queue``.)"""

from __future__ import annotations

import pytest
from class_helpers import Member, redis_server

from app.classes.bus import LocalBus, RedisBus
from app.classes.redis_store import RedisStore
from app.classes.service import get_classroom
from app.classes.store import LocalStore


@pytest.fixture(scope="module")
def redis_url():
    with redis_server() as url:
        yield url


def test_without_a_message_queue_a_class_lives_in_the_process(class_app):
    room = get_classroom(class_app())
    assert isinstance(room.store, LocalStore) and isinstance(room.bus, LocalBus)


def _on_redis(app, url: str):
    """The app's classroom on Redis's store and bus, as install() makes it with a queue."""
    room = get_classroom(app)
    room.store, room.bus = RedisStore(url), RedisBus(url)
    room.bus.subscribe(room.on_message)
    return app


def test_with_a_message_queue_the_classroom_is_on_redis(class_app, redis_url):
    room = get_classroom(class_app(MESSAGE_QUEUE=redis_url))
    assert isinstance(room.store, RedisStore) and isinstance(room.bus, RedisBus)
    room.bus.close()


def test_two_apps_on_one_redis_share_a_class_as_two_workers_would(class_app, redis_url):
    one, two = _on_redis(class_app(), redis_url), _on_redis(class_app(), redis_url)
    teacher, student = Member(one), Member(two)
    teacher.cls({"action": "create"})
    code = teacher.wait("class_state")["code"]
    student.cls({"action": "join", "code": code})
    assert student.wait("class_state")["pseudonym"] == "Student 1"
    teacher.cls({"action": "push", "config": {"hidden": [3]}, "seeds": "same", "lock": True})
    assert student.wait("state", lambda p: p["config"]["hidden"] == [3])["epoch"] == 0
    student.wait("class_state", lambda p: p["locked"])
    student.client.emit("control", {"action": "play"})
    teacher.wait("class_state", lambda p: p["students"] == 1 and p["results"], timeout=10)
    teacher.cls({"action": "show", "student": "Student 1"})
    assert teacher.wait("class_view")["sizes"] == [2, 3, 1]
    teacher.cls({"action": "leave"})
    assert student.wait("class_ended") == {"code": code, "reason": "left"}
    assert student.session.class_lock is None
    for app in (one, two):
        get_classroom(app).bus.close()


def test_with_its_redis_gone_a_class_action_says_so(class_app):
    with redis_server() as url:
        app = _on_redis(class_app(), url)
        teacher = Member(app)
    teacher.cls({"action": "create"})
    error = teacher.wait("error", timeout=20)
    assert (error["event"], error["field"]) == ("class", "action")
    assert "Redis server does not answer" in error["message"]
    get_classroom(app).bus.close()
