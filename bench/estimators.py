"""PlaygroundClassifier side by side with scikit-learn's MLPClassifier:
``python -m bench.estimators`` (prints the Markdown table of docs/ESTIMATORS.md).

Both on the same data with the same network: XOR's four points with a 2-2-1 ReLU net
(success = all four right, over seeds 0..99; ours also with ``n_restarts=50``), and
5-fold cross-validated accuracy with an 8-unit ReLU layer behind a StandardScaler on
moons and circles (200 points each, noise 0.2 and 0.1 / factor 0.5, data seed 0) and
iris (scikit-learn's copy). Each estimator keeps its own defaults otherwise (solver /
optimizer Adam for both; learning rate 0.001 for MLPClassifier, 0.01 for ours;
``max_iter`` 1000 for both on XOR, 500 on the rest); MLPClassifier also at our
learning rate, 0.01, so that the step size is not what the table compares. Fit times
are medians over the folds (or seeds). Reports; never fails.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.datasets import load_iris, make_circles, make_moons
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from engine.estimators import PlaygroundClassifier

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])
SEEDS = 100

MAKERS: dict[str, Callable[[int, int, tuple[int, ...]], Any]] = {
    "MLPClassifier": lambda seed, it, h: MLPClassifier(h, "relu", max_iter=it, random_state=seed),
    "MLPClassifier, learning rate 0.01": lambda seed, it, h: MLPClassifier(
        h, "relu", learning_rate_init=0.01, max_iter=it, random_state=seed
    ),
    "Playground": lambda seed, it, h: PlaygroundClassifier(
        h, "relu", max_iter=it, random_state=seed
    ),
    "Playground, 50 restarts": lambda seed, it, h: PlaygroundClassifier(
        h, "relu", max_iter=it, random_state=seed, n_restarts=50
    ),
}


def _fit_timed(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: part of what is measured
        model.fit(X, y)
    return time.perf_counter() - start


def xor(name: str) -> tuple[float, float]:
    """(success rate over SEEDS seeds, median fit seconds) on XOR 2-2-1."""
    wins, times = 0, []
    for seed in range(SEEDS):
        model = MAKERS[name](seed, 1000, (2,))
        times.append(_fit_timed(model, XOR_X, XOR_Y))
        wins += bool((model.predict(XOR_X) == XOR_Y).all())
    return wins / SEEDS, statistics.median(times)


def cross_validated(name: str, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(mean 5-fold accuracy, median fit seconds) with 8 ReLU units, standardised X."""
    scores, times = [], []
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
        model = make_pipeline(StandardScaler(), MAKERS[name](0, 500, (8,)))
        times.append(_fit_timed(model, X[train], y[train]))
        scores.append(float((model.predict(X[test]) == y[test]).mean()))
    return float(np.mean(scores)), statistics.median(times)


def main() -> None:
    data = {
        "moons": make_moons(200, noise=0.2, random_state=0),
        "circles": make_circles(200, noise=0.1, factor=0.5, random_state=0),
        "iris": load_iris(return_X_y=True),
    }
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    head = "| estimator | XOR 2-2-1 solved (of 100 seeds) | fit time XOR |"
    head += "".join(f" {n} accuracy | fit time {n} |" for n in data)
    print(head)
    print("|" + " --- |" * (3 + 2 * len(data)))
    for name in MAKERS:
        rate, t_xor = xor(name)
        row = f"| {name} | {rate:.0%} | {t_xor * 1000:.0f} ms |"
        for X, y in data.values():
            acc, t = cross_validated(name, X, y)
            row += f" {acc:.3f} | {t * 1000:.0f} ms |"
        print(row, flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
