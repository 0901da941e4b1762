"""2-D data sets: the seeds' XOR, the TensorFlow Playground's problems, more-than-two
class problems, and your own points.

``make_dataset`` returns raw points (N, 2) and targets (N, 1), split into train and
test; input features are made from the points by :mod:`engine.features`. Given a
name it generates; given arrays ``(X, y)`` (or a :class:`CustomData`) it splits,
jitters and frames those points the same way (see "Your own points" below).

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
* ``sin``, ``cubic``, ``abs``: function boundaries, label 1 above the curve
  y = sin x, y = x³ − x, y = |x| and 0 below it; points uniform on [-6, 6]²
  ([-2, 2]² for the cubic, whose S lies there); noise jitters the point the label is
  computed from by up to noise · half the domain's width, as the Playground's xor.
* ``blobs3``, ``blobs5``: 3 or 5 Gaussian blobs (labels 0..C-1) centred on a circle
  of radius 4, spread as ``gauss``'s; ``spiral3``, ``spiral5``: the Playground's
  spiral with 3 or 5 arms, arm c starting at angle 2πc/C and radius 0.5.

Classification targets are labels 0..C-1 (C = 2 for the Playground's problems: its
+1 is 1, its -1 is 0). Points are shuffled from ``seed``, then the first
``train_share`` percent of each class are the training set (stratified; of all
points for regression); at 100 % every point trains and the test set is the
training set.

Your own points (:func:`custom_data`, ``make_dataset((X, y))``): X (N, 2) finite, 2 to
:data:`MAX_POINTS` rows; y labels 0..C-1 (C = 2..:data:`MAX_CLASSES`, at least two
classes present) or, for ``task="regression"``, finite reals. They are shuffled and
split from ``seed`` as generated points are; noise adds a Gaussian jitter of
standard deviation noise/100 · (the domain's larger side) / 4 (12.5 % of it at the
maximum 50 %, about the Playground's); the domain is the one given, or the points'
bounding box with 10 % of its width (height) added on each side.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import DataError
from .registry import lookup

PLAYGROUND_DOMAIN = (-6.0, 6.0, -6.0, 6.0)
XOR4_DOMAIN = (-0.5, 1.5, -0.5, 1.5)
CUBIC_DOMAIN = (-2.0, 2.0, -2.0, 2.0)

MAX_CLASSES = 6
MAX_POINTS = 5000
# Columns of your own points beyond the plane's two (any_width, the estimators'): the
# network's input layer is this wide, so it bounds its first weight matrix.
MAX_COLUMNS = 1000
# Names of your own points in the Config: the arrays themselves travel beside it
# (Trainer(config, data=...), run files, the `data` event), never in it.
CUSTOM = "custom"
CUSTOM_REGRESSION = "custom_regression"
# Classes of each generated classification problem.
CLASSES: dict[str, int] = {
    "xor4": 2,
    "xor": 2,
    "circle": 2,
    "gauss": 2,
    "spiral": 2,
    "moons": 2,
    "sin": 2,
    "cubic": 2,
    "abs": 2,
    "blobs3": 3,
    "blobs5": 5,
    "spiral3": 3,
    "spiral5": 5,
}
CLASSIFICATION = (*CLASSES, CUSTOM)
REGRESSION = ("plane", "multi_gauss", CUSTOM_REGRESSION)
DATASETS = CLASSIFICATION + REGRESSION
GENERATED = tuple(name for name in DATASETS if name not in (CUSTOM, CUSTOM_REGRESSION))
# The names the page shows (sent in the Config schema).
DATASET_LABELS: dict[str, str] = {
    "xor4": "XOR (4 points)",
    "xor": "XOR",
    "circle": "Circle",
    "gauss": "Gaussian",
    "spiral": "Spiral",
    "moons": "Moons",
    "sin": "Sine boundary",
    "cubic": "Cubic boundary",
    "abs": "|x| boundary",
    "blobs3": "3 blobs",
    "blobs5": "5 blobs",
    "spiral3": "3-arm spiral",
    "spiral5": "5-arm spiral",
    CUSTOM: "Your points",
    "plane": "Plane",
    "multi_gauss": "Multi-Gaussian",
    CUSTOM_REGRESSION: "Your points (regression)",
}

Box = tuple[float, float, float, float]  # xmin, xmax, ymin, ymax
FloatArray = NDArray[np.float64]
# A generator: (rng, n points, noise as a fraction) -> points (n, 2), targets (n,).
PointGenerator = Callable[[np.random.Generator, int, float], tuple[FloatArray, FloatArray]]


@dataclass(frozen=True)
class Split:
    """Raw points (N, 2) and targets (N, 1)."""

    points: FloatArray
    y: FloatArray

    def __len__(self) -> int:
        return len(self.points)


@dataclass(frozen=True)
class Dataset:
    """A train/test split of one problem, with its task, display domain and number of
    classes (None for regression)."""

    name: str
    task: str  # "classification" or "regression"
    train: Split
    test: Split
    domain: Box
    classes: int | None = 2

    @property
    def test_is_train(self) -> bool:
        return self.test.points is self.train.points


@dataclass(frozen=True, eq=False)
class CustomData:
    """Your own points, validated (see :func:`custom_data`): ``points`` (N, 2) and
    ``values`` (N,) float64, read-only; ``task``; ``classes`` (C, None for regression);
    ``domain`` given with them, or None (the bounding box plus 10 % a side)."""

    points: FloatArray
    values: FloatArray
    task: str
    classes: int | None
    domain: Box | None = None

    def __len__(self) -> int:
        return len(self.points)

    @property
    def digest(self) -> str:
        """A short content hash (12 hex digits of SHA-256 over the task, the points and
        the values as little-endian float64): the same points give the same digest."""
        h = hashlib.sha256(self.task.encode())
        h.update(np.ascontiguousarray(self.points, "<f8").tobytes())
        h.update(np.ascontiguousarray(self.values, "<f8").tobytes())
        return h.hexdigest()[:12]

    @property
    def width(self) -> int:
        """d, the number of columns: 2 is the plane (the Config's input features apply);
        any other width is trained on as raw columns (:func:`custom_data`'s
        ``any_width``)."""
        return int(self.points.shape[1])

    def frame(self) -> Box:
        """The display domain: the given one, else the bounding box + 10 % a side."""
        return self.domain if self.domain is not None else bounding_domain(self.points)


def bounding_domain(points: np.ndarray) -> Box:
    """(xmin, xmax, ymin, ymax): the points' bounding box with 10 % of its width (and
    height) added on each side; a side of zero width gets ±max(1, 10 % of |centre|).
    Only the first two columns count (one column stands for both)."""
    out: list[float] = []
    for column in (points[:, 0], points[:, min(1, points.shape[1] - 1)]):
        lo, hi = float(column.min()), float(column.max())
        span = hi - lo
        pad = 0.1 * span if span > 0 else max(1.0, 0.1 * abs(lo))
        out += [lo - pad, hi + pad]
    return _box(out)


def _box(values: Iterable[float]) -> Box:
    """Four numbers as a :data:`Box` of floats (ValueError if there are not four)."""
    xmin, xmax, ymin, ymax = (float(v) for v in values)
    return (xmin, xmax, ymin, ymax)


def custom_data(
    points: ArrayLike,
    values: ArrayLike,
    task: str = "classification",
    domain: Iterable[float] | None = None,
    *,
    any_width: bool = False,
    classes: int | None = None,
) -> CustomData:
    """Check your own points and keep read-only float64 copies.

    ``points`` (N, 2) finite numbers (``any_width``: (N, d), 1 <= d <=
    :data:`MAX_COLUMNS`, the columns a network takes as they are; no domain then),
    2 <= N <= :data:`MAX_POINTS`; ``values`` (N,) or
    (N, 1): for classification integer labels 0..C-1 with every class present,
    2 <= C <= :data:`MAX_CLASSES` (:func:`_check_labels`); for regression finite
    numbers. ``domain`` (xmin, xmax, ymin, ymax), optional, must be finite, not
    empty, and hold every point. ``classes`` C, when given: labels 0..C-1 where not
    every class need be present (a batch of a run that knows its classes). Raises
    :class:`DataError` naming the field.
    """
    if task not in ("classification", "regression"):
        raise DataError("task", f"task must be 'classification' or 'regression', got {task!r}")
    name = "labels" if task == "classification" else "targets"
    try:
        pts = np.array(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError("points", "points must be numbers of shape (N, 2)") from None
    if any_width:
        if pts.ndim != 2 or not 1 <= pts.shape[1] <= MAX_COLUMNS:
            raise DataError(
                "points", f"points must have shape (N, d), 1 <= d <= {MAX_COLUMNS}, got {pts.shape}"
            )
        if pts.shape[1] != 2 and domain is not None:
            raise DataError("domain", "a domain is for points in the plane (2 columns)")
    elif pts.ndim != 2 or pts.shape[1] != 2:
        raise DataError("points", f"points must have shape (N, 2), got {pts.shape}")
    n = len(pts)
    if not 2 <= n <= MAX_POINTS:
        raise DataError("points", f"need 2 to {MAX_POINTS} points, got {n}")
    if not np.isfinite(pts).all():
        row = int(np.flatnonzero(~np.isfinite(pts).all(axis=1))[0])
        raise DataError("points", f"point {row} is not finite: {pts[row].tolist()}")
    try:
        vals = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(name, f"{name} must be numbers") from None
    if vals.ndim == 2 and vals.shape[1] == 1:
        vals = vals[:, 0]
    if vals.shape != (n,):
        raise DataError(name, f"{name} must be {n} values (one per point), got shape {vals.shape}")
    if not np.isfinite(vals).all():
        row = int(np.flatnonzero(~np.isfinite(vals))[0])
        raise DataError(name, f"{name[:-1]} {row} is not finite")
    if task == "classification" and classes is not None:
        bad = (vals != np.round(vals)) | (vals < 0) | (vals >= classes)
        if bad.any() or not 2 <= classes <= MAX_CLASSES:
            raise DataError(
                "labels", f"labels must be classes 0..{classes - 1} of 2..{MAX_CLASSES}"
            )
    elif task == "classification":
        classes = _check_labels(vals)
    else:
        classes = None
    box: Box | None = None
    if domain is not None:
        try:
            given = tuple(float(v) for v in domain)
        except (TypeError, ValueError):
            raise DataError("domain", "domain must be 4 numbers") from None
        if (
            len(given) != 4
            or not np.isfinite(given).all()
            or not (given[0] < given[1] and given[2] < given[3])
        ):
            raise DataError(
                "domain",
                "domain must be finite [xmin, xmax, ymin, ymax] with xmin < xmax and ymin < ymax",
            )
        box = _box(given)
        inside = (
            (pts[:, 0] >= box[0])
            & (pts[:, 0] <= box[1])
            & (pts[:, 1] >= box[2])
            & (pts[:, 1] <= box[3])
        )
        if not inside.all():
            row = int(np.flatnonzero(~inside)[0])
            raise DataError(
                "domain", f"point {row} {pts[row].tolist()} lies outside the domain {list(box)}"
            )
    pts.flags.writeable = False
    vals.flags.writeable = False
    return CustomData(pts, vals, task, classes, box)


def _check_labels(vals: FloatArray) -> int:
    """C, the number of classes of labels ``vals``, which must be 0..C-1 with every
    class present, 2 <= C <= :data:`MAX_CLASSES`; else a DataError on ``labels``
    saying which label, or which classes, are wrong."""
    bad = (vals != np.round(vals)) | (vals < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            "labels",
            f"label {row} is {vals[row]:g}, not a class number (a whole number 0, 1, 2...)",
        )
    present = sorted({int(v) for v in vals})
    if present[-1] >= MAX_CLASSES:
        raise DataError(
            "labels",
            f"label {present[-1]} would make {present[-1] + 1} classes: the limit is "
            f"{MAX_CLASSES} classes (labels 0..{MAX_CLASSES - 1})",
        )
    if len(present) < 2:
        raise DataError(
            "labels",
            f"all {len(vals)} points have label {present[0]}: a classifier needs at least "
            f"two classes",
        )
    missing = sorted(set(range(present[-1] + 1)) - set(present))
    if missing:
        names = ", ".join(str(c) for c in missing)
        raise DataError(
            "labels",
            f"labels must be 0..{present[-1]} with every class present: "
            f"{'class' if len(missing) == 1 else 'classes'} {names} "
            f"{'has' if len(missing) == 1 else 'have'} no point (labels present: "
            f"{', '.join(str(c) for c in present)}); number your classes 0.."
            f"{len(present) - 1}",
        )
    return present[-1] + 1


def infer_task(values: ArrayLike) -> str:
    """``"regression"`` when some target is a finite number that is not whole (your
    points' task when nobody named it), else ``"classification"``."""
    try:
        vals = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return "classification"  # custom_data names what is wrong
    finite = vals[np.isfinite(vals)]
    return "regression" if (finite != np.round(finite)).any() else "classification"


def as_custom(data: object, task: str | None = "classification") -> CustomData:
    """A :class:`CustomData` as it is, or ``(X, y)`` checked by :func:`custom_data`;
    ``task`` None infers it from y (:func:`infer_task`: whole numbers are labels)."""
    if isinstance(data, CustomData):
        return data
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise DataError(
            "points", "data must be (X, y): points (N, 2) and their labels or targets (N,)"
        )
    return custom_data(data[0], data[1], task or infer_task(data[1]))


def _xor_tf(rng: np.random.Generator, n: int, noise: float) -> tuple[FloatArray, FloatArray]:
    x = rng.uniform(-5, 5, n)
    y = rng.uniform(-5, 5, n)
    x += np.where(x > 0, 0.3, -0.3)  # padding keeps points off the axes
    y += np.where(y > 0, 0.3, -0.3)
    nx = rng.uniform(-5, 5, n) * noise
    ny = rng.uniform(-5, 5, n) * noise
    label = ((x + nx) * (y + ny) >= 0).astype(float)
    return np.column_stack([x, y]), label


def _circle(rng: np.random.Generator, n: int, noise: float) -> tuple[FloatArray, FloatArray]:
    radius = 5.0
    n_in = (n + 1) // 2
    r = np.concatenate(
        [rng.uniform(0, radius * 0.5, n_in), rng.uniform(radius * 0.7, radius, n - n_in)]
    )
    angle = rng.uniform(0, 2 * np.pi, n)
    x, y = r * np.sin(angle), r * np.cos(angle)
    nx = rng.uniform(-radius, radius, n) * noise
    ny = rng.uniform(-radius, radius, n) * noise
    label = (np.hypot(x + nx, y + ny) < radius * 0.5).astype(float)
    return np.column_stack([x, y]), label


def _gauss(rng: np.random.Generator, n: int, noise: float) -> tuple[FloatArray, FloatArray]:
    variance = 0.5 + 3.5 * (noise / 0.5)  # the Playground maps noise [0, .5] to [.5, 4]
    n_pos = (n + 1) // 2
    centre = np.where((np.arange(n) < n_pos)[:, None], 2.0, -2.0)
    pts = centre + np.sqrt(variance) * rng.standard_normal((n, 2))
    return pts, (np.arange(n) < n_pos).astype(float)


def _spiral(rng: np.random.Generator, n: int, noise: float) -> tuple[FloatArray, FloatArray]:
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


def _moons(rng: np.random.Generator, n: int, noise: float) -> tuple[FloatArray, FloatArray]:
    n_out = (n + 1) // 2
    t_out = rng.uniform(0, np.pi, n_out)
    t_in = rng.uniform(0, np.pi, n - n_out)
    outer = np.column_stack([np.cos(t_out), np.sin(t_out)])
    inner = np.column_stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5])
    pts = np.concatenate([outer, inner])
    pts += rng.normal(0.0, noise, pts.shape)
    pts = (pts - [0.5, 0.25]) * 2.5
    return pts, np.concatenate([np.zeros(n_out), np.ones(n - n_out)])


def _plane(rng: np.random.Generator, n: int, noise: float) -> tuple[FloatArray, FloatArray]:
    radius = 6.0
    x = rng.uniform(-radius, radius, n)
    y = rng.uniform(-radius, radius, n)
    nx = rng.uniform(-radius, radius, n) * noise
    ny = rng.uniform(-radius, radius, n) * noise
    # the Playground's labelScale maps x + y in [-10, 10] linearly onto [-1, 1]
    return np.column_stack([x, y]), (x + nx + y + ny) / 10.0


_GAUSSIANS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]], float
)


def _multi_gauss(rng: np.random.Generator, n: int, noise: float) -> tuple[FloatArray, FloatArray]:
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


def _boundary(f: Callable[[FloatArray], FloatArray], half: float) -> PointGenerator:
    """Points uniform on [-half, half]², label 1 where y > f(x): the label is read at
    a point jittered by up to noise · half in each coordinate (as the Playground's xor)."""

    def generate(rng: np.random.Generator, n: int, noise: float) -> tuple[FloatArray, FloatArray]:
        x = rng.uniform(-half, half, n)
        y = rng.uniform(-half, half, n)
        nx = rng.uniform(-half, half, n) * noise
        ny = rng.uniform(-half, half, n) * noise
        return np.column_stack([x, y]), (y + ny > f(x + nx)).astype(float)

    return generate


def _blobs(classes: int) -> PointGenerator:
    """``classes`` Gaussian blobs centred on a circle of radius 4, spread as gauss's."""

    def generate(rng: np.random.Generator, n: int, noise: float) -> tuple[FloatArray, FloatArray]:
        variance = 0.5 + 3.5 * (noise / 0.5)
        labels = np.arange(n) % classes
        angle = np.pi / 2 + 2 * np.pi * labels / classes
        centres = 4.0 * np.column_stack([np.cos(angle), np.sin(angle)])
        pts = centres + np.sqrt(variance) * rng.standard_normal((n, 2))
        return pts, labels.astype(float)

    return generate


def _spirals(classes: int) -> PointGenerator:
    """The Playground's spiral with ``classes`` arms, arm c turned by 2πc/C."""

    def generate(rng: np.random.Generator, n: int, noise: float) -> tuple[FloatArray, FloatArray]:
        pts, labels = [], []
        for label in range(classes):
            count = n // classes + (label < n % classes)
            i = np.arange(count)
            # from radius 0.5, not 0: the arms would all start at the origin, where
            # points of every class coincide and no net gets them all right
            r = 0.5 + i / max(count, 1) * 4.5
            t = 1.75 * i / max(count, 1) * 2 * np.pi + 2 * np.pi * label / classes
            x = r * np.sin(t) + rng.uniform(-1, 1, count) * noise
            y = r * np.cos(t) + rng.uniform(-1, 1, count) * noise
            pts.append(np.column_stack([x, y]))
            labels.append(np.full(count, float(label)))
        return np.concatenate(pts), np.concatenate(labels)

    return generate


_GENERATORS: dict[str, PointGenerator] = {
    "xor": _xor_tf,
    "circle": _circle,
    "gauss": _gauss,
    "spiral": _spiral,
    "moons": _moons,
    "plane": _plane,
    "multi_gauss": _multi_gauss,
    "sin": _boundary(np.sin, 6.0),
    "cubic": _boundary(lambda x: x**3 - x, 2.0),
    "abs": _boundary(np.abs, 6.0),
    "blobs3": _blobs(3),
    "blobs5": _blobs(5),
    "spiral3": _spirals(3),
    "spiral5": _spirals(5),
}
_DOMAINS = {"cubic": CUBIC_DOMAIN}

XOR4_POINTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR4_LABELS = np.array([0.0, 1.0, 1.0, 0.0])


def task_of(name: str) -> str:
    """``"classification"`` or ``"regression"``."""
    lookup(dict.fromkeys(DATASETS), name, "dataset")
    return "regression" if name in REGRESSION else "classification"


def ignored_fields(name: str, *, sample: bool, noise: float) -> dict[str, str]:
    """The data settings that ``make_dataset`` does not read for these arguments, each
    with the reason a person is told (the page disables their controls).

    Keys are Config field names: ``n_points``, ``train_share``, ``data_seed`` (the
    ``seed`` argument) and ``xor4_sample``. The exact four-point ``xor4`` is its own
    test set and needs no randomness unless noise jitters it.
    """
    ignored: dict[str, str] = {}
    if name != "xor4":
        ignored["xor4_sample"] = "only for XOR (4 points)"
        return ignored
    if sample:
        return ignored  # (with n_points 4 the split is still exact: a corner not worth a rule)
    exact = "XOR (4 points) uses its four corners"
    ignored["n_points"] = f'{exact}; tick "sample" to draw this many rows from them'
    ignored["train_share"] = f"{exact} as both the training and the test set"
    if not noise:
        ignored["data_seed"] = f"{exact}, the same for every seed; add noise or sample"
    return ignored


def make_dataset(
    name: str | CustomData | tuple[ArrayLike, ArrayLike] = "xor4",
    n_points: int = 200,
    noise: float = 0.0,
    train_share: float = 50,
    seed: int = 0,
    sample: bool = False,
    task: str = "classification",
) -> Dataset:
    """Generate ``name`` with ``n_points`` points, ``noise`` in percent (0-50), or split
    your own points: ``name`` = ``(X, y)`` or a :class:`CustomData`.

    ``train_share`` is the training percentage (above 0, at most 100: 100 trains on
    every point, with no separate test set); the split is stratified by class (see
    :func:`_split`); ``seed`` fixes points, noise and split; ``sample`` only matters
    for xor4 (see the module docstring); ``task`` only for arrays ``(X, y)``:
    "classification" (labels 0..C-1) or "regression".
    """
    if not 0 <= noise <= 50:
        raise ValueError(f"noise must be in [0, 50] percent, got {noise}")
    if not 0 < train_share <= 100:
        raise ValueError(f"train_share must be in (0, 100] percent, got {train_share}")
    rng = np.random.Generator(np.random.PCG64(seed))
    if not isinstance(name, str):
        data = as_custom(name, task)
        domain = data.frame()
        pts = data.points.copy()
        if noise:
            side = max(domain[1] - domain[0], domain[3] - domain[2])
            pts += rng.normal(0.0, noise / 100 * side / 4, pts.shape)
        kind = CUSTOM if data.task == "classification" else CUSTOM_REGRESSION
        return _split(
            kind, data.task, pts, data.values, train_share, rng, domain, data.classes, own=True
        )
    task = task_of(name)
    if name not in GENERATED:
        raise ValueError(
            f"{name} is your own points: pass them, make_dataset((X, y)) or "
            f"Trainer(config, data=(X, y))"
        )
    if n_points < 2:
        raise ValueError(f"n_points must be >= 2, got {n_points}")
    classes = CLASSES.get(name)
    if name == "xor4":
        if not sample or n_points == 4:
            pts = XOR4_POINTS.copy()
            if noise:
                pts += rng.normal(0.0, noise / 100 * 0.5, pts.shape)
            train = Split(pts, XOR4_LABELS.reshape(-1, 1).copy())
            return Dataset(name, task, train, train, XOR4_DOMAIN, classes)
        corners = rng.integers(0, 2, (n_points, 2)).astype(float)
        labels = (corners[:, 0] != corners[:, 1]).astype(float)
        pts = corners + (rng.normal(0.0, noise / 100 * 0.5, corners.shape) if noise else 0.0)
        domain = XOR4_DOMAIN
    else:
        pts, labels = _GENERATORS[name](rng, int(n_points), noise / 100)
        domain = _DOMAINS.get(name, PLAYGROUND_DOMAIN)
    return _split(name, task, pts, labels, train_share, rng, domain, classes)


def _split(
    name: str,
    task: str,
    pts: np.ndarray,
    labels: np.ndarray,
    train_share: float,
    rng: np.random.Generator,
    domain: Iterable[float],
    classes: int | None,
    own: bool = False,
) -> Dataset:
    """Shuffle from ``rng``, then ``train_share`` percent train and the rest test: of
    each class for classification (stratified: ``floor(n_c · share)`` of class c's
    ``n_c`` points, in shuffled order), of all points for regression. At 100 every
    point trains and the test set is the training set. For your own points (``own``)
    a hold-out that would leave a class without a training point is refused
    (DataError naming ``train_share``); a generated class keeps at least one."""
    order = rng.permutation(len(pts))
    pts, labels = pts[order], labels[order].reshape(-1, 1)
    if train_share >= 100:
        train = Split(pts, labels)
        return Dataset(name, task, train, train, _box(domain), classes)
    share = train_share / 100
    if task == "classification":
        take = np.zeros(len(pts), bool)
        members = [np.flatnonzero(labels[:, 0] == c) for c in range(classes or 0)]
        for c, k in enumerate(_allocate([len(m) for m in members], share)):
            if k == 0 and len(members[c]) and own:
                raise DataError(
                    "train_share",
                    f"a training share of {train_share:g}% leaves class {c} "
                    f"({_count(len(members[c]), 'point')}) no training point: "
                    f"train on more of your points (100% trains on all), or add points",
                )
            take[members[c][: max(k, 1)]] = True
        if take.all():  # every class a single point: nothing left to test on
            train = Split(pts, labels)
            return Dataset(name, task, train, train, _box(domain), classes)
        train_idx, test_idx = np.flatnonzero(take), np.flatnonzero(~take)
    else:
        n_train = min(max(int(len(pts) * share), 1), len(pts) - 1)
        train_idx, test_idx = np.arange(n_train), np.arange(n_train, len(pts))
    return Dataset(
        name,
        task,
        Split(pts[train_idx], labels[train_idx]),
        Split(pts[test_idx], labels[test_idx]),
        _box(domain),
        classes,
    )


def _allocate(sizes: list[int], share: float) -> list[int]:
    """Training points per class: ``floor(n_c · share)`` each, then the points the
    floors lost overall (up to ``floor(N · share)``) to the classes with the largest
    remainders, the lower class first on a tie: 4 × 10 points at 50 % give 5 each."""
    exact = [n * share for n in sizes]
    counts = [int(x) for x in exact]
    short = int(sum(sizes) * share) - sum(counts)
    for c in sorted(range(len(sizes)), key=lambda c: (counts[c] - exact[c], c))[:short]:
        counts[c] += 1
    return counts


def _count(n: int, noun: str) -> str:
    """``1 point``, ``2 points``: a count with its noun in the right number."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# ---- points as CSV text: what `playground sweep --data` reads and the page writes --------

CSV_LABEL_NAMES = ("label", "class")
CSV_TARGET_NAMES = ("target", "value")
MAX_CSV_CHARS = 1_000_000  # 5000 rows of three long numbers fit several times over


def _csv_fields(line: str) -> list[str]:
    sep = "," if "," in line else ("\t" if "\t" in line else ";")
    return [field.strip() for field in line.split(sep)]


# A number as written in a CSV file: digits, an optional point and exponent. Stricter
# than float() (no "nan", "inf", "1_000"), and the page's reader uses the same pattern.
_CSV_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _csv_number(text: str) -> float | None:
    """The finite number ``text`` writes, or None."""
    if not _CSV_NUMBER.match(text):
        return None
    value = float(text)
    return value if np.isfinite(value) else None  # 1e999 overflows to inf


def parse_points_csv(text: str) -> CustomData:
    """Your points from CSV text: columns x1, x2 and label (or target), one point a line.

    A header line is optional: a first line with no number in it names the columns,
    and a third column called ``target`` (or ``value``) makes the data a regression;
    ``label`` (or ``class``), or no header, makes labels 0..5. Fields are
    separated by commas (or tabs, or semicolons); blank lines and lines starting with
    ``#`` are skipped. Anything wrong raises :class:`DataError` naming the line, e.g.
    ``line 17: label 'cat' is not a class number``, ``line 3: label 7 would make 8
    classes: the limit is 6 classes``; then everything the data themselves must
    satisfy (:func:`custom_data`: 2 to 5000 points, classes 0..C-1 all present...).
    The page's reader (static/js/points_csv.js) gives the same answers.
    """
    if len(text) > MAX_CSV_CHARS:
        raise DataError("file", f"the text has {len(text)} characters; at most {MAX_CSV_CHARS}")
    task = "classification"
    rows: list[list[float]] = []
    values: list[float] = []
    header_seen = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        fields = _csv_fields(line)
        if not rows and not header_seen and not any(_CSV_NUMBER.match(f) for f in fields):
            header_seen = True
            if len(fields) != 3:
                raise DataError(
                    "file",
                    f"line {number}: expected 3 columns (x1, x2, label "
                    f"or target), got {len(fields)}",
                )
            name = fields[2].lower()
            if name in CSV_TARGET_NAMES:
                task = "regression"
            elif name not in CSV_LABEL_NAMES:
                raise DataError(
                    "file",
                    f"line {number}: the third column must be called "
                    f"label or target, not '{fields[2]}'",
                )
            continue
        if len(fields) != 3:
            raise DataError(
                "file",
                f"line {number}: expected 3 columns (x1, x2, "
                f"{'target' if task == 'regression' else 'label'}), got "
                f"{len(fields)}",
            )
        point: list[float] = []
        for column, field in zip(("x1", "x2"), fields[:2], strict=True):
            value = _csv_number(field)
            if value is None:
                raise DataError("file", f"line {number}: {column} '{field}' is not a finite number")
            point.append(value)
        value = _csv_number(fields[2])
        if task == "regression":
            if value is None:
                raise DataError(
                    "file", f"line {number}: target '{fields[2]}' is not a finite number"
                )
        elif value is None or value != int(value) or value < 0:
            raise DataError(
                "file",
                f"line {number}: label '{fields[2]}' is not a class number "
                f"(a whole number 0, 1, 2...)",
            )
        elif value >= MAX_CLASSES:
            raise DataError(
                "file",
                f"line {number}: label {int(value)} would make {int(value) + 1} classes: "
                f"the limit is {MAX_CLASSES} classes (labels 0..{MAX_CLASSES - 1})",
            )
        if len(rows) == MAX_POINTS:
            raise DataError("file", f"line {number}: more than {MAX_POINTS} points")
        rows.append(point)
        values.append(value)
    if not rows:
        raise DataError("file", "no points: expected lines of x1, x2, label")
    try:
        return custom_data(np.array(rows), np.array(values), task)
    except DataError as err:
        raise DataError("file", err.message) from None


def points_csv(data: CustomData) -> str:
    """``data`` as CSV text with a header (``x1,x2,label`` or ``x1,x2,target``), numbers
    written exactly (Python's shortest repr): :func:`parse_points_csv` reads it back to
    the same points."""
    third = "label" if data.task == "classification" else "target"
    lines = [f"x1,x2,{third}"]
    for (x, y), v in zip(data.points.tolist(), data.values.tolist(), strict=True):
        lines.append(f"{x!r},{y!r},{int(v) if data.task == 'classification' else repr(v)}")
    return "\n".join(lines) + "\n"
