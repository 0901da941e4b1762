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
bounded for endless runs: once ``max_rows`` rows are stored, every second row is
dropped and from then on only every second epoch is recorded (the stride doubles
each time). ``last`` always holds the latest epoch's numbers.

Divergence: a replica whose loss or gradient becomes non-finite is marked in
``diverged`` and frozen (its parameters stop changing). Every operation is batched
per replica, so its NaNs never reach another replica's numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .config import FIELDS, SPECS, Config, ConfigError
from .datasets import CUSTOM, CUSTOM_REGRESSION, CustomData, as_custom, make_dataset
from .features import make_features
from .losses import get_loss
from .network import MLP, generator_from_state
from .optimizers import Optimizer, make_optimizer

_KEYS = ("train_loss", "test_loss", "train_acc", "test_acc")
# Data fields: changing only these (with the same network shape) keeps the weights
# when new points arrive (Trainer.set_data).
_DATA_FIELDS = frozenset(spec.name for spec in FIELDS if spec.group == "data")


def config_for_data(config: Config, data: CustomData) -> Config:
    """``config`` for your own points: ``dataset`` "custom" (labels; ``classes`` = C) or
    "custom_regression" (targets). A ConfigError names ``output`` when the output
    cannot serve the data (more than two classes need softmax with ce)."""
    if data.task == "regression":
        return config.replace({"dataset": CUSTOM_REGRESSION})
    if data.classes > 2 and config.output != "softmax":
        raise ConfigError(
            "output",
            f"your points have {data.classes} classes: they need "
            f"output softmax with loss ce (one unit per class), not output "
            f"{config.output}",
        )
    return config.replace({"dataset": CUSTOM, "classes": data.classes})


def _check_has_data(config: Config, data: CustomData | None) -> None:
    """A custom data set needs points of its kind, and as many classes as they have."""
    if config.dataset not in (CUSTOM, CUSTOM_REGRESSION):
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


@dataclass
class DataSplit:
    """One side of the data: raw ``points`` (N, 2), features ``X`` (N, d), labels ``y``
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


@dataclass(frozen=True)
class Origin:
    """Where the stretch of training that the Config in force describes began.

    ``reason`` "start": epoch 0, the weights the Config's initialiser drew (a rebuild
    or reset); "edit": a weight set by hand (:meth:`Trainer.set_param`); "change": a
    training setting changed live (optimizer, its hyper-parameters, regularisation,
    batch size) after some epochs. From ``epoch`` on, the run is the Config applied to
    ``flat`` (K, P), the generators' states ``rngs`` and the optimizer's
    ``optimizer`` (its :meth:`~engine.optimizers.Optimizer.state_dict`): what code
    exported from the run (``engine/export/``) starts from to reproduce it.
    """

    epoch: int
    reason: str
    flat: np.ndarray
    rngs: list[dict]
    optimizer: dict


ORIGIN_REASONS = ("start", "edit", "change")


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


class _History:
    """Rows (epoch, 4 metrics × K) in arrays grown by doubling, thinned at max_rows."""

    def __init__(self, k: int, max_rows: int):
        self.k = k
        self.max_rows = max_rows
        self.stride = 1
        self.n = 0
        self._alloc(min(1024, max_rows))

    def _alloc(self, cap: int) -> None:
        epoch = np.empty(cap, np.int64)
        data = np.empty((4, cap, self.k))
        if self.n:
            epoch[: self.n] = self.epoch[: self.n]
            data[:, : self.n] = self.data[:, : self.n]
        self.epoch, self.data = epoch, data

    def wants(self, epoch: int) -> bool:
        return epoch % self.stride == 0

    def record(self, epoch: int, values: np.ndarray) -> None:
        """Store a (4, K) row for ``epoch`` (overwrites if it is the latest row)."""
        if self.n and self.epoch[self.n - 1] == epoch:
            self.data[:, self.n - 1] = values
            return
        if self.n == len(self.epoch):
            if self.n < self.max_rows:
                self._alloc(min(2 * self.n, self.max_rows))
            else:
                self._thin()
                if not self.wants(epoch):
                    return
        self.epoch[self.n] = epoch
        self.data[:, self.n] = values
        self.n += 1

    def _thin(self) -> None:
        self.stride *= 2
        keep = np.flatnonzero(self.epoch[: self.n] % self.stride == 0)
        m = len(keep)
        self.epoch[:m] = self.epoch[keep]
        self.data[:, :m] = self.data[:, keep]
        self.n = m

    def limit(self, max_rows: int) -> None:
        """Keep at most ``max_rows`` rows from now on: thinned now as when full (every
        second row kept, then every fourth, ...), epoch 0 always."""
        if max_rows < 1:
            raise ValueError(f"max_rows must be >= 1, got {max_rows}")
        self.max_rows = max_rows
        while self.n > max_rows:
            self._thin()
        self._alloc(min(max_rows, max(self.n, 1024)))

    def saved(self) -> dict:
        """The rows and the stride, copied: what :meth:`restored` takes back."""
        return {
            "stride": self.stride,
            "epoch": self.epoch[: self.n].copy(),
            "data": self.data[:, : self.n].copy(),
        }

    @classmethod
    def restored(cls, k: int, max_rows: int, saved: dict) -> _History:
        """A history holding ``saved``'s rows (checked: at most max_rows rows of K
        numbers, epochs rising on the stride)."""
        epoch = np.asarray(saved["epoch"])
        data = np.asarray(saved["data"])
        stride, n = saved["stride"], len(epoch)
        if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1:
            raise ValueError(f"history: stride must be an integer >= 1, got {stride!r}")
        if epoch.ndim != 1 or epoch.dtype.kind not in "iu" or not 1 <= n <= max_rows:
            raise ValueError(
                f"history: expected 1 to {max_rows} integer epochs, "
                f"got shape {epoch.shape} of {epoch.dtype}"
            )
        if data.shape != (4, n, k) or data.dtype.kind != "f":
            raise ValueError(f"history: expected float rows of shape {(4, n, k)}, got {data.shape}")
        if (np.diff(epoch) <= 0).any() or epoch[0] < 0:
            raise ValueError("history: epochs must rise from 0")
        history = cls(k, max_rows)
        history.stride = int(stride)
        history._alloc(max(n, min(1024, max_rows)))
        history.epoch[:n] = epoch
        history.data[:, :n] = data
        history.n = n
        return history

    def since(self, epoch: int) -> dict:
        start = int(np.searchsorted(self.epoch[: self.n], epoch, side="right"))
        out = {"epoch": self.epoch[start : self.n].copy()}
        for i, key in enumerate(_KEYS):
            out[key] = self.data[i, start : self.n].copy()
        return out


class Trainer:
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
        Your own points instead of the Config's generator: X (N, 2), y labels 0..C-1
        (or reals when the Config's task is regression); see
        :func:`engine.datasets.custom_data`. The Config's ``dataset`` becomes "custom"
        (or "custom_regression") and ``classes`` the labels' C; noise, split, data seed
        and features apply to them as to generated points. A Config whose output cannot
        serve C classes is refused (ConfigError naming ``output``).
    """

    def __init__(
        self,
        config: Config | None = None,
        replicas: int = 1,
        max_history_rows: int | None = None,
        *,
        data=None,
    ):
        if int(replicas) < 1:
            raise ValueError(f"replicas must be >= 1, got {replicas}")
        if config is not None and not isinstance(config, Config):
            raise TypeError("Trainer needs a Config (Config.from_dict(d) makes one)")
        config = config if config is not None else Config()
        # Your own points (CustomData) while the Config's dataset is custom; kept when
        # it switches to a generator, so switching back needs no new upload.
        self._custom: CustomData | None = None
        if data is not None:
            self._custom = as_custom(data, config.task)
            config = config_for_data(config, self._custom)
        _check_has_data(config, self._custom)
        self.config = config
        self.replicas = int(replicas)
        k = self.replicas
        self.max_history_rows = (
            int(max_history_rows)
            if max_history_rows
            else int(min(100_000, max(256, 1_000_000 // k)))
        )
        self._build()

    # ------------------------------------------------------------ building

    def _build(self) -> None:
        """Data, network, optimizer, history and programs afresh: epoch 0."""
        cfg = self.config
        k = self.replicas
        self.net = MLP(
            cfg.sizes(),
            cfg.activation,
            cfg.output,
            k,
            cfg.init,
            cfg.seed,
            cfg.dtype,
            **cfg.init_kwargs(),
        )
        self.optimizer: Optimizer = make_optimizer(
            cfg.optimizer, self.net.params, **cfg.optimizer_kwargs()
        )
        self.epoch = 0
        self.diverged = np.zeros(k, bool)
        self.edits = 0  # weights set by hand (set_param) since epoch 0 ...
        self.last_edit_epoch: int | None = None  # ... the latest at this epoch
        self.origin = self._snapshot("start")
        self._history = _History(k, self.max_history_rows)
        self._build_data()

    def _build_data(self) -> None:
        """The data, their buffers and the programs over them, for the network as it is;
        then the current state evaluated and recorded."""
        cfg = self.config
        k = self.replicas
        if cfg.dataset in (CUSTOM, CUSTOM_REGRESSION):
            data = make_dataset(
                self._custom, noise=cfg.noise, train_share=cfg.train_share, seed=cfg.data_seed
            )
        else:
            data = make_dataset(
                cfg.dataset,
                cfg.n_points,
                cfg.noise,
                cfg.train_share,
                cfg.data_seed,
                cfg.xor4_sample,
            )
        self.task = data.task
        self.train = self._split(data.train.points, data.train.y, data.domain)
        self.test = (
            self.train
            if data.test_is_train
            else self._split(data.test.points, data.test.y, data.domain)
        )
        n_train, n_test = len(self.train), len(self.test)
        # Outputs on the data: (K, N) for one output unit, (K, C, N) for softmax.
        units = (self.net.sizes[-1],) if self.net.classes else ()
        if self.test is self.train:
            self._out_train = self._out_test = np.empty((k, *units, n_train), self.net.dtype)
        else:
            self._out_both = np.empty((k, *units, n_train + n_test), self.net.dtype)
            self._out_train = self._out_both[..., :n_train]
            self._out_test = self._out_both[..., n_train:]
        self._threshold = 0.5 if cfg.output == "sigmoid" else 0.0
        if self.net.classes:  # accuracy by argmax against the labels
            self._truth_train = self.train.y[:, 0].astype(np.intp)
            self._truth_test = self.test.y[:, 0].astype(np.intp)
        else:
            self._truth_train = self.train.y[:, 0] > 0.5
            self._truth_test = self.test.y[:, 0] > 0.5
        self._grid_cache: dict = {}
        self._batch_bufs = None
        self._any_diverged = bool(self.diverged.any())
        self._loss = get_loss(cfg.loss, cfg.output)
        self._grad_1d = self.net.grad_flat.reshape(-1)
        # Points-last copies, (d+1, N) with a row of ones and (1, N) (softmax: one-hot
        # (C, N)), of the inputs and targets: the layout the network computes in.
        self._points_last = [
            (self.net.extend_inputs(s.X), np.ascontiguousarray(self.net._targets(s.target, len(s))))
            for s in (self.train, self.test)
        ]
        # The passes the Trainer repeats, built once as programs (lists of NumPy
        # calls bound to these arrays; see MLP.program).
        dt, net, loss = self.net.dtype, self.net, self._loss
        self._train_loss = np.empty(k, dt)
        self._test_loss = np.empty(k, dt)
        (xe_tr, t_tr), (xe_te, t_te) = self._points_last
        mean_tr = np.full(n_train, 1 / n_train, dt)
        self._programs = {
            "full": net.program(
                xe_tr, t_tr, loss, True, [(mean_tr, self._train_loss)], self._out_train
            ),
        }
        if self.test is self.train:
            self._programs["eval"] = net.program(
                xe_tr, t_tr, loss, False, [(mean_tr, self._train_loss)], self._out_train
            )
        else:
            # Train and test side by side, evaluated in one forward pass; the two
            # losses are the per-point losses weighted 1/N on their own columns.
            both_x = np.ascontiguousarray(np.concatenate([xe_tr, xe_te], axis=1))
            both_t = np.ascontiguousarray(np.concatenate([t_tr, t_te], axis=1))
            w_tr = np.r_[np.full(n_train, 1 / n_train), np.zeros(n_test)].astype(dt)
            w_te = np.r_[np.zeros(n_train), np.full(n_test, 1 / n_test)].astype(dt)
            self._programs["eval"] = net.program(
                both_x,
                both_t,
                loss,
                False,
                [(w_tr, self._train_loss), (w_te, self._test_loss)],
                self._out_both,
            )
            self._programs["test"] = net.program(
                xe_te,
                t_te,
                loss,
                False,
                [(np.full(n_test, 1 / n_test, dt), self._test_loss)],
                self._out_test,
            )
        self.last: dict = {}
        self._evaluate_and_record()

    def _split(self, points, y, domain) -> DataSplit:
        cfg = self.config
        X = make_features(points, cfg.features, cfg.dtype)
        target = y
        if self.task == "classification" and cfg.output == "tanh":
            target = 2.0 * y - 1.0  # the Playground's ±1 labels
        return DataSplit(points, X, y, target.astype(cfg.dtype), domain)

    @property
    def custom_data(self) -> CustomData | None:
        """Your own points (as given, validated), or None; kept while the Config's data
        set is a generator, and used again when it switches back to custom."""
        return self._custom

    def set_data(self, data, config: Config | None = None) -> bool:
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
        config = config if config is not None else self.config
        if not isinstance(config, Config):
            raise TypeError("set_data() needs a Config")
        custom = as_custom(data, config.task)
        new = config_for_data(config, custom)
        old_config, old_custom = self.config, self._custom
        rebuild = old_config.needs_rebuild(new) and (
            new.sizes() != old_config.sizes()
            or any(f not in _DATA_FIELDS for f in old_config.changed_fields(new))
        )
        self.config, self._custom = new, custom
        try:
            if rebuild:
                self._build()
            else:
                self._live_changes(old_config, new)
                self._build_data()
                self._mark_origin("change")  # the data (or the settings) changed here
        except Exception:
            self.config, self._custom = old_config, old_custom
            self._build()
            raise
        return rebuild

    def update(self, config: Config) -> bool:
        """Apply a new Config; returns True if the network and data were rebuilt.

        Live fields (learning rate, optimizer hyper-parameters, regularisation,
        batch size, grid, speed) apply at the next step, keeping the epoch, the
        weights and the optimizer state. A different optimizer keeps the weights and
        epoch but starts with fresh state. Anything else rebuilds from epoch 0.
        """
        if not isinstance(config, Config):
            raise TypeError("update() needs a Config")
        old = self.config
        _check_has_data(config, self._custom)
        if old.needs_rebuild(config):
            self.config = config
            self._build()
            return True
        self._live_changes(old, config)
        self.config = config
        if any(SPECS[name].group != "display" for name in old.changed_fields(config)):
            self._mark_origin("change")
        return False

    def _live_changes(self, old: Config, config: Config) -> None:
        if config.optimizer != old.optimizer:
            self.optimizer = make_optimizer(
                config.optimizer, self.net.params, **config.optimizer_kwargs()
            )
        else:
            self.optimizer.set_hyper(**config.optimizer_kwargs())

    def _snapshot(self, reason: str) -> Origin:
        return Origin(
            self.epoch,
            reason,
            self.net.flat.copy(),
            [rng.bit_generator.state for rng in self.net.rngs],
            self.optimizer.state_dict(),
        )

    def _mark_origin(self, reason: str) -> None:
        """The Config in force applies from here: a new :class:`Origin`. A change
        before any epoch since the last origin keeps that origin's reason (the
        weights are still the ones it describes); only the optimizer state is new."""
        if reason == "change" and self.origin.epoch == self.epoch:
            reason = self.origin.reason
        self.origin = self._snapshot(reason)

    def reset(self) -> None:
        """Rebuild from the same Config: the same seeds give the same start."""
        self._build()

    def keep_history(self, max_rows: int) -> None:
        """Keep at most ``max_rows`` history rows (a run loaded from a file written
        with a larger bound, say): the rows are thinned now as they would be when
        full. Training is unaffected; only which epochs the history keeps."""
        self._history.limit(int(max_rows))
        self.max_history_rows = int(max_rows)

    # ------------------------------------------------------------ state

    def _state(self) -> dict:
        """Everything the next epochs depend on, as plain values and arrays (copies):
        what pickling and checkpoints (:mod:`engine.checkpoint`) carry. Buffers and
        programs are not state: they are rebuilt from the Config."""
        return {
            "config": self.config,
            "replicas": self.replicas,
            "max_history_rows": self.max_history_rows,
            "data": self._custom,
            "epoch": self.epoch,
            "flat": self.net.flat.copy(),
            "rngs": [rng.bit_generator.state for rng in self.net.rngs],
            "optimizer": self.optimizer.state_dict(),
            "diverged": self.diverged.copy(),
            "history": self._history.saved(),
            "last": np.stack([np.asarray(self.last[key], np.float64) for key in _KEYS]),
            "edits": self.edits,
            "last_edit_epoch": self.last_edit_epoch,
            "origin": self.origin,
        }

    @classmethod
    def _from_state(cls, state: dict) -> Trainer:
        """A Trainer that continues exactly where :meth:`_state`'s left off: built
        from its Config (data, network, programs), then given its numbers. Each is
        checked first (ValueError naming it); nothing half-made is returned."""
        trainer = object.__new__(cls)
        trainer.config = state["config"]
        trainer.replicas = int(state["replicas"])
        trainer.max_history_rows = int(state["max_history_rows"])
        trainer._custom = state["data"]
        _check_has_data(trainer.config, trainer._custom)
        trainer._build()
        trainer._restore(state)
        return trainer

    def _restore(self, state: dict) -> None:
        net, k = self.net, self.replicas
        flat = np.asarray(state["flat"])
        if flat.shape != net.flat.shape or flat.dtype.kind != "f":
            raise ValueError(
                f"weights: expected a float array of shape {net.flat.shape} "
                f"(the config's {net.layout.sizes} net, {k} replicas), "
                f"got {flat.shape}"
            )
        diverged = np.asarray(state["diverged"])
        if diverged.shape != (k,) or diverged.dtype != bool:
            raise ValueError(f"diverged: expected {k} flags, got {diverged.shape}")
        if not np.isfinite(flat[~diverged]).all():
            raise ValueError("weights: non-finite values in a replica that has not diverged")
        if len(state["rngs"]) != k:
            raise ValueError(f"generators: expected {k}, got {len(state['rngs'])}")
        rngs = [generator_from_state(rng) for rng in state["rngs"]]
        last = np.asarray(state["last"], np.float64)
        if last.shape != (4, k):
            raise ValueError(f"last: expected shape (4, {k}), got {last.shape}")
        history = _History.restored(k, self.max_history_rows, state["history"])
        epoch = state["epoch"]
        if (
            isinstance(epoch, bool)
            or not isinstance(epoch, (int, np.integer))
            or not epoch >= history.epoch[history.n - 1]
        ):
            raise ValueError(f"epoch: expected an integer >= the last history row, got {epoch!r}")
        self.optimizer.load_state_dict(state["optimizer"])  # checks before it changes
        np.copyto(net.flat, flat)
        net.rngs = rngs
        self.epoch = int(epoch)
        self.diverged = diverged.copy()
        self._any_diverged = bool(diverged.any())
        self._history = history
        self.last = {"epoch": self.epoch, **dict(zip(_KEYS, last, strict=True))}
        self.edits = int(state["edits"])
        self.last_edit_epoch = state["last_edit_epoch"]
        if state.get("origin") is not None:
            self.origin = self._checked_origin(state["origin"])

    def _checked_origin(self, origin: Origin) -> Origin:
        """``origin`` (from a file or a pickle) checked against this run; ValueError."""
        epoch = origin.epoch
        if origin.reason not in ORIGIN_REASONS:
            raise ValueError(
                f"origin: reason must be one of {', '.join(ORIGIN_REASONS)}, got {origin.reason!r}"
            )
        if (
            isinstance(epoch, bool)
            or not isinstance(epoch, (int, np.integer))
            or not 0 <= epoch <= self.epoch
        ):
            raise ValueError(
                f"origin: epoch must be an integer in [0, {self.epoch}], got {epoch!r}"
            )
        flat = np.asarray(origin.flat)
        if flat.shape != self.net.flat.shape or flat.dtype.kind != "f":
            raise ValueError(
                f"origin: expected weights of shape {self.net.flat.shape}, got {flat.shape}"
            )
        if len(origin.rngs) != self.replicas:
            raise ValueError(f"origin: expected {self.replicas} generators, got {len(origin.rngs)}")
        rngs = [generator_from_state(rng).bit_generator.state for rng in origin.rngs]
        check = make_optimizer(
            self.config.optimizer,
            [np.empty_like(a) for a in self.optimizer._arrays],
            **self.config.optimizer_kwargs(),
        )
        check.load_state_dict(origin.optimizer)
        return Origin(
            int(epoch), origin.reason, flat.astype(self.net.dtype), rngs, check.state_dict()
        )

    def __reduce__(self):
        # pickle and copy.deepcopy: the state, and a Trainer rebuilt from it
        return (Trainer._from_state, (self._state(),))

    def save(self, file) -> None:
        """Write this run to ``file`` (a path or a binary file object): one ``.npz``
        with a JSON header, see :mod:`engine.checkpoint`."""
        from .checkpoint import save

        save(self, file)

    @classmethod
    def load(cls, source) -> Trainer:
        """The run saved in ``source`` (a path, a binary file object or bytes), ready
        to train on exactly as if it had never stopped. A truncated, corrupted or
        newer-format file raises ValueError saying what is wrong."""
        from .checkpoint import load

        return load(source)

    def figure(self, grid: int | None = None):
        """Plotly figures of this run for Jupyter, no server needed: ``.surface`` (replica
        0's decision surface on an n × n grid, default the config's, with the training
        and test points) and ``.loss`` (its training and test loss per epoch). Unpacks
        as ``surface, loss``; see :mod:`engine.figures`."""
        from .figures import run_figures

        return run_figures(self, grid)

    # ------------------------------------------------------------ training

    def step(self, epochs: int = 1) -> None:
        """Train ``epochs`` epochs (see the module docstring for what an epoch is)."""
        epochs = int(epochs)
        if epochs < 0:
            raise ValueError(f"epochs must be >= 0, got {epochs}")
        if epochs == 0:
            return
        n = len(self.train)
        b = self.config.batch_size
        full = b == 0 or b >= n
        with np.errstate(all="ignore"):
            if full:
                for _ in range(epochs):
                    self._full_batch_epoch()
            else:
                for _ in range(epochs):
                    self._minibatch_epoch(b)
                    self.epoch += 1
                    if self._history.wants(self.epoch):
                        self._evaluate_and_record()
            if full or not self._history.wants(self.epoch):
                self._evaluate_and_record()

    def _full_batch_epoch(self) -> None:
        l1, l2 = self.config.penalty()
        for f, args in self._programs["full"]:  # forward, loss, outputs, gradients
            f(*args)
        loss = self._train_loss
        if l1 or l2:
            loss += self.net.penalty(l1, l2, grads=True)
        if self._history.wants(self.epoch):
            # The gradient pass evaluated the state after `epoch` epochs: record it.
            self._record(loss.copy(), self._accuracy(self._out_train, self._truth_train))
        self._apply(loss)
        self.epoch += 1

    def _minibatch_epoch(self, b: int) -> None:
        net = self.net
        l1, l2 = self.config.penalty()
        n, k = len(self.train), self.replicas
        if self._batch_bufs is None or self._batch_bufs[0] != (k, n, b):
            XT, tT = self._points_last[0]
            xbuf = np.empty((XT.shape[0], k, n), net.dtype)  # filled by one np.take
            tbuf = np.empty((tT.shape[0], k, n), net.dtype)  # one row, or C one-hot
            perm = np.empty((k, n), np.intp)
            # Each replica's shuffled copy, points-last: (K, d, N) and (K, 1, N) views;
            # batch j is the fixed slice j·B:(j+1)·B of them, refilled every epoch,
            # so each batch slot's program is built once and replayed.
            if k == 1:  # one replica: plain 2-D batches, the network's cheapest path
                xs, ts = xbuf[:, 0], tbuf[:, 0]
            else:
                xs, ts = xbuf.transpose(1, 0, 2), tbuf.transpose(1, 0, 2)
            programs = [
                net.program(xs[..., i : i + b], ts[..., i : i + b], self._loss)
                for i in range(0, n, b)
            ]
            self._batch_bufs = ((k, n, b), xbuf, tbuf, perm, programs)
        _, xbuf, tbuf, perm, programs = self._batch_bufs
        for r, rng in enumerate(net.rngs):
            perm[r] = rng.permutation(n)
        XT, tT = self._points_last[0]
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
            right = np.equal(np.greater(outputs, self._threshold), truth)
        return np.add.reduce(right, axis=1, dtype=np.float64) / truth.size

    def _evaluate_and_record(self) -> None:
        """Evaluate the current state on train and test sets, and record it."""
        l1, l2 = self.config.penalty()
        with np.errstate(all="ignore"):
            for f, args in self._programs["eval"]:
                f(*args)
            train_loss = self._train_loss.copy()
            test_loss = train_loss if self.test is self.train else self._test_loss.copy()
            if l1 or l2:
                pen = self.net.penalty(l1, l2)
                train_loss += pen
                if test_loss is not train_loss:
                    test_loss += pen
            if not math.isfinite(float(train_loss.sum())):
                # e.g. an output driven to ±inf within a mini-batch epoch
                self.diverged |= ~np.isfinite(train_loss)
                self._any_diverged = bool(self.diverged.any())
            self._record(train_loss, self._accuracy(self._out_train, self._truth_train), test_loss)

    def _record(
        self, train_loss: np.ndarray, train_acc: np.ndarray, test_loss: np.ndarray | None = None
    ) -> None:
        """Store a history row for the current epoch (test side evaluated if needed)."""
        if self.test is self.train:
            test_loss, test_acc = train_loss, train_acc
        else:
            if test_loss is None:
                for f, args in self._programs["test"]:
                    f(*args)
                test_loss = self._test_loss.copy()
                l1, l2 = self.config.penalty()
                if l1 or l2:
                    test_loss += self.net.penalty(l1, l2)
            test_acc = self._accuracy(self._out_test, self._truth_test)
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

    def history_since(self, epoch: int) -> dict:
        """Rows recorded after ``epoch``: "epoch" (n,) and four (n, K) arrays."""
        return self._history.since(int(epoch))

    @property
    def history(self) -> dict:
        """Every stored row (see :meth:`history_since`)."""
        return self._history.since(-1)

    @property
    def domain(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) of the data set's display area."""
        return self.train.domain

    def outputs(self) -> np.ndarray:
        """Current outputs on the training points: (K, N), or (K, N, C) class
        probabilities for a softmax output."""
        return self._squeeze(self.net.forward(self.train.X))

    def _squeeze(self, out: np.ndarray) -> np.ndarray:
        return out if self.net.classes else out[:, :, 0]

    def predict(self, points: np.ndarray) -> np.ndarray:
        """Every replica's prediction at raw 2-D ``points`` (N, 2), the configured input
        features applied: (K, N), for classification the probability of label 1 (a
        tanh output's ±1 mapped back: (a + 1) / 2), for regression the value; for a
        softmax output (K, N, C), each class's probability."""
        out = self._outputs_at(points)
        if self.task == "classification" and self.config.output == "tanh":
            return (out + 1.0) / 2.0
        return out

    def predict_class(self, points: np.ndarray) -> np.ndarray:
        """Labels (K, N) at raw 2-D ``points``: the side of the decision threshold (as
        the accuracy counts it) each replica puts them on, or for a softmax output the
        most probable class."""
        if self.task != "classification":
            raise ValueError("predict_class: a regression run has no classes; use predict")
        out = self._outputs_at(points)
        if self.net.classes:
            return np.argmax(out, axis=2).astype(np.int64)
        return (out > self._threshold).astype(np.int64)

    def _outputs_at(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2 or not np.isfinite(points).all():
            raise ValueError(
                f"points must be finite numbers of shape (N, 2), got shape {points.shape}"
            )
        X = make_features(points, self.config.features, self.config.dtype)
        return self._squeeze(self.net.forward(X))

    # ------------------------------------------------------------ display

    def _grid(self, n: int):
        xmin, xmax, ymin, ymax = self.train.domain
        key = (n, self.train.domain)
        cached = self._grid_cache.get(key)
        if cached is None:
            xs = np.linspace(xmin, xmax, n)
            ys = np.linspace(ymin, ymax, n)
            gx, gy = np.meshgrid(xs, ys)  # gx[i, j] = xs[j], gy[i, j] = ys[i]
            points = np.column_stack([gx.ravel(), gy.ravel()])
            feats = make_features(points, self.config.features, "float32")
            if len(self._grid_cache) > 4:
                self._grid_cache.clear()
            cached = self._grid_cache[key] = (xs, ys, feats)
        return cached

    def grid_features(self, grid: int | None = None) -> np.ndarray:
        """Feature matrix (n², d) of the grid points, row-major with x fastest."""
        return self._grid(int(grid or self.config.grid))[2]

    def frame(self, grid: int | None = None) -> Frame:
        """Replica 0's output and every neuron's output on an n × n grid (float32)."""
        n = int(grid) if grid is not None else self.config.grid
        if not 2 <= n <= 1000:
            raise ValueError(f"grid must be in [2, 1000], got {n}")
        xs, ys, feats = self._grid(n)
        layers = self.net.layer_outputs(feats, replica=0, dtype="float32")
        neurons = [a.reshape(a.shape[0], n, n) for a in layers]
        layout = self.net.layout
        params = layout.unpack(self.net.flat[0].copy())  # [W1, b1, W2, ...]
        surface = neurons[-1] if self.net.classes else neurons[-1][0]
        return Frame(
            epoch=self.epoch,
            xs=xs,
            ys=ys,
            surface=surface,
            neurons=neurons,
            weights=[params[e.index] for e in layout.weights],
            biases=[params[e.index] for e in layout.biases],
        )

    # ------------------------------------------------------------ editing

    def set_param(self, layer: int, kind: str, i: int, j: int | None, value: float) -> None:
        """Set one weight ``W[layer][i, j]`` or bias ``b[layer][i]`` of replica 0.

        ``layer`` counts weight layers from 0 (inputs -> first hidden layer).
        """
        layout = self.net.layout
        if (
            isinstance(layer, bool)
            or not isinstance(layer, (int, np.integer))
            or not 0 <= layer < layout.n_layers
        ):
            raise ConfigError("layer", f"layer must be an integer in [0, {layout.n_layers - 1}]")
        value_ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(
            value, bool
        )
        if not value_ok or not np.isfinite(value):
            raise ConfigError("value", "value must be a finite number")
        if kind not in ("weight", "bias"):
            raise ConfigError("kind", "kind must be 'weight' or 'bias'")
        shape = layout.array(layer, kind).shape  # (fan_in, fan_out) or (fan_out,)
        if not _index_ok(i, shape[0]):
            raise ConfigError("i", f"i must be an integer in [0, {shape[0] - 1}]")
        if kind == "weight" and not _index_ok(j, shape[1]):
            raise ConfigError("j", f"j must be an integer in [0, {shape[1] - 1}]")
        if kind == "bias" and j is not None:
            raise ConfigError("j", "j must be None for a bias")
        self.net.flat[0, layout.position(layer, kind, i, j)] = value
        self.edits += 1
        self.last_edit_epoch = self.epoch
        self._mark_origin("edit")
        self._evaluate_and_record()


def _index_ok(i, size: int) -> bool:
    return isinstance(i, (int, np.integer)) and not isinstance(i, bool) and 0 <= i < size
