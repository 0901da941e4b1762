"""2-D data sets: the seeds' XOR and the TensorFlow Playground's problems.

``make_dataset`` returns raw points (N, 2) and targets (N, 1), split into train and
test; input features are made from the points by :mod:`engine.features`.

* ``xor4``: the four corners of {0,1}² with y = x1 XOR x2, the seeds' set-up. By
  default exactly the four points, and the test set *is* the training set; with
  ``sample=True`` (and n_points != 4), n_points rows drawn at random from the corners
  (seed 000's 1000 random rows), split like the others. Noise adds a Gaussian jitter
  of standard deviation noise/100 · 0.5. Domain [-0.5, 1.5]².
* ``xor``, ``circle``, ``gauss``, ``spiral``: the Playground's generators
  (``src/dataset.ts``), on [-6, 6]², noise as there (0-50 %).
* ``moons``: scikit-learn's two interleaving half circles, scaled by 2.5 onto
  [-6, 6]², noise a Gaussian of standard deviation noise/100 · 2.5.
* ``plane``, ``multi_gauss``: the Playground's regression problems, targets in [-1, 1].

Classification targets are 0/1 (the Playground's +1 is 1, its -1 is 0). Points are
shuffled from ``seed``, then the first ``train_share`` percent are the training set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .registry import lookup

PLAYGROUND_DOMAIN = (-6.0, 6.0, -6.0, 6.0)
XOR4_DOMAIN = (-0.5, 1.5, -0.5, 1.5)

CLASSIFICATION = ("xor4", "xor", "circle", "gauss", "spiral", "moons")
REGRESSION = ("plane", "multi_gauss")
DATASETS = CLASSIFICATION + REGRESSION


@dataclass(frozen=True)
class Split:
    """Raw points (N, 2) and targets (N, 1)."""

    points: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.points)


@dataclass(frozen=True)
class Dataset:
    """A train/test split of one problem, with its task and display domain."""

    name: str
    task: str  # "classification" or "regression"
    train: Split
    test: Split
    domain: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax

    @property
    def test_is_train(self) -> bool:
        return self.test.points is self.train.points


def _xor_tf(rng, n, noise):
    x = rng.uniform(-5, 5, n)
    y = rng.uniform(-5, 5, n)
    x += np.where(x > 0, 0.3, -0.3)  # padding keeps points off the axes
    y += np.where(y > 0, 0.3, -0.3)
    nx = rng.uniform(-5, 5, n) * noise
    ny = rng.uniform(-5, 5, n) * noise
    label = ((x + nx) * (y + ny) >= 0).astype(float)
    return np.column_stack([x, y]), label


def _circle(rng, n, noise):
    radius = 5.0
    n_in = (n + 1) // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, n_in),
                        rng.uniform(radius * 0.7, radius, n - n_in)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x, y = r * np.sin(angle), r * np.cos(angle)
    nx = rng.uniform(-radius, radius, n) * noise
    ny = rng.uniform(-radius, radius, n) * noise
    label = (np.hypot(x + nx, y + ny) < radius * 0.5).astype(float)
    return np.column_stack([x, y]), label


def _gauss(rng, n, noise):
    variance = 0.5 + 3.5 * (noise / 0.5)  # the Playground maps noise [0, .5] to [.5, 4]
    n_pos = (n + 1) // 2
    centre = np.where((np.arange(n) < n_pos)[:, None], 2.0, -2.0)
    pts = centre + np.sqrt(variance) * rng.standard_normal((n, 2))
    return pts, (np.arange(n) < n_pos).astype(float)


def _spiral(rng, n, noise):
    n_pos = (n + 1) // 2
    pts, labels = [], []
    for count, delta, label in ((n_pos, 0.0, 1.0), (n - n_pos, np.pi, 0.0)):
        i = np.arange(count)
        r = i / max(count, 1) * 5
        t = 1.75 * i / max(count, 1) * 2 * np.pi + delta
        x = r * np.sin(t) + rng.uniform(-1, 1, count) * noise
        y = r * np.cos(t) + rng.uniform(-1, 1, count) * noise
        pts.append(np.column_stack([x, y]))
        labels.append(np.full(count, label))
    return np.concatenate(pts), np.concatenate(labels)


def _moons(rng, n, noise):
    n_out = (n + 1) // 2
    t_out = rng.uniform(0, np.pi, n_out)
    t_in = rng.uniform(0, np.pi, n - n_out)
    outer = np.column_stack([np.cos(t_out), np.sin(t_out)])
    inner = np.column_stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5])
    pts = np.concatenate([outer, inner])
    pts += rng.normal(0.0, noise, pts.shape)
    pts = (pts - [0.5, 0.25]) * 2.5
    return pts, np.concatenate([np.zeros(n_out), np.ones(n - n_out)])


def _plane(rng, n, noise):
    radius = 6.0
    x = rng.uniform(-radius, radius, n)
    y = rng.uniform(-radius, radius, n)
    nx = rng.uniform(-radius, radius, n) * noise
    ny = rng.uniform(-radius, radius, n) * noise
    # the Playground's labelScale maps x + y in [-10, 10] linearly onto [-1, 1]
    return np.column_stack([x, y]), (x + nx + y + ny) / 10.0


_GAUSSIANS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1],
                       [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]], float)


def _multi_gauss(rng, n, noise):
    radius = 6.0
    x = rng.uniform(-radius, radius, n)
    y = rng.uniform(-radius, radius, n)
    nx = rng.uniform(-radius, radius, n) * noise
    ny = rng.uniform(-radius, radius, n) * noise
    px, py = (x + nx)[:, None], (y + ny)[:, None]
    dist = np.hypot(px - _GAUSSIANS[:, 0], py - _GAUSSIANS[:, 1])
    # labelScale: distance [0, 2] -> [1, 0], clamped; the Gaussian largest in |.| wins
    values = _GAUSSIANS[:, 2] * np.clip(1 - dist / 2, 0, 1)
    best = np.argmax(np.abs(values), axis=1)
    return np.column_stack([x, y]), values[np.arange(n), best]


_GENERATORS: dict[str, Callable] = {
    "xor": _xor_tf,
    "circle": _circle,
    "gauss": _gauss,
    "spiral": _spiral,
    "moons": _moons,
    "plane": _plane,
    "multi_gauss": _multi_gauss,
}

XOR4_POINTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR4_LABELS = np.array([0.0, 1.0, 1.0, 0.0])


def task_of(name: str) -> str:
    """``"classification"`` or ``"regression"``."""
    lookup(dict.fromkeys(DATASETS), name, "dataset")
    return "regression" if name in REGRESSION else "classification"


def make_dataset(
    name: str = "xor4",
    n_points: int = 200,
    noise: float = 0.0,
    train_share: float = 50,
    seed: int = 0,
    sample: bool = False,
) -> Dataset:
    """Generate ``name`` with ``n_points`` points, ``noise`` in percent (0-50).

    ``train_share`` is the training percentage (10-90); ``seed`` fixes points, noise
    and split; ``sample`` only matters for xor4 (see the module docstring).
    """
    task = task_of(name)
    if n_points < 2:
        raise ValueError(f"n_points must be >= 2, got {n_points}")
    if not 0 <= noise <= 50:
        raise ValueError(f"noise must be in [0, 50] percent, got {noise}")
    if not 0 < train_share < 100:
        raise ValueError(f"train_share must be in (0, 100) percent, got {train_share}")
    rng = np.random.Generator(np.random.PCG64(seed))
    if name == "xor4":
        if not sample or n_points == 4:
            pts = XOR4_POINTS.copy()
            if noise:
                pts += rng.normal(0.0, noise / 100 * 0.5, pts.shape)
            train = Split(pts, XOR4_LABELS.reshape(-1, 1).copy())
            return Dataset(name, task, train, train, XOR4_DOMAIN)
        corners = rng.integers(0, 2, (n_points, 2)).astype(float)
        labels = (corners[:, 0] != corners[:, 1]).astype(float)
        pts = corners + (rng.normal(0.0, noise / 100 * 0.5, corners.shape) if noise else 0.0)
        domain = XOR4_DOMAIN
    else:
        pts, labels = _GENERATORS[name](rng, int(n_points), noise / 100)
        domain = PLAYGROUND_DOMAIN
    order = rng.permutation(len(pts))
    pts, labels = pts[order], labels[order].reshape(-1, 1)
    n_train = min(max(int(len(pts) * train_share / 100), 1), len(pts) - 1)
    return Dataset(
        name,
        task,
        Split(pts[:n_train].copy(), labels[:n_train].copy()),
        Split(pts[n_train:].copy(), labels[n_train:].copy()),
        domain,
    )
