"""The timeline under the loss chart (issue 26): scrub back to a kept epoch and the
surface is the engine's ``frame_at`` of that epoch; "Go on from here" leaves a pin of
the old future and the run goes on from the epoch shown.

Expected surfaces come from the engine (``Trainer.frame_at`` of a run trained in the
test to the same epoch), never from the page."""

from __future__ import annotations

import numpy as np
import pytest
from browser_helpers import axe_violations, paused_phone_page

from engine import Config, Trainer

pytestmark = pytest.mark.browser

SETUP = Config().replace(
    {"dataset": "circle", "hidden": [4], "optimizer": "adam", "batch_size": 10, "seed": 4}
)


def _run_to(pg, at_least: int) -> int:
    """Play at full speed until a frame past ``at_least``; pause; the run's epoch."""
    pg.open(SETUP.replace({"speed": 0}).to_query())
    pg.wait_state("s => s.config.dataset === 'circle'")
    pg.play()
    pg.epoch_rises(at_least)
    pg.pause()
    return pg.wait_state("s => s.status === 'paused'")["epoch"]


def _shown_surface(pg) -> tuple[int, np.ndarray]:
    s = pg.hook("lastSurface")
    lo, hi = s["range"]
    q = np.array(s["bytes"], np.float64)
    return s["epoch"], (lo + q / 255.0 * (hi - lo)).reshape(s["grid"], s["grid"])


def _scrub_to(pg, epoch: int) -> None:
    """Home, then ArrowRight to ``epoch`` (every epoch up to 100 is kept)."""
    pg.page.focus("#timeline-range")
    pg.page.keyboard.press("Home")
    for _ in range(epoch):
        pg.page.keyboard.press("ArrowRight")
    pg.page.wait_for_function(f"() => window.playground.timeline.rewound === {epoch}")
    pg.page.wait_for_function(f"() => window.playground.lastSurface.epoch === {epoch}")


def test_scrubbing_back_shows_the_engine_s_frame_at_that_epoch(pg):
    live = _run_to(pg, 150)
    _scrub_to(pg, 12)
    assert pg.page.inner_text("#timeline-label") == "epoch 12 (rewound)"
    pg.page.wait_for_function(
        "() => (document.querySelector('#loss-chart').layout.shapes || [])"
        ".some((s) => s.x0 === 12 && s.x1 === 12)"
    )
    assert pg.page.inner_text("#epoch").replace(",", "").strip().endswith("12")
    engine_run = Trainer(SETUP)
    engine_run.step(live)
    expected = np.asarray(engine_run.frame_at(12).surface, np.float64)
    epoch, shown = _shown_surface(pg)
    step = (expected.max() - expected.min()) / 255  # the wire's 8 bits
    assert epoch == 12
    np.testing.assert_allclose(shown, expected, atol=step / 2 + 1e-6)
    # the run itself has not moved, and the chart still holds all of it
    assert pg.state["epoch"] == live and pg.hook("timeline")["live"] == live
    pg.page.wait_for_function(
        "live => (document.querySelector('#loss-chart').data || [])"
        ".some((t) => t.name === 'train' && Math.max(...t.x) === live)",
        arg=live,
    )
    # dragging: the slider's end shows the run where it stands again
    pg.page.keyboard.press("End")
    pg.page.wait_for_function(f"() => window.playground.lastSurface.epoch === {live}")
    assert pg.page.locator("#timeline-fork").is_hidden()


def test_go_on_from_here_pins_the_old_future_and_forks(pg):
    live = _run_to(pg, 120)
    _scrub_to(pg, 40)
    pg.page.click("#timeline-fork")
    pg.page.wait_for_function("() => window.playground.pins.length === 1")
    pin = pg.hook("pins")[0]
    assert pin["epoch"] == live  # the former future, to where it had got
    assert pin["label"] == "same set-up"
    pg.wait_state("s => s.epoch === 40")
    assert pg.hook("timeline")["rewound"] is None
    assert "former future" in pg.page.inner_text("#run-message")
    # the fork goes on from 40 as a fresh run would
    pg.page.click("#step")
    frame = pg.wait_frame("f => f.epoch === 41")
    fresh = Trainer(SETUP)
    fresh.step(41)
    assert frame["trainLoss"] == pytest.approx(float(fresh.last["train_loss"][0]), rel=1e-6)
    # the pinned future is drawn dashed on the loss chart beside the fork's curve
    pg.page.wait_for_function(
        "() => (document.querySelector('#loss-chart').data || [])"
        ".some((t) => t.name === 'same set-up' && t.line.dash === 'dash')"
    )


def test_live_changes_are_marked_on_the_timeline(pg):
    _run_to(pg, 30)
    pg.page.select_option("#ctl-optimizer", "sgd")
    state = pg.wait_state("s => s.config.optimizer === 'sgd' && s.changes.length === 1")
    mark = pg.page.locator("#timeline-marks .timeline-mark")
    assert mark.count() == 1
    assert mark.first.get_attribute("title") == f"epoch {state['changes'][0]['epoch']}: optimizer"


def test_the_rewound_page_has_nothing_serious_for_axe(browser, base_url):
    context, page = paused_phone_page(browser, base_url, SETUP.replace({"speed": 0}).to_query(), 60)
    try:
        page.focus("#timeline-range")
        page.keyboard.press("Home")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => window.playground.timeline.rewound === 1")
        fork = page.get_by_role("button", name="Go on from here")
        fork.scroll_into_view_if_needed()
        assert fork.is_visible()
        assert axe_violations(page) == []
    finally:
        context.close()


def test_the_runs_panel_s_animation_downloads_a_gif_of_the_run(pg, tmp_path):
    from PIL import Image

    live = _run_to(pg, 60)
    with pg.page.expect_download(timeout=60_000) as download:
        pg.page.click("#animation")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.endswith(f"-epoch-{live}.gif")
    with Image.open(path) as gif:
        assert gif.n_frames >= 30 and gif.size == (480, 240)
    pg.page.wait_for_function(
        "() => document.querySelector('#run-message').textContent.includes('pictures of epochs')"
    )
