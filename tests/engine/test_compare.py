"""Comparing two set-ups' success rates on the same seeds (engine/compare.py).

Expected values come from outside the code: Newcombe's interval from the worked
examples of Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10;
McNemar's exact p-values from binomial tails worked by hand.
"""

from __future__ import annotations

import pytest

from engine.compare import compare_rates, mcnemar_exact, newcombe_interval


@pytest.mark.parametrize(
    ("k_a", "n_a", "k_b", "n_b", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
    ],
)
def test_newcombes_interval_gives_the_papers_worked_examples(k_a, n_a, k_b, n_b, low, high):
    got = newcombe_interval(k_a, n_a, k_b, n_b)
    assert got == pytest.approx((low, high), abs=1e-4)  # the table gives 4 decimals


@pytest.mark.parametrize(
    ("b", "c", "p"),
    [
        (0, 0, 1.0),
        (0, 6, 2 / 64),  # both tails of Binomial(6, 1/2) at 0: 2 · 1/64
        (1, 6, 2 * (1 + 7) / 128),  # 2 · (C(7,0) + C(7,1)) / 2^7 = 0.125
        (5, 5, 1.0),  # 2 · 638/1024 > 1: capped
        (2, 10, 2 * (1 + 12 + 66) / 4096),  # 0.03857
    ],
)
def test_mcnemar_exact_is_the_two_sided_binomial_tail_of_the_discordant_pairs(b, c, p):
    assert mcnemar_exact(b, c) == pytest.approx(p, rel=1e-12)
    assert mcnemar_exact(c, b) == pytest.approx(p, rel=1e-12)


def test_compare_counts_the_discordant_seeds_and_decides_at_five_percent():
    # 12 seeds: A solves 10, B solves 3; 8 seeds only A, 1 only B (seed 11)
    a = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]
    b = [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]
    got = compare_rates(a, b)
    assert (got["n"], got["a"]["successes"], got["b"]["successes"]) == (12, 10, 3)
    assert (got["only_a"], got["only_b"]) == (8, 1)
    assert got["difference"] == pytest.approx(7 / 12)
    assert got["p_value"] == pytest.approx(2 * (1 + 9) / 512)  # 0.0391
    assert got["differ"] is True
    assert "McNemar" in got["test"]


def test_the_same_outcomes_do_not_differ_and_a_shorter_run_compares_the_common_seeds():
    same = compare_rates([1, 0, 1, 1], [1, 0, 1, 1, 0, 0])
    assert same["n"] == 4 and same["p_value"] == 1.0 and same["differ"] is False
    assert same["low"] < 0 < same["high"]
