"""The lab's fair share, without processes or threads: which runs start
(app/lab/fair.py), against cases worked by hand."""

from __future__ import annotations

from app.lab.fair import RunAdmission


def test_runs_start_up_to_the_cap_one_per_session():
    runs = RunAdmission(2)
    assert runs.add("a", "a1") is True
    assert runs.add("a", "a2") is False  # a's second waits for its first
    assert runs.add("b", "b1") is True
    assert runs.add("c", "c1") is False  # every place taken
    assert len(runs) == 2


def test_a_session_that_floods_does_not_get_ahead_of_one_that_asked_once():
    runs = RunAdmission(1)
    assert runs.add("a", "a1")
    for i in range(2, 6):
        runs.add("a", f"a{i}")
    runs.add("b", "b1")
    # a's runs alternate with b's: b1 is next after a's run under way, not after a5
    assert runs.finish("a") == [("b", "b1")]
    assert runs.finish("b") == [("a", "a2")]
    assert runs.finish("a") == [("a", "a3")]  # nobody else waits


def test_waiting_counts_the_runs_ahead():
    runs = RunAdmission(1)
    runs.add("a", "a1")
    runs.add("a", "a2")
    runs.add("b", "b1")
    assert runs.ahead("a", "a2") == 1  # its own session's run under way
    assert runs.ahead("b", "b1") == 1  # the run under way; then b goes before a2
    runs.add("c", "c1")
    assert runs.ahead("c", "c1") == 2  # a1 under way, then b1
    assert runs.ahead("a", "a1") == 0  # under way


def test_a_cancelled_waiting_run_starts_right_after_its_own_sessions_run_whatever_the_cap():
    runs = RunAdmission(1)
    runs.add("a", "a1")
    runs.add("b", "b1")  # waits for the place
    assert runs.cancel("b", "b1") == [("b", "b1")]  # nothing of b's under way: at once
    runs.add("a", "a2")
    assert runs.cancel("a", "a2") == []  # behind a1: its answer must come after a1's
    assert runs.finish("a") == [("a", "a2")]
