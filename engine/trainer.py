"""The Trainer: data, K replicas of a network, an optimizer, and their history.

One object that the live server (K = 1) and the restart lab (K = 1000) drive alike::

    trainer = Trainer(Config(), replicas=1)
    trainer.step(100)                   # 100 epochs
    rows = trainer.history_since(0)     # what changed since epoch 0
    frame = trainer.frame()             # decision surface and every neuron on a grid

Epochs: full batch (``batch_size`` 0, or >= the number of training points) is one
update per epoch; mini-batch is ceil(N / B) updates per epoch over a fresh shuffle
drawn from each replica's own generator (the one that drew its weights).

History: row ``e`` holds the state *after* e epochs (row 0 is the start): the full
training-set loss (regularisation included), the test loss (the same penalty
included, so the two compare), and the accuracies (classification only, NaN for
regression). In full batch the training loss comes free with the gradient of the
next update; the test set costs one forward pass per recorded epoch. Memory stays
bounded for endless runs (:mod:`engine.history` thins it). ``last`` always holds the
latest epoch's numbers.

Divergence: a replica whose loss or gradient becomes non-finite is marked in
``diverged`` and frozen (its parameters stop changing). Every operation is batched
per replica, so its NaNs never reach another replica's numbers.

The Trainer keeps the run (building, stepping, evaluating, recording); the rest is
in rooms of its own, which its methods delegate to: the data and the compiled passes
over them (:mod:`engine.training_data`), live changes, hand edits and origins
(:mod:`engine.live_changes`), predictions and frames (:mod:`engine.views`), its state
for pickles and run files (:mod:`engine.run_state`, :mod:`engine.run_file`), its kept
epochs with ``weights_at``, ``frame_at``, ``at`` and ``animate`` (:mod:`engine.snapshots`,
mixed in) and figures (:mod:`engine.figures`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import IO, Any

import numpy as np
from numpy.typing import ArrayLike

from . import live_changes, run_file, run_state, schedules, views
from .config import Config
from .datasets import CustomData, as_custom
from .figures import Figures, run_figures
from .history import History
from .live_changes import ORIGIN_REASONS, Origin
from .losses import get_loss
from .network import MLP
from .optimizers import Optimizer, make_optimizer
from .snapshots import FILE_BUDGET, Kept, Rewind
from .training_data import (
    DataSplit,
    Passes,
    check_has_data,
    config_for_data,
    input_sizes,
    split_data,
)
from .views import Frame

# Your own points as a Trainer (or a sweep) takes them: a CustomData, or (X, y) to check.
TrainingPoints = CustomData | tuple[ArrayLike, ArrayLike]
PathOrFile = str | os.PathLike[str] | IO[bytes]  # where a run file is written or read


class Trainer(Rewind):
    """Data, network (K replicas), optimizer and history for one Config.

    Parameters
    ----------
    config : Config
        The settings (defaults if None).
    replicas : int
        K independent replicas; replica k starts from ``seed + k``.
    max_history_rows : int, optional
        Rows kept before thinning; default about 10⁶ numbers per metric, between
        256 and 100 000 rows.
    data : (X, y) or CustomData, optional
        Your own points: X (N, 2), y labels 0..C-1 with every class present, or targets
        (a regression, inferred from numbers that are not whole; see
        :func:`engine.datasets.custom_data`); all train unless a ``train_share`` below
        100 was set (a stratified hold-out; :data:`engine.config.TRAIN_SHARE_DEFAULTS`).
        ``dataset`` becomes "custom"; a Config whose output cannot serve the data is
        refused (ConfigError naming ``output``).
    """

    def __init__(
        self,
        config: Config | None = None,
        replicas: int = 1,
        max_history_rows: int | None = None,
        *,
        data: TrainingPoints | None = None,
    ) -> None:
        if int(replicas) < 1:
            raise ValueError(f"replicas must be >= 1, got {replicas}")
        if config is not None and not isinstance(config, Config):
            raise TypeError("Trainer needs a Config (Config.from_dict(d) makes one)")
        config = config if config is not None else Config()
        # Your own points (CustomData) while the Config's dataset is custom; kept when
        # it switches to a generator, so switching back needs no new upload.
        self._custom: CustomData | None = None
        if data is not None:
            self._custom = as_custom(data, config.task if config.is_custom else None)
            config = config_for_data(config, self._custom)
        check_has_data(config, self._custom)
        self.config = config
        self.replicas = int(replicas)
        default_rows = min(100_000, max(256, 1_000_000 // self.replicas))
        self.max_history_rows = int(max_history_rows or default_rows)
        self._build()

    # ------------------------------------------------------------ building

    def _build(self) -> None:
        """Data, network, optimizer, history and programs afresh: epoch 0."""
        cfg = self.config
        k = self.replicas
        args = (input_sizes(cfg, self._custom), cfg.activation, cfg.output, k, cfg.init, cfg.seed)
        self.net = MLP(*args, cfg.dtype, **cfg.init_kwargs())  # inputs: features or d columns
        self.optimizer: Optimizer = make_optimizer(
            cfg.optimizer, self.net.params, **cfg.optimizer_kwargs()
        )
        self.epoch = 0
        self.lr_start = 0  # the epoch the lr schedule began at (engine/schedules.py)
        self.diverged = np.zeros(k, bool)
        self.edits = 0  # weights set by hand (set_param) since epoch 0 ...
        self.last_edit_epoch: int | None = None  # ... the latest at this epoch
        self.origin: Origin = live_changes.snapshot(self, "start")
        self._kept = Kept.start(self)  # kept epochs: engine/snapshots.py
        self._history = History(k, self.max_history_rows)
        self._build_data()

    def _build_data(self) -> None:
        """The data, their buffers and the programs over them, for the network as it is;
        then the current state evaluated and recorded."""
        cfg = self.config
        self.task, self.train, self.test = split_data(cfg, self._custom)
        loss = get_loss(cfg.loss, cfg.output)
        self._passes = Passes.build(self.net, cfg, loss, self.train, self.test)
        self._grid_cache: views.GridCache = {}  # views.grid's, per (n, domain)
        self._any_diverged = bool(self.diverged.any())
        self._grad_1d = self.net.grad_flat.reshape(-1)
        self.last: dict[str, int | np.ndarray] = {}
        self._evaluate_and_record()

    @property
    def custom_data(self) -> CustomData | None:
        """Your own points (as given, validated), or None; kept while the Config's data
        set is a generator, and used again when it switches back to custom."""
        return self._custom

    # ------------------------------------------------------------ changes

    def set_data(self, data: TrainingPoints, config: Config | None = None) -> bool:
        """Train on new points of your own from the next step on.

        ``data``: (X, y) or a CustomData, checked (DataError naming the field).
        ``config``: the Config to run them with (default: this one), its ``dataset``
        and ``classes`` set from the data (ConfigError if its output cannot serve
        them). The network keeps its weights, the optimizer its state and the epoch
        counter goes on, unless the network must change: a different number of
        classes (a softmax output's width), or any other field of ``config`` that
        rebuilds; then everything starts afresh at epoch 0. Returns True if it rebuilt.
        Nothing changes when anything is refused.
        """
        return live_changes.set_data(self, data, config)

    def update(self, config: Config) -> bool:
        """Apply a new Config; True if the network and data were rebuilt. Live fields
        (learning rate and its schedule, optimizer settings, regularisation, batch size,
        grid, speed) apply at the next step, keeping the epoch, weights and optimizer
        state; a new optimizer starts with fresh state. Anything else rebuilds."""
        return live_changes.update(self, config)

    def set_param(self, layer: int, kind: str, i: int, j: int | None, value: float) -> None:
        """Set one weight ``W[layer][i, j]`` or bias ``b[layer][i]`` of replica 0.

        ``layer`` counts weight layers from 0 (inputs -> first hidden layer).
        """
        live_changes.set_param(self, layer, kind, i, j, value)

    def reset(self) -> None:
        """Rebuild from the same Config: the same seeds give the same start."""
        self._build()

    def keep_history(self, max_rows: int) -> None:
        """Keep at most ``max_rows`` history rows, thinned now as when full (a run
        loaded from a file written with a larger bound, say); training is unaffected."""
        self._history.limit(int(max_rows))
        self.max_history_rows = int(max_rows)

    def __repr__(self) -> str:
        return views.describe(self)

    # ------------------------------------------------------------ state

    @classmethod
    def _from_state(cls, state: dict[str, Any]) -> Trainer:
        """A Trainer that continues exactly where :func:`engine.run_state.state_of`'s
        left off: built from its Config (data, network, programs), then given its
        numbers. Each is checked first (ValueError naming it); nothing half-made is
        returned."""
        trainer = object.__new__(cls)
        trainer.config = state["config"]
        trainer.replicas = int(state["replicas"])
        trainer.max_history_rows = int(state["max_history_rows"])
        trainer._custom = state["data"]
        check_has_data(trainer.config, trainer._custom)
        trainer._build()
        run_state.restore(trainer, state)
        return trainer

    def __reduce__(self) -> tuple[Callable[[dict[str, Any]], Trainer], tuple[dict[str, Any]]]:
        # pickle and copy.deepcopy: the state, and a Trainer rebuilt from it
        return (Trainer._from_state, (run_state.state_of(self),))

    def save(self, file: PathOrFile, kept_budget: int = FILE_BUDGET) -> None:
        """Write this run to ``file`` (a path or a binary file object): one ``.npz`` with
        a JSON header (:mod:`engine.run_file`), kept epochs thinned to ``kept_budget`` B."""
        run_file.write(run_state.state_of(self), self.net.layout.to_dict(), file, kept_budget)

    @classmethod
    def load(cls, source: PathOrFile | bytes) -> Trainer:
        """The run saved in ``source`` (a path, a binary file object or bytes), ready
        to train on exactly as if it had never stopped. A truncated, corrupted or
        newer-format file raises ValueError saying what is wrong."""
        return run_file.read(source, cls._from_state)

    def figure(self, grid: int | None = None) -> Figures:
        """Plotly figures of this run for Jupyter, no server needed: ``.surface`` (replica
        0's decision surface on an n × n grid, default the config's, with the training
        and test points) and ``.loss`` (its training and test loss per epoch). Unpacks
        as ``surface, loss``; see :mod:`engine.figures`."""
        return run_figures(self, grid)

    # ------------------------------------------------------------ training

    def step(self, epochs: int = 1) -> None:
        """Train ``epochs`` epochs (see the module docstring for what an epoch is): an
        integer >= 0, Python's or NumPy's (TypeError for 1.7, "5" or True)."""
        epochs = _epoch_count(epochs)
        if epochs == 0:
            return
        n = len(self.train)
        b = self.config.batch_size
        full = b == 0 or b >= n
        set_rate = schedules.rate_setter(self)  # the epoch's learning rate, if scheduled
        with np.errstate(all="ignore"):
            for _ in range(epochs):
                set_rate()
                if full:
                    self._full_batch_epoch()
                    continue
                self._minibatch_epoch(b)
                self.epoch += 1
                self._kept.after_epoch(self)
                if self._history.wants(self.epoch):
                    self._evaluate_and_record()
            if full or not self._history.wants(self.epoch):
                self._evaluate_and_record()

    def _full_batch_epoch(self) -> None:
        passes = self._passes
        l1, l2 = self.config.penalty()
        for f, args in passes.full:  # forward, loss, outputs, gradients
            f(*args)
        loss = passes.train_loss
        if l1 or l2:
            loss += self.net.penalty(l1, l2, grads=True)
        if self._history.wants(self.epoch):
            # The gradient pass evaluated the state after `epoch` epochs: record it.
            self._record(loss.copy(), self._accuracy(passes.out_train, passes.truth_train))
        self._apply(loss)
        self.epoch += 1
        self._kept.after_epoch(self)

    def _minibatch_epoch(self, b: int) -> None:
        net = self.net
        l1, l2 = self.config.penalty()
        xbuf, tbuf, perm, programs = self._passes.minibatches(net, b)
        n = perm.shape[1]
        for r, rng in enumerate(net.rngs):
            perm[r] = rng.permutation(n)
        XT, tT = self._passes.points_last[0]
        np.take(XT, perm, axis=1, out=xbuf)
        np.take(tT, perm, axis=1, out=tbuf)
        for ops in programs:
            # No loss value per batch: the full training loss is evaluated after the
            # epoch; a non-finite gradient is caught here.
            for f, args in ops:
                f(*args)
            if l1 or l2:
                net.penalty(l1, l2, grads=True)
            self._apply(None)

    def _apply(self, loss: np.ndarray | None) -> None:
        """Freeze replicas with a non-finite loss or gradient; update the others."""
        total = np.add.reduce(self._grad_1d)  # one C call (ndarray.sum goes via Python)
        if loss is not None:
            total += np.add.reduce(loss)
        if not math.isfinite(total):  # rare: find the culprits, replica by replica
            bad = ~np.isfinite(self.net.grad_flat.sum(axis=1))
            if loss is not None:
                bad |= ~np.isfinite(loss)
            self.diverged |= bad
            self._any_diverged = bool(self.diverged.any())
        if self._any_diverged:
            self.optimizer.step(self.net.grads, active=~self.diverged)
        else:
            self.optimizer.step(self.net.grads)

    # ------------------------------------------------------------ evaluation

    def _accuracy(self, outputs: np.ndarray, truth: np.ndarray) -> np.ndarray:
        if self.task != "classification":
            return np.full(self.replicas, np.nan)
        if outputs.ndim == 3:  # softmax (K, C, N): the most probable class
            right = np.equal(np.argmax(outputs, axis=1), truth)
        else:
            right = np.equal(np.greater(outputs, self._passes.threshold), truth)
        counts: np.ndarray = np.add.reduce(right, axis=1, dtype=np.float64)  # (K,)
        return counts / truth.size

    def _evaluate_and_record(self) -> None:
        """Evaluate the current state on train and test sets, and record it."""
        passes = self._passes
        l1, l2 = self.config.penalty()
        with np.errstate(all="ignore"):
            for f, args in passes.eval:
                f(*args)
            train_loss = passes.train_loss.copy()
            test_loss = train_loss if self.test is self.train else passes.test_loss.copy()
            if l1 or l2:
                pen = self.net.penalty(l1, l2)
                train_loss += pen
                if test_loss is not train_loss:
                    test_loss += pen
            if not math.isfinite(float(train_loss.sum())):
                # e.g. an output driven to ±inf within a mini-batch epoch
                self.diverged |= ~np.isfinite(train_loss)
                self._any_diverged = bool(self.diverged.any())
            self._record(
                train_loss, self._accuracy(passes.out_train, passes.truth_train), test_loss
            )

    def _record(
        self, train_loss: np.ndarray, train_acc: np.ndarray, test_loss: np.ndarray | None = None
    ) -> None:
        """Store a history row for the current epoch (test side evaluated if needed)."""
        if self.test is self.train:
            test_loss, test_acc = train_loss, train_acc
        else:
            passes = self._passes
            if test_loss is None:
                for f, args in passes.test:
                    f(*args)
                test_loss = passes.test_loss.copy()
                l1, l2 = self.config.penalty()
                if l1 or l2:
                    test_loss += self.net.penalty(l1, l2)
            test_acc = self._accuracy(passes.out_test, passes.truth_test)
        row = np.stack([train_loss, test_loss, train_acc, test_acc])
        if self._history.wants(self.epoch):
            self._history.record(self.epoch, row)
        self.last = {
            "epoch": self.epoch,
            "train_loss": row[0],
            "test_loss": row[1],
            "train_acc": row[2],
            "test_acc": row[3],
        }

    def history_since(self, epoch: int) -> dict[str, np.ndarray]:
        """Rows recorded after ``epoch``: "epoch" (n,) and four (n, K) arrays."""
        return self._history.since(int(epoch))

    @property
    def history(self) -> dict[str, np.ndarray]:
        """Every stored row (see :meth:`history_since`)."""
        return self._history.since(-1)

    @property
    def domain(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) of the data set's display area."""
        return self.train.domain

    # ------------------------------------------------------------ views

    def outputs(self) -> np.ndarray:
        """Current outputs on the training points: (K, N), or (K, N, C) class
        probabilities for a softmax output."""
        return views.squeeze(self, self.net.forward(self.train.X))

    def predict(self, points: np.ndarray) -> np.ndarray:
        """Every replica's prediction at raw 2-D ``points`` (N, 2), the configured input
        features applied: (K, N), for classification the probability of label 1 (a
        tanh output's ±1 mapped back: (a + 1) / 2), for regression the value; for a
        softmax output (K, N, C), each class's probability."""
        return views.predict(self, points)

    def predict_class(self, points: np.ndarray) -> np.ndarray:
        """Labels (K, N) at raw 2-D ``points``: the side of the decision threshold (as
        the accuracy counts it) each replica puts them on, or for a softmax output the
        most probable class."""
        return views.predict_class(self, points)

    def grid_features(self, grid: int | None = None) -> np.ndarray:
        """Feature matrix (n², d) of the grid points, row-major with x fastest."""
        return views.grid(self, int(grid or self.config.grid))[2]

    def frame(self, grid: int | None = None) -> Frame:
        """Replica 0's output and every neuron's output on an n × n grid (float32)."""
        return views.frame(self, grid)


def _epoch_count(epochs: object) -> int:
    """``epochs`` as an int, refused unless an integer (TypeError) >= 0 (ValueError):
    rounding 1.7 or reading "5" would train what nobody asked for."""
    if isinstance(epochs, (bool, np.bool_)) or not isinstance(epochs, (int, np.integer)):
        raise TypeError(f"epochs must be an integer, got {epochs!r}")
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    return int(epochs)


__all__ = ["ORIGIN_REASONS", "DataSplit", "Frame", "Origin", "Trainer", "config_for_data"]
