"""A Trainer's data and the passes over them, built once per data set.

:func:`split_data` makes the training and test sides from the Config (generated, or
your own points); :class:`Passes` holds what the Trainer repeats over them: the
output buffers, the points-last inputs and targets, and the network's programs
(lists of NumPy calls bound to those arrays, :meth:`engine.network.MLP.program`)
for the full-batch update, the evaluation of both sides and the test side alone,
plus the mini-batch slots built on first use. Building them once and replaying them
is what keeps an epoch of tiny matrices cheap (docs/ENGINE.md, "Speed").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import PROBLEM_OUTPUTS, Config
from .datasets import CUSTOM, CUSTOM_REGRESSION, CustomData, make_dataset
from .errors import ConfigError
from .features import make_features
from .losses import Loss
from .network import MLP


def config_for_data(config: Config, data: CustomData) -> Config:
    """``config`` for your own points: ``dataset`` "custom" (labels; ``classes`` = C) or
    "custom_regression" (targets). A ConfigError names ``output`` when the output
    cannot serve the data (more than two classes need softmax with ce)."""
    if data.task == "regression":
        if config.output not in PROBLEM_OUTPUTS["regression"]:
            raise ConfigError(
                "output",
                f"your points' targets are numbers, not class labels 0..C-1, so they are "
                f"a regression: it needs output linear with loss mse (or tanh), not "
                f"output {config.output}",
            )
        return config.replace({"dataset": CUSTOM_REGRESSION})
    if (data.classes or 0) > 2 and config.output != "softmax":
        raise ConfigError(
            "output",
            f"your points have {data.classes} classes: they need "
            f"output softmax with loss ce (one unit per class), not output "
            f"{config.output}",
        )
    return config.replace({"dataset": CUSTOM, "classes": data.classes})


def check_has_data(config: Config, data: CustomData | None) -> None:
    """A custom data set needs points of its kind, and as many classes as they have."""
    if not config.is_custom:
        return
    if data is None:
        raise ConfigError(
            "dataset",
            f"data set {config.dataset} is your own points: give "
            f"them (Trainer(config, data=(X, y)) or trainer.set_data)",
        )
    if data.task != config.task:
        raise ConfigError("dataset", f"your points are for {data.task}, not {config.task}")
    if data.task == "classification" and data.classes != config.classes:
        raise ConfigError(
            "classes", f"your points have {data.classes} classes, not {config.classes}"
        )


def input_sizes(config: Config, data: CustomData | None) -> list[int]:
    """The network's layer sizes: :meth:`Config.sizes`, whose inputs are the Config's
    features of the plane, unless ``data`` is your own points of another width d (1,
    3, 4, ...): then the d raw columns are the inputs."""
    sizes = config.sizes()
    if data is not None and config.is_custom and data.width != 2:
        sizes[0] = data.width
    return sizes


def input_matrix(points: np.ndarray, config: Config, width: int, dtype: str) -> np.ndarray:
    """The network's inputs (N, d) at ``points``: the Config's features of the plane
    when ``width`` is 2, else the raw columns themselves (checked: N rows of ``width``
    finite numbers, ValueError otherwise)."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != width or not np.isfinite(points).all():
        raise ValueError(
            f"points must be finite numbers of shape (N, {width}), got shape {points.shape}"
        )
    if width == 2:
        return make_features(points, config.features, dtype)
    return points.astype(dtype)


def width_of(config: Config, data: CustomData | None) -> int:
    """The raw points' width: 2 (the plane), or your own points' d."""
    return data.width if data is not None and config.is_custom else 2


@dataclass
class DataSplit:
    """One side of the data: raw ``points`` (N, 2), or (N, d) of your own (see
    :func:`input_sizes`), features ``X`` (N, d), labels ``y``
    (N, 1) as generated (labels 0..C-1 or regression values), ``target`` (N, 1) in the
    output's space (y mapped to -1/+1 for a tanh output on classification; the labels
    themselves for softmax, which the network reads as one-hot rows), and the
    ``domain``."""

    points: np.ndarray
    X: np.ndarray
    y: np.ndarray
    target: np.ndarray
    domain: tuple[float, float, float, float]

    def __len__(self) -> int:
        return len(self.points)


def split_data(config: Config, custom: CustomData | None) -> tuple[str, DataSplit, DataSplit]:
    """(task, train, test) for ``config``: its generator's points, or ``custom``'s with
    the Config's noise, split and data seed; ``test is train`` when the data set has
    no separate test side."""
    cfg = config
    if cfg.is_custom:
        assert custom is not None, "check_has_data refuses a custom data set without points"
        data = make_dataset(
            custom, noise=cfg.noise, train_share=cfg.train_share, seed=cfg.data_seed
        )
    else:
        data = make_dataset(
            cfg.dataset, cfg.n_points, cfg.noise, cfg.train_share, cfg.data_seed, cfg.xor4_sample
        )

    width = width_of(cfg, custom)

    def side(points: np.ndarray, y: np.ndarray) -> DataSplit:
        X = input_matrix(points, cfg, width, cfg.dtype)
        target = y
        if data.task == "classification" and cfg.output == "tanh":
            target = 2.0 * y - 1.0  # the Playground's ±1 labels
        return DataSplit(points, X, y, target.astype(cfg.dtype), data.domain)

    train = side(data.train.points, data.train.y)
    test = train if data.test_is_train else side(data.test.points, data.test.y)
    return data.task, train, test


@dataclass
class Passes:
    """The buffers and programs a Trainer replays over its data (see the module
    docstring). ``out_train``/``out_test``: outputs (K, N) for one output unit,
    (K, C, N) for softmax, written by the programs (views of ``out_both`` when the
    test side is separate, evaluated in the same forward pass). ``train_loss`` and
    ``test_loss`` (K,): the mean losses the programs write. ``truth_*``: what the
    accuracy compares against (class indices for softmax, else labels > 0.5), with
    ``threshold`` the output's decision boundary (0.5 sigmoid, else 0)."""

    loss: Loss
    points_last: list[tuple[np.ndarray, np.ndarray]]
    out_train: np.ndarray
    out_test: np.ndarray
    truth_train: np.ndarray
    truth_test: np.ndarray
    threshold: float
    train_loss: np.ndarray
    test_loss: np.ndarray
    full: list[Any]
    eval: list[Any]
    test: list[Any]
    batches: tuple[Any, ...] | None = None

    @classmethod
    def build(
        cls, net: MLP, config: Config, loss: Loss, train: DataSplit, test: DataSplit
    ) -> Passes:
        k, dt = net.replicas, net.dtype
        n_train, n_test = len(train), len(test)
        units = (net.sizes[-1],) if net.classes else ()
        if test is train:
            out_train = out_test = out_both = np.empty((k, *units, n_train), dt)
        else:
            out_both = np.empty((k, *units, n_train + n_test), dt)
            out_train, out_test = out_both[..., :n_train], out_both[..., n_train:]
        truth_train: np.ndarray
        truth_test: np.ndarray
        if net.classes:  # accuracy by argmax against the labels
            truth_train, truth_test = (s.y[:, 0].astype(np.intp) for s in (train, test))
        else:
            truth_train, truth_test = (s.y[:, 0] > 0.5 for s in (train, test))
        # Points-last copies, (d+1, N) with a row of ones and (1, N) (softmax: one-hot
        # (C, N)), of the inputs and targets: the layout the network computes in.
        points_last = [
            (net.extend_inputs(s.X), np.ascontiguousarray(net._targets(s.target, len(s))))
            for s in (train, test)
        ]
        train_loss, test_loss = np.empty(k, dt), np.empty(k, dt)
        (xe_tr, t_tr), (xe_te, t_te) = points_last
        mean_tr = np.full(n_train, 1 / n_train, dt)
        full = net.program(xe_tr, t_tr, loss, True, [(mean_tr, train_loss)], out_train)
        if test is train:
            evaluate = net.program(xe_tr, t_tr, loss, False, [(mean_tr, train_loss)], out_train)
            test_only: list[Any] = []
        else:
            # Train and test side by side, evaluated in one forward pass; the two
            # losses are the per-point losses weighted 1/N on their own columns.
            both_x = np.ascontiguousarray(np.concatenate([xe_tr, xe_te], axis=1))
            both_t = np.ascontiguousarray(np.concatenate([t_tr, t_te], axis=1))
            w_tr = np.r_[np.full(n_train, 1 / n_train), np.zeros(n_test)].astype(dt)
            w_te = np.r_[np.zeros(n_train), np.full(n_test, 1 / n_test)].astype(dt)
            weights = [(w_tr, train_loss), (w_te, test_loss)]
            evaluate = net.program(both_x, both_t, loss, False, weights, out_both)
            mean_te = np.full(n_test, 1 / n_test, dt)
            test_only = net.program(xe_te, t_te, loss, False, [(mean_te, test_loss)], out_test)
        threshold = 0.5 if config.output == "sigmoid" else 0.0
        return cls(
            loss,
            points_last,
            out_train,
            out_test,
            truth_train,
            truth_test,
            threshold,
            train_loss,
            test_loss,
            full,
            evaluate,
            test_only,
        )

    def minibatches(self, net: MLP, b: int) -> tuple[Any, ...]:
        """(xbuf, tbuf, perm, programs) for batches of ``b`` over the training side,
        built on first use (and again for another K, N or B): each replica's shuffled
        copy, points-last, is taken into ``xbuf``/``tbuf`` every epoch, and batch j is
        the fixed slice j·B:(j+1)·B of them, so each batch slot's program is built once
        and replayed."""
        XT, tT = self.points_last[0]
        k, n = net.replicas, XT.shape[1]
        if self.batches is None or self.batches[0] != (k, n, b):
            xbuf = np.empty((XT.shape[0], k, n), net.dtype)  # filled by one np.take
            tbuf = np.empty((tT.shape[0], k, n), net.dtype)  # one row, or C one-hot
            perm = np.empty((k, n), np.intp)
            if k == 1:  # one replica: plain 2-D batches, the network's cheapest path
                xs, ts = xbuf[:, 0], tbuf[:, 0]
            else:
                xs, ts = xbuf.transpose(1, 0, 2), tbuf.transpose(1, 0, 2)
            programs = [
                net.program(xs[..., i : i + b], ts[..., i : i + b], self.loss)
                for i in range(0, n, b)
            ]
            self.batches = ((k, n, b), xbuf, tbuf, perm, programs)
        return self.batches[1:]
