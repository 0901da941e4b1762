"""The loss landscape: a 2-D slice of the training loss around the current weights.

For the weights θ (one replica's row of :attr:`engine.network.MLP.flat`, laid out as
its :class:`~engine.layout.Layout` says: per layer ``W`` then ``b``) and two directions
d1, d2, the slice is::

    L(α, β) = loss(θ + α d1 + β d2)    on a steps × steps grid of (α, β)

computed as one vectorised pass: the grid points are the replicas of one MLP.

Directions (Li, Xu, Taylor, Studer & Goldstein, "Visualizing the Loss Landscape of
Neural Nets", NeurIPS 2018):

* ``"random"``, filter-normalised: draw d ~ N(0, I), then for every *filter* — here
  one neuron's incoming weights, column j of a layer's W — rescale
  ``d[:, j] <- d[:, j] / ‖d[:, j]‖ · ‖θ[:, j]‖``, so a step of α = 1 moves every
  neuron by its own weights' size whatever the scale of the layer. Biases get a zero
  direction, as in the paper (``include_biases=True`` treats a neuron's bias as one
  more entry of its filter instead). α, β ∈ [-span, span].
* ``"trajectory"``: the two main directions (PCA: the top right-singular vectors of
  the centred matrix of snapshots θ_t - θ) of the weight trajectory so far, unit
  length; the grid covers the projected path, span × 1.25 × its largest excursion.

The trajectory (snapshots from a :class:`TrajectoryRecorder`, or a list or (T, P)
array of flat weight vectors) is projected onto the plane by least squares, so the
current weights are at (0, 0); its true losses are reported alongside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .jsonable import json_float, to_json
from .layout import Layout
from .network import MLP

if TYPE_CHECKING:
    from .config import Config
    from .trainer import DataSplit

MAX_REPLICAS = 4096  # grid points evaluated per pass (memory bound for big slices)


class TrainerLike(Protocol):
    """What the landscape reads of a :class:`~engine.trainer.Trainer`: a Trainer, or
    any object with these (the lab's copy of one, in another process)."""

    @property
    def config(self) -> Config: ...

    @property
    def net(self) -> MLP: ...

    @property
    def train(self) -> DataSplit: ...

    @property
    def epoch(self) -> int: ...


class TrajectoryRecorder:
    """Flat weight snapshots of one replica, for trajectory directions and the path.

    Call :meth:`record` as often as convenient (e.g. every frame); it skips a repeated
    epoch, starts over when the network was rebuilt (shape changed or the epoch went
    back), and keeps at most ``max_snapshots`` by dropping every second one (the
    latest is always kept).
    """

    def __init__(self, max_snapshots: int = 400, replica: int = 0):
        if max_snapshots < 3:
            raise ValueError("max_snapshots must be >= 3")
        self.max_snapshots = int(max_snapshots)
        self.replica = int(replica)
        self.clear()

    def clear(self) -> None:
        self._snaps: list[np.ndarray] = []
        self.epochs: list[int] = []

    def record(self, trainer: TrainerLike) -> None:
        flat = trainer.net.flat[self.replica]
        epoch = int(trainer.epoch)
        if self._snaps and (self._snaps[-1].shape != flat.shape or epoch < self.epochs[-1]):
            self.clear()
        if self.epochs and self.epochs[-1] == epoch:
            self._snaps[-1] = flat.astype(float)  # weights may have been edited
            return
        self._snaps.append(flat.astype(float))
        self.epochs.append(epoch)
        if len(self._snaps) > self.max_snapshots:
            keep = list(range(0, len(self._snaps) - 1, 2)) + [len(self._snaps) - 1]
            self._snaps = [self._snaps[i] for i in keep]
            self.epochs = [self.epochs[i] for i in keep]

    @property
    def snapshots(self) -> np.ndarray:
        """(T, P) array, oldest first."""
        return np.array(self._snaps)

    def __len__(self) -> int:
        return len(self._snaps)


@dataclass
class Landscape:
    """``loss[i, j]`` = L(alphas[j], betas[i]) (rows follow β, as Plotly's z[y][x]).

    ``trajectory`` (T, 2) in (α, β) coordinates with its true losses
    ``trajectory_loss`` and ``trajectory_epochs``, or None. ``explained_variance``:
    the share of the trajectory's variance along each direction (trajectory mode).
    ``d1``, ``d2``: the directions, flat like the network's parameters.
    """

    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray
    center_loss: float
    directions: str
    d1: np.ndarray
    d2: np.ndarray
    replica: int = 0
    trajectory: np.ndarray | None = None
    trajectory_loss: np.ndarray | None = None
    trajectory_epochs: list[int] | None = None
    explained_variance: np.ndarray | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "alphas": to_json(self.alphas),
            "betas": to_json(self.betas),
            "loss": to_json(self.loss),
            "center_loss": json_float(self.center_loss),
            "directions": self.directions,
            "replica": self.replica,
            "trajectory": None if self.trajectory is None else to_json(self.trajectory),
            "trajectory_loss": None
            if self.trajectory_loss is None
            else to_json(self.trajectory_loss),
            "trajectory_epochs": self.trajectory_epochs,
            "explained_variance": None
            if self.explained_variance is None
            else to_json(self.explained_variance),
        }


def filter_normalized_direction(
    theta: np.ndarray, layout: Layout, rng: np.random.Generator, include_biases: bool = False
) -> np.ndarray:
    """A random direction with every filter scaled to the norm of θ's filter.

    ``theta`` (P,) is one replica's flat parameters, laid out as ``layout`` says. A
    filter is one neuron's incoming weights, column j of a layer's W (with its bias
    ``b[j]`` below it when ``include_biases``); otherwise the biases' direction is 0.
    """
    d = rng.standard_normal(theta.shape)
    for W, b in zip(layout.weights, layout.biases, strict=True):
        dw = d[W.slice].reshape(W.shape)  # views into d: (fan_in, fan_out), (fan_out,)
        db = d[b.slice]
        tw = theta[W.slice].reshape(W.shape)
        if include_biases:
            dcol = np.vstack([dw, db[None]])
            tcol = np.vstack([tw, theta[b.slice][None]])
        else:
            dcol, tcol = dw, tw
        scale = np.linalg.norm(tcol, axis=0) / np.maximum(np.linalg.norm(dcol, axis=0), 1e-300)
        dw *= scale
        if include_biases:
            db *= scale
        else:
            db[...] = 0.0
    return d


def _trajectory_directions(
    theta: np.ndarray, snaps: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    diffs = snaps - theta
    centred = diffs - diffs.mean(axis=0)
    _, sv, vt = np.linalg.svd(centred, full_matrices=False)
    if len(sv) < 2 or sv[1] <= 1e-12 * max(sv[0], 1e-300):
        raise ValueError(
            "the trajectory spans fewer than two directions yet; "
            "record more snapshots or use directions='random'"
        )
    var = sv**2
    return vt[0], vt[1], var[:2] / var.sum()


def evaluate_points(
    net: MLP,
    points: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    loss: str,
    l1: float = 0.0,
    l2: float = 0.0,
) -> np.ndarray:
    """Training loss at each flat parameter vector of ``points`` (M, P), as replicas of
    MLPs shaped like ``net`` (in passes of at most :data:`MAX_REPLICAS`)."""
    m = len(points)
    size = min(m, MAX_REPLICAS)
    probe = MLP(net.sizes, net.activation, net.output, size, init="zeros", dtype=net.dtype.name)
    out = np.empty(m)
    for start in range(0, m, size):
        part = points[start : start + size]
        probe.flat[: len(part)] = part
        probe.flat[len(part) :] = part[-1]  # padding of the last pass, discarded
        out[start : start + len(part)] = probe.loss(X, y, loss=loss, l1=l1, l2=l2)[: len(part)]
    return out


def loss_landscape(
    trainer: TrainerLike,
    steps: int = 41,
    span: float = 1.0,
    directions: str = "random",
    replica: int = 0,
    seed: int = 0,
    trajectory: TrajectoryRecorder | Sequence[np.ndarray] | np.ndarray | None = None,
    include_biases: bool = False,
) -> Landscape:
    """A steps × steps slice of the training loss (regularisation included, as the
    Trainer reports it) around replica ``replica``'s current weights."""
    if directions not in ("random", "trajectory"):
        raise ValueError(f"directions must be 'random' or 'trajectory', got {directions!r}")
    steps = int(steps)
    if not 3 <= steps <= 401:
        raise ValueError(f"steps must be in [3, 401], got {steps}")
    if not span > 0:
        raise ValueError(f"span must be > 0, got {span}")
    net = trainer.net
    if not 0 <= replica < net.replicas:
        raise ValueError(f"replica must be in [0, {net.replicas - 1}], got {replica}")
    theta = net.flat[replica].astype(float)
    epochs = None
    if isinstance(trajectory, TrajectoryRecorder):
        epochs = list(trajectory.epochs)
        snaps = trajectory.snapshots if len(trajectory) else None
    elif trajectory is not None and len(trajectory):
        snaps = np.asarray(trajectory, float)
    else:
        snaps = None
    if snaps is not None and snaps.shape[1] != theta.shape[0]:
        raise ValueError(
            f"trajectory snapshots have {snaps.shape[1]} parameters, the network {theta.shape[0]}"
        )
    explained = None
    if directions == "random":
        rng = np.random.default_rng(seed)
        d1 = filter_normalized_direction(theta, net.layout, rng, include_biases)
        d2 = filter_normalized_direction(theta, net.layout, rng, include_biases)
    else:
        if snaps is None:
            raise ValueError("directions='trajectory' needs trajectory snapshots")
        d1, d2, explained = _trajectory_directions(theta, snaps)
    coords = None
    if snaps is not None:
        basis = np.stack([d1, d2], axis=1)
        coords = np.linalg.lstsq(basis, (snaps - theta).T, rcond=None)[0].T
    if directions == "trajectory":
        assert coords is not None  # trajectory directions came from snapshots (above)
        reach = 1.25 * np.abs(coords).max(axis=0)
        reach = np.where(reach > 0, reach, 1.0) * span
    else:
        reach = np.array([span, span], float)
    alphas = np.linspace(-reach[0], reach[0], steps)
    betas = np.linspace(-reach[1], reach[1], steps)
    if steps % 2:
        alphas[steps // 2] = betas[steps // 2] = 0.0
    B, A = np.meshgrid(betas, alphas, indexing="ij")  # B[i, j] = betas[i], A[i, j] = alphas[j]
    points = theta + A.reshape(-1, 1) * d1 + B.reshape(-1, 1) * d2
    extra = [theta[None]]
    if snaps is not None:
        extra.append(snaps)
    cfg = trainer.config
    l1, l2 = cfg.penalty()
    values = evaluate_points(
        net,
        np.concatenate([points, *extra]),
        trainer.train.X,
        trainer.train.target,
        cfg.loss,
        l1,
        l2,
    )
    n = steps * steps
    grid_loss = values[:n].reshape(steps, steps)
    return Landscape(
        alphas=alphas,
        betas=betas,
        loss=grid_loss,
        center_loss=float(values[n]),
        directions=directions,
        d1=d1,
        d2=d2,
        replica=replica,
        trajectory=coords,
        trajectory_loss=values[n + 1 :] if snaps is not None else None,
        trajectory_epochs=epochs,
        explained_variance=explained,
    )
