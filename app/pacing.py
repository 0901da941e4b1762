"""How many epochs a playing session may train by now: the Config's ``speed``.

A pacing is a pure function of the clock, the epoch counter and the epoch of the last
frame the client was sent, kept out of :class:`app.session.Session` so that it can be
tested with a fake clock. The session asks :meth:`Pacing.allowed` before every training
chunk and calls :meth:`Pacing.restart` when play starts, the speed changes or the
network is rebuilt.

``speed`` (epochs per second):

* ``0``: as fast as the machine trains (:class:`Unpaced`).
* ``n > 0``: a steady ``n`` epochs per second (:class:`SteadyPacing`).
* ``-1``, the default: *auto* (:class:`AutoPacing`), log-time pacing. The rate grows
  with the epoch, ``rate(e) = r0 + e / tau``, so that the epoch at time ``t`` after
  ``(t0, e0)`` is

      E(t) = (e0 + r0·tau) · exp((t - t0) / tau) - r0·tau.

  With ``r0 = 30`` epochs/s (about one epoch per frame at 30 frames/s, as the TensorFlow
  Playground shows) and ``tau = 10`` s: the first 100 epochs take 2.9 s, epoch 1,000
  comes at 15 s, 10,000 at 35 s and 100,000 at 58 s, each decade past a few hundred
  epochs taking ~23 s. Chosen by watching the seed scenarios (figures from the engine,
  ``docs/PAGE.md``): the default XOR net falls from 0.87 to 0.1 between epochs 75 and
  165 (2.2-4.5 s: over a hundred frames); seed 001's RMSProp escape from the ln 2
  plateau runs from epoch 100 to 500 (2.9-9.8 s); seed 003's tanh run creeps down to
  ln2/2 = 0.3466 by epoch 10,000 (35 s) and then sits there; seed 000's ReLU unit is
  dead after the first epoch (250 updates of batch 4) and the loss stalls by epoch 50
  (1.5 s). A steady rate cannot do all of these: 30/s needs an hour for 10⁵ epochs,
  and 3,000/s finishes XOR within three frames.

  Auto is for watching, so it also follows the viewer: a run is never more than one
  frame's worth of epochs, ``max(1, rate(e) / 30)``, ahead of the last frame the client
  was sent (once it has asked for one). A page that paints 30 frames a second sees the
  clock's pace; one that paints 5 (a slow or busy machine) sees the same small steps,
  only slower, so the fall of the loss still spans a hundred frames; a hidden tab, which
  returns no frame credit, holds the run where it is, as the TensorFlow Playground
  does. A steady speed and max never wait for the client.

A pacing never lets a run that fell behind (a slow chunk, a busy machine) catch up in a
burst: past ``MAX_LAG`` seconds' worth of epochs it counts afresh from now.
"""

from __future__ import annotations

import math

AUTO = -1  # the `speed` value meaning auto pacing
AUTO_START_RATE = 30.0  # r0, epochs per second at epoch 0
AUTO_TAU = 10.0  # seconds; the rate grows by epoch/tau, doubling every tau·ln 2 ≈ 7 s
AUTO_FRAME_RATE = 30.0  # frames a second auto was chosen for (the server's default max_fps)
MAX_LAG = 0.25  # seconds; a paced run that fell further behind does not catch up


class Pacing:
    """Base: epochs allowed now, and when the next one is due (no limit)."""

    def restart(self, now: float, epoch: int) -> None:
        """Count from ``(now, epoch)``: play started, speed changed or a rebuild."""

    def allowed(
        self, now: float, epoch: int, chunk: int, shown: int | None = None
    ) -> tuple[int, float | None]:
        """At most ``chunk`` epochs allowed at ``now`` for a run at ``epoch``, and the
        time the next epoch falls due when none is (else ``now``; None: when the next
        frame has gone out). ``shown``: the epoch of the last frame the client was sent,
        None while it has asked for none."""
        return chunk, now


class Unpaced(Pacing):
    """``speed`` 0: every chunk at once."""


class _TargetPacing(Pacing):
    """A pacing given by a target epoch ``target(t)`` counted from an origin."""

    def __init__(self) -> None:
        self._t0 = 0.0
        self._e0 = 0

    def restart(self, now: float, epoch: int) -> None:
        self._t0, self._e0 = now, epoch

    def target(self, dt: float) -> float:
        """Epochs due ``dt`` seconds after the origin (counted from the origin's epoch)."""
        raise NotImplementedError

    def time_of(self, epochs: float) -> float:
        """Seconds after the origin at which ``epochs`` epochs are due."""
        raise NotImplementedError

    def rate(self, epoch: int) -> float:
        """Epochs per second at ``epoch``."""
        raise NotImplementedError

    def allowed(
        self, now: float, epoch: int, chunk: int, shown: int | None = None
    ) -> tuple[int, float | None]:
        if epoch < self._e0:  # the counter went back (a rebuild): count from here
            self.restart(now, epoch)
        done = epoch - self._e0
        due = math.floor(self.target(now - self._t0) + 1e-9) - done
        rate = self.rate(epoch)
        if due > rate * MAX_LAG + 1:
            # held up: allow one epoch now and go on at the rate of this epoch
            self.restart(now - 1.0 / rate, epoch)
            due = 1
        if due >= 1:
            return min(due, chunk), now
        return 0, self._t0 + self.time_of(done + 1)


class SteadyPacing(_TargetPacing):
    """``speed`` n > 0: E(t) = e0 + n·(t - t0)."""

    def __init__(self, speed: float) -> None:
        super().__init__()
        self.speed = float(speed)

    def target(self, dt: float) -> float:
        return dt * self.speed

    def time_of(self, epochs: float) -> float:
        return epochs / self.speed

    def rate(self, epoch: int) -> float:
        return self.speed


class AutoPacing(_TargetPacing):
    """``speed`` -1: rate(e) = r0 + e/tau, so E(t) = (e0 + r0·tau)·exp((t - t0)/tau) - r0·tau."""

    def __init__(self, start_rate: float = AUTO_START_RATE, tau: float = AUTO_TAU) -> None:
        super().__init__()
        self.start_rate = start_rate
        self.tau = tau

    @property
    def _offset(self) -> float:
        return self.start_rate * self.tau  # r0·tau

    def target(self, dt: float) -> float:
        base = self._e0 + self._offset
        return base * math.expm1(dt / self.tau)

    def time_of(self, epochs: float) -> float:
        base = self._e0 + self._offset
        return self.tau * math.log1p(epochs / base)

    def rate(self, epoch: int) -> float:
        return self.start_rate + epoch / self.tau

    def per_frame(self, epoch: int) -> int:
        """Epochs one frame may show from ``epoch``: max(1, rate(epoch) / 30)."""
        return max(1, math.floor(self.rate(epoch) / AUTO_FRAME_RATE))

    def allowed(
        self, now: float, epoch: int, chunk: int, shown: int | None = None
    ) -> tuple[int, float | None]:
        n, due = super().allowed(now, epoch, chunk)
        if shown is None or shown > epoch:  # nobody watching yet, or a rebuild since
            return n, due
        room = shown + self.per_frame(shown) - epoch
        if room <= 0:
            return 0, None  # a frame's worth ahead of the viewer: wait for the frame
        return min(n, room), due


def pacing_for(speed: int | float) -> Pacing:
    """The pacing of a Config's ``speed``: -1 auto, 0 unpaced, n > 0 steady."""
    if speed == AUTO:
        return AutoPacing()
    if speed <= 0:
        return Unpaced()
    return SteadyPacing(speed)
