"""Issue 26's limits, against a real server: a client flooding `rewind` and `animation`
gets the token bucket's and the one-at-a-time refusals, and its neighbour keeps
streaming frames meanwhile."""

from __future__ import annotations

from security_helpers import DEADLINE
from waiting import wait_until

from app.timeline import MAX_REWINDS_PER_SECOND, REWIND_BURST

FLOOD = 600


def test_a_flood_of_rewinds_and_animations_is_refused_past_its_limits(serve, neighbour_of):
    server = serve()
    attacker, other = neighbour_of(server), neighbour_of(server)
    animations: list = []
    attacker.sio.on("animation", animations.append)
    other.play()
    attacker.sio.emit("control", {"action": "step", "epochs": 300})
    session = server.sessions.get(attacker.sid)
    wait_until(lambda: session is not None and session.trainer.epoch == 300, DEADLINE, "epoch 300")
    for i in range(FLOOD):
        attacker.sio.emit("rewind", {"epoch": i % 300})
    for _ in range(10):
        attacker.sio.emit("animation")

    def refused(event):
        return [e for e in attacker.of("error") if e["event"] == event]

    wait_until(lambda: len(refused("animation")) == 9 and animations, DEADLINE * 3, "animations")
    wait_until(lambda: refused("rewind"), DEADLINE, "a refused rewind")
    # the bucket: at most its burst plus its rate over the time the flood took
    assert all(e["field"] == "epoch" for e in refused("rewind"))
    assert len(refused("rewind")) >= FLOOD - REWIND_BURST - MAX_REWINDS_PER_SECOND * 10
    assert all("one animation at a time" in e["message"] for e in refused("animation"))
    assert session.trainer.epoch == 300  # rewinds never moved the run
    other.streams()
