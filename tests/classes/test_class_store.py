"""A class's state (app/classes/store.py in one process, app/classes/redis_store.py in
a real redis-server): the same behaviour from both."""

from __future__ import annotations

import pytest
from class_helpers import redis_server

from app.classes.store import (
    JOIN_FAILURES,
    JOIN_WINDOW,
    STUDENT_STALE,
    ClassFull,
    LocalStore,
)


@pytest.fixture(scope="module")
def redis_url():
    with redis_server() as url:
        yield url


@pytest.fixture(params=["local", "redis"])
def store(request):
    if request.param == "local":
        return LocalStore(clock=lambda: 0.0)  # the tests give the times
    from app.classes.redis_store import RedisStore

    made = RedisStore(request.getfixturevalue("redis_url"))
    made.redis.flushdb()
    return made


def test_a_code_is_created_once_and_its_meta_read_back(store):
    assert store.create("ABCDEF", "tkey", 100.0)
    assert not store.create("ABCDEF", "other", 101.0)
    meta = store.meta("ABCDEF")
    assert meta["teacher_key"] == "tkey" and meta["teacher_seen"] == 100.0
    assert (meta["push"], meta["locked"]) == (None, False)
    store.update_meta("ABCDEF", {"push": {"seeds": "each"}, "locked": True})
    meta = store.meta("ABCDEF")
    assert meta["push"] == {"seeds": "each"} and meta["locked"] is True
    assert store.meta("ZZZZZZ") is None


def test_students_are_numbered_in_order_and_a_key_gets_its_place_back(store):
    store.create("ABCDEF", "t", 0.0)
    assert store.admit("ABCDEF", None, "k1", 3, 10.0) == ("k1", 1)
    assert store.admit("ABCDEF", "unknown", "k2", 3, 10.0) == ("k2", 2)
    assert store.admit("ABCDEF", "k1", "k9", 3, 11.0) == ("k1", 1)
    present = store.present("ABCDEF", 11.0)
    assert [(s["number"], s["key"]) for s in present] == [(1, "k1"), (2, "k2")]


def test_a_full_class_refuses_a_new_student_but_not_a_returning_one(store):
    store.create("ABCDEF", "t", 0.0)
    store.admit("ABCDEF", None, "k1", 2, 10.0)
    store.admit("ABCDEF", None, "k2", 2, 10.0)
    with pytest.raises(ClassFull) as err:
        store.admit("ABCDEF", None, "k3", 2, 10.0)
    assert err.value.field == "code"
    assert store.admit("ABCDEF", "k2", "k4", 2, 10.0) == ("k2", 2)


def test_a_student_not_seen_for_a_while_is_not_counted_and_its_place_is_free(store):
    store.create("ABCDEF", "t", 0.0)
    store.admit("ABCDEF", None, "k1", 1, 10.0)
    store.heartbeat("ABCDEF", {"k1": {"number": 1, "result": {"epoch": 3}}}, 12.0)
    assert store.present("ABCDEF", 12.0 + STUDENT_STALE)[0]["result"] == {"epoch": 3}
    assert store.present("ABCDEF", 12.1 + STUDENT_STALE) == []
    assert store.admit("ABCDEF", None, "k2", 1, 12.1 + STUDENT_STALE)[1] == 2


def test_forget_keeps_a_place_for_a_rejoin_or_frees_it(store):
    store.create("ABCDEF", "t", 0.0)
    store.admit("ABCDEF", None, "k1", 5, 10.0)
    store.admit("ABCDEF", None, "k2", 5, 10.0)
    store.forget("ABCDEF", "k1", keep_place=True)
    store.forget("ABCDEF", "k2", keep_place=False)
    assert store.present("ABCDEF", 10.0) == []
    assert store.admit("ABCDEF", "k1", "new", 5, 11.0) == ("k1", 1)
    assert store.admit("ABCDEF", "k2", "k3", 5, 11.0) == ("k3", 3)


def test_end_removes_the_class(store):
    store.create("ABCDEF", "t", 0.0)
    store.admit("ABCDEF", None, "k1", 5, 10.0)
    assert store.end("ABCDEF")
    assert store.meta("ABCDEF") is None and store.present("ABCDEF", 10.0) == []
    assert not store.end("ABCDEF")


def test_wrong_codes_are_counted_per_address(store, monkeypatch):
    for _ in range(JOIN_FAILURES):
        store.add_failure("10.0.0.1", 1000.0)
    assert store.failures("10.0.0.1", 1000.0) == JOIN_FAILURES
    assert store.failures("10.0.0.2", 1000.0) == 0


def test_wrong_codes_are_forgotten_after_the_window_in_one_process():
    store = LocalStore()
    store.add_failure("10.0.0.1", 1000.0)
    assert store.failures("10.0.0.1", 1000.0 + JOIN_WINDOW - 1) == 1
    assert store.failures("10.0.0.1", 1000.0 + JOIN_WINDOW) == 0


def test_redis_keys_expire_with_the_class_ttl(redis_url):
    from app.classes.redis_store import PREFIX, RedisStore

    store = RedisStore(redis_url, ttl=30)
    store.redis.flushdb()
    store.create("ABCDEF", "t", 0.0)
    store.admit("ABCDEF", None, "k1", 5, 10.0)
    assert 0 < store.redis.ttl(f"{PREFIX}ABCDEF") <= 30
    assert 0 < store.redis.ttl(f"{PREFIX}ABCDEF:students") <= 30
    store.add_failure("10.0.0.9", 0.0)
    assert 0 < store.redis.ttl("playground:class-failures:10.0.0.9") <= JOIN_WINDOW


def test_a_class_that_nobody_refreshes_expires_in_one_process():
    now = [0.0]
    store = LocalStore(ttl=10, clock=lambda: now[0])
    store.create("ABCDEF", "t", 0.0)
    now[0] = 5.0
    store.update_meta("ABCDEF", {"teacher_seen": 5.0})
    now[0] = 14.0
    assert store.meta("ABCDEF") is not None
    assert store.create("ABCDEF", "again", 14.0) is False
    assert store.create("ABCDEF", "again", 15.1) is True


def test_processes_admitting_at_once_never_pass_the_size_nor_share_a_number(redis_url):
    import threading

    from app.classes.redis_store import RedisStore

    stores = [RedisStore(redis_url) for _ in range(4)]  # four processes' connections
    stores[0].redis.flushdb()
    stores[0].create("ABCDEF", "t", 0.0)
    admitted, full = [], []
    lock = threading.Lock()

    def admit_many(store, worker: int) -> None:
        for i in range(25):
            try:
                got = store.admit("ABCDEF", None, f"w{worker}-{i}", 60, 10.0)
            except ClassFull:
                with lock:
                    full.append(1)
                continue
            with lock:
                admitted.append(got)

    threads = [threading.Thread(target=admit_many, args=(s, n)) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(admitted) == 60 and len(full) == 40
    assert sorted(number for _, number in admitted) == list(range(1, 61))
    assert len(stores[0].present("ABCDEF", 10.0)) == 60
