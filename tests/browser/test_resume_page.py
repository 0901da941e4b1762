"""No run is lost (issue 24; docs/PAGE.md "No run is lost"): a real page on a real
``playground serve`` (gunicorn) keeps a checkpoint of its run, and when its worker is
killed (kill -9, as the OOM killer would) or the whole server is stopped and started
again on the same port, it reopens the run in the fresh session, says "Resumed at epoch
N", plays on, and 3 s after reconnecting has reached at least the epoch it had before.
Your own drawn points come back with it; a reload of the tab resumes too, paused.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from browser_helpers import AXE, axe_violations, draw_three_clusters
from real_server import HAS_PROC, ServerProcess, healthz

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not HAS_PROC, reason="needs /proc (Linux)")]

# docs/screenshots/resumed_<size>.png: PLAYGROUND_SCREENSHOTS=docs/screenshots writes them
# there; otherwise to the test's own temporary directory.
SCREENSHOTS = os.environ.get("PLAYGROUND_SCREENSHOTS")
SIZES = [(1920, 1080), (1280, 720), (390, 844)]
CATCH_UP_MS = 3000  # the bound: 3 s after reconnecting
RECONNECT_MS = 40_000  # a worker or a server to start again, Socket.IO's back-off (4 s)
NOTICE = "#resume-notice:not([hidden])"


def _checkpoint(pg) -> dict | None:
    return pg.page.evaluate(
        "() => { const c = window.playground.checkpoint;"
        " return c && { ...c, age: Date.now() - c.at }; }"
    )


def _playing_with_a_checkpoint(pg, past_epoch: int) -> None:
    pg.play()
    pg.wait_frame(f"f => f.epoch > {past_epoch}", timeout=60_000)
    pg.page.wait_for_function(
        "() => { const c = window.playground.checkpoint; return !!c && c.epoch > 0; }",
        timeout=15_000,
    )


def _reached(pg) -> tuple[int, dict]:
    """The epoch the page has reached, and its checkpoint (at most 2 s old). A checkpoint
    is built between two training chunks, so it may be ahead of the last painted frame
    (the next is on its way): then the page has reached the checkpoint's epoch."""
    painted = pg.frame["epoch"]
    checkpoint = _checkpoint(pg)
    assert checkpoint["epoch"] > 0
    assert checkpoint["age"] <= 2000, checkpoint  # the brief: at most 2 s of training old
    return max(painted, checkpoint["epoch"]), checkpoint


def _resumes_and_catches_up(pg, reached: int, checkpoint: dict) -> str:
    """The notice, then within 3 s of it the epoch is back where it was, playing."""
    pg.page.wait_for_selector(NOTICE, timeout=RECONNECT_MS)
    shown = time.monotonic()
    notice = pg.page.inner_text("#resume-notice")
    # the run went on from the newest checkpoint the page held when the server went
    # (one taken after `checkpoint` while the page was still connected, or that one)
    epoch = int(notice.split("epoch ")[1].split(" ")[0].replace(",", ""))
    assert checkpoint["epoch"] <= epoch <= reached + 200, (notice, checkpoint, reached)
    assert notice.startswith(f"Resumed at epoch {epoch:,}")
    assert pg.page.get_attribute("#resume-notice", "aria-live") == "polite"
    assert pg.page.inner_text("#status-line") == ""  # no stale "could not open a WebSocket"
    pg.wait_state("s => s.status === 'playing'", timeout=CATCH_UP_MS)
    pg.wait_frame(f"f => f.epoch >= {reached}", timeout=CATCH_UP_MS)
    assert time.monotonic() - shown <= CATCH_UP_MS / 1000 + 0.5
    return notice


def _screenshots(pg, tmp_path: Path) -> None:
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        pg.page.set_viewport_size({"width": width, "height": height})
        pg.page.evaluate("() => window.scrollTo(0, 0)")
        box = pg.page.locator("#resume-notice").bounding_box()
        assert box and box["y"] + box["height"] <= height and box["x"] + box["width"] <= width
        # the charts follow a resize a frame or two later (Plotly's responsive resize):
        # the page must come to fit, not fit at the instant of the resize
        pg.page.wait_for_function("w => document.documentElement.scrollWidth <= w", arg=width)
        path = folder / f"resumed_{width}x{height}.png"
        pg.page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000


def _without_refused_connections(watch) -> None:
    """While the server is down, Chromium logs each refused WebSocket attempt as a console
    error and a failed request (the page itself says "Server offline, retrying…"): those,
    and only those, are expected."""
    watch.console_errors[:] = [
        e for e in watch.console_errors if "WebSocket connection to" not in e or "failed" not in e
    ]
    watch.failed_requests[:] = [r for r in watch.failed_requests if "/socket.io/" not in r]
    watch.assert_clean()


def test_a_killed_worker_s_page_resumes_its_run_in_the_new_worker(playground_at, watch):
    with ServerProcess("--workers", "1") as server:
        pg = playground_at(server.url)
        pg.open("hidden=4,2")
        _playing_with_a_checkpoint(pg, past_epoch=150)
        pg.page.click("#pin-run")  # what only the page knows: a pinned run, the address
        pins = pg.hook("pins")
        address = pg.page.evaluate("location.hash")
        worker = healthz(server.url)["pid"]
        assert worker in server.workers()
        reached, checkpoint = _reached(pg)
        os.kill(worker, signal.SIGKILL)
        _resumes_and_catches_up(pg, reached, checkpoint)
        new_worker = healthz(server.url)["pid"]
        assert new_worker != worker and healthz(server.url)["sessions"] == 1
        assert pg.state["config"]["hidden"] == [4, 2]
        assert pg.hook("pins") == pins and pins[0]["label"] == "same set-up"
        assert pg.page.evaluate("location.hash") == address
    _without_refused_connections(watch)


def test_a_restarted_server_gets_the_run_back_with_the_drawn_points(playground_at, watch, tmp_path):
    server = ServerProcess("--workers", "1").start()
    try:
        pg = playground_at(server.url)
        pg.page.add_init_script(path=str(AXE))
        pg.open("dataset=circle&show_test=1")
        draw_three_clusters(pg)
        pg.page.click("#draw-done")
        pg.wait_state("s => !!s.data && s.data.active && s.data.n === 9")
        pg.page.wait_for_function("() => window.playground.lastPoints.length === 9")
        drawn = sorted(map(tuple, pg.hook("lastPoints")))
        assert len(drawn) == 9
        _playing_with_a_checkpoint(pg, past_epoch=150)
        reached, checkpoint = _reached(pg)
        port = server.port
        server.stop()
    except BaseException:
        server.stop()
        raise
    with ServerProcess("--workers", "1", port=port):
        _resumes_and_catches_up(pg, reached, checkpoint)
        # the points came back with the run: the same nine, in their classes
        assert sorted(map(tuple, pg.hook("lastPoints"))) == drawn
        state = pg.state
        assert state["data"]["active"] and state["config"]["dataset"] == "custom"
        assert pg.hook("view")["show_test"] is True  # the page's view, from its memory
        assert axe_violations(pg.page) == []
        _screenshots(pg, tmp_path)
    _without_refused_connections(watch)


def test_a_reload_resumes_the_tab_s_run_paused_and_a_new_link_does_not(playground_at, watch):
    with ServerProcess("--workers", "1") as server:
        pg = playground_at(server.url)
        pg.open("hidden=3")
        _playing_with_a_checkpoint(pg, past_epoch=100)
        pg.pause()
        paused_at = pg.state["epoch"]
        pg.page.wait_for_function(
            "e => { const c = window.playground.checkpoint; return !!c && c.epoch === e; }",
            arg=paused_at,
        )
        pg.page.reload()
        pg.page.wait_for_selector(NOTICE)
        assert pg.page.inner_text("#resume-notice").startswith(
            f"Resumed at epoch {paused_at:,}, paused"
        )
        state = pg.wait_state(f"s => s.epoch === {paused_at}")
        assert state["status"] == "paused" and state["config"]["hidden"] == [3]
        # another set-up typed into this tab's address bar (a new document, the same
        # sessionStorage): that one runs, from epoch 0
        pg.page.goto(f"{server.url}/?again#hidden=5")
        pg.wait_state("s => s.config.hidden.join() === '5' && s.epoch === 0")
        pg.wait_frames(1)
        assert pg.page.locator(NOTICE).count() == 0
    watch.assert_clean()


FILL_SESSION_STORAGE = """
if (!sessionStorage.getItem("filler-0")) {
  // another page of this origin has filled the tab's storage: down to the last KiB
  let i = 0;
  for (let size = 1 << 20; size >= 1024; size >>= 1) {
    try { for (;;) sessionStorage.setItem(`filler-${i++}`, "x".repeat(size)); } catch {}
  }
}
"""


def test_a_full_session_storage_keeps_the_checkpoint_in_memory_and_says_so(pg):
    pg.page.add_init_script(FILL_SESSION_STORAGE)
    pg.open("hidden=3")
    pg.play()
    pg.page.wait_for_function(
        "() => { const c = window.playground.checkpoint; return !!c && c.kept === 'memory'; }"
    )
    message = pg.page.inner_text("#run-message")
    assert "kept in this page's memory only" in message and "storage is full" in message
    assert "not after a reload" in message
    stored = pg.page.evaluate("() => sessionStorage.getItem('playground-checkpoint')")
    assert stored is None
