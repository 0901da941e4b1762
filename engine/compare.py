"""Two set-ups on the same seeds: do their success rates differ beyond chance?

The restart lab trains set-up A and set-up B from the same seeds (seed s of each),
so the runs come in pairs, and the pairs are independent of one another. Two
numbers answer the question:

* **The difference of the rates** ``d = p_A - p_B`` with Newcombe's hybrid score
  interval (Newcombe 1998, "Interval estimation for the difference between
  independent proportions", method 10), built from each rate's Wilson interval
  ``[l, u]`` (:func:`engine.sweep.wilson_interval`)::

      low  = d - sqrt((p_A - l_A)² + (u_B - p_B)²)
      high = d + sqrt((u_A - p_A)² + (p_B - l_B)²)

  It treats the two samples as independent, which ignores the pairing: with
  paired runs it is conservative (wider than it need be), never too narrow.
* **Whether they differ beyond chance**: McNemar's exact test, which uses the
  pairing. Only the discordant seeds carry information: ``b`` seeds solved by A
  and not by B, ``c`` solved by B and not by A. Under "no difference" each of the
  ``m = b + c`` is equally likely to fall either way, so ``min(b, c)`` is
  Binomial(m, 1/2) and the two-sided p-value is::

      p = min(1, 2 · sum_{i=0}^{min(b, c)} C(m, i) / 2^m)

  (1 when m = 0). The rates differ beyond chance when p < alpha (0.05).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .sweep import wilson_interval

ALPHA = 0.05
TEST = "McNemar's exact test (paired by seed)"
INTERVAL = "Newcombe's hybrid score interval (95 %)"


def newcombe_interval(
    k_a: int, n_a: int, k_b: int, n_b: int, z: float = 1.96
) -> tuple[float, float]:
    """Newcombe's interval for ``k_a/n_a - k_b/n_b`` (module docstring)."""
    if n_a <= 0 or n_b <= 0:
        return -1.0, 1.0
    p_a, p_b = k_a / n_a, k_b / n_b
    l_a, u_a = wilson_interval(k_a, n_a, z)
    l_b, u_b = wilson_interval(k_b, n_b, z)
    d = p_a - p_b
    low = d - math.sqrt((p_a - l_a) ** 2 + (u_b - p_b) ** 2)
    high = d + math.sqrt((u_a - p_a) ** 2 + (p_b - l_b) ** 2)
    return max(-1.0, low), min(1.0, high)


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided p-value of McNemar's exact test for ``b`` and ``c`` discordant pairs."""
    if b < 0 or c < 0:
        raise ValueError(f"need b, c >= 0, got {b}, {c}")
    m = b + c
    if m == 0:
        return 1.0
    tail = sum(math.comb(m, i) for i in range(min(b, c) + 1))
    outcomes: int = 2**m  # exact: a float 2.0**m overflows past m = 1023
    return min(1.0, 2 * tail / outcomes)


def compare_rates(
    solved_a: Sequence[bool], solved_b: Sequence[bool], alpha: float = ALPHA
) -> dict[str, Any]:
    """Set-up A against set-up B, ``solved_x[i]`` whether seed i solved it.

    Both lists are over the same seeds, in the same order; when one is shorter (a
    cancelled run), the seeds both ran are compared. Returns a JSON-friendly dict:
    ``n``; per set-up ``successes``, ``rate``, ``wilson_low``, ``wilson_high``;
    ``difference`` (A - B) with ``low`` and ``high`` (Newcombe); ``only_a`` and
    ``only_b`` (the discordant seeds); ``p_value`` (McNemar exact); ``differ``
    (p < alpha); and the names of the ``test`` and ``interval``.
    """
    n = min(len(solved_a), len(solved_b))
    a = [bool(x) for x in solved_a[:n]]
    b = [bool(x) for x in solved_b[:n]]
    only_a = sum(x and not y for x, y in zip(a, b, strict=True))
    only_b = sum(y and not x for x, y in zip(a, b, strict=True))

    def rate(solved: list[bool]) -> dict[str, Any]:
        k = sum(solved)
        low, high = wilson_interval(k, n)
        return {
            "successes": k,
            "rate": k / n if n else None,
            "wilson_low": low,
            "wilson_high": high,
        }

    k_a, k_b = sum(a), sum(b)
    low, high = newcombe_interval(k_a, n, k_b, n)
    p_value = mcnemar_exact(only_a, only_b)
    return {
        "n": n,
        "a": rate(a),
        "b": rate(b),
        "difference": (k_a - k_b) / n if n else None,
        "low": low,
        "high": high,
        "only_a": only_a,
        "only_b": only_b,
        "p_value": p_value,
        "alpha": alpha,
        "differ": bool(n and p_value < alpha),
        "test": TEST,
        "interval": INTERVAL,
    }
