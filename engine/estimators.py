"""scikit-learn estimators over the engine: ``fit(X, y)``, ``predict``, ``score``.

:class:`PlaygroundClassifier` and :class:`PlaygroundRegressor` follow scikit-learn's
developer guide (parameters stored as given in ``__init__``, checked in ``fit``;
fitted attributes end in ``_``) and take ``MLPClassifier``'s parameter names where
one exists. What they add is this engine's replica axis: ``n_restarts=K`` trains K
networks from seeds ``s, s+1, ..., s+K-1`` in ONE vectorised run (one
:class:`engine.trainer.Trainer` with K replicas) and keeps the best
(``restart_select``: the lowest final training loss, or validation loss), which is
what rescues a 2-2-1 net on XOR (one seed in five solves it; docs/ESTIMATORS.md).

The data: X (N, d), any d >= 1, goes to the engine as raw columns
(:func:`engine.datasets.custom_data` with ``any_width``; d = 2 is the plane, with
the inputs x1, x2). Standardising X is the user's job, as with scikit-learn (a
``Pipeline`` with ``StandardScaler``). Every point trains unless a validation side
is asked for (``early_stopping``, or ``restart_select="validation"``): then
``validation_fraction`` (rounded to a whole percent) is held out, stratified by class.
Labels may be anything ``np.unique`` sorts (strings too): ``classes_`` maps them to
0..C-1; two classes train a sigmoid with binary cross-entropy, more a softmax with
cross-entropy; a regression a linear output with mean squared error.

Stopping, as ``MLPClassifier``: after each epoch the best loss over the restarts
(training loss, or validation loss with ``early_stopping``) must fall by more than
``tol`` within ``n_iter_no_change`` epochs, else training stops; a run that reaches
``max_iter`` first warns (``ConvergenceWarning``). The limits are the Config's
(docs/ESTIMATORS.md, "Limits"): a refused value raises ValueError naming the
estimator's parameter.

scikit-learn is an optional extra (``pip install numpy-playground[sklearn]``);
``import engine`` never imports this module.
"""

from __future__ import annotations

import copy
import math
import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils import check_random_state
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as err:  # pragma: no cover - exercised by a subprocess test
    raise ImportError(
        "engine.estimators needs scikit-learn: pip install 'numpy-playground[sklearn]'"
    ) from err

from . import run_state
from .config import MAX_SEED, Config
from .datasets import CUSTOM, CUSTOM_REGRESSION, MAX_CLASSES, MAX_POINTS, CustomData, custom_data
from .errors import PlaygroundError
from .trainer import Trainer

MAX_RESTARTS = 1000  # K replicas in one run: memory and time grow with K
# The Config field behind each estimator parameter, for error messages.
_PARAM_OF = {
    "hidden": "hidden_layer_sizes",
    "lr": "learning_rate_init",
    "reg_rate": "alpha",
    "batch_size": "batch_size",
    "activation": "activation",
    "optimizer": "optimizer",
    "init": "init",
    "seed": "random_state",
    "train_share": "validation_fraction",
}


class _PlaygroundMLP(BaseEstimator):  # type: ignore[misc]
    """What both estimators share: parameters, the run, restarts and stopping."""

    _task = "classification"

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (8,),
        activation: str = "relu",
        *,
        optimizer: str = "adam",
        alpha: float = 0.0,
        batch_size: int | str = "auto",
        learning_rate_init: float = 0.01,
        max_iter: int = 200,
        random_state: int | np.random.RandomState | None = None,
        tol: float = 1e-4,
        n_iter_no_change: int = 10,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        warm_start: bool = False,
        init: str = "glorot_uniform",
        n_restarts: int = 1,
        restart_select: str = "train_loss",
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.random_state = random_state
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.warm_start = warm_start
        self.init = init
        self.n_restarts = n_restarts
        self.restart_select = restart_select

    # ------------------------------------------------------------ checks

    def _check_params(self) -> None:
        """The parameters the Config does not check (ValueError naming each)."""
        k = self.n_restarts
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise ValueError(f"n_restarts must be an integer, got {k!r}")
        if not 1 <= k <= MAX_RESTARTS:
            raise ValueError(f"n_restarts must be in [1, {MAX_RESTARTS}], got {k}")
        if self.restart_select not in ("train_loss", "validation"):
            raise ValueError(
                f"restart_select must be 'train_loss' or 'validation', got {self.restart_select!r}"
            )
        for name in ("max_iter", "n_iter_no_change"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if not (isinstance(self.tol, (int, float)) and self.tol >= 0):
            raise ValueError(f"tol must be a number >= 0, got {self.tol!r}")
        if not 0 < self.validation_fraction <= 0.9:  # at least 10 % trains (train_share)
            raise ValueError(
                f"validation_fraction must be in (0, 0.9], got {self.validation_fraction!r}"
            )
        b = self.batch_size
        if b != "auto" and (isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b < 1):
            raise ValueError(f"batch_size must be 'auto' or an integer >= 1, got {b!r}")

    def _validates(self) -> bool:
        """Whether a validation side is held out."""
        return bool(self.early_stopping) or self.restart_select == "validation"

    def _config(self, n: int, seed: int) -> Config:
        """The Config of this estimator's run on ``n`` points (ConfigError names the
        estimator's parameter, as ValueError)."""
        b = min(200, n) if self.batch_size == "auto" else int(self.batch_size)
        share = 100 - round(100 * self.validation_fraction) if self._validates() else 100
        values: dict[str, Any] = {
            "features": ["x1", "x2"],  # the raw columns when d = 2 (the plane)
            "hidden": [int(h) for h in self.hidden_layer_sizes],
            "activation": self.activation,
            "optimizer": self.optimizer,
            "lr": float(self.learning_rate_init),
            "init": self.init,
            "regularization": "l2" if self.alpha else "none",
            "reg_rate": float(self.alpha),
            "batch_size": 0 if b >= n else b,
            "seed": seed,
            "data_seed": seed,
            "train_share": min(max(share, 1), 99) if self._validates() else 100,
            **self._outputs(),
        }
        try:
            return Config(**values)
        except PlaygroundError as err:
            name = _PARAM_OF.get(err.field, err.field)
            raise ValueError(f"{name}: {err.message}") from None

    def _outputs(self) -> dict[str, Any]:
        raise NotImplementedError

    def _targets(self, y: np.ndarray) -> np.ndarray:
        """y as the engine's values (class numbers, or targets)."""
        raise NotImplementedError

    def _own_points(self, X: np.ndarray, values: np.ndarray) -> CustomData:
        if len(X) < 2:
            raise ValueError(f"needs at least 2 samples, got {len(X)} sample (n_samples = 1)")
        if len(X) > MAX_POINTS:
            raise ValueError(f"at most {MAX_POINTS} samples, got {len(X)}")
        classes = len(self.classes_) if self._task == "classification" else None
        return custom_data(X, values, self._task, any_width=True, classes=classes)

    # ------------------------------------------------------------ fitting

    def _fit(self, X: np.ndarray, y: np.ndarray, epochs: int | None) -> None:
        """Train on (X, y): a fresh run (``epochs`` None: up to max_iter, stopping as
        the module docstring says), or one more epoch of the run there is."""
        data = self._own_points(X, self._targets(y))
        fresh = not hasattr(self, "_trainer") or (epochs is None and not self.warm_start)
        if fresh:
            self._check_params()
            k = int(self.n_restarts)
            seed = int(check_random_state(self.random_state).randint(0, MAX_SEED - k))
            config = self._config(len(X), seed)
            try:
                self._trainer = Trainer(config, replicas=k, data=data)
            except PlaygroundError as err:
                raise ValueError(f"{_PARAM_OF.get(err.field, err.field)}: {err.message}") from None
            self.loss_curves_: list[list[float]] = [[] for _ in range(k)]
            self.n_iter_ = 0
        else:
            self._trainer.set_data(data, self._trainer.config)
        if epochs is not None:
            self._train(epochs, stop=False)
        else:
            self._train(int(self.max_iter), stop=True)
        self._choose_restart()

    def _train(self, epochs: int, stop: bool) -> None:
        """``epochs`` epochs, one at a time, recording each restart's training loss;
        with ``stop``, ended early when the best loss stalls (see the module
        docstring)."""
        trainer = self._trainer
        key = "test_loss" if self.early_stopping else "train_loss"
        best, stalled = math.inf, 0
        for _ in range(epochs):
            trainer.step(1)
            self.n_iter_ += 1
            losses = np.asarray(trainer.last["train_loss"], np.float64)
            for curve, value in zip(self.loss_curves_, losses, strict=True):
                curve.append(float(value))
            if not stop:
                continue
            watched = np.asarray(trainer.last[key], np.float64)
            now = float(np.nanmin(np.where(trainer.diverged, np.inf, watched)))
            if now > best - float(self.tol):
                stalled += 1
            else:
                stalled = 0
            best = min(best, now)
            if stalled > self.n_iter_no_change:
                return
        if stop:
            warnings.warn(
                f"{type(self).__name__}: max_iter ({self.max_iter}) reached and the loss "
                f"still falls; raise max_iter",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _choose_restart(self) -> None:
        """``best_restart_``: the restart with the lowest final training (or
        validation) loss among those that did not diverge; and its numbers."""
        trainer = self._trainer
        key = "test_loss" if self.restart_select == "validation" else "train_loss"
        losses = np.asarray(trainer.last[key], np.float64)
        ranked = np.where(trainer.diverged | ~np.isfinite(losses), np.inf, losses)
        self.restart_losses_ = losses.copy()
        self.best_restart_ = int(np.argmin(ranked))
        self.best_loss_ = float(losses[self.best_restart_])
        self.loss_curve_ = list(self.loss_curves_[self.best_restart_])
        params = self._trainer.net.layout.unpack(trainer.net.flat[self.best_restart_].copy())
        layout = trainer.net.layout
        # scikit-learn's shapes, which are the engine's: coefs_[i] (fan_in, fan_out),
        # intercepts_[i] (fan_out,)
        self.coefs_ = [np.asarray(params[e.index]).copy() for e in layout.weights]
        self.intercepts_ = [np.asarray(params[e.index]).ravel() for e in layout.biases]

    def _outputs_at(self, X: ArrayLike) -> np.ndarray:
        """The best restart's outputs at X (the engine's predict: probabilities of
        class 1, of each class, or the values)."""
        check_is_fitted(self)
        rows: np.ndarray = validate_data(self, X, reset=False, dtype=np.float64)
        out: np.ndarray = self._trainer.predict(rows)[self.best_restart_]
        return out

    # ------------------------------------------------------------ bridges

    def to_trainer(self) -> Trainer:
        """The best restart as a one-replica :class:`engine.trainer.Trainer`, exactly
        where it stopped (weights, optimizer state, generator, history): it trains on
        and saves run files; when d = 2 it exports scripts, and its run file opens on
        the live page."""
        check_is_fitted(self)
        state = run_state.one_replica(run_state.state_of(self._trainer), self.best_restart_)
        return Trainer._from_state(state)

    @classmethod
    def from_trainer(cls, trainer: Trainer) -> Any:
        """A fitted estimator around a copy of ``trainer`` (any Config, data set and
        replica count): it predicts at raw points as the Trainer does, with classes
        0..C-1 (or the regression's values), keeping the replica with the lowest
        training loss. ValueError if the trainer's task is not this estimator's."""
        if trainer.task != cls._task:
            raise ValueError(f"{cls.__name__} needs a {cls._task} run, not {trainer.task}")
        cfg = trainer.config
        est = cls(
            hidden_layer_sizes=tuple(cfg.hidden),
            activation=cfg.activation,
            optimizer=cfg.optimizer,
            alpha=cfg.reg_rate if cfg.regularization == "l2" else 0.0,
            batch_size=cfg.batch_size or "auto",
            learning_rate_init=cfg.lr,
            random_state=cfg.seed,
            init=cfg.init,
            n_restarts=trainer.replicas,
        )
        est._trainer = copy.deepcopy(trainer)
        est.n_features_in_ = int(trainer.train.points.shape[1])
        if cls._task == "classification":
            est.classes_ = np.arange(trainer.net.sizes[-1] if trainer.net.classes else 2)
        history = trainer.history
        est.loss_curves_ = [list(map(float, col)) for col in history["train_loss"].T]
        est.n_iter_ = trainer.epoch
        est._choose_restart()
        return est


class PlaygroundClassifier(ClassifierMixin, _PlaygroundMLP):  # type: ignore[misc]
    """A multi-layer perceptron classifier trained by the engine, with restarts.

    Parameters are ``MLPClassifier``'s (``hidden_layer_sizes``, ``activation``,
    ``alpha`` the L2 rate: loss + alpha · ½ ΣW², ``batch_size``, ``learning_rate_init``,
    ``max_iter``, ``random_state``, ``tol``, ``n_iter_no_change``, ``early_stopping``,
    ``validation_fraction``, ``warm_start``) plus ``optimizer`` (sgd, adagrad, rmsprop,
    adam, rprop), ``init`` (an engine initialiser), ``n_restarts`` (K seeds in one
    vectorised run) and ``restart_select`` ("train_loss" or "validation").

    Fitted: ``classes_``, ``n_features_in_``, ``best_restart_``, ``restart_losses_``
    (K,), ``best_loss_``, ``loss_curve_`` (the best restart's training loss per epoch),
    ``loss_curves_`` (every restart's), ``n_iter_``, ``coefs_``, ``intercepts_``.
    """

    def _outputs(self) -> dict[str, Any]:
        if len(self.classes_) == 2:
            return {"dataset": CUSTOM, "output": "sigmoid", "loss": "bce"}
        return {"dataset": CUSTOM, "output": "softmax", "loss": "ce", "classes": len(self.classes_)}

    def _targets(self, y: np.ndarray) -> np.ndarray:
        index = np.searchsorted(self.classes_, y)
        index = np.minimum(index, len(self.classes_) - 1)
        if (self.classes_[index] != y).any():
            unknown = y[self.classes_[index] != y][0]
            raise ValueError(f"label {unknown!r} is not one of classes_ {self.classes_.tolist()}")
        return index.astype(np.float64)

    def _set_classes(self, y: np.ndarray) -> None:
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(f"needs samples of at least 2 classes, got 1 class ({classes[0]!r})")
        if len(classes) > MAX_CLASSES:
            raise ValueError(f"at most {MAX_CLASSES} classes, got {len(classes)}")
        self.classes_ = classes

    def fit(self, X: ArrayLike, y: ArrayLike) -> PlaygroundClassifier:
        """Train on X (N, d) and labels y (N,); returns self."""
        Xa: np.ndarray
        ya: np.ndarray
        fresh = not (self.warm_start and hasattr(self, "_trainer"))
        Xa, ya = validate_data(self, X, y, dtype=np.float64, reset=fresh)
        check_classification_targets(ya)
        if fresh:
            self._set_classes(ya)
        self._fit(Xa, ya, None)
        return self

    def partial_fit(
        self, X: ArrayLike, y: ArrayLike, classes: ArrayLike | None = None
    ) -> PlaygroundClassifier:
        """One epoch on (X, y), continuing the run (weights and optimizer state);
        the first call needs ``classes``, every label there will be."""
        first = not hasattr(self, "_trainer")
        Xa: np.ndarray
        ya: np.ndarray
        Xa, ya = validate_data(self, X, y, dtype=np.float64, reset=first)
        check_classification_targets(ya)
        if first:
            if classes is None:
                raise ValueError("the first partial_fit call needs classes (every label)")
            self._set_classes(np.asarray(classes))
        self._fit(Xa, ya, 1)
        return self

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Each class's probability, (N, C), from the best restart."""
        p = self._outputs_at(X)
        return np.column_stack([1.0 - p, p]) if p.ndim == 1 else p

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """ln of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            out: np.ndarray = np.log(self.predict_proba(X))
        return out

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """Binary: the log-odds ln(p / (1 - p)) of classes_[1], (N,), positive where it
        is predicted; more classes: each class's log-probability, (N, C)."""
        p = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            out: np.ndarray = np.log(p[:, 1]) - np.log(p[:, 0]) if p.shape[1] == 2 else np.log(p)
        return out

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class of each row."""
        check_is_fitted(self)
        out: np.ndarray = self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        return out


class PlaygroundRegressor(RegressorMixin, _PlaygroundMLP):  # type: ignore[misc]
    """A multi-layer perceptron regressor (one output, mean squared error) trained by
    the engine, with restarts; the parameters and fitted attributes of
    :class:`PlaygroundClassifier` but ``classes_``."""

    _task = "regression"

    def _outputs(self) -> dict[str, Any]:
        return {"dataset": CUSTOM_REGRESSION, "output": "linear", "loss": "mse"}

    def _targets(self, y: np.ndarray) -> np.ndarray:
        return np.asarray(y, np.float64)

    def fit(self, X: ArrayLike, y: ArrayLike) -> PlaygroundRegressor:
        """Train on X (N, d) and targets y (N,); returns self."""
        Xa: np.ndarray
        ya: np.ndarray
        fresh = not (self.warm_start and hasattr(self, "_trainer"))
        Xa, ya = validate_data(self, X, y, dtype=np.float64, y_numeric=True, reset=fresh)
        self._fit(Xa, ya, None)
        return self

    def partial_fit(self, X: ArrayLike, y: ArrayLike) -> PlaygroundRegressor:
        """One epoch on (X, y), continuing the run (weights and optimizer state)."""
        first = not hasattr(self, "_trainer")
        Xa: np.ndarray
        ya: np.ndarray
        Xa, ya = validate_data(self, X, y, dtype=np.float64, y_numeric=True, reset=first)
        self._fit(Xa, ya, 1)
        return self

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The best restart's value at each row, (N,)."""
        return self._outputs_at(X)


__all__ = ["MAX_RESTARTS", "PlaygroundClassifier", "PlaygroundRegressor"]
