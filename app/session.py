"""One browser tab's training run: a Trainer, its background thread, its frame credit.

A :class:`Session` is a plain object, testable without a server: it is given an
``emit(event, payload)`` callable and never imports Flask. Socket handlers call the
protocol's operations (app/operations.py) from their own threads; the session's thread
trains and sends frames. What to do next (train how much, send a frame, sleep until
when) is decided by a :class:`~app.scheduler.RunScheduler`, plain state with no locks;
the session keeps the thread, the locks, the turns between sessions and the sending.

Locks, always taken in this order (never the send lock while holding the condition):

* ``_send_lock`` makes each emit to this client atomic. A frame is several packets
  (a header and its binary attachments); a ``state`` or ``error`` sent from a handler
  thread in between would corrupt it on the wire. A handler that changes something
  holds it across the change and its ``state`` (:meth:`Session.change`), so the
  ``state`` describes exactly that change and goes out before any frame built from it.
* ``_cond`` (a Condition over one lock) guards the trainer and the scheduler. Training
  chunks hold it, so a handler waits at most one chunk (~15 ms) to change the config.
  The thread sleeps on it, so a paused session with nothing to send uses no CPU and a
  handler's ``notify`` wakes it at once.

A Lock is not fair: the thread would release it between chunks and take it straight
back, starving a waiting handler for seconds. So handlers announce themselves first
(:meth:`Session._handler_turn`) and the thread, between chunks, steps aside for them.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from engine import Config, Trainer, TrajectoryRecorder
from engine.datasets import ignored_fields

from . import frames
from .frame_diagnostics import FrameDiagnostics
from .run_files import SESSION_HISTORY_ROWS
from .scheduler import RunScheduler, SendFrame, Train
from .turns import TrainingTurns

log = logging.getLogger(__name__)

Emit = Callable[[str, Any], None]


class Outbox(Protocol):
    """The connection's outbound queue as a session sees it (app/wire.py FrameGate)."""

    def on_clear(self, wake: Callable[[], None]) -> None: ...
    def sent(self) -> None: ...
    def clear(self) -> bool: ...


MAX_STATE_CHANGES = 100  # live changes a `state` carries for the timeline
IO_PAUSE_SECONDS = 0.002  # after each frame: time for the writer thread to send it


@dataclass
class Change:
    """A handler's change to a run, as :meth:`Session.change` hands it to an operation.

    The operation changes ``trainer`` (or replaces it) and ``scheduler`` (``clock``
    tells it the time), and says what the next frame must show afresh: :meth:`rebuilt`
    for a new network, ``points_changed`` for new points on the same one.
    """

    trainer: Trainer
    scheduler: RunScheduler
    clock: Callable[[], float]
    network_rebuilt: bool = False
    points_changed: bool = False

    def rebuilt(self) -> None:
        """The network (or the whole run) started afresh: its first frame is due, with
        its whole history, its points and fresh diagnostics."""
        self.network_rebuilt = True
        self.scheduler.rebuilt(self.clock(), self.trainer.epoch)


class Session:
    """A Trainer trained by a background thread and streamed to one client.

    ``max_fps`` caps the frame rate; ``turns`` (shared by the sessions of one server)
    makes them train one at a time, in turn; ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        sid: str,
        emit: Emit,
        config: Config | None = None,
        *,
        max_fps: float = 30.0,
        thumb: int = frames.THUMB,
        clock: Callable[[], float] = time.monotonic,
        turns: TrainingTurns | None = None,
        outbox: Outbox | None = None,
        max_run_file_bytes: int = 2**20,
    ):
        self.sid = sid
        self._emit = emit
        self._clock = clock
        self._thumb = thumb
        self._send_lock = threading.Lock()
        self._cond = threading.Condition(threading.Lock())
        self._waiting_lock = threading.Lock()
        self._handlers_waiting = 0  # handlers queued for _cond: the thread steps aside
        self._stepping_aside = False
        self._turns = turns
        self._has_turn = False  # this session may train now
        self._in_rotation = False  # holds the turn or is queued for it
        self.trainer = Trainer(
            config if config is not None else Config(),
            replicas=1,
            max_history_rows=SESSION_HISTORY_ROWS,
        )
        self.max_run_file_bytes = max_run_file_bytes
        self.scheduler = RunScheduler(self.trainer.config.speed, max_fps)  # app/scheduler.py
        self._stopped = False
        self._seq = 0
        self._history_mark = -1  # last epoch whose history went out; -1 = none yet
        self._send_points = True
        self.frames_sent = 0
        self.epochs_trained = 0
        self.wakeups = 0  # turns of the thread's loop: stays put while the session idles
        self.idle = False  # the thread sleeps with no timeout (paused, nothing to send)
        self.thread = threading.Thread(target=self._run, name=f"session-{sid}", daemon=True)
        # no frame while the previous one has not left the server (app/wire.py)
        self._outbox = outbox
        if outbox is not None:
            outbox.on_clear(self.wake)
        # the landscape's path (one snapshot per frame) and the frames' diagnostics
        self.recorder = TrajectoryRecorder()
        self.diagnostics = FrameDiagnostics(clock)
        self._finite_surface = frames.FiniteSurface()  # shown while a diverging net overflows
        self.lab_worker = None  # app.lab.LabWorker, made on first use
        # the class whose teacher locked this session's set-up (app/classes/), or None
        self.class_lock: str | None = None
        self.last_rewind = 0.0  # app/timeline.py's token bucket: when last refilled ...
        self.rewind_budget = 0.0  # ... and how many rewinds it held then
        self.last_animation = float("-inf")  # app/animation_export.py's limits
        self.drawing_animation = False

    # ---- called from socket handlers (any thread) --------------------------------------

    @contextlib.contextmanager
    def _handler_turn(self) -> Iterator[None]:
        """Hold the condition's lock, ahead of the training thread (see the module doc)."""
        with self._waiting_lock:
            self._handlers_waiting += 1
        try:
            self._cond.acquire()
        finally:
            with self._waiting_lock:
                self._handlers_waiting -= 1
        try:
            yield
        finally:
            if self._stepping_aside and not self._handlers_waiting:
                self._cond.notify_all()
            self._cond.release()

    def start(self) -> None:
        """Start the background thread (once)."""
        self.thread.start()

    def stop(self) -> None:
        """Ask the thread to end; it does within one training chunk. Does not wait."""
        with self._handler_turn():
            self._stopped = True
            self._wake_locked()

    def wake(self) -> None:
        """Something the thread waits for happened elsewhere (a frame left)."""
        with self._handler_turn():
            self._wake_locked()

    def grant_credit(self) -> None:
        """The client is ready for one more frame (credits do not accumulate)."""
        with self._handler_turn():
            self.scheduler.grant_credit()
            self._wake_locked()

    @contextlib.contextmanager
    def change(self) -> Iterator[Change]:
        """A handler's change to the run (app/operations.py), under the send lock and
        the condition, ahead of the training thread; then ``state`` is sent.

        The change is marked for the next frame and ``state`` goes out still under
        both locks, so it describes exactly the state the change made and reaches the
        client before any frame built from it. If the operation raises, nothing is sent.
        """
        with self._send_lock, self._handler_turn():
            change = Change(self.trainer, self.scheduler, self._clock)
            yield change
            self.trainer = change.trainer
            if change.network_rebuilt:
                self.recorder.clear()
                self.diagnostics.reset()
                self._history_mark = -1
                self._send_points = True
            elif change.points_changed:
                self._send_points = True  # the frame shows the new points
                self.diagnostics.reset()
            self.scheduler.changed(frames.all_diverged(self.trainer))
            self._wake_locked()
            self._emit("state", state_payload(self.trainer, self.scheduler))

    @contextlib.contextmanager
    def hold(self) -> Iterator[Trainer]:
        """The trainer under the session's lock (ahead of the training thread), for
        another thread to copy what it needs; keep the hold short."""
        with self._handler_turn():
            yield self.trainer

    def send_snapshot(self, event: str, build: Callable[[Trainer], Any]) -> None:
        """Emit ``build(trainer)``, built between two training chunks, with no frame
        between the build and the emit."""
        with self._send_lock:
            with self._handler_turn():
                payload = build(self.trainer)
            self._emit(event, payload)

    def send(self, event: str, payload: Any) -> None:
        """Emit one event to this client (atomic with respect to frames)."""
        with self._send_lock:
            self._emit(event, payload)

    def send_error(self, event: str, field: str, message: str) -> None:
        """Tell the client what was refused."""
        self.send("error", {"event": event, "field": field, "message": message})

    def send_state(self) -> None:
        """Send the whole validated config and the run status."""
        self.send_snapshot("state", lambda trainer: state_payload(trainer, self.scheduler))

    # ---- read-only views ---------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self.scheduler.playing

    def clock(self) -> float:
        """The session's clock (injectable for tests), in seconds."""
        return self._clock()

    @property
    def frame_in_flight(self) -> bool:
        """A frame has been emitted and has not left the server: no next one until it has."""
        return self._outbox is not None and not self._outbox.clear()

    @property
    def sizes(self) -> list[int]:
        """Layer widths ``[n_features, hidden..., 1]`` of the live network."""
        return frames.layer_sizes(self.trainer)

    def state(self) -> dict:
        """The ``state`` payload (docs/PROTOCOL.md)."""
        with self._handler_turn():
            return state_payload(self.trainer, self.scheduler)

    # ---- the background thread ---------------------------------------------------------

    def _run(self) -> None:
        try:
            self._loop()
        finally:
            self._leave_rotation()

    def _loop(self) -> None:
        while True:
            kind, send_state = None, False
            try:
                with self._cond:
                    task = self._next_task_locked()
                    if task is None:
                        return
                    kind = "frame" if isinstance(task, SendFrame) else "train"
                    if isinstance(task, Train):
                        # trained under the same hold as the choice: no window for a
                        # change to slip in between deciding and stepping
                        send_state = self._train_locked(task.epochs)
                if kind == "frame":
                    self._send_frame()
                if self._turns is not None and self._turns.others_waiting():
                    self._pass_turn()
                if kind == "frame":
                    self._let_io_run()
                elif send_state:
                    self.send_state()
            except Exception as err:  # an engine bug must not kill the thread silently
                log.exception("session %s: %s failed", self.sid, kind)
                with self._cond:
                    self.scheduler.failed()
                self.send_error(kind or "session", "engine", f"{kind} failed: {err}")
                self.send_state()

    def _next_task_locked(self) -> Train | SendFrame | None:
        """Wait until there is something to do: a frame, a chunk to train, or None (stop).

        The scheduler decides; this waits for handlers to be done (they go first), for
        the turn among sessions, and for the time the scheduler names.
        """
        while not self._stopped:
            self.wakeups += 1
            if self._handlers_waiting:
                self._stepping_aside = True  # the last handler out notifies
                self._cond.wait(0.05)
                self._stepping_aside = False
                continue
            now = self._clock()
            task = self.scheduler.next_task(
                now,
                self.trainer.epoch,
                frame_ready=self._outbox is None or self._outbox.clear(),
                sharing=self._turns.sessions_in_rotation() if self._turns is not None else 1,
            )
            if isinstance(task, SendFrame):
                if self._my_turn_locked(frame=True):
                    return task
                self._cond.wait()  # queued ahead of all training: turn_granted() wakes us
                continue
            if isinstance(task, Train):
                if self._my_turn_locked():
                    return task
                wake_at = task.wake_at  # queued: turn_granted() will wake us
            else:
                if self._in_rotation:
                    self._leave_rotation()  # nothing to train: let the others go
                wake_at = task.until
            self.idle = wake_at is None  # asleep until a handler calls notify
            self._cond.wait(None if wake_at is None else max(wake_at - now, 0.0))
            self.idle = False
        return None

    # ---- turns (see turns.py) ----------------------------------------------------------

    def turn_granted(self) -> None:
        """The previous holder passed us the training turn (called from its thread)."""
        with self._cond:
            self._has_turn = True
            self._wake_locked()

    def _my_turn_locked(self, frame: bool = False) -> bool:
        """True if this session may compute now; else it is queued (frames first)."""
        if self._turns is None or self._has_turn:
            return True
        self._in_rotation = True
        self._has_turn = self._turns.request(self, frame=frame)
        return self._has_turn

    def _pass_turn(self) -> None:
        if self._turns is None:  # alone: there is no turn to pass
            return
        with self._cond:
            self._has_turn = False
        self._turns.release(self)

    def _leave_rotation(self) -> None:
        if self._turns is None:
            return
        self._has_turn = False
        self._in_rotation = False
        self._turns.release(self)

    def _train_locked(self, epochs: int) -> bool:
        """Train ``epochs``; True when the run just stopped on divergence."""
        started = self._clock()
        self.trainer.step(epochs)
        elapsed = self._clock() - started
        # the landscape's path: a snapshot per chunk, so a fast `step` leaves one too
        self.recorder.record(self.trainer)
        self.epochs_trained += epochs
        return self.scheduler.trained(epochs, elapsed, frames.all_diverged(self.trainer))

    def _send_frame(self) -> None:
        with self._send_lock:
            with self._cond:
                if self._stopped:
                    return
                self._seq += 1
                payload = frames.build_frame(
                    self.trainer,
                    seq=self._seq,
                    status=self.scheduler.status(frame=True),
                    history_since=self._history_mark,
                    include_points=self._send_points,
                    thumb=self._thumb,
                    finite_surface=self._finite_surface,
                )
                self.recorder.record(self.trainer)
                payload["diagnostics"] = self.diagnostics.compute(
                    self.trainer,
                    settled=self.scheduler.settled,
                    sharing=self._turns.sessions_in_rotation() if self._turns else 1,
                )
                self._history_mark = self.trainer.epoch
                self._send_points = False
                self.scheduler.frame_sent(self._clock(), self.trainer.epoch)
            self._emit("frame", payload)
            if self._outbox is not None:
                self._outbox.sent()
            self.frames_sent += 1

    def _let_io_run(self) -> None:
        """Step off the GIL for a moment so the frame actually leaves.

        Emitting only queues the frame's packets (a header and ~10 attachments); the
        WebSocket writer thread sends them one by one, and each send needs the GIL
        back. Against a training thread that holds the GIL for its whole switch
        interval (5 ms), ten sends took ~50 ms. Waiting here (on the condition, so a
        handler or stop still wakes us) lets the writer send them all at once.
        """
        with self._cond:
            if not self._stopped:
                self._cond.wait(IO_PAUSE_SECONDS)

    def _wake_locked(self) -> None:
        self.idle = False  # until the thread has looked at the news and gone back to sleep
        self._cond.notify_all()


def state_payload(trainer: Trainer, scheduler: RunScheduler) -> dict:
    """The ``state`` payload (docs/PROTOCOL.md) of a run and its scheduler."""
    cfg = trainer.config
    custom = trainer.custom_data
    return {
        # your own points, if the session has them (kept while a generator runs)
        "data": None
        if custom is None
        else {
            "n": len(custom),
            "task": custom.task,
            "classes": custom.classes,
            "digest": custom.digest,
            "active": cfg.is_custom,
        },
        "config": cfg.to_dict(),  # JSON-safe: the engine only holds finite numbers
        "status": scheduler.status(),
        "epoch": int(trainer.epoch),
        "diverged": scheduler.diverged,
        "sizes": frames.layer_sizes(trainer),
        "query": cfg.to_query(),
        "ignored": ignored_fields(cfg.dataset, sample=cfg.xor4_sample, noise=cfg.noise),
        # the timeline's marks: the latest live changes (engine/snapshots.py)
        "changes": [c.to_dict() for c in trainer.live_changes()[-MAX_STATE_CHANGES:]],
    }
