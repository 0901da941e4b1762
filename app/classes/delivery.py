"""What a class does to one session of this process: a push taken into its run, and
the view of its run the teacher asks for (``show``).

Both go through the session's own locks (:meth:`app.session.Session.change` and
:meth:`~app.session.Session.hold`), exactly as the client's own events do, so a push
lands between two training chunks and the student's ``state`` describes it.
"""

from __future__ import annotations

from engine import Config
from engine.config import MAX_SEED

from .. import frames
from ..session import Session
from ..validation import parse_data
from .bus import unpack_bytes
from .members import Member
from .results import student_result

VIEW_KEYS = ("sizes", "domain", "grid", "classes", "surface_range", "surface", "train_points")


def student_config(push: dict, number: int) -> Config:
    """The Config student ``number`` takes: the pushed one, with ``seeds`` "each" its
    seed moved by ``number - 1`` (wrapping past the schema's maximum)."""
    config = Config.from_dict(push["config"])
    if push["seeds"] == "each":
        config = config.replace({"seed": (config.seed + number - 1) % (MAX_SEED + 1)})
    return config


def apply_push(session: Session, push: dict, number: int) -> Config:
    """The session takes the pushed set-up, paused at epoch 0 (its ``state`` says so);
    returns the Config it took."""
    config = student_config(push, number)
    data = parse_data(unpack_bytes(push["points"])) if push.get("points") else None
    with session.change() as change:
        if data is not None:
            change.trainer.set_data(data, config)
        else:
            change.trainer.update(config)
        change.trainer.reset()  # epoch 0 from the seed, even when only live fields moved
        change.scheduler.pause()
        change.scheduler.set_speed(change.trainer.config.speed, change.clock(), 0)
        change.rebuilt()
    return config


def result_of(session: Session, member: Member, loss_below: float | None) -> dict:
    """The student's entry of the teacher's ``results``, read between two chunks (its
    stuck kind from its frames' diagnostics when they are recent)."""
    with session.hold() as trainer:
        seen = session.diagnostics.stuck_seen
        return student_result(trainer, member.pseudonym, loss_below, member.stuck, seen)


def class_view(session: Session, member: Member, loss_below: float | None) -> dict:
    """``class_view``: the student's run now, its surface as a ``frame`` carries it."""
    with session.hold() as trainer:
        frame = frames.build_frame(
            trainer,
            seq=0,
            status="paused",
            history_since=int(trainer.epoch),
            include_points=True,
        )
        result = student_result(trainer, member.pseudonym, loss_below, member.stuck)
        config = trainer.config.to_dict()
    return {
        "student": member.pseudonym,
        **{k: result[k] for k in ("epoch", "loss", "solved", "stuck")},
        "config": config,
        **{k: frame[k] for k in VIEW_KEYS},
    }
