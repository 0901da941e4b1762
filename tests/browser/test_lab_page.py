"""The lab panels in a real Chromium against the real server (issues 6 and 7, page half).

Every wait is on the page's DOM or its read-only hook (`window.playground`) with a
timeout. The `page` fixture fails a test whose page logged an error, lost a request or
asked a host other than localhost (acceptance (d): no console errors).
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

LAB_TIMEOUT = 60_000
STUCK_HASH = "hidden=2&activation=relu&seed=0"  # ReLU 2-2-1, seed 0: a unit dies early


def test_restart_lab_then_open_a_seed_live(pg):
    """(a) 64 restarts from the page: histogram and wall; a click opens that seed live
    at the lab's epoch, with the lab's loss."""
    pg.open(STUCK_HASH)
    page = pg.page
    page.fill("#lab-seeds", "64")
    page.fill("#lab-epochs", "300")
    page.click("#lab-run")
    page.wait_for_function(
        "() => document.querySelectorAll('#lab-wall .seed-tile').length === 64",
        timeout=LAB_TIMEOUT,
    )
    summary = page.inner_text("#lab-summary")
    m = re.match(r"(\d+)/64 solved: ([\d.]+) % \(95 % CI ([\d.]+) %–([\d.]+) %\)", summary)
    assert m, summary
    solved, rate, lo, hi = int(m[1]), float(m[2]), float(m[3]), float(m[4])
    assert rate == pytest.approx(100 * solved / 64, abs=0.05)
    assert lo <= rate <= hi
    # the histogram was drawn, one bar trace per outcome
    assert page.locator("#lab-hist .main-svg").count() > 0
    assert page.locator("#lab-hist .bars path").count() > 0
    outcomes = page.eval_on_selector_all(
        "#lab-wall .seed-tile", "tiles => tiles.map(t => t.className)"
    )
    assert all(re.search(r"solved|stuck|diverged", c) for c in outcomes)
    assert sum("solved" in c for c in outcomes) == solved

    seed = 5
    tile = page.locator(f"#lab-wall .seed-tile[data-seed='{seed}']")
    lab_loss = float(re.search(r"loss ([\d.]+)", tile.get_attribute("title"))[1])
    tile.click()
    pg.wait_state(f"s => s.config.seed === {seed}")
    frame = pg.wait_frame("f => f.epoch === 300", timeout=30_000)
    assert frame["trainLoss"] == pytest.approx(lab_loss, abs=6e-5)
    assert pg.state["config"]["activation"] == "relu"


def test_stuck_run_explains_itself(pg):
    """(b) the ReLU 2-2-1 seed-0 run: within bounded play the box names the dead unit,
    the diagram marks it, and a suggestion button sends its config change."""
    pg.open(STUCK_HASH + "&speed=0")  # at max: the explanation, not the pacing, is tested
    pg.play()
    page = pg.page
    page.wait_for_selector("#stuck-box:not([hidden])", timeout=30_000)
    pg.pause()
    text = page.inner_text("#stuck-message")
    assert "dead" in text, text
    assert re.search(r"dead: [1-9]", page.inner_text("#diag-counts"))
    assert page.locator("#network .node.unit-dead").count() >= 1
    buttons = page.locator("#stuck-suggestions .suggestion")
    assert buttons.count() >= 1
    leaky = page.locator("#stuck-suggestions .suggestion", has_text="Leaky")
    if leaky.count():
        leaky.first.click()
        pg.wait_state("s => s.config.activation === 'leaky_relu'")
    # the gradient check of a stuck but correct net is green
    page.click("#gradcheck")
    page.wait_for_selector("#gradcheck-result.ok", timeout=15_000)
    assert "W1" in page.inner_text("#gradcheck-result")


@pytest.mark.parametrize("directions", ["random", "trajectory"])
def test_loss_landscape_is_drawn(pg, directions):
    """(c) the landscape button draws a contour (and the path, with trajectory)."""
    pg.open()
    page = pg.page
    page.click("#step")
    pg.wait_frame("f => f.epoch >= 1")
    pg.play()
    pg.wait_frame("f => f.epoch >= 200", timeout=60_000)  # auto speed: ~5 s at 30 frames/s
    pg.pause()
    page.select_option("#landscape-directions", directions)
    page.click("#landscape-run")
    try:
        page.wait_for_selector("#landscape-plot[data-drawn]", timeout=15_000)
    except Exception as err:  # say what the panel said instead
        raise AssertionError(page.inner_text("#landscape-caption")) from err
    assert page.locator("#landscape-plot .contour").count() > 0
    assert directions in page.text_content("#landscape-caption")
    if directions == "trajectory":
        assert page.locator("#landscape-plot .scatterlayer .trace").count() >= 2


def test_a_dropped_connection_ends_the_lab_run_on_the_page(pg, request):
    """The server cancels the run with the session; the page must not wait for it."""
    import os

    if os.environ.get("PLAYGROUND_URL"):
        pytest.skip("needs the in-process live_server to drop the connection")
    server = request.getfixturevalue("live_server")
    before = {s.sid for s in server.sessions.all()}
    pg.open()
    (session,) = [s for s in server.sessions.all() if s.sid not in before]
    page = pg.page
    page.fill("#lab-seeds", "1000")
    page.fill("#lab-epochs", "20000")  # minutes of work: it is still running below
    page.click("#lab-run")
    page.wait_for_function(
        "() => document.getElementById('lab-progress').value > 0", timeout=LAB_TIMEOUT
    )
    assert page.is_disabled("#lab-run") and page.is_enabled("#lab-cancel")

    server.app.extensions["socketio"].server.disconnect(session.sid)
    # the badge still says "connected" until the page hears of the drop: wait for the
    # panel to have heard of it (it says so until the next run), then for the new session
    page.wait_for_function(
        "() => document.getElementById('lab-summary').textContent.includes('connection dropped')"
    )
    page.wait_for_selector('#connection[data-state="connected"]')
    assert page.is_enabled("#lab-run") and page.is_disabled("#lab-cancel")
    # and a new run works on the new session
    page.fill("#lab-seeds", "8")
    page.fill("#lab-epochs", "50")
    page.click("#lab-run")
    page.wait_for_function(
        "() => document.querySelectorAll('#lab-wall .seed-tile').length === 8", timeout=LAB_TIMEOUT
    )
