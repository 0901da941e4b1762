"""One browser tab's training run: a Trainer, its background thread, its frame credit.

A :class:`Session` is a plain object, testable without a server: it is given an
``emit(event, payload)`` callable and never imports Flask. Socket handlers call its
public methods from their own threads; the session's thread trains and sends frames.

Locks, always taken in this order (never the send lock while holding the condition):

* ``_send_lock`` makes each emit to this client atomic. A frame is several packets
  (a header and its binary attachments); a ``state`` or ``error`` sent from a handler
  thread in between would corrupt it on the wire. A handler that changes something
  holds it across the change and its ``state``, so the ``state`` describes exactly
  that change and goes out before any frame built from it.
* ``_cond`` (a Condition over one lock) guards the trainer and every flag. Training
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
from typing import Any, Protocol

from engine import Config, Trainer, TrajectoryRecorder
from engine.checkpoint import to_bytes
from engine.config import PROBLEM_DEFAULTS
from engine.datasets import CUSTOM, CUSTOM_REGRESSION, CustomData, ignored_fields

from . import frames
from .code_export import code_for, parse_code
from .frame_diagnostics import FrameDiagnostics
from .pacing import pacing_for
from .run_files import SESSION_HISTORY_ROWS, parse_open_run, run_file_name
from .turns import TrainingTurns
from .validation import (
    ValidationError,
    parse_config,
    parse_control,
    parse_data,
    parse_set_weight,
)

log = logging.getLogger(__name__)

Emit = Callable[[str, Any], None]


class Outbox(Protocol):
    """The connection's outbound queue as a session sees it (app/wire.py FrameGate)."""

    def on_clear(self, wake: Callable[[], None]) -> None: ...
    def sent(self) -> None: ...
    def clear(self) -> bool: ...


CHUNK_SECONDS = 0.015  # aim for this much training between checks of stop and credit
MIN_CHUNK_SECONDS = 0.001
ROTATION_SECONDS = 0.05  # with many sessions, each trains about this often (see turns.py)
MAX_CHUNK_EPOCHS = 20_000
IO_PAUSE_SECONDS = 0.002  # after each frame: time for the writer thread to send it


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
        self._min_interval = 1.0 / max_fps if max_fps > 0 else 0.0
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
        self._max_run_file_bytes = max_run_file_bytes
        self._stopped = False
        self._credit = False  # the client is ready for one frame
        self._dirty = True  # something changed since the last frame (the first frame too)
        self._playing = False
        self._steps_pending = 0  # epochs left of a `step` control
        self._seq = 0
        self._next_frame_at = 0.0
        self._history_mark = -1  # last epoch whose history went out; -1 = none yet
        self._send_points = True
        self._diverged = False
        self._seconds_per_epoch: float | None = None
        self._pacing = pacing_for(self.trainer.config.speed)  # app/pacing.py
        self._shown_epoch: int | None = None  # epoch of the last frame sent (auto pacing)
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
        self.lab_worker = None  # app.lab.LabWorker, made on first use

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
            self._credit = True
            self._wake_locked()

    def apply_config(self, payload: Any) -> None:
        """Validate and apply a partial config, then send ``state``.

        Live fields keep the epoch and the weights; others rebuild the network, which
        keeps playing if it was playing.
        """
        with self._send_lock, self._handler_turn():
            new = parse_config(payload, self.trainer.config)
            old_speed = self.trainer.config.speed
            rebuilt = self.trainer.update(new)
            if rebuilt:
                self._after_rebuild_locked()
            if new.speed != old_speed:
                self._pacing = pacing_for(new.speed)
                self._restart_pacing_locked()
            self._changed_and_state_sent_locked()

    def control(self, payload: Any) -> None:
        """play, pause, step, reset or regenerate; then send ``state``."""
        action, epochs = parse_control(payload)
        with self._send_lock, self._handler_turn():
            if action == "play":
                self._playing = True
                self._steps_pending = 0
                self._restart_pacing_locked()
            elif action == "pause":
                self._playing = False
                self._steps_pending = 0
            elif action == "step":
                self._playing = False
                self._steps_pending = epochs
            elif action == "reset":
                # Paused, like the TensorFlow Playground: the next frame is epoch 0.
                self._playing = False
                self._steps_pending = 0
                self.trainer.reset()
                self._after_rebuild_locked()
            elif action == "regenerate":
                self._regenerate_locked()
            self._changed_and_state_sent_locked()

    def set_data(self, payload: Any) -> None:
        """Train on the client's own points (a ``data`` event), then send ``state``.

        The points are checked first (an ``error`` names the field; nothing changes).
        The data set becomes "custom" (or "custom_regression"); the output and loss
        switch to what the points need when the current ones cannot serve them (softmax
        and ce for more than two classes, linear and mse for targets). The network keeps
        its weights and goes on playing, unless its shape changes (another number of
        classes, another output): then it starts afresh, still playing if it was.
        """
        data = parse_data(payload)
        with self._send_lock, self._handler_turn():
            config = _config_for_points(self.trainer.config, data)
            rebuilt = self.trainer.set_data(data, config)
            if rebuilt:
                self._after_rebuild_locked()
            else:
                self._send_points = True  # the frame shows the new points
                self.diagnostics.reset()
            self._changed_and_state_sent_locked()

    def set_weight(self, payload: Any) -> None:
        """Set one weight or bias of the live network; then send ``state``."""
        with self._send_lock, self._handler_turn():
            layer, kind, i, j, value = parse_set_weight(payload, self.sizes)
            self.trainer.set_param(layer, kind, i, j if kind == "weight" else None, value)
            self._changed_and_state_sent_locked()

    def save_run(self) -> None:
        """Send the run as its run file (``run_file``: name, epoch and the file's bytes,
        engine/checkpoint.py), exactly as it stands between two training chunks."""
        with self._send_lock:
            with self._handler_turn():
                payload = {
                    "name": run_file_name(self.trainer),
                    "epoch": int(self.trainer.epoch),
                    "file": to_bytes(self.trainer),
                }
            self._emit("run_file", payload)

    def open_run(self, payload: Any) -> None:
        """Go on from a run file (``open_run``), paused; then send ``state``.

        The file is read and checked first (app/run_files.py): a bad one changes
        nothing and the ``error`` says what is wrong. Training on from it gives the
        numbers the saved run would have given.
        """
        trainer = parse_open_run(payload, self._max_run_file_bytes)
        with self._send_lock, self._handler_turn():
            self.trainer = trainer
            self._playing = False
            self._steps_pending = 0
            self._pacing = pacing_for(trainer.config.speed)
            self._after_rebuild_locked()
            self._changed_and_state_sent_locked()

    def code(self, payload: Any) -> None:
        """Send the run as a standalone script (``code``: numpy, torch or keras), made
        from its run file outside the session's lock (app/code_export.py)."""
        target = parse_code(payload)
        with self._handler_turn():
            run_file = to_bytes(self.trainer)
        self.send("code", code_for(run_file, target))

    @contextlib.contextmanager
    def hold(self) -> Iterator[Trainer]:
        """The trainer under the session's lock (ahead of the training thread), for
        another thread to copy what it needs; keep the hold short."""
        with self._handler_turn():
            yield self.trainer

    def send(self, event: str, payload: Any) -> None:
        """Emit one event to this client (atomic with respect to frames)."""
        self._send(event, payload)

    def send_error(self, event: str, field: str, message: str) -> None:
        """Tell the client what was refused."""
        self._send("error", {"event": event, "field": field, "message": message})

    def send_state(self) -> None:
        """Send the whole validated config and the run status."""
        with self._send_lock:
            with self._handler_turn():
                state = self._state_locked()
            self._emit("state", state)

    # ---- read-only views ---------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self._playing

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
            return self._state_locked()

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
                    kind, epochs = task
                    if kind == "train":
                        # trained under the same hold as the choice: no window for a
                        # change to slip in between deciding and stepping
                        send_state = self._train_locked(epochs)
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
                    self._playing = False
                    self._steps_pending = 0
                    self._dirty = False
                self.send_error(kind or "session", "engine", f"{kind} failed: {err}")
                self.send_state()

    def _next_task_locked(self) -> tuple[str, int] | None:
        """Wait until there is something to do: ("frame", 0), ("train", n) or None (stop)."""
        while not self._stopped:
            self.wakeups += 1
            if self._handlers_waiting:
                self._stepping_aside = True  # the last handler out notifies
                self._cond.wait(0.05)
                self._stepping_aside = False
                continue
            now = self._clock()
            want_frame = (
                self._credit and self._dirty and (self._outbox is None or self._outbox.clear())
            )
            if want_frame and now >= self._next_frame_at:
                if self._my_turn_locked(frame=True):
                    return "frame", 0
                self._cond.wait()  # queued ahead of all training: turn_granted() wakes us
                continue
            wake_at = self._next_frame_at if want_frame else None
            chunk = self._chunk_epochs()
            if want_frame and self._seconds_per_epoch:
                # end the chunk when the frame falls due, so frames leave on time
                left = (self._next_frame_at - now) / self._seconds_per_epoch
                chunk = max(1, min(chunk, int(left)))
            epochs = 0
            if self._steps_pending > 0:
                epochs = min(self._steps_pending, chunk)
            elif self._playing and not self._is_diverged():
                epochs, next_epoch_at = self._pacing.allowed(
                    now, self.trainer.epoch, chunk, self._shown_epoch
                )
                if not epochs and next_epoch_at is not None:  # None: after the next frame
                    wake_at = next_epoch_at if wake_at is None else min(wake_at, next_epoch_at)
            if epochs:
                if self._my_turn_locked():
                    return "train", epochs
                # queued: turn_granted() will wake us
            elif self._in_rotation:
                self._leave_rotation()  # nothing to train: let the others go
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
        if self._steps_pending:
            self._steps_pending = max(self._steps_pending - epochs, 0)
        self._measure(elapsed, epochs)
        self._dirty = True
        self._diverged = frames.all_diverged(self.trainer)
        if self._diverged:
            # NaN weights never recover: stop spending CPU on them
            self._playing = False
            self._steps_pending = 0
            return True
        return False

    def _send_frame(self) -> None:
        with self._send_lock:
            with self._cond:
                if self._stopped:
                    return
                self._seq += 1
                payload = frames.build_frame(
                    self.trainer,
                    seq=self._seq,
                    status=self._status_locked(frame=True),
                    history_since=self._history_mark,
                    include_points=self._send_points,
                    thumb=self._thumb,
                )
                self.recorder.record(self.trainer)
                payload["diagnostics"] = self.diagnostics.compute(
                    self.trainer,
                    settled=not (self._playing or self._steps_pending),
                    sharing=self._turns.sessions_in_rotation() if self._turns else 1,
                )
                self._history_mark = self.trainer.epoch
                self._shown_epoch = self.trainer.epoch
                self._send_points = False
                self._credit = False
                self._dirty = False
                # Keep to a steady cadence: a frame that left late (a chunk ran over)
                # does not push the next one back, but two frames are never closer
                # than half an interval.
                now, interval = self._clock(), self._min_interval
                self._next_frame_at = max(self._next_frame_at, now - interval / 2) + interval
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

    # ---- helpers (call with the condition held) ----------------------------------------

    def _send(self, event: str, payload: Any) -> None:
        with self._send_lock:
            self._emit(event, payload)

    def _changed_and_state_sent_locked(self) -> None:
        """After a handler's change (send lock and condition held): mark it for the next
        frame and send ``state`` now, so it describes exactly the state the change
        made and reaches the client before any frame built from it."""
        self._changed_locked()
        self._emit("state", self._state_locked())

    def _changed_locked(self) -> None:
        self._diverged = frames.all_diverged(self.trainer)
        self._dirty = True
        self._wake_locked()

    def _wake_locked(self) -> None:
        self.idle = False  # until the thread has looked at the news and gone back to sleep
        self._cond.notify_all()

    def _after_rebuild_locked(self) -> None:
        if self._shown_epoch is not None:
            self._shown_epoch = self.trainer.epoch  # the new run's first frame is due
        self.recorder.clear()
        self.diagnostics.reset()
        self._history_mark = -1
        self._send_points = True
        self._restart_pacing_locked()

    def _regenerate_locked(self) -> None:
        """A new data set: ``data_seed`` + 1 (wrapping at the schema's maximum)."""
        cfg = self.trainer.config
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
        self.trainer.update(new)
        self._after_rebuild_locked()

    def _restart_pacing_locked(self) -> None:
        self._pacing.restart(self._clock(), self.trainer.epoch)

    def _chunk_epochs(self) -> int:
        """Epochs that take about one chunk's time, from the measured speed.

        The chunk is CHUNK_SECONDS, or less when many sessions take turns, so that
        each of them trains about every ROTATION_SECONDS.
        """
        if self._seconds_per_epoch is None:
            return 1
        seconds = CHUNK_SECONDS
        if self._turns is not None:
            sharing = max(self._turns.sessions_in_rotation(), 1)
            seconds = min(CHUNK_SECONDS, max(MIN_CHUNK_SECONDS, ROTATION_SECONDS / sharing))
        return int(min(max(seconds / self._seconds_per_epoch, 1), MAX_CHUNK_EPOCHS))

    def _measure(self, elapsed: float, epochs: int) -> None:
        per_epoch = max(elapsed, 1e-7) / epochs
        if self._seconds_per_epoch is None:
            self._seconds_per_epoch = per_epoch
        else:
            # smooth, but let a chunk grow at most 4x at a time
            blended = 0.7 * self._seconds_per_epoch + 0.3 * per_epoch
            self._seconds_per_epoch = max(blended, self._seconds_per_epoch / 4)

    def _is_diverged(self) -> bool:
        """Cached after every change: the engine may compute it from the losses."""
        return self._diverged

    def _status_locked(self, frame: bool = False) -> str:
        if frame and self._is_diverged():
            return "diverged"
        # a `step` is a one-shot, not "playing": no state marks its end
        return "playing" if self._playing else "paused"

    def _state_locked(self) -> dict:
        cfg = self.trainer.config
        custom = self.trainer.custom_data
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
            "status": self._status_locked(),
            "epoch": int(self.trainer.epoch),
            "diverged": self._is_diverged(),
            "sizes": self.sizes,
            "query": cfg.to_query(),
            "ignored": ignored_fields(cfg.dataset, sample=cfg.xor4_sample, noise=cfg.noise),
        }


def _config_for_points(config: Config, data: CustomData) -> Config:
    """``config`` with the output and loss the points need, if the current pair cannot
    serve them (the page's problem defaults); otherwise unchanged."""
    if data.task == "regression":
        if config.output in ("sigmoid", "softmax"):
            return config.replace({"dataset": CUSTOM_REGRESSION, **PROBLEM_DEFAULTS["regression"]})
        return config
    if data.classes > 2 and config.output != "softmax":
        return config.replace(
            {"dataset": CUSTOM, "classes": data.classes, **PROBLEM_DEFAULTS["multiclass"]}
        )
    if config.output == "linear":
        return config.replace(
            {"dataset": CUSTOM, "classes": data.classes, **PROBLEM_DEFAULTS["classification"]}
        )
    return config
