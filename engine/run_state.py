"""A Trainer's state as plain values, and the checks that put it back.

:func:`state_of` is everything the next epochs depend on (the Config, the weights, the
generators, the optimizer's state, the history, the divergence flags, the hand edits,
the origin, the epoch the learning-rate schedule began at, and the kept epochs of
:mod:`engine.snapshots`), as copies; buffers and
programs are not state, they are rebuilt from the Config. :func:`restore` gives such a
state to a Trainer freshly built from the same Config, checking every number first
(ValueError naming it), so a pickle or a run file that does not fit leaves nothing
half-made. Pickling and ``copy.deepcopy``
(:meth:`Trainer.__reduce__`) and run files (:mod:`engine.run_file`) both carry it.

This module never imports the Trainer at run time: the Trainer imports it, and builds
itself from a state (``Trainer._from_state``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .history import KEYS, History
from .live_changes import ORIGIN_REASONS, Origin
from .network import generator_from_state
from .optimizers import make_optimizer
from .snapshots import Kept, numbers_of

if TYPE_CHECKING:  # pragma: no cover
    from .trainer import Trainer


def state_of(trainer: Trainer) -> dict[str, Any]:
    """Everything the next epochs of ``trainer`` depend on, as plain values and array
    copies (see the module docstring)."""
    return {
        **numbers_of(trainer),
        "replicas": trainer.replicas,
        "max_history_rows": trainer.max_history_rows,
        "history": trainer._history.saved(),
        "last": np.stack([np.asarray(trainer.last[key], np.float64) for key in KEYS]),
        "kept": trainer._kept.saved(),
    }


def restore(trainer: Trainer, state: dict[str, Any]) -> None:
    """Give ``state``'s numbers to ``trainer``, freshly built from ``state``'s Config:
    each checked against it first (ValueError naming it), then all set at once."""
    net, k = trainer.net, trainer.replicas
    flat = np.asarray(state["flat"])
    if flat.shape != net.flat.shape or flat.dtype.kind != "f":
        raise ValueError(
            f"weights: expected a float array of shape {net.flat.shape} "
            f"(the config's {net.layout.sizes} net, {k} {'replica' if k == 1 else 'replicas'}), "
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
    history = History.restored(k, trainer.max_history_rows, state["history"])
    epoch = state["epoch"]
    if (
        isinstance(epoch, bool)
        or not isinstance(epoch, (int, np.integer))
        or not epoch >= history.epoch[history.n - 1]
    ):
        raise ValueError(f"epoch: expected an integer >= the last history row, got {epoch!r}")
    lr_start = state.get("lr_start", 0)  # older files: the schedule began at epoch 0
    if (
        isinstance(lr_start, bool)
        or not isinstance(lr_start, (int, np.integer))
        or not 0 <= lr_start <= epoch
    ):
        raise ValueError(f"schedule start: expected an integer in [0, {epoch}], got {lr_start!r}")
    trainer.optimizer.load_state_dict(state["optimizer"])  # checks before it changes
    np.copyto(net.flat, flat)
    net.rngs = rngs
    trainer.epoch = int(epoch)
    trainer.lr_start = int(lr_start)
    trainer.diverged = diverged.copy()
    trainer._any_diverged = bool(diverged.any())
    trainer._history = history
    trainer.last = {"epoch": trainer.epoch, **dict(zip(KEYS, last, strict=True))}
    trainer.edits = int(state["edits"])
    trainer.last_edit_epoch = state["last_edit_epoch"]
    if state.get("origin") is not None:
        trainer.origin = checked_origin(trainer, state["origin"])
    trainer._kept = Kept.restored(trainer, state.get("kept"))


def checked_origin(trainer: Trainer, origin: Origin) -> Origin:
    """``origin`` (from a file or a pickle) checked against ``trainer``'s run, with its
    arrays in the run's dtype; ValueError naming what does not fit."""
    epoch = origin.epoch
    if origin.reason not in ORIGIN_REASONS:
        raise ValueError(
            f"origin: reason must be one of {', '.join(ORIGIN_REASONS)}, got {origin.reason!r}"
        )
    if (
        isinstance(epoch, bool)
        or not isinstance(epoch, (int, np.integer))
        or not 0 <= epoch <= trainer.epoch
    ):
        raise ValueError(f"origin: epoch must be an integer in [0, {trainer.epoch}], got {epoch!r}")
    flat = np.asarray(origin.flat)
    if flat.shape != trainer.net.flat.shape or flat.dtype.kind != "f":
        raise ValueError(
            f"origin: expected weights of shape {trainer.net.flat.shape}, got {flat.shape}"
        )
    if len(origin.rngs) != trainer.replicas:
        raise ValueError(f"origin: expected {trainer.replicas} generators, got {len(origin.rngs)}")
    rngs = [generator_from_state(dict(rng)).bit_generator.state for rng in origin.rngs]
    check = make_optimizer(
        trainer.config.optimizer,
        [np.empty_like(a) for a in trainer.optimizer._arrays],
        **trainer.config.optimizer_kwargs(),
    )
    check.load_state_dict(origin.optimizer)
    return Origin(
        int(epoch), origin.reason, flat.astype(trainer.net.dtype), rngs, check.state_dict()
    )


def one_replica(state: dict[str, Any], replica: int) -> dict[str, Any]:
    """:func:`state_of`'s ``state`` cut down to its replica ``replica`` alone, as a
    one-replica run: its weights, generator, optimizer state (every per-replica array,
    leading axis K), flags, history and origin, and the Config's ``seed`` moved to
    ``seed + replica``, so that the run's "replica 0 starts from seed" still holds
    (a reset draws the same start). What :meth:`PlaygroundClassifier.to_trainer
    <engine.estimators.PlaygroundClassifier.to_trainer>` hands over."""
    k = int(state["replicas"])
    if not 0 <= replica < k:
        raise ValueError(f"replica must be in [0, {k - 1}], got {replica}")
    r = slice(replica, replica + 1)

    def optimizer(saved: dict[str, Any]) -> dict[str, Any]:
        def cut(value: Any) -> Any:
            per_replica = isinstance(value, np.ndarray) and value.ndim and len(value) == k
            return value[r].copy() if per_replica else value

        entries = [{key: cut(v) for key, v in entry.items()} for entry in saved["state"]]
        return {**saved, "t": cut(saved["t"]), "state": entries}

    origin: Origin | None = state.get("origin")
    history = state["history"]
    return {
        **state,
        "config": state["config"].replace({"seed": state["config"].seed + replica}),
        "replicas": 1,
        "flat": state["flat"][r].copy(),
        "rngs": [state["rngs"][replica]],
        "optimizer": optimizer(state["optimizer"]),
        "diverged": state["diverged"][r].copy(),
        "history": {**history, "data": history["data"][:, :, r].copy()},
        "last": state["last"][:, r].copy(),
        "origin": None
        if origin is None
        else Origin(
            origin.epoch,
            origin.reason,
            origin.flat[r].copy(),
            [origin.rngs[replica]],
            optimizer(origin.optimizer),
        ),
    }
