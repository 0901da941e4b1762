"""When a session trains, how much, and when it sends a frame: plain state, no threads.

A :class:`RunScheduler` holds what decides a session's next move (playing or not, the
epochs left of a ``step``, the client's frame credit, whether anything changed since the
last frame, the frame cadence, the measured speed that sizes a chunk, and the ``speed``
pacing of app/pacing.py) and answers one question, :meth:`RunScheduler.next_task`:
train ``n`` epochs, send a frame, or sleep until some time. It is told what happened
through small event methods (``play``, ``trained``, ``frame_sent``...). It takes the
time as an argument and never reads a clock, takes a lock or starts a thread, so
tests drive it with a fake clock. :class:`app.session.Session` keeps the thread, the
locks, the turn-taking between sessions (app/turns.py) and the sending.

The rules, as measured on the live server (docs/SERVER.md):

* A chunk takes about ``CHUNK_SECONDS`` (15 ms) from the measured seconds per epoch:
  short enough that a handler waits little for the session's lock, long enough that the
  per-chunk overhead does not show. With ``sharing`` sessions taking turns it is
  ``min(CHUNK_SECONDS, max(MIN_CHUNK_SECONDS, ROTATION_SECONDS / sharing))``, so each of
  them trains about every ROTATION_SECONDS. At most ``MAX_CHUNK_EPOCHS``.
* The seconds per epoch are smoothed, ``s <- max(0.7 s + 0.3 measured, s / 4)``, so a
  fast chunk that was a fluke cannot make the next one take a second: a chunk grows at
  most 1 / 0.7 = 1.43x at a time. (The ``s / 4`` floor, meant as a 4x limit, never
  binds, since 0.7 s > s / 4; it is kept so that the rule stays as measured.)
* A frame goes out when the client holds a credit, something changed since the last
  frame, the previous frame has left the server, and the cadence allows it. The next
  is due at ``max(due, sent - interval / 2) + interval``: a frame that left late does
  not push the next one back, and two frames are never closer than half an interval.
  A chunk is cut short so that it ends when the frame falls due.
"""

from __future__ import annotations

from dataclasses import dataclass

from .pacing import Pacing, pacing_for

CHUNK_SECONDS = 0.015  # aim for this much training between checks of stop and credit
MIN_CHUNK_SECONDS = 0.001
ROTATION_SECONDS = 0.05  # with many sessions, each trains about this often (see turns.py)
MAX_CHUNK_EPOCHS = 20_000


@dataclass(frozen=True)
class Train:
    """Train ``epochs`` now. ``wake_at``: if the session must first wait for its turn,
    when to look again (a frame falling due); None: when the turn comes."""

    epochs: int
    wake_at: float | None = None


@dataclass(frozen=True)
class SendFrame:
    """Build and send a frame now."""


@dataclass(frozen=True)
class Sleep:
    """Nothing to do before ``until`` (None: until something changes)."""

    until: float | None


Task = Train | SendFrame | Sleep


class RunScheduler:
    """A session's decisions: train, send a frame or sleep (see the module doc).

    ``max_fps`` caps the frame rate (0: no cap); ``speed`` is the Config's pacing.
    """

    def __init__(self, speed: float, max_fps: float = 30.0) -> None:
        self.min_interval = 1.0 / max_fps if max_fps > 0 else 0.0
        self.pacing: Pacing = pacing_for(speed)  # app/pacing.py
        self.playing = False
        self.steps_pending = 0  # epochs left of a `step` control
        self.credit = False  # the client is ready for one frame
        self.dirty = True  # something changed since the last frame (the first frame too)
        self.diverged = False  # cached after every change and chunk
        self.next_frame_at = 0.0
        self.seconds_per_epoch: float | None = None
        self.shown_epoch: int | None = None  # epoch of the last frame sent (auto pacing)

    # ---- the question --------------------------------------------------------------------

    def next_task(
        self, now: float, epoch: int, *, frame_ready: bool = True, sharing: int = 1
    ) -> Task:
        """What to do at ``now`` for a run at ``epoch``.

        ``frame_ready``: the previous frame has left the server; ``sharing``: sessions
        taking turns to train (app/turns.py), this one included.
        """
        want_frame = self.credit and self.dirty and frame_ready
        if want_frame and now >= self.next_frame_at:
            return SendFrame()
        wake_at = self.next_frame_at if want_frame else None
        chunk = self.chunk_epochs(sharing)
        if want_frame and self.seconds_per_epoch:
            # end the chunk when the frame falls due, so frames leave on time
            left = (self.next_frame_at - now) / self.seconds_per_epoch
            chunk = max(1, min(chunk, int(left)))
        epochs = 0
        if self.steps_pending > 0:
            epochs = min(self.steps_pending, chunk)
        elif self.playing and not self.diverged:
            epochs, next_epoch_at = self.pacing.allowed(now, epoch, chunk, self.shown_epoch)
            if not epochs and next_epoch_at is not None:  # None: after the next frame
                wake_at = next_epoch_at if wake_at is None else min(wake_at, next_epoch_at)
        if epochs:
            return Train(epochs, wake_at)
        return Sleep(wake_at)

    def chunk_epochs(self, sharing: int = 1) -> int:
        """Epochs that take about one chunk's time, from the measured speed (1 before
        any is measured); shorter when ``sharing`` sessions take turns."""
        if self.seconds_per_epoch is None:
            return 1
        seconds = min(CHUNK_SECONDS, max(MIN_CHUNK_SECONDS, ROTATION_SECONDS / max(sharing, 1)))
        return int(min(max(seconds / self.seconds_per_epoch, 1), MAX_CHUNK_EPOCHS))

    # ---- what the user asked -------------------------------------------------------------

    def play(self, now: float, epoch: int) -> None:
        """Train on, paced from ``(now, epoch)``."""
        self.playing = True
        self.steps_pending = 0
        self.pacing.restart(now, epoch)

    def pause(self) -> None:
        """Stop training (a ``step`` in progress too)."""
        self.playing = False
        self.steps_pending = 0

    def step(self, epochs: int) -> None:
        """Train ``epochs`` more as fast as the machine can, then stop (not "playing")."""
        self.playing = False
        self.steps_pending = epochs

    def set_speed(self, speed: float, now: float, epoch: int) -> None:
        """A new ``speed``: its pacing, counted from ``(now, epoch)``."""
        self.pacing = pacing_for(speed)
        self.pacing.restart(now, epoch)

    def rebuilt(self, now: float, epoch: int) -> None:
        """A new network (or run) at ``epoch``: its first frame is due, pacing restarts."""
        if self.shown_epoch is not None:
            self.shown_epoch = epoch
        self.pacing.restart(now, epoch)

    def grant_credit(self) -> None:
        """The client is ready for one more frame (credits do not accumulate)."""
        self.credit = True

    def changed(self, diverged: bool) -> None:
        """Something the next frame shows changed; ``diverged``: the run's weights are NaN."""
        self.diverged = diverged
        self.dirty = True

    # ---- what the session did ------------------------------------------------------------

    def trained(self, epochs: int, elapsed: float, diverged: bool) -> bool:
        """``epochs`` took ``elapsed`` seconds. True when the run just diverged, which
        stops it: NaN weights never recover, so no CPU is spent on them."""
        if self.steps_pending:
            self.steps_pending = max(self.steps_pending - epochs, 0)
        per_epoch = max(elapsed, 1e-7) / epochs
        if self.seconds_per_epoch is None:
            self.seconds_per_epoch = per_epoch
        else:
            blended = 0.7 * self.seconds_per_epoch + 0.3 * per_epoch
            self.seconds_per_epoch = max(blended, self.seconds_per_epoch / 4)
        self.changed(diverged)
        if diverged:
            self.pause()
        return diverged

    def frame_sent(self, now: float, epoch: int) -> None:
        """A frame of ``epoch`` went out at ``now``: the credit is spent, nothing is new,
        and the next frame is due one interval after this one was (see the module doc)."""
        self.shown_epoch = epoch
        self.credit = False
        self.dirty = False
        interval = self.min_interval
        self.next_frame_at = max(self.next_frame_at, now - interval / 2) + interval

    def failed(self) -> None:
        """Training or a frame failed: stop, and send nothing until something changes."""
        self.pause()
        self.dirty = False

    # ---- views ---------------------------------------------------------------------------

    @property
    def settled(self) -> bool:
        """Neither playing nor stepping: the frames' diagnostics may settle."""
        return not (self.playing or self.steps_pending)

    def status(self, frame: bool = False) -> str:
        """``playing`` or ``paused``; a frame says ``diverged`` too. A ``step`` is a
        one-shot, not "playing": no state marks its end."""
        if frame and self.diverged:
            return "diverged"
        return "playing" if self.playing else "paused"
