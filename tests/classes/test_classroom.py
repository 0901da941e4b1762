"""The ``class`` event in one process (no Redis): the protocol's edges, its errors, the
lock and the limits (docs/PROTOCOL.md, Class mode)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from class_helpers import Member
from waiting import wait_until

from app.classes.codes import ALPHABET
from app.classes.service import get_classroom
from engine.config import MAX_SEED

PLANE = {"dataset": "plane", "output": "linear", "loss": "mse"}  # a regression
RELU = {"hidden": [2], "activation": "relu", "dataset": "xor4", "seed": 5}


@pytest.fixture()
def room(class_app):
    """``room(**config)`` -> (app, teacher, code): a class made on a fresh app."""

    def make(**config):
        app = class_app(**config)
        teacher = Member(app)
        teacher.cls({"action": "create"})
        state = teacher.wait("class_state")
        return app, teacher, state["code"]

    return make


def _join(app, code: str) -> tuple[Member, dict]:
    student = Member(app)
    student.cls({"action": "join", "code": code})
    return student, student.wait("class_state")


def _error(member: Member, field: str) -> dict:
    return member.wait("error", lambda p: p["event"] == "class" and p["field"] == field)


def test_create_answers_a_teachers_class_state_with_a_typeable_code(room):
    app, teacher, code = room()
    state = teacher.of("class_state")[0]
    assert len(code) == 6 and set(code) <= set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    assert not set(code) & set("0O1IL")
    assert state["role"] == "teacher" and state["link"] == f"/#class={code}"
    assert (state["students"], state["results"], state["config"]) == (0, [], None)
    assert state["solved"] == {"count": 0, "n": 0, "share": None, "low": None, "high": None}
    assert state["locked"] is False and state["class_size"] == 200 and state["key"]


def test_join_takes_the_code_in_any_case_with_a_dash_and_names_students_by_number(room):
    app, teacher, code = room()
    one, state = _join(app, f"{code[:3].lower()}-{code[3:]}")
    assert (state["role"], state["code"], state["pseudonym"]) == ("student", code, "Student 1")
    assert state["locked"] is False and state["config"] is None
    two, state = _join(app, code)
    assert state["pseudonym"] == "Student 2"
    # a student sees its own pseudonym and nothing of the others
    assert set(state) == {"code", "role", "key", "pseudonym", "link", "locked", "config"}
    wait_until(lambda: teacher.of("class_state")[-1]["students"] == 2, 5, "two students")


def test_a_wrong_code_is_refused_naming_code_and_so_is_a_malformed_one(room):
    app, teacher, code = room()
    other = next(c for c in ALPHABET if c != code[0])
    stranger = Member(app)
    stranger.cls({"action": "join", "code": other + code[1:]})
    assert _error(stranger, "code")["message"] == f"no class {other + code[1:]}"
    stranger.clear()
    stranger.cls({"action": "join", "code": 123456})
    _error(stranger, "code")
    stranger.clear()
    stranger.cls({"action": "join"})
    _error(stranger, "code")
    stranger.clear()
    stranger.cls({"action": "join", "code": code, "key": 5})
    _error(stranger, "key")
    assert not stranger.of("class_state")


def test_unknown_actions_and_keys_are_refused_naming_them(room):
    app, teacher, code = room()
    teacher.cls({"action": "dance"})
    _error(teacher, "action")
    teacher.cls({"action": "lock", "lock": True, "colour": "red"})
    _error(teacher, "colour")
    teacher.cls("create")
    _error(teacher, "payload")


def test_one_class_per_session_whether_teaching_or_sitting_in_one(room):
    app, teacher, code = room()
    teacher.cls({"action": "create"})
    assert "already in class" in _error(teacher, "action")["message"]
    student, _ = _join(app, code)
    student.cls({"action": "create"})
    _error(student, "action")
    _, other_teacher, other_code = room()
    student.cls({"action": "join", "code": other_code})
    assert code in _error(student, "action")["message"]
    student.clear()
    student.cls({"action": "join", "code": code})  # the same class again: answered again
    assert student.wait("class_state")["pseudonym"] == "Student 1"


def test_only_the_teacher_may_push_lock_or_show(room):
    app, teacher, code = room()
    student, _ = _join(app, code)
    for payload in (
        {"action": "push", "config": {}, "seeds": "same"},
        {"action": "lock", "lock": True},
        {"action": "show", "student": "Student 1"},
    ):
        student.clear()
        student.cls(payload)
        assert "only the class's teacher" in _error(student, "action")["message"]
    outsider = Member(app)
    outsider.cls({"action": "push", "config": {}, "seeds": "same"})
    _error(outsider, "action")
    outsider.clear()
    outsider.cls({"action": "leave"})
    assert "no class" in _error(outsider, "action")["message"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"config": {"lr": 100}, "seeds": "same"}, "lr"),
        ({"config": {"activation": "swish2"}, "seeds": "same"}, "activation"),
        ({"config": {"hidden": [2]}, "seeds": "some"}, "seeds"),
        ({"config": {"hidden": [2]}}, "seeds"),
        ({"config": [1, 2], "seeds": "same"}, "config"),
        ({"config": {}, "seeds": "same", "lock": "yes"}, "lock"),
        ({"config": {}, "seeds": "same", "loss_below": -1}, "loss_below"),
        ({"config": {"dataset": "custom"}, "seeds": "same"}, "points"),
        ({"config": PLANE, "seeds": "same"}, "loss_below"),
        ({"config": {"dataset": "sine"}, "seeds": "same"}, "dataset"),
        ({"config": {}, "seeds": "same", "points": {"n": 2}}, "points"),
    ],
)
def test_a_bad_push_is_refused_naming_the_field_and_reaches_no_student(room, payload, field):
    app, teacher, code = room()
    student, _ = _join(app, code)
    config_before = student.session.state()["config"]
    teacher.cls({"action": "push", **payload})
    _error(teacher, field)
    time.sleep(0.05)  # a student would have its `state` by now: give it a moment to come
    assert student.session.state()["config"] == config_before
    assert len(student.of("class_state")) == 1


def test_a_push_sets_every_students_run_paused_at_epoch_0_with_seeds_each_apart(room):
    app, teacher, code = room()
    students = [_join(app, code)[0] for _ in range(3)]
    students[0].client.emit("control", {"action": "play"})
    wait_until(lambda: students[0].session.trainer.epoch > 5, 5, "a run under way")
    teacher.cls({"action": "push", "config": RELU, "seeds": "each"})
    for n, student in enumerate(students, 1):
        state = student.wait("state", lambda p: p["config"]["activation"] == "relu")
        assert (state["epoch"], state["status"]) == (0, "paused")
        assert state["config"]["seed"] == 5 + n - 1  # pushed seed + number - 1
        assert state["config"]["hidden"] == [2] and state["sizes"] == [2, 2, 1]
        mine = student.wait("class_state", lambda p: p["config"] is not None)
        assert mine["config"]["seed"] == state["config"]["seed"] and mine["locked"] is False
    teacher_state = teacher.wait("class_state", lambda p: p["config"] is not None)
    assert teacher_state["seeds"] == "each" and teacher_state["config"]["seed"] == 5


def test_seeds_same_gives_everyone_the_pushed_seed_and_the_same_first_weights(room):
    app, teacher, code = room()
    a, b = _join(app, code)[0], _join(app, code)[0]
    teacher.cls({"action": "push", "config": RELU, "seeds": "same"})
    for s in (a, b):
        s.wait("state", lambda p: p["config"]["activation"] == "relu")
    assert a.session.trainer.config.seed == b.session.trainer.config.seed == 5
    np.testing.assert_array_equal(a.session.trainer.net.flat, b.session.trainer.net.flat)


def test_seeds_each_wraps_past_the_largest_seed(room):
    app, teacher, code = room()
    _join(app, code)
    second, _ = _join(app, code)
    teacher.cls({"action": "push", "config": {**RELU, "seed": MAX_SEED}, "seeds": "each"})
    state = second.wait("state", lambda p: p["config"]["activation"] == "relu")
    assert state["config"]["seed"] == 0


def test_a_push_after_only_a_live_change_still_starts_again_from_epoch_0(room):
    app, teacher, code = room()
    student, _ = _join(app, code)
    teacher.cls({"action": "push", "config": {"lr": 0.03}, "seeds": "same"})
    student.wait("state", lambda p: p["config"]["lr"] == 0.03)
    student.client.emit("control", {"action": "play"})
    wait_until(lambda: student.session.trainer.epoch > 5, 5, "training")
    student.clear()
    teacher.cls({"action": "push", "config": {"lr": 0.05}, "seeds": "same"})
    state = student.wait("state", lambda p: p["config"]["lr"] == 0.05)
    assert (state["epoch"], state["status"]) == (0, "paused")


def test_a_late_joiner_takes_the_last_push_at_once(room):
    app, teacher, code = room()
    _join(app, code)
    teacher.cls({"action": "push", "config": RELU, "seeds": "each", "lock": True})
    teacher.wait("class_state", lambda p: p["config"] is not None)
    late, state = _join(app, code)
    assert state["locked"] is True and state["config"]["seed"] == 6
    assert late.session.trainer.config.activation == "relu"
    assert late.session.trainer.config.seed == 6


def test_a_locked_student_may_not_change_the_set_up_until_the_next_push(room):
    app, teacher, code = room()
    student, _ = _join(app, code)
    teacher.cls({"action": "push", "config": RELU, "seeds": "same", "lock": True})
    student.wait("class_state", lambda p: p["locked"])
    student.clear()
    student.client.emit("config", {"lr": 0.5})
    refused = student.wait("error")
    assert (refused["event"], refused["field"]) == ("config", "lr")
    assert code in refused["message"]
    student.client.emit("config", {"speed": 50, "grid": 40, "activation": "relu"})
    state = student.wait("state")  # the view and a set-up field's own value pass
    assert (state["config"]["speed"], state["config"]["grid"]) == (50, 40)
    for event, payload in (
        ("control", {"action": "regenerate"}),
        ("data", {"n": 2, "points": bytes(16), "labels": bytes([0, 1])}),
        ("open_run", {"file": b"x"}),
    ):
        student.clear()
        student.client.emit(event, payload)
        refused = student.wait("error")
        assert (refused["event"], refused["field"]) == (event, "locked")
    assert student.session.trainer.config.lr == pytest.approx(0.03)  # the default, kept
    teacher.cls({"action": "push", "config": RELU, "seeds": "same"})  # no lock this time
    student.wait("class_state", lambda p: not p["locked"])
    student.clear()
    student.client.emit("config", {"lr": 0.5})
    assert student.wait("state")["config"]["lr"] == 0.5


def test_the_lock_action_locks_and_unlocks_without_a_push(room):
    app, teacher, code = room()
    student, _ = _join(app, code)
    teacher.cls({"action": "lock", "lock": True})
    assert teacher.wait("class_state", lambda p: p["locked"])["config"] is None
    student.wait("class_state", lambda p: p["locked"])
    student.client.emit("config", {"hidden": [3]})
    assert student.wait("error")["field"] == "hidden"
    teacher.cls({"action": "lock", "lock": False})
    student.wait("class_state", lambda p: p["pseudonym"] and not p["locked"] and p is not None)
    wait_until(lambda: student.session.class_lock is None, 5, "unlocked")
    teacher.cls({"action": "lock"})
    _error(teacher, "lock")


def test_the_teacher_sees_one_result_per_student_with_a_short_log_spaced_curve(room):
    app, teacher, code = room()
    students = [_join(app, code)[0] for _ in range(2)]
    teacher.cls({"action": "push", "config": {**RELU, "speed": 0}, "seeds": "each"})
    for s in students:
        s.wait("state", lambda p: p["config"]["activation"] == "relu")
        s.client.emit("control", {"action": "play"})
    state = teacher.wait(
        "class_state",
        lambda p: len(p["results"]) == 2 and all(r["epoch"] > 200 for r in p["results"]),
        timeout=20,
    )
    assert [r["pseudonym"] for r in state["results"]] == ["Student 1", "Student 2"]
    for r in state["results"]:
        assert r["seed"] in (5, 6) and isinstance(r["solved"], bool)
        epochs = [e for e, _ in r["curve"]]
        assert epochs[0] == 0 and len(epochs) <= 64 and epochs == sorted(set(epochs))
        # log-spaced: far more points in the first tenth of the run than in the last
        early = sum(e <= epochs[-1] / 10 for e in epochs)
        assert early > len(epochs) / 3
    assert state["solved"]["n"] == 2


def test_the_teachers_class_state_comes_at_most_twice_a_second(room):
    app, teacher, code = room()
    student, _ = _join(app, code)
    student.client.emit("config", {"speed": 0})
    student.client.emit("control", {"action": "play"})
    teacher.clear()
    started = time.monotonic()
    time.sleep(2.6)  # a window to count in: the measurement, not a synchronisation
    count = len(teacher.of("class_state"))
    took = time.monotonic() - started
    assert 2 <= count <= took * 2 + 1


def test_a_class_holds_at_most_its_size_and_a_leaver_frees_a_place(room):
    app, teacher, code = room(CLASS_SIZE=2)
    first, _ = _join(app, code)
    _join(app, code)
    third = Member(app)
    third.cls({"action": "join", "code": code})
    assert _error(third, "code")["message"] == f"class {code} is full (2 students)"
    first.cls({"action": "leave"})
    assert first.wait("class_ended") == {"code": code, "reason": "left"}
    third.clear()
    third.cls({"action": "join", "code": code})
    assert third.wait("class_state")["pseudonym"] == "Student 3"


def test_wrong_codes_are_limited_per_address_even_before_a_right_one(room):
    app, teacher, code = room()
    guesser = Member(app)
    for i in range(20):
        guesser.cls({"action": "join", "code": f"ZZZZ{ALPHABET[i]}Z"})
    wait_until(lambda: len(guesser.of("error")) == 20, 5, "twenty refusals")
    guesser.clear()
    guesser.cls({"action": "join", "code": code})
    assert "too many wrong class codes" in _error(guesser, "code")["message"]
    assert not guesser.of("class_state")


def test_show_sends_the_chosen_students_surface_as_a_frame_carries_it(room):
    app, teacher, code = room()
    _join(app, code)
    second, _ = _join(app, code)
    teacher.cls({"action": "push", "config": {**RELU, "grid": 20}, "seeds": "each"})
    second.wait("state", lambda p: p["config"]["grid"] == 20)
    wait_until(lambda: len(teacher.of("class_state")[-1]["results"]) == 2, 5, "results")
    teacher.cls({"action": "show", "student": "Student 2"})
    view = teacher.wait("class_view")
    assert view["student"] == "Student 2" and view["config"]["seed"] == 6
    assert (view["grid"], len(view["surface"]), view["classes"]) == (20, 400, None)
    assert view["sizes"] == [2, 2, 1] and len(view["train_points"]) == 4 * 3 * 4
    lo, hi = view["surface_range"]
    # the surface decodes to the network's own outputs on the grid (sigmoid: in (0, 1))
    q = np.frombuffer(view["surface"], np.uint8)
    outputs = lo + q / 255 * (hi - lo)
    expected = second.session.trainer.frame(20).surface
    np.testing.assert_allclose(outputs, np.ravel(expected), atol=(hi - lo) / 255 + 1e-6)
    assert not second.of("class_view")
    teacher.cls({"action": "show", "student": "Student 9"})
    _error(teacher, "student")


def test_the_teacher_leaving_ends_the_class_for_everyone_and_lifts_the_lock(room):
    app, teacher, code = room()
    students = [_join(app, code)[0] for _ in range(2)]
    teacher.cls({"action": "push", "config": RELU, "seeds": "same", "lock": True})
    students[0].wait("class_state", lambda p: p["locked"])
    teacher.cls({"action": "leave"})
    for member in (teacher, *students):
        assert member.wait("class_ended") == {"code": code, "reason": "left"}
    students[0].clear()
    students[0].client.emit("config", {"lr": 0.5})
    assert students[0].wait("state")["config"]["lr"] == 0.5
    stranger = Member(app)
    stranger.cls({"action": "join", "code": code})
    _error(stranger, "code")


def test_a_class_ends_when_its_teacher_does_not_come_back_within_the_grace(room):
    app, teacher, code = room()
    get_classroom(app).grace = 0.5
    student, _ = _join(app, code)
    teacher.client.disconnect()
    assert student.wait("class_ended", timeout=10) == {"code": code, "reason": "teacher_gone"}


def test_a_teacher_who_comes_back_with_the_key_teaches_the_class_again(room):
    app, teacher, code = room()
    key = teacher.of("class_state")[0]["key"]
    student, _ = _join(app, code)
    teacher.client.disconnect()
    again = Member(app)
    again.cls({"action": "join", "code": code, "key": key})
    state = again.wait("class_state")
    assert (state["role"], state["code"]) == ("teacher", code)
    wait_until(lambda: again.of("class_state")[-1]["students"] == 1, 5, "the student")


def test_a_student_who_comes_back_with_the_key_gets_its_place_and_seed_back(room):
    app, teacher, code = room()
    _join(app, code)
    student, state = _join(app, code)
    teacher.cls({"action": "push", "config": RELU, "seeds": "each"})
    student.wait("class_state", lambda p: p["config"] is not None)
    student.client.disconnect()
    back = Member(app)
    back.cls({"action": "join", "code": code, "key": state["key"]})
    again = back.wait("class_state")
    assert (again["pseudonym"], again["config"]["seed"]) == ("Student 2", 6)
    assert back.session.trainer.config.seed == 6


def test_an_idle_teachers_class_ends_with_its_session(room):
    app, teacher, code = room(IDLE_TIMEOUT=1.0)
    student, _ = _join(app, code)
    last = [0.0]

    def ended():
        if time.monotonic() - last[0] > 0.2:  # the student keeps talking: not idle
            student.client.emit("ready")
            last[0] = time.monotonic()
        return next(iter(student.of("class_ended")), None)

    assert wait_until(ended, 10, "class_ended") == {"code": code, "reason": "idle"}


def test_nothing_a_student_sends_reaches_another_student(room):
    app, teacher, code = room()
    quiet, _ = _join(app, code)
    loud, _ = _join(app, code)
    quiet.clear()
    loud.client.emit("config", {"lr": 0.5})
    loud.client.emit("control", {"action": "play"})
    loud.cls({"action": "show", "student": "Student 1"})
    loud.cls({"action": "lock", "lock": True})
    loud.cls({"action": "leave"})
    loud.wait("class_ended")
    time.sleep(0.6)  # one teacher beat: anything relayed would have come by now
    assert quiet.of("class_state") == [] and quiet.of("state") == []
    assert quiet.of("class_view") == [] and quiet.of("class_ended") == []


def _points_payload() -> dict:
    points = np.array([[0.1, 0.2], [0.8, 0.9], [0.2, 0.7], [0.9, 0.1], [0.5, 0.5]], "<f4")
    return {"n": 5, "points": points.tobytes(), "labels": bytes([0, 0, 1, 1, 0])}


def test_the_teachers_own_points_are_pushed_and_every_student_trains_on_them(room):
    app, teacher, code = room()
    student, _ = _join(app, code)
    payload = _points_payload()
    teacher.cls({"action": "push", "config": RELU, "seeds": "same", "points": payload})
    state = student.wait("state", lambda p: p["data"] is not None)
    assert state["config"]["dataset"] == "custom" and state["data"]["n"] == 5
    assert state["data"]["active"] and (state["epoch"], state["status"]) == (0, "paused")
    np.testing.assert_array_equal(
        student.session.trainer.custom_data.points,
        np.frombuffer(payload["points"], "<f4").reshape(5, 2),
    )
    bad = {**payload, "labels": bytes([0, 0, 0, 0, 0])}  # one class: refused as `data` is
    teacher.cls({"action": "push", "config": RELU, "seeds": "same", "points": bad})
    assert _error(teacher, "labels")


def test_a_push_with_points_passes_the_wire_of_a_real_server(live_server):
    from class_helpers import class_client

    teacher, student = class_client(live_server), class_client(live_server)
    try:
        teacher.sio.emit("class", {"action": "create"})
        code = teacher.wait("class_state")[0]["code"]
        student.sio.emit("class", {"action": "join", "code": code})
        student.wait("class_state")
        push = {"action": "push", "config": RELU, "seeds": "same", "points": _points_payload()}
        teacher.sio.emit("class", push)
        state = student.wait("state", where=lambda p: p["data"] is not None)[0]
        assert state["data"]["n"] == 5 and teacher.sio.connected
    finally:
        teacher.close()
        student.close()


def test_a_class_whose_state_is_gone_ends_for_its_members_as_expired(room):
    app, teacher, code = room()
    student, _ = _join(app, code)
    get_classroom(app).store.end(code)  # as when Redis lost it, or nobody refreshed it
    for member in (teacher, student):
        assert member.wait("class_ended") == {"code": code, "reason": "expired"}


def test_a_key_that_is_not_plain_text_is_no_teachers_key(room):
    app, teacher, code = room()
    stranger = Member(app)
    stranger.cls({"action": "join", "code": code, "key": "clé-ünïcode"})
    assert stranger.wait("class_state")["role"] == "student"


def test_a_teacher_watching_a_class_that_trains_is_not_idle(room):
    app, teacher, code = room(IDLE_TIMEOUT=2.0)
    student, _ = _join(app, code)
    student.client.emit("config", {"speed": 20})
    student.client.emit("control", {"action": "play"})
    started = time.monotonic()
    while time.monotonic() - started < 5.0:  # two and a half idle timeouts of a silent teacher
        student.client.emit("ready")  # the student's page is not idle either
        time.sleep(0.2)
    assert teacher.client.is_connected() and not teacher.of("class_ended")
    student.client.emit("control", {"action": "pause"})
    last = [0.0]

    def ended():
        if time.monotonic() - last[0] > 0.2:
            student.client.emit("ready")
            last[0] = time.monotonic()
        return next(iter(student.of("class_ended")), None)

    assert wait_until(ended, 10, "class_ended") == {"code": code, "reason": "idle"}


def test_a_class_packet_carries_a_pushs_two_attachments_within_the_packet_budget():
    from app.server import DEFAULTS
    from app.wire import CloseConnection, packet_class

    budget = DEFAULTS["MAX_HTTP_BUFFER_SIZE"]
    packet = packet_class(max_bytes=budget)
    header = '52-["class",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]'
    pkt = packet(encoded_packet=header)
    assert pkt.add_attachment(b"p" * 40_000) is False  # 5000 points
    with pytest.raises(CloseConnection, match=f"past {budget} bytes"):
        pkt.add_attachment(b"l" * 30_000)
    with pytest.raises(CloseConnection, match="3 binary attachments"):
        packet(encoded_packet='53-["class"]')
