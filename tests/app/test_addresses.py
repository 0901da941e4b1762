"""app/addresses.py's AddressBudget: how many of something each address holds."""

from __future__ import annotations

import threading

from app.addresses import AddressBudget


def test_each_address_holds_at_most_its_share():
    budget = AddressBudget(2)
    assert budget.take("10.0.0.1") and budget.take("10.0.0.1")
    assert not budget.take("10.0.0.1")  # refused, nothing taken
    assert budget.held("10.0.0.1") == 2
    assert budget.take("10.0.0.2")  # another address has its own share
    budget.give("10.0.0.1")
    assert budget.take("10.0.0.1")
    assert len(budget) == 3


def test_what_is_given_back_is_forgotten():
    budget = AddressBudget(1)
    budget.take("a")
    budget.give("a")
    assert budget.held("a") == 0 and len(budget) == 0


def test_a_limit_of_zero_is_no_limit():
    budget = AddressBudget(0)
    assert all(budget.take("a") for _ in range(1000))
    assert budget.held("a") == 1000


def test_threads_taking_at_once_never_pass_the_limit():
    budget = AddressBudget(50)
    taken = []

    def grab():
        taken.extend(ok for ok in (budget.take("a") for _ in range(100)) if ok)

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(taken) == 50 == budget.held("a")
