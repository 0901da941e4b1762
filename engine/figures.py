"""A run as Plotly figures, for Jupyter without a server: :meth:`Trainer.figure`.

Two figures, as the page draws them (static/js/surface.js, classes.js):

* ``surface``: the decision surface of replica 0 on an n × n grid of the domain with
  the training points (white-edged) and test points (dark-edged) over it, each
  coloured by its label. Two classes: the probability of class 1 from orange (class
  0, Okabe-Ito's #e69f00) through white (0.5) to blue (class 1, #0072b2); a tanh
  output's -1..1 mapped to 0..1 first. More classes (softmax): each pixel the most
  probable class's colour, lighter the less sure the network is (white at 1/C, the
  full colour at probability 1, never fainter than a 15 % tint). Regression: the
  output's value on a blue-white-red scale centred on 0.
* ``loss``: the training and test loss of replica 0 at every recorded epoch, on a
  log axis (both are > 0 but at an exact fit).

This module imports plotly (a dependency of the project, like :mod:`engine.report`),
and only when called; nothing here does I/O or starts threads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from .trainer import Trainer
    from .training_data import DataSplit

CLASS_COLORS = ("#e69f00", "#0072b2", "#009e73", "#d55e00", "#cc79a7", "#56b4e9")
MIN_TINT = 0.15
TWO_CLASS_SCALE = [[0.0, CLASS_COLORS[0]], [0.5, "#ffffff"], [1.0, CLASS_COLORS[1]]]
REGRESSION_SCALE = "RdBu_r"


@dataclass(frozen=True)
class Figures:
    """``surface`` and ``loss``, two ``plotly.graph_objects.Figure``. Unpacks as a
    pair (``surface, loss = trainer.figure()``); shown in Jupyter, both appear."""

    surface: go.Figure
    loss: go.Figure

    def __iter__(self) -> Iterator[go.Figure]:
        return iter((self.surface, self.loss))

    def _ipython_display_(self) -> None:  # Jupyter's display hook
        from IPython.display import display

        # IPython's display() has no annotations
        display(self.surface)  # type: ignore[no-untyped-call]
        display(self.loss)  # type: ignore[no-untyped-call]


def run_figures(trainer: Trainer, grid: int | None = None) -> Figures:
    """The surface (on an n × n grid, default the config's) and loss figures."""
    return Figures(surface_figure(trainer, grid), loss_figure(trainer))


def _rgb(hex_colour: str) -> NDArray[np.float64]:
    v = int(hex_colour[1:], 16)
    return np.array([(v >> 16) & 255, (v >> 8) & 255, v & 255], np.float64)


def class_image(probabilities: np.ndarray) -> NDArray[np.uint8]:
    """(C, n, n) class probabilities as an (n, n, 3) uint8 image: the most probable
    class's colour mixed with white by t = max(MIN_TINT, (p - 1/C) / (1 - 1/C)), p its
    probability (t = 1: the full colour)."""
    c = probabilities.shape[0]
    best = probabilities.argmax(axis=0)
    p = probabilities.max(axis=0)
    tint: NDArray[np.float64] = np.maximum(MIN_TINT, (p - 1.0 / c) / (1.0 - 1.0 / c))[..., None]
    colours: NDArray[np.float64] = np.stack([_rgb(h) for h in CLASS_COLORS[:c]])[best]  # (n, n, 3)
    return np.rint(255.0 + (colours - 255.0) * tint).astype(np.uint8)


def surface_figure(trainer: Trainer, grid: int | None = None) -> go.Figure:
    """Replica 0's decision surface with the training and test points."""
    import plotly.graph_objects as go

    frame = trainer.frame(grid)
    xs, ys = frame.xs.astype(np.float64), frame.ys.astype(np.float64)
    cfg = trainer.config
    fig = go.Figure()
    if trainer.net.classes:
        image = class_image(np.asarray(frame.surface, np.float64))
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        fig.add_trace(
            go.Image(
                z=image,
                x0=xs[0],
                dx=dx,
                y0=ys[0],
                dy=dy,
                name="most probable class",
                hovertemplate="x1 %{x:.2f}, x2 %{y:.2f}<extra></extra>",
            )
        )
        fig.update_yaxes(autorange=True)  # go.Image draws row 0 at the top otherwise
    elif trainer.task == "classification":
        z = np.asarray(frame.surface, np.float64)
        if cfg.output == "tanh":
            z = (z + 1.0) / 2.0
        fig.add_trace(
            go.Heatmap(
                x=xs,
                y=ys,
                z=z,
                zmin=0,
                zmax=1,
                colorscale=TWO_CLASS_SCALE,
                colorbar={"title": {"text": "P(class 1)"}},
                name="P(class 1)",
            )
        )
    else:
        z = np.asarray(frame.surface, np.float64)
        reach = float(np.abs(z).max()) or 1.0
        fig.add_trace(
            go.Heatmap(
                x=xs,
                y=ys,
                z=z,
                zmin=-reach,
                zmax=reach,
                colorscale=REGRESSION_SCALE,
                colorbar={"title": {"text": "output"}},
                name="output",
            )
        )
    splits = [("train", trainer.train, "#ffffff")]
    if trainer.test is not trainer.train:
        splits.append(("test", trainer.test, "#222222"))
    for name, split, edge in splits:
        fig.add_trace(_points(name, split, edge, trainer))
    x0, x1, y0, y1 = trainer.domain
    fig.update_layout(
        title=f"{cfg.dataset}: epoch {trainer.epoch}",
        xaxis={"title": {"text": "x1"}, "range": [x0, x1], "constrain": "domain"},
        yaxis={"title": {"text": "x2"}, "range": [y0, y1], "scaleanchor": "x"},
        width=560,
        height=520,
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def _points(name: str, split: DataSplit, edge: str, trainer: Trainer) -> go.Scatter:
    import plotly.graph_objects as go

    y = split.y[:, 0]
    if trainer.task == "classification":
        colours = [CLASS_COLORS[int(label)] for label in y]
        marker = {"color": colours, "size": 7, "line": {"color": edge, "width": 1.2}}
        text = [f"label {int(label)}" for label in y]
    else:
        marker = {
            "color": y,
            "colorscale": REGRESSION_SCALE,
            "size": 7,
            "line": {"color": edge, "width": 1.2},
            "showscale": False,
        }
        text = [f"target {v:.3g}" for v in y]
    return go.Scatter(
        x=split.points[:, 0],
        y=split.points[:, 1],
        mode="markers",
        name=name,
        marker=marker,
        text=text,
        hovertemplate="%{text}<br>x1 %{x:.2f}, x2 %{y:.2f}<extra>" + name + "</extra>",
    )


def loss_figure(trainer: Trainer) -> go.Figure:
    """Replica 0's training and test loss at every recorded epoch (log axis)."""
    import plotly.graph_objects as go

    history = trainer.history
    epochs = history["epoch"]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=epochs,
            y=history["train_loss"][:, 0],
            name="train loss",
            mode="lines",
            line={"color": CLASS_COLORS[1]},
        )
    )
    if trainer.test is not trainer.train:
        fig.add_trace(
            go.Scatter(
                x=epochs,
                y=history["test_loss"][:, 0],
                name="test loss",
                mode="lines",
                line={"color": CLASS_COLORS[0], "dash": "dot"},
            )
        )
    fig.update_layout(
        title=f"Loss ({trainer.config.loss}), epoch {trainer.epoch}",
        xaxis={"title": {"text": "epoch"}},
        yaxis={"title": {"text": "loss"}, "type": "log"},
        width=560,
        height=360,
        legend={"orientation": "h", "y": -0.25},
    )
    return fig
