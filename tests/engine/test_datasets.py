"""Data sets, input features and initialisers."""

from __future__ import annotations

import numpy as np
import pytest

from engine import INITIALIZERS, MLP, make_dataset, make_features
from engine.datasets import CLASSES, GENERATED, MAX_COLUMNS, REGRESSION, DataError, custom_data

# ---------------------------------------------------------------- data sets


@pytest.mark.parametrize("name", GENERATED)
def test_shapes_labels_and_split(name):
    data = make_dataset(name, n_points=200, noise=10, train_share=70, seed=1, sample=True)
    n_train = len(data.train)
    assert n_train == 140 and len(data.test) == 60
    for split in (data.train, data.test):
        assert split.points.shape == (len(split), 2) and split.y.shape == (len(split), 1)
        assert np.isfinite(split.points).all()
    y = np.concatenate([data.train.y, data.test.y])
    if name in REGRESSION:
        assert data.task == "regression"
        # multi_gauss is clamped to [-1, 1]; plane maps x + y in [-10, 10] onto
        # [-1, 1] without clamping, as in the Playground, so corners reach ±1.2 + noise
        bound = 1.0 if name == "multi_gauss" else 1.5
        assert np.abs(y).max() <= bound + 1e-12
        assert len(np.unique(y)) > 20
    else:
        assert data.task == "classification" and data.classes == CLASSES[name]
        assert set(np.unique(y)) == set(range(CLASSES[name]))
    xmin, xmax, ymin, ymax = data.domain
    assert xmin < xmax and ymin < ymax


@pytest.mark.parametrize("name", GENERATED)
def test_determined_by_the_seed(name):
    a = make_dataset(name, 100, noise=20, seed=7, sample=True)
    b = make_dataset(name, 100, noise=20, seed=7, sample=True)
    c = make_dataset(name, 100, noise=20, seed=8, sample=True)
    np.testing.assert_array_equal(a.train.points, b.train.points)
    np.testing.assert_array_equal(a.test.y, b.test.y)
    assert not np.array_equal(a.train.points, c.train.points)


def test_xor4_is_exactly_the_four_corners_and_tests_on_them():
    data = make_dataset("xor4", n_points=500)
    np.testing.assert_array_equal(data.train.points, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(data.train.y.ravel(), [0, 1, 1, 0])
    assert data.test_is_train
    assert data.domain == (-0.5, 1.5, -0.5, 1.5)
    assert make_dataset("xor4", n_points=4, sample=True).test_is_train


def test_xor4_sampled_rows_are_corners_with_xor_labels():
    data = make_dataset("xor4", n_points=1000, sample=True, train_share=90)
    assert len(data.train) == 900 and not data.test_is_train
    pts, y = data.train.points, data.train.y.ravel()
    assert set(np.unique(pts)) == {0.0, 1.0}
    np.testing.assert_array_equal(y, pts[:, 0] != pts[:, 1])
    # all four corners turn up, in roughly equal shares
    counts = np.unique(pts[:, 0] * 2 + pts[:, 1], return_counts=True)[1]
    assert len(counts) == 4 and counts.min() > 180


@pytest.mark.parametrize("name", ["xor", "circle", "plane", "multi_gauss"])
def test_noise_flips_labels_near_the_boundary(name):
    """In the Playground's generators noise moves the point that is labelled, not the
    point that is drawn: without noise the labels follow the rule exactly."""
    clean = make_dataset(name, 400, noise=0, seed=3)
    noisy = make_dataset(name, 400, noise=50, seed=3)
    rule = {
        "xor": lambda p: (p[:, 0] * p[:, 1] >= 0).astype(float),
        "circle": lambda p: (np.hypot(p[:, 0], p[:, 1]) < 2.5).astype(float),
        "plane": lambda p: (p[:, 0] + p[:, 1]) / 10,
    }.get(name)
    if rule is not None:
        np.testing.assert_allclose(clean.train.y.ravel(), rule(clean.train.points))
        assert np.abs(noisy.train.y.ravel() - rule(noisy.train.points)).max() > 0.1
    else:
        assert not np.allclose(clean.train.y, noisy.train.y)


def test_noise_spreads_gauss():
    def spread(noise):
        d = make_dataset("gauss", 400, noise=noise, seed=2)
        pts = np.concatenate([d.train.points, d.test.points])
        return pts[:, 0].std()

    assert spread(50) > 1.3 * spread(0)


@pytest.mark.parametrize("name", ["moons", "spiral", "xor4"])
def test_noise_moves_points_off_the_clean_shape(name):
    """Mean distance to the nearest point of a dense noise-free sample."""

    def points(n, noise, seed):
        d = make_dataset(name, n, noise=noise, seed=seed, sample=True)
        return np.concatenate([d.train.points, d.test.points])

    clean = points(2000, 0, 0)

    def off(noise):
        p = points(200, noise, 1)
        return np.sqrt(((p[:, None, :] - clean[None]) ** 2).sum(-1)).min(axis=1).mean()

    assert off(0) < 0.05
    assert off(30) > 0.1


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown dataset"):
        make_dataset("mnist")
    with pytest.raises(ValueError, match="noise"):
        make_dataset("xor", noise=80)


# ---------------------------------------------------------------- features


def test_features_follow_their_formulas_in_order():
    p = np.array([[0.5, -2.0], [3.0, 1.0]])
    names = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"]
    F = make_features(p, names)
    x1, x2 = p[:, 0], p[:, 1]
    np.testing.assert_allclose(
        F, np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    )
    np.testing.assert_array_equal(make_features(p, ["x2", "x1"]), p[:, ::-1])
    assert make_features(p, ["x1x2"], dtype="float32").dtype == np.float32
    with pytest.raises(ValueError, match="unknown feature"):
        make_features(p, ["x3"])
    with pytest.raises(ValueError, match="at least one"):
        make_features(p, [])


# ---------------------------------------------------------------- initialisers


def _weights(init, fan_in=200, fan_out=300, **kw):
    net = MLP([fan_in, fan_out, 1], init=init, seed=0, **kw)
    return net.params[0][0], net.params[1][0]


def test_glorot_uniform_limit_and_variance():
    W, b = _weights("glorot_uniform")
    limit = np.sqrt(6 / (200 + 300))
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.99 * limit
    np.testing.assert_allclose(W.var(), limit**2 / 3, rtol=0.03)
    assert (b == 0).all()


@pytest.mark.parametrize(
    ("init", "std"),
    [
        ("glorot_normal", np.sqrt(2 / 500)),
        ("he_normal", np.sqrt(2 / 200)),
        ("lecun_normal", np.sqrt(1 / 200)),
    ],
)
def test_truncated_normals_keep_the_intended_variance(init, std):
    W, _ = _weights(init)
    np.testing.assert_allclose(W.std(), std, rtol=0.03)
    assert np.abs(W).max() <= 2 * std / 0.87962566103423978  # truncated at 2 sigma
    assert abs(W.mean()) < 0.05 * std


def test_he_uniform_limit():
    W, _ = _weights("he_uniform")
    limit = np.sqrt(6 / 200)
    assert limit * 0.99 < np.abs(W).max() <= limit


def test_uniform_normal_zeros_playground_and_bias():
    W, b = _weights("uniform", init_low=0.0, init_high=0.25, bias_init=-0.3)
    assert W.min() >= 0 and W.max() < 0.25 and abs(W.mean() - 0.125) < 0.005
    assert (b == -0.3).all()
    W, _ = _weights("normal", init_mean=0.75, init_std=0.01)
    np.testing.assert_allclose([W.mean(), W.std()], [0.75, 0.01], rtol=0.02)
    W, b = _weights("zeros", bias_init=0.2)
    assert (W == 0).all() and (b == 0.2).all()
    W, b = _weights("playground", bias_init=0.0)
    assert W.min() >= -0.5 and W.max() < 0.5 and (b == 0.1).all()
    with pytest.raises(ValueError, match="low < high"):
        _weights("uniform", init_low=1.0, init_high=0.0)


def test_every_initializer_is_registered_and_seeded():
    for name in INITIALIZERS:
        a = MLP([2, 3, 1], init=name, seed=4, init_low=-1, init_high=1)
        b = MLP([2, 3, 1], init=name, seed=4, init_low=-1, init_high=1)
        np.testing.assert_array_equal(a.flat, b.flat)


@pytest.mark.parametrize(
    ("name", "f"), [("sin", np.sin), ("cubic", lambda x: x**3 - x), ("abs", np.abs)]
)
def test_function_boundaries_label_the_points_above_the_curve(name, f):
    data = make_dataset(name, 400, noise=0, seed=3)
    for split in (data.train, data.test):
        x, y = split.points[:, 0], split.points[:, 1]
        np.testing.assert_array_equal(split.y[:, 0], (y > f(x)).astype(float))
    xmin, xmax, ymin, ymax = data.domain
    points = np.vstack([data.train.points, data.test.points])
    assert points[:, 0].min() >= xmin and points[:, 1].max() <= ymax
    noisy = make_dataset(name, 400, noise=30, seed=3)
    x, y = noisy.train.points.T
    assert (noisy.train.y[:, 0] != (y > f(x))).any()  # noise moves labels near the curve


@pytest.mark.parametrize("name", ["blobs3", "blobs5", "spiral3", "spiral5"])
def test_multiclass_generators_share_the_points_out_evenly(name):
    data = make_dataset(name, 301, seed=2)
    labels = np.concatenate([data.train.y, data.test.y])[:, 0]
    counts = np.bincount(labels.astype(int))
    assert len(counts) == data.classes and counts.max() - counts.min() <= 1
    if name.startswith("blobs"):  # each blob around its centre on the circle of radius 4
        points = np.concatenate([data.train.points, data.test.points])
        for c in range(data.classes):
            centre = points[labels == c].mean(axis=0)
            assert np.hypot(*centre) == pytest.approx(4.0, abs=0.3)


# ---- which data settings a data set reads (the page disables the others) ---------------


def _data(cfg: dict):
    from engine.datasets import make_dataset

    d = make_dataset(
        cfg["dataset"],
        cfg["n_points"],
        cfg["noise"],
        cfg["train_share"],
        cfg["data_seed"],
        cfg["xor4_sample"],
    )
    return [d.train.points, d.train.y, d.test.points, d.test.y]


def _same(a, b) -> bool:
    return all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b, strict=True))


CHANGES = {"n_points": 300, "train_share": 70, "data_seed": 5, "xor4_sample": True}
BASES = [
    {"dataset": "xor4", "xor4_sample": False, "noise": 0.0},
    {"dataset": "xor4", "xor4_sample": False, "noise": 10.0},
    {"dataset": "xor4", "xor4_sample": True, "noise": 0.0},
    {"dataset": "circle", "xor4_sample": False, "noise": 0.0},
    {"dataset": "moons", "xor4_sample": False, "noise": 10.0},
]


@pytest.mark.parametrize("base", BASES, ids=lambda b: "-".join(str(v) for v in b.values()))
def test_ignored_fields_are_exactly_the_ones_that_change_nothing(base):
    """Checked against make_dataset itself: changing a field it says is ignored leaves
    every array as it was; changing any other data field changes something."""
    from engine.datasets import ignored_fields

    cfg = {"n_points": 200, "train_share": 50, "data_seed": 0, **base}
    ignored = ignored_fields(cfg["dataset"], sample=cfg["xor4_sample"], noise=cfg["noise"])
    before = _data(cfg)
    for field, value in CHANGES.items():
        if cfg[field] == value:
            continue
        after = _data({**cfg, field: value})
        if field in ignored:
            assert _same(before, after), f"{field} is said to be ignored but changes the data"
            assert ignored[field]
        else:
            assert not _same(before, after), f"{field} changes nothing but is not reported"


def test_the_exact_xor4_reasons_read_as_sentences():
    from engine.datasets import ignored_fields

    reasons = ignored_fields("xor4", sample=False, noise=0.0)
    assert set(reasons) == {"n_points", "train_share", "data_seed"}
    assert "four corners" in reasons["n_points"]
    assert ignored_fields("spiral", sample=False, noise=0.0) == {
        "xor4_sample": "only for XOR (4 points)"
    }


def test_any_width_points_are_checked_and_bounded():
    X = np.zeros((4, 3))
    assert custom_data(X, [0, 1, 0, 1], any_width=True).width == 3
    with pytest.raises(DataError, match=r"\(N, 2\)"):
        custom_data(X, [0, 1, 0, 1])  # the page's points stay in the plane
    with pytest.raises(DataError, match=str(MAX_COLUMNS)):
        custom_data(np.zeros((2, MAX_COLUMNS + 1)), [0, 1], any_width=True)
    with pytest.raises(DataError, match="domain"):
        custom_data(X, [0, 1, 0, 1], domain=(0, 1, 0, 1), any_width=True)
