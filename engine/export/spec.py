"""What an exported script needs from a run, taken from a Trainer once: :class:`RunSpec`.

The scripts (:mod:`engine.export.to_numpy`, ``to_torch``, ``to_keras``) read only this:
plain arrays and numbers, never the Trainer. It describes the run from its
:class:`~engine.trainer.Origin` on: the start (epoch 0, the Config's own initial
weights) unless a weight was set by hand or a training setting changed live since,
in which case the script starts where that happened, with the weights, optimizer
state and generator the run had there, and says so.

One replica: a Trainer of K replicas exports replica ``replica`` (0 by default).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import SPECS, Config
from ..layout import Layout
from ..optimizers import OPTIMIZERS, make_optimizer
from ..trainer import Trainer

# An optimizer's state for one replica: each entry's name -> a (P,) array laid out like
# the parameters, or None for a buffer not made yet.
Buffers = dict[str, np.ndarray | None]


@dataclass(frozen=True)
class RunSpec:
    """A run as an exported script sees it.

    ``flat``: the parameters (P,) at ``start_epoch``, laid out as ``layout`` says
    (:meth:`params` gives ``[W1, b1, ...]``, :meth:`blocks` each layer's ``[W; b]``).
    ``labels``: the training points' labels (int, classification) or targets (float,
    regression), as generated, one per point. ``optimizer_state``: None if the
    optimizer starts fresh at ``start_epoch``, else ``(t, state, torch_state)``: the
    engine's own state entries and torch's, each name -> a (P,) array laid out like
    ``flat`` (None for a buffer not made yet). ``rng_state``: the replica's PCG64
    state at ``start_epoch``, which the mini-batch order is drawn from (None in full
    batch).
    """

    config: Config
    sizes: tuple[int, ...]
    task: str
    layout: Layout
    points: np.ndarray
    labels: np.ndarray
    flat: np.ndarray
    optimizer_state: tuple[int, Buffers, Buffers] | None
    rng_state: Mapping[str, Any] | None
    start_epoch: int
    end_epoch: int
    reason: str
    edits: int
    # scheduler steps the run's learning-rate schedule had made at start_epoch
    lr_steps: int = 0

    def params(self, flat: np.ndarray | None = None) -> list[np.ndarray]:
        """``[W1, b1, W2, b2, ...]`` of ``flat`` (default: the weights)."""
        return [a.copy() for a in self.layout.unpack(self.flat if flat is None else flat)]

    def blocks(self, flat: np.ndarray | None = None) -> list[np.ndarray]:
        """Each layer's ``[W; b]`` ((fan_in + 1) x fan_out: the weights from each input,
        then the biases) of ``flat`` (default: the weights)."""
        flat = self.flat if flat is None else flat
        return [
            flat[block].reshape(fan_in + 1, fan_out).copy()
            for block, fan_in, fan_out in zip(
                self.layout.blocks, self.sizes[:-1], self.sizes[1:], strict=True
            )
        ]

    @property
    def epochs(self) -> int:
        """Epochs the script trains."""
        return self.end_epoch - self.start_epoch

    @property
    def full_batch(self) -> bool:
        return self.batch_size == 0

    @property
    def batch_size(self) -> int:
        """The mini-batch size, or 0 for full batch (as the Trainer decides it)."""
        b = self.config.batch_size
        return 0 if b == 0 or b >= len(self.points) else b

    @property
    def classes(self) -> int | None:
        """The number of classes of a softmax output (one unit each), else None."""
        return self.sizes[-1] if self.config.output == "softmax" else None

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def hyper(self) -> dict[str, Any]:
        """The optimizer's hyper-parameters under their torch.optim names."""
        return self.config.optimizer_kwargs()

    @property
    def penalty(self) -> tuple[float, float]:
        """(l1, l2): loss + l1 Σ|W| + l2 ½ ΣW² over the weights, not the biases."""
        return self.config.penalty()

    def summary(self) -> str:
        """One line: data, shape, activations, optimizer."""
        cfg = self.config
        shape = "-".join(str(s) for s in self.sizes)
        return (
            f"{cfg.dataset}, a {shape} network ({cfg.activation_text} hidden units, "
            f"{cfg.output} output, {cfg.loss} loss), {cfg.optimizer}"
            + ("" if cfg.lr_schedule == "constant" else f" with a {cfg.lr_schedule} lr schedule")
        )

    def settings(self) -> list[str]:
        """The Config fields that shape the run, ``name = value`` with their labels,
        those that differ from the defaults only (the display's are left out)."""
        cfg, lines = self.config, []
        for name, value in cfg.to_dict().items():
            spec = SPECS[name]
            if spec.group == "display":
                continue
            default = list(spec.default) if isinstance(spec.default, tuple) else spec.default
            if value != default:
                lines.append(f"{name} = {value!r}")
        return lines

    def where_it_starts(self) -> str | None:
        """Why the script does not start at epoch 0 (None when it does)."""
        if self.reason == "start":
            return None
        if self.reason == "edit":
            which = "the only edit" if self.edits == 1 else f"the last of {self.edits} edits"
            why = f"a weight was set by hand at epoch {self.start_epoch} ({which})"
        else:
            why = f"a training setting was changed at epoch {self.start_epoch}"
        return (
            f"This run does not start at epoch 0: {why}. The script starts there, "
            f"from the weights{', optimizer state' if self.optimizer_state else ''} "
            f"and mini-batch generator the run had at that moment, and trains to "
            f"epoch {self.end_epoch} with the settings in force since."
        )


def run_spec(trainer: Trainer, replica: int = 0) -> RunSpec:
    """The :class:`RunSpec` of ``trainer``'s replica ``replica``.

    Raises ValueError when there is nothing to reproduce: the replica's weights were
    not finite where the script would start; or when the run's inputs are not the
    plane (your own points of d != 2 raw columns), which the scripts do not write.
    """
    width = trainer.train.points.shape[1]
    if width != 2:
        raise ValueError(
            f"the export scripts start from points in the plane; this run's inputs are "
            f"{width} raw columns"
        )
    k = trainer.replicas
    if (
        isinstance(replica, bool)
        or not isinstance(replica, (int, np.integer))
        or not 0 <= replica < k
    ):
        raise ValueError(f"replica must be an integer in [0, {k - 1}], got {replica!r}")
    origin = trainer.origin
    layout = trainer.net.layout
    flat = np.asarray(origin.flat[replica], np.float64)
    if not np.isfinite(flat).all():
        raise ValueError(
            f"replica {replica}'s weights at epoch {origin.epoch} are not "
            f"finite: there is no run to reproduce"
        )
    spec_labels = trainer.train.y[:, 0]
    labels = (
        spec_labels.astype(np.int64)
        if trainer.task == "classification"
        else spec_labels.astype(np.float64)
    )
    cfg = trainer.config
    full = cfg.batch_size == 0 or cfg.batch_size >= len(trainer.train)
    return RunSpec(
        config=cfg,
        sizes=tuple(layout.sizes),
        task=trainer.task,
        layout=layout,
        points=np.asarray(trainer.train.points, np.float64).copy(),
        labels=labels,
        flat=flat.copy(),
        optimizer_state=_optimizer_state(trainer, origin.optimizer, replica),
        rng_state=None if full else origin.rngs[replica],
        start_epoch=origin.epoch,
        end_epoch=trainer.epoch,
        reason=origin.reason,
        edits=trainer.edits,
        lr_steps=max(0, origin.epoch - trainer.lr_start),
    )


def _optimizer_state(
    trainer: Trainer, saved: Mapping[str, Any], replica: int
) -> tuple[int, Buffers, Buffers] | None:
    """None if ``saved`` is what the configured optimizer starts with; else its step
    count, its entries as the engine keeps them (brought up to the hyper-parameters in
    force, as the next step would) and as torch keeps them, each a (P,) array."""
    cfg = trainer.config
    flat = trainer.net.flat
    optimizer = OPTIMIZERS[cfg.optimizer]
    fresh = make_optimizer(cfg.optimizer, [np.zeros_like(flat)], **cfg.optimizer_kwargs())
    if saved["t"] == 0 and all(
        _same_entry(optimizer.torch_state(a), optimizer.torch_state(b))
        for a, b in zip(saved["state"], fresh.state_dict()["state"], strict=True)
    ):
        return None
    fresh.load_state_dict(saved)
    (entry,) = fresh.up_to_date_state()  # one entry: the network's flat (K, P) array
    own: Buffers = {
        key: None if value is None else np.array(value[replica], np.float64)
        for key, value in entry.items()
        if isinstance(value, np.ndarray) or value is None
    }
    torch: Buffers = {
        key: None if value is None else np.array(value[replica], np.float64)
        for key, value in optimizer.torch_state(entry).items()
    }
    return int(saved["t"]), own, torch


def _same_entry(a: Mapping[str, np.ndarray | None], b: Mapping[str, np.ndarray | None]) -> bool:
    """Two torch-named states equal, buffer by buffer (None only equal to None)."""
    return all(_same_buffer(a[key], b[key]) for key in a)


def _same_buffer(x: np.ndarray | None, y: np.ndarray | None) -> bool:
    if x is None or y is None:
        return x is None and y is None
    return np.array_equal(x, y)
