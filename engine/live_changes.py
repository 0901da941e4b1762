"""Changes to a running Trainer: a new Config, new points, a weight set by hand.

Each keeps as much of the run as it can. Live fields (learning rate, optimizer
hyper-parameters, learning-rate schedule, regularisation, batch size, grid, speed)
apply at the next step (a changed schedule starts again there, its step count at 0),
keeping the epoch, the weights and the optimizer state; a different optimizer keeps
the weights and epoch but starts with fresh state; new points with the same network
shape keep the weights; anything else rebuilds from epoch 0. Every change to what
training does marks an :class:`Origin`, where the stretch of training that the Config
in force describes began: what exported code (``engine/export/``) starts from.

These are functions over a Trainer (its methods ``update``, ``set_data`` and
``set_param`` delegate here); the Trainer keeps the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import FIELDS, SPECS, Config
from .datasets import as_custom
from .errors import ConfigError
from .optimizers import make_optimizer
from .schedules import SCHEDULE_FIELDS
from .training_data import check_has_data, config_for_data, input_sizes

if TYPE_CHECKING:  # pragma: no cover
    from .trainer import Trainer

# Data fields: changing only these (with the same network shape) keeps the weights
# when new points arrive (Trainer.set_data).
_DATA_FIELDS = frozenset(spec.name for spec in FIELDS if spec.group == "data")

ORIGIN_REASONS = ("start", "edit", "change")


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
    rngs: list[Mapping[str, Any]]
    optimizer: dict[str, Any]


def snapshot(trainer: Trainer, reason: str) -> Origin:
    """The trainer's weights, generators and optimizer state now, as an Origin."""
    return Origin(
        trainer.epoch,
        reason,
        trainer.net.flat.copy(),
        [rng.bit_generator.state for rng in trainer.net.rngs],
        trainer.optimizer.state_dict(),
    )


def mark_origin(trainer: Trainer, reason: str) -> None:
    """The Config in force applies from here: a new :class:`Origin`. A change before
    any epoch since the last origin keeps that origin's reason (the weights are still
    the ones it describes); only the optimizer state is new."""
    if reason == "change" and trainer.origin.epoch == trainer.epoch:
        reason = trainer.origin.reason
    trainer.origin = snapshot(trainer, reason)


def apply_live(trainer: Trainer, old: Config, config: Config) -> None:
    """The optimizer for ``config``: a fresh one if it changed, else new
    hyper-parameters on the same state."""
    if config.optimizer != old.optimizer:
        trainer.optimizer = make_optimizer(
            config.optimizer, trainer.net.params, **config.optimizer_kwargs()
        )
    else:
        trainer.optimizer.set_hyper(**config.optimizer_kwargs())


def restart_schedule(trainer: Trainer, old: Config, config: Config) -> None:
    """A learning-rate schedule changed (its name or a setting, not the learning rate,
    which only rescales it): it starts again, from the next epoch."""
    if any(name in SCHEDULE_FIELDS for name in old.changed_fields(config)):
        trainer.lr_start = trainer.epoch


def update(trainer: Trainer, config: Config) -> bool:
    """:meth:`Trainer.update`: apply ``config``; True if it rebuilt."""
    if not isinstance(config, Config):
        raise TypeError("update() needs a Config")
    old = trainer.config
    check_has_data(config, trainer._custom)
    if old.needs_rebuild(config):
        trainer.config = config
        trainer._build()
        return True
    apply_live(trainer, old, config)
    trainer.config = config
    restart_schedule(trainer, old, config)  # before the timeline's snapshot: it carries it
    changed = tuple(name for name in old.changed_fields(config) if SPECS[name].group != "display")
    if changed:
        mark_origin(trainer, "change")
        trainer._kept.changed(trainer, "change", changed)  # on the timeline
    return False


def set_data(trainer: Trainer, data: Any, config: Config | None = None) -> bool:
    """:meth:`Trainer.set_data`: new points (and ``config``); True if it rebuilt.
    Nothing changes when anything is refused."""
    config = config if config is not None else trainer.config
    if not isinstance(config, Config):
        raise TypeError("set_data() needs a Config")
    custom = as_custom(data, config.task if config.is_custom else None)
    new = config_for_data(config, custom)
    old_config, old_custom = trainer.config, trainer._custom
    widths = input_sizes(new, custom) != input_sizes(old_config, old_custom)
    rebuild = widths or (
        old_config.needs_rebuild(new)
        and (
            new.sizes() != old_config.sizes()
            or any(f not in _DATA_FIELDS for f in old_config.changed_fields(new))
        )
    )
    trainer.config, trainer._custom = new, custom
    try:
        if rebuild:
            trainer._build()
        else:
            apply_live(trainer, old_config, new)
            restart_schedule(trainer, old_config, new)
            trainer._build_data()
            mark_origin(trainer, "change")  # the data (or the settings) changed here
            trainer._kept.changed(trainer, "data")
    except Exception:
        trainer.config, trainer._custom = old_config, old_custom
        trainer._build()
        raise
    return rebuild


def set_param(trainer: Trainer, layer: int, kind: str, i: int, j: int | None, value: float) -> None:
    """:meth:`Trainer.set_param`: one weight or bias of replica 0, checked (ConfigError
    naming the field), then an "edit" origin and the new state evaluated."""
    layout = trainer.net.layout
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
    trainer.net.flat[0, layout.position(layer, kind, i, j)] = value
    trainer.edits += 1
    trainer.last_edit_epoch = trainer.epoch
    mark_origin(trainer, "edit")
    trainer._kept.changed(trainer, "edit", (f"{kind} {layer}",))
    trainer._evaluate_and_record()


def _index_ok(i: object, size: int) -> bool:
    return isinstance(i, (int, np.integer)) and not isinstance(i, bool) and bool(0 <= i < size)
