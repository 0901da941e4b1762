"""engine.estimators: scikit-learn's own checks, iris, XOR with restarts, any input
width, and the bridges to and from a Trainer (the engine's any-width points themselves:
test_datasets.py and test_training_data.py).

Expected values come from outside the code under test: scikit-learn's
``check_estimator`` suite (run through its documented ``parametrize_with_checks``,
with no check skipped), the XOR truth table, iris's labels, and a one-replica Trainer
started from the seed the chosen restart had.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from engine import Config, Trainer  # noqa: E402
from engine.datasets import custom_data  # noqa: E402
from engine.estimators import PlaygroundClassifier, PlaygroundRegressor  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])  # the truth table


@parametrize_with_checks([PlaygroundClassifier(), PlaygroundRegressor()])
def test_scikit_learns_own_estimator_checks_pass(estimator, check):
    # Every check of sklearn.utils.estimator_checks, none skipped or expected to fail.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning from the short fits
        check(estimator)


def test_iris_five_fold_cross_validated_accuracy_is_at_least_093():
    X, y = load_iris(return_X_y=True)  # scikit-learn's copy: 4 inputs, 3 classes
    model = make_pipeline(
        StandardScaler(), PlaygroundClassifier(hidden_layer_sizes=(8,), random_state=0)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = cross_val_score(model, X, y, cv=5)
    assert scores.mean() >= 0.93, scores


def _xor(seed: int, restarts: int) -> PlaygroundClassifier:
    est = PlaygroundClassifier((2,), "relu", n_restarts=restarts, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.set_params(max_iter=1000).fit(XOR_X, XOR_Y)


def test_xor_2_2_1_relu_with_50_restarts_scores_1_while_single_restarts_mostly_fail():
    single = np.mean([_xor(seed, 1).score(XOR_X, XOR_Y) == 1.0 for seed in range(100)])
    assert 0.05 <= single <= 0.4, f"single restarts solved {single:.0%}"  # about 1 in 5
    for seed in range(3):
        est = _xor(seed, 50)
        assert est.score(XOR_X, XOR_Y) == 1.0
        assert (est.predict(XOR_X) == XOR_Y).all()
        assert est.restart_losses_.shape == (50,)
        assert est.best_loss_ == pytest.approx(np.nanmin(est.restart_losses_))


def test_the_chosen_restart_is_the_run_a_single_seed_would_have_made():
    # K restarts in one run: restart k is the run of seed s + k on its own.
    est = _xor(7, 20)
    alone = est.to_trainer()  # the Config's seed moved to s + best
    single = Trainer(alone.config, replicas=1, data=custom_data(XOR_X, XOR_Y))
    single.step(est.n_iter_)
    np.testing.assert_allclose(single.net.flat[0], alone.net.flat[0], rtol=1e-9, atol=1e-12)
    assert single.last["train_loss"][0] == pytest.approx(est.best_loss_, rel=1e-9)


def test_to_trainer_predicts_as_the_estimator_and_trains_on_like_the_restart_in_the_run():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    est = PlaygroundClassifier((8,), n_restarts=4, random_state=1, max_iter=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    trainer = est.to_trainer()
    assert trainer.replicas == 1 and trainer.net.sizes[0] == 4
    np.testing.assert_allclose(trainer.predict(X)[0], est.predict_proba(X), rtol=1e-12)
    # The whole run trained on and the one-replica Trainer trained on agree.
    whole = est._trainer
    whole.step(5)
    trainer.step(5)
    np.testing.assert_allclose(
        trainer.net.flat[0], whole.net.flat[est.best_restart_], rtol=1e-9, atol=1e-12
    )
    # A run file of 4-column points reads back and goes on the same.
    buffer = io.BytesIO()
    trainer.save(buffer)
    again = Trainer.load(buffer.getvalue())
    np.testing.assert_array_equal(again.net.flat, trainer.net.flat)
    with pytest.raises(ValueError, match="4 raw columns"):
        trainer.frame()


def test_a_trainer_becomes_an_estimator_that_predicts_as_it_does():
    trainer = Trainer(Config(dataset="circle", hidden=[4], features=["x1sq", "x2sq"]), 3)
    trainer.step(200)
    est = PlaygroundClassifier.from_trainer(trainer)
    points = trainer.test.points
    best = est.best_restart_
    assert best == int(np.argmin(trainer.last["train_loss"]))
    np.testing.assert_array_equal(est.predict(points), trainer.predict_class(points)[best])
    labels = trainer.test.y[:, 0]
    assert est.score(points, labels) == pytest.approx(trainer.last["test_acc"][best])
    with pytest.raises(ValueError, match="regression"):
        PlaygroundRegressor.from_trainer(trainer)


def test_coefs_and_intercepts_are_the_best_restarts_network_in_scikit_learns_shapes():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = PlaygroundClassifier((8, 5), n_restarts=3, random_state=0, max_iter=50).fit(X, y)
    assert [w.shape for w in est.coefs_] == [(4, 8), (8, 5), (5, 3)]
    assert [b.shape for b in est.intercepts_] == [(8,), (5,), (3,)]
    # The forward pass by hand: ReLU hidden layers, softmax out.
    a = X
    for w, b in zip(est.coefs_[:-1], est.intercepts_[:-1], strict=True):
        a = np.maximum(a @ w + b, 0.0)
    z = a @ est.coefs_[-1] + est.intercepts_[-1]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(est.predict_proba(X), p / p.sum(axis=1, keepdims=True), rtol=1e-9)


def test_string_labels_map_to_classes_and_back():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0], [-1.5], [1.5]])  # one column: d = 1
    y = np.array(["cold", "cold", "hot", "hot", "cold", "hot"])
    est = PlaygroundClassifier((4,), "tanh", random_state=0, max_iter=500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    assert est.classes_.tolist() == ["cold", "hot"]
    assert est.predict([[-3.0], [3.0]]).tolist() == ["cold", "hot"]


def test_partial_fit_goes_on_from_the_run_even_with_a_batch_missing_a_class():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    est = PlaygroundClassifier((8,), random_state=0)
    est.partial_fit(X[:50], y[:50], classes=[0, 1, 2])  # class 0 only
    first = est._trainer.net.flat.copy()
    for _ in range(100):
        est.partial_fit(X, y)
    assert est.n_iter_ == 101
    assert not np.array_equal(first, est._trainer.net.flat)
    assert est.score(X, y) > 0.9
    with pytest.raises(ValueError, match="not one of classes_"):
        est.partial_fit(X[:2], [0, 3])


def test_warm_start_goes_on_where_the_last_fit_stopped():
    X = np.linspace(-1, 1, 40).reshape(-1, 1)
    y = X[:, 0] ** 2
    est = PlaygroundRegressor((8,), "tanh", max_iter=50, warm_start=True, random_state=0)
    est.set_params(n_iter_no_change=1000)  # no early stop: 50 epochs a fit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
        before = est.loss_curve_[-1]
        est.fit(X, y)
    assert est.n_iter_ == 100 and len(est.loss_curve_) == 100
    assert est.loss_curve_[-1] < before
    with pytest.raises(ValueError, match="features"):  # the run's width stays
        est.fit(np.hstack([X, X]), y)


def test_early_stopping_holds_out_a_stratified_validation_side():
    X, y = load_iris(return_X_y=True)
    est = PlaygroundClassifier(early_stopping=True, validation_fraction=0.2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(StandardScaler().fit_transform(X), y)
    held = est.to_trainer().test.y[:, 0]
    assert len(held) == 30
    assert np.bincount(held.astype(int)).tolist() == [10, 10, 10]  # 20 % of each class


def test_refused_parameters_name_the_estimators_parameter():
    for params, name in [
        ({"hidden_layer_sizes": (100,)}, "hidden_layer_sizes"),
        ({"learning_rate_init": -1.0}, "learning_rate_init"),
        ({"n_restarts": 0}, "n_restarts"),
        ({"restart_select": "best"}, "restart_select"),
        ({"early_stopping": True, "validation_fraction": 0.95}, "validation_fraction"),
    ]:
        with pytest.raises(ValueError, match=name):
            PlaygroundClassifier(**params).fit(XOR_X, XOR_Y)
    est = clone(PlaygroundClassifier(n_restarts=3))
    assert est.get_params()["n_restarts"] == 3


def test_the_engine_imports_and_trains_without_scikit_learn():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'sklearn':\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import engine\n"
        "t = engine.Trainer(engine.Config())\n"
        "t.step(5)\n"
        "assert 'sklearn' not in sys.modules\n"
        "try:\n"
        "    import engine.estimators\n"
        "except ImportError as err:\n"
        "    print('refused:', err)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "numpy-playground[sklearn]" in out.stdout


def test_a_two_column_best_restart_exports_a_numpy_script_that_trains_it_again(tmp_path):
    # The exported script trains from the run's origin (epoch 0 here) on the run's
    # data and prints its losses: its last must be the estimator's final loss.
    from engine.export import export

    est = _xor(3, 10)
    script = tmp_path / "xor.py"
    script.write_text(export(est.to_trainer(), "numpy"), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(script), "--json"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    losses = json.loads(out.stdout)["loss"]
    assert losses[-1] == pytest.approx(est.loss_curve_[-1], rel=1e-9)
    with pytest.warns(ConvergenceWarning):  # 5 epochs: the loss still falls
        iris = PlaygroundClassifier(max_iter=5).fit(*load_iris(return_X_y=True))
    with pytest.raises(ValueError, match="raw columns"):
        export(iris.to_trainer(), "numpy")
