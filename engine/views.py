"""What a Trainer's network says, read without training: predictions and frames.

:func:`predict` and :func:`predict_class` answer at any raw 2-D points (the configured
input features applied), or at rows of your own points' width d when it is not 2
(the raw columns are the inputs, :func:`engine.training_data.input_sizes`);
:func:`frame` evaluates replica 0 on an n × n grid of the domain, every neuron
included, for the page (static/js/surface.js) and for
:mod:`engine.figures`. Frames are computed in float32: they are for display, and
float32 is several times faster there (docs/ENGINE.md, "Speed"). The grid's features
are cached per (n, domain) on the Trainer, since the page asks for the same grid at
every frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .features import make_features
from .training_data import input_matrix, width_of

if TYPE_CHECKING:  # pragma: no cover
    from .trainer import Trainer


@dataclass
class Frame:
    """Replica 0 evaluated on an n × n grid of the domain.

    ``surface`` (n, n): the output, row i = ys[i] (ascending), column j = xs[j]; for a
    softmax output (C, n, n), each class's probability.
    ``neurons``: per layer (input features first, then each hidden layer, then the
    output) an array (units, n, n). ``weights``/``biases``: copies for replica 0.
    ``surface`` and ``neurons`` are float32 buffers that the next ``frame()`` call
    with the same n overwrites: use or :meth:`copy` them before asking again.
    """

    epoch: int
    xs: np.ndarray
    ys: np.ndarray
    surface: np.ndarray
    neurons: list[np.ndarray]
    weights: list[np.ndarray]
    biases: list[np.ndarray]

    def copy(self) -> Frame:
        return Frame(
            self.epoch,
            self.xs.copy(),
            self.ys.copy(),
            self.surface.copy(),
            [a.copy() for a in self.neurons],
            self.weights,
            self.biases,
        )


def outputs_at(trainer: Trainer, points: np.ndarray) -> np.ndarray:
    """Every replica's raw output at raw ``points`` (N, 2), or (N, d) for your own
    points of width d: (K, N), or (K, N, C)."""
    width = width_of(trainer.config, trainer.custom_data)
    X = input_matrix(points, trainer.config, width, trainer.config.dtype)
    if not len(points):  # the network's programs divide by N: no points, no outputs
        units = trainer.net.sizes[-1]
        return squeeze(trainer, np.empty((trainer.replicas, 0, units), trainer.net.dtype))
    return squeeze(trainer, trainer.net.forward(X))


def squeeze(trainer: Trainer, out: np.ndarray) -> np.ndarray:
    """The network's (K, N, units) outputs as (K, N) for one output unit."""
    return out if trainer.net.classes else out[:, :, 0]


def describe(trainer: Trainer) -> str:
    """A Trainer's repr: its net, data, replicas, epoch and replica 0's training loss,
    e.g. ``<Trainer 2-4-3 tanh/softmax adam lr=0.03 on custom, 6 training points;
    1 replica, epoch 300, train loss 0.0123>``."""
    cfg = trainer.config
    last = trainer.last.get("train_loss")
    loss = "" if last is None else f", train loss {float(np.asarray(last)[0]):.4g}"
    if trainer.replicas > 1 and loss:
        loss += " (replica 0)"
    data = f"{cfg.dataset}, {len(trainer.train)} training points"
    if trainer.test is not trainer.train:
        data += f", {len(trainer.test)} test"
    net = "-".join(str(n) for n in trainer.net.sizes)
    k = "1 replica" if trainer.replicas == 1 else f"{trainer.replicas} replicas"
    return (
        f"<Trainer {net} {cfg.activation_text}/{cfg.output} {cfg.optimizer} lr={cfg.lr:g} "
        f"on {data}; {k}, epoch {trainer.epoch}{loss}>"
    )


def predict(trainer: Trainer, points: np.ndarray) -> np.ndarray:
    """See :meth:`engine.trainer.Trainer.predict`: a tanh output's ±1 mapped back to a
    probability, (a + 1) / 2, on classification."""
    out = outputs_at(trainer, points)
    if trainer.task == "classification" and trainer.config.output == "tanh":
        return (out + 1.0) / 2.0
    return out


def predict_class(trainer: Trainer, points: np.ndarray) -> np.ndarray:
    """See :meth:`engine.trainer.Trainer.predict_class`: the side of the decision
    threshold, or for a softmax output the argmax."""
    if trainer.task != "classification":
        raise ValueError("predict_class: a regression run has no classes; use predict")
    out = outputs_at(trainer, points)
    if trainer.net.classes:
        labels: np.ndarray = np.argmax(out, axis=2).astype(np.int64)
        return labels
    return (out > trainer._passes.threshold).astype(np.int64)


# What :func:`grid` keeps on a Trainer: (xs, ys, features) per (n, domain).
GridCache = dict[
    tuple[int, tuple[float, float, float, float]], tuple[np.ndarray, np.ndarray, np.ndarray]
]


def grid(trainer: Trainer, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, features) of the n × n grid over the training domain: features (n², d)
    in float32, row-major with x fastest. Cached on the trainer (a few grids at most).
    A run on your own points of a width other than 2 has no plane: ValueError."""
    width = width_of(trainer.config, trainer.custom_data)
    if width != 2:
        raise ValueError(
            f"this run's inputs are {width} raw columns, not the plane: it has no grid, "
            f"frame or figure (predict() answers at rows of {width} numbers)"
        )
    domain = trainer.train.domain
    cache = trainer._grid_cache
    key = (n, domain)
    cached = cache.get(key)
    if cached is None:
        xmin, xmax, ymin, ymax = domain
        xs = np.linspace(xmin, xmax, n)
        ys = np.linspace(ymin, ymax, n)
        gx, gy = np.meshgrid(xs, ys)  # gx[i, j] = xs[j], gy[i, j] = ys[i]
        points = np.column_stack([gx.ravel(), gy.ravel()])
        feats = make_features(points, trainer.config.features, "float32")
        if len(cache) > 4:
            cache.clear()
        cached = cache[key] = (xs, ys, feats)
    return cached


def frame(trainer: Trainer, grid_size: int | None = None) -> Frame:
    """Replica 0's output and every neuron's output on an n × n grid (float32)."""
    n = int(grid_size) if grid_size is not None else trainer.config.grid
    if not 2 <= n <= 1000:
        raise ValueError(f"grid must be in [2, 1000], got {n}")
    net = trainer.net
    xs, ys, feats = grid(trainer, n)
    layers = net.layer_outputs(feats, replica=0, dtype="float32")
    neurons = [a.reshape(a.shape[0], n, n) for a in layers]
    layout = net.layout
    params = layout.unpack(net.flat[0].copy())  # [W1, b1, W2, ...]
    surface = neurons[-1] if net.classes else neurons[-1][0]
    return Frame(
        epoch=trainer.epoch,
        xs=xs,
        ys=ys,
        surface=surface,
        neurons=neurons,
        weights=[params[e.index] for e in layout.weights],
        biases=[params[e.index] for e in layout.biases],
    )
