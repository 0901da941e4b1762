"""The protocol's operations: what each client event does to a session's run.

Each is a small function ``op(session, payload)`` (the socket handlers are a table of
them, app/server.py). A change runs inside :meth:`app.session.Session.change`, which
holds the session's locks ahead of its training thread, hands over the trainer and the
:class:`~app.scheduler.RunScheduler`, and sends ``state`` after it. The payload is
checked first (app/validation.py, app/run_files.py, app/code_export.py): a refused one
raises a ``PlaygroundError`` naming the field, and the run does not change.
"""

from __future__ import annotations

from typing import Any

from engine import Config
from engine.checkpoint import FILE_BUDGET, to_bytes
from engine.config import PROBLEM_DEFAULTS
from engine.datasets import CUSTOM, CUSTOM_REGRESSION, CustomData

from .code_export import code_for, parse_code
from .run_files import parse_open_run, run_file_name
from .session import Change, Session
from .validation import (
    ValidationError,
    as_object,
    data_restarts,
    parse_config,
    parse_control,
    parse_data,
    parse_set_weight,
)

# What a student may still change while the teacher locks the set-up (class mode):
# how fast it plays and how fine the surface is drawn, not what is trained.
LOCK_FREE_FIELDS = frozenset({"speed", "grid"})


def check_unlocked(session: Session, old: Config | None = None, new: Config | None = None) -> None:
    """Refuse a change to a set-up locked by a class's teacher (``session.class_lock``):
    with ``old`` and ``new``, the first changed field not in LOCK_FREE_FIELDS is named;
    without, any change (``locked``)."""
    code = session.class_lock
    if code is None:
        return
    why = f"locked by the teacher of class {code} until the next push"
    if old is None or new is None:
        raise ValidationError("locked", f"your set-up is {why}")
    for name in old.changed_fields(new):
        if name not in LOCK_FREE_FIELDS:
            raise ValidationError(name, f"{name} is {why}")


def apply_config(session: Session, payload: Any) -> None:
    """Validate and apply a partial config (``config``), then send ``state``.

    Live fields keep the epoch and the weights; others rebuild the network, which
    keeps playing if it was playing. A new ``speed`` paces from now.
    """
    with session.change() as change:
        new = parse_config(payload, change.trainer.config)
        check_unlocked(session, change.trainer.config, new)
        old_speed = change.trainer.config.speed
        if change.trainer.update(new):
            change.rebuilt()
        if new.speed != old_speed:
            change.scheduler.set_speed(new.speed, change.clock(), change.trainer.epoch)


def control(session: Session, payload: Any) -> None:
    """play, pause, step, reset or regenerate (``control``); then send ``state``."""
    action, epochs = parse_control(payload)
    if action == "regenerate":  # a new data set
        check_unlocked(session)
    with session.change() as change:
        scheduler = change.scheduler
        if action == "play":
            scheduler.play(change.clock(), change.trainer.epoch)
        elif action == "pause":
            scheduler.pause()
        elif action == "step":
            scheduler.step(epochs)
        elif action == "reset":
            # Paused, like the TensorFlow Playground: the next frame is epoch 0.
            scheduler.pause()
            change.trainer.reset()
            change.rebuilt()
        elif action == "regenerate":
            _regenerate(change)


def set_data(session: Session, payload: Any) -> None:
    """Train on the client's own points (a ``data`` event), then send ``state``.

    The points are checked first (an ``error`` names the field; nothing changes).
    The data set becomes "custom" (or "custom_regression"); the output and loss
    switch to what the points need when the current ones cannot serve them (softmax
    and ce for more than two classes, linear and mse for targets). The network keeps
    its weights and goes on playing, unless its shape changes (another number of
    classes, another output) or the payload says ``restart`` (a whole new point set,
    as choosing a data set is): then it starts afresh at epoch 0, still playing if it
    was.
    """
    check_unlocked(session)
    data = parse_data(payload)
    restart = data_restarts(payload)
    with session.change() as change:
        config = config_for_points(change.trainer.config, data)
        rebuilt = change.trainer.set_data(data, config)
        if restart and not rebuilt:
            change.trainer.reset()  # the same Config from its seeds: epoch 0
        if rebuilt or restart:
            change.rebuilt()
        else:
            change.points_changed = True


def set_weight(session: Session, payload: Any) -> None:
    """Set one weight or bias of the live network (``set_weight``); then send ``state``."""
    with session.change() as change:
        change.trainer.set_param(*parse_set_weight(payload))


# The page asks for a checkpoint every ~1.25 s while playing: its kept epochs (the
# timeline's, docs/ENGINE.md) are thinned to 64 KiB of arrays rather than Save run's
# 512 KiB, so a checkpoint of a long run costs ~50-70 KB on the wire, not ~480 KB
# (6x8 net, 4,500 epochs). A resumed run's timeline is that much coarser.
CHECKPOINT_KEPT_BUDGET = 64 * 2**10


def save_run(session: Session, payload: Any) -> None:
    """Send the run as its run file (``run_file``: name, epoch and the file's bytes,
    engine/checkpoint.py), exactly as it stands between two training chunks.

    ``{"checkpoint": true}`` asks for the same file as the page's own checkpoint (it
    resumes the run after a lost connection, static/js/checkpoint.js); the answer says
    ``"checkpoint": true`` so the page keeps it rather than downloading it.
    """
    checkpoint = _parse_save_run(payload)
    extra = {"checkpoint": True} if checkpoint else {}
    kept_budget = CHECKPOINT_KEPT_BUDGET if checkpoint else FILE_BUDGET
    session.send_snapshot(
        "run_file",
        lambda trainer: {
            "name": run_file_name(trainer),
            "epoch": int(trainer.epoch),
            "file": to_bytes(trainer, kept_budget),
            **extra,
        },
    )


def _parse_save_run(payload: Any) -> bool:
    """Whether a ``save_run`` payload (none, ``{}`` or ``{"checkpoint": bool}``) asks
    for a checkpoint."""
    if payload is None:
        return False
    data = as_object(payload)
    if set(data) - {"checkpoint"}:
        raise ValidationError("payload", 'save_run takes no payload but {"checkpoint": true}')
    checkpoint = data.get("checkpoint", False)
    if not isinstance(checkpoint, bool):
        raise ValidationError("checkpoint", "checkpoint must be true or false")
    return checkpoint


def open_run(session: Session, payload: Any) -> None:
    """Go on from a run file (``open_run``), paused; then send ``state``.

    The file is read and checked first (app/run_files.py): a bad one changes
    nothing and the ``error`` says what is wrong. Training on from it gives the
    numbers the saved run would have given.
    """
    check_unlocked(session)
    trainer = parse_open_run(payload, session.max_run_file_bytes)
    with session.change() as change:
        change.trainer = trainer
        change.scheduler.pause()
        change.scheduler.set_speed(trainer.config.speed, change.clock(), trainer.epoch)
        change.rebuilt()


def code(session: Session, payload: Any) -> None:
    """Send the run as a standalone script (``code``: numpy, torch or keras), made
    from its run file outside the session's lock (app/code_export.py)."""
    target = parse_code(payload)
    with session.hold() as trainer:
        run_file = to_bytes(trainer)
    session.send("code", code_for(run_file, target))


def ready(session: Session, payload: Any) -> None:
    """The client is ready for one more frame (``ready``)."""
    if payload not in (None, {}):
        raise ValidationError("payload", "ready takes no payload")
    session.grant_credit()


def _regenerate(change: Change) -> None:
    """A new data set: ``data_seed`` + 1 (wrapping at the schema's maximum)."""
    cfg = change.trainer.config
    field = next(f for f in Config.schema() if f["name"] == "data_seed")
    lo = int(field.get("min") or 0)
    hi = field.get("max")
    seed = cfg.data_seed + 1
    if hi is not None and seed > hi:
        seed = lo
    try:
        new = cfg.replace({"data_seed": seed})
    except Exception as err:  # the schema's own limits; should not happen
        raise ValidationError("data_seed", str(err)) from None
    change.trainer.update(new)
    change.rebuilt()


def config_for_points(config: Config, data: CustomData) -> Config:
    """``config`` with the output and loss the points need, if the current pair cannot
    serve them (the page's problem defaults); otherwise unchanged.

    The engine's ``config_for_data`` then sets the data set and classes; it refuses an
    output that cannot serve the points, where the page switches it for the user."""
    if data.task == "regression":
        if config.output in ("sigmoid", "softmax"):
            return config.replace({"dataset": CUSTOM_REGRESSION, **PROBLEM_DEFAULTS["regression"]})
        return config
    classes = data.classes or 2  # a classification always has its count
    if classes > 2 and config.output != "softmax":
        return config.replace(
            {"dataset": CUSTOM, "classes": classes, **PROBLEM_DEFAULTS["multiclass"]}
        )
    if config.output == "linear":
        return config.replace(
            {"dataset": CUSTOM, "classes": classes, **PROBLEM_DEFAULTS["classification"]}
        )
    return config
