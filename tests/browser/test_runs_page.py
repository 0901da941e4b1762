"""Runs on the page (issue 14): save a run and open it in another tab, pin runs.

Done when: a run saved in one tab and opened in a new tab steps on there exactly as
the original tab steps on (epoch and displayed loss); a pinned run, after a change of
optimizer and play, is a second, labelled, dashed curve on the loss chart.
"""

from __future__ import annotations

import pytest
from browser_helpers import axe_violations, paused_phone_page

from engine import Config

pytestmark = pytest.mark.browser

SETUP = Config().replace(
    {
        "dataset": "circle",
        "hidden": [4, 2],
        "activation": "tanh",
        "optimizer": "adam",
        "batch_size": 10,
        "seed": 4,
    }
)


def _step(pg, epochs: int) -> dict:
    """Press Step `epochs` times (one epoch each), each once the last one's frame is
    painted (a step asked for while one is under way replaces it); the last frame."""
    start = pg.frame["epoch"]
    for i in range(1, epochs + 1):
        pg.page.click("#step")
        frame = pg.wait_frame(f"f => f.epoch === {start + i}")
    return frame


def _shown(pg) -> dict:
    texts = {
        key: pg.page.inner_text(sel)
        for key, sel in (
            ("epoch", "#epoch"),
            ("train", "#ro-train-loss"),
            ("test", "#ro-test-loss"),
            ("acc", "#ro-train-acc"),
        )
    }
    frame = pg.frame
    return {
        **texts,
        "trainLoss": frame["trainLoss"],
        "testLoss": frame["testLoss"],
        "epoch_n": frame["epoch"],
    }


def test_a_saved_run_opened_in_a_new_tab_steps_on_exactly_as_the_original(
    pg, playground_at, base_url, tmp_path
):
    pg.open(SETUP.to_query())
    pg.wait_state("s => s.config.dataset === 'circle'")
    _step(pg, 30)
    at_save = _shown(pg)
    with pg.page.expect_download() as download:
        pg.page.click("#save-run")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.endswith("-epoch-30.npz")
    assert "Saved" in pg.page.inner_text("#run-message")
    # the original tab goes on first (a tab in the background holds its frames)
    _step(pg, 100)
    original = _shown(pg)
    assert original["epoch_n"] == 130 and original["trainLoss"] is not None

    other = playground_at(base_url).open()
    other.page.set_input_files("#open-run-file", str(path))
    other.wait_state("s => s.epoch === 30 && s.config.dataset === 'circle'")
    other.wait_frame("f => f.epoch === 30")
    assert "Opened" in other.page.inner_text("#run-message")
    assert other.state["config"] == pg.state["config"]
    assert _shown(other) == at_save  # the same run, to the last digit
    _step(other, 100)
    assert _shown(other) == original


def test_a_bad_file_is_refused_and_the_run_stays(pg, tmp_path):
    pg.open(SETUP.to_query())
    pg.wait_state("s => s.config.dataset === 'circle'")
    before = _step(pg, 5)
    bad = tmp_path / "notes.npz"
    bad.write_bytes(b"this is not a run file")
    pg.page.set_input_files("#open-run-file", str(bad))
    pg.page.wait_for_function(
        "() => document.querySelector('#run-message').textContent.includes('Could not open')"
    )
    message = pg.page.inner_text("#run-message")
    assert "notes.npz" in message and "not a readable run file" in message
    assert pg.frame == before  # no new frame: nothing changed


def test_pin_change_the_optimizer_play_shows_two_labelled_curves(pg):
    pg.open(SETUP.to_query())
    pg.wait_state("s => s.config.dataset === 'circle'")
    _step(pg, 40)
    pg.page.click("#pin-run")
    pg.page.wait_for_function("() => window.playground.pins.length === 1")
    assert pg.hook("pins")[0]["label"] == "same set-up"

    pg.page.select_option("#ctl-optimizer", "sgd")
    pg.wait_state("s => s.config.optimizer === 'sgd'")
    pg.page.wait_for_function("() => window.playground.pins[0].label === 'optimizer: Adam'")
    pg.page.click("#reset")
    pg.wait_frame("f => f.epoch === 0")
    pg.play()
    pg.epoch_rises(60)
    pg.pause()

    # the chart: the current run's training curve and the pinned one, dashed, labelled
    traces = pg.page.wait_for_function(
        """() => {
          const data = document.querySelector('#loss-chart').data || [];
          const pinned = data.find((t) => t.name === 'optimizer: Adam');
          const train = data.find((t) => t.name === 'train');
          return pinned && train && train.x.length > 5 ? data.map((t) => ({
            name: t.name, dash: t.line.dash, n: t.x.length,
            text: (t.text || []).filter((s) => s) })) : null;
        }"""
    ).json_value()
    pinned = next(t for t in traces if t["name"] == "optimizer: Adam")
    assert pinned["dash"] == "dash" and pinned["n"] > 5 and pinned["text"] == ["optimizer: Adam"]
    drawn = pg.page.locator("#loss-chart text", has_text="optimizer: Adam")
    assert drawn.count() == 1 and drawn.first.is_visible()
    # the list under the surface: its label, its final boundary, Unpin
    item = pg.page.locator("#pins .pin")
    assert item.count() == 1
    assert item.first.locator(".pin-label").inner_text() == "optimizer: Adam"
    size = item.first.locator("canvas").evaluate("c => [c.width, c.height]")
    assert size == [pg.frame["grid"]] * 2
    item.first.get_by_role("button", name="Unpin optimizer: Adam").click()
    pg.page.wait_for_function("() => window.playground.pins.length === 0")
    assert pg.page.locator("#loss-chart text", has_text="optimizer: Adam").count() == 0


def test_compare_in_the_lab_gives_both_rates_and_the_test(pg):
    pg.open(
        Config()
        .replace(
            {"dataset": "xor4", "hidden": [2], "activation": "relu", "optimizer": "sgd", "lr": 0.3}
        )
        .to_query()
    )
    pg.wait_state("s => s.config.activation === 'relu'")
    _step(pg, 2)
    pg.page.click("#pin-run")
    pg.page.select_option("#ctl-optimizer", "adam")
    pg.wait_state("s => s.config.optimizer === 'adam'")
    pg.page.fill("#lab-seeds", "16")
    pg.page.fill("#lab-epochs", "200")
    pg.page.get_by_role("button", name="Compare optimizer: SGD in the restart lab").click()
    pg.page.wait_for_function(
        "() => document.querySelector('#lab-compare').textContent.includes('McNemar')",
        timeout=120_000,
    )
    text = pg.page.inner_text("#lab-compare p")
    assert "Current set-up:" in text and "Pinned (optimizer: SGD)" in text
    assert "/16 solved" in text and "beyond chance" in text
    # Issue 22: methods are named under "how", not in the sentence itself.
    assert "Newcombe" not in text and "McNemar" not in text
    how = pg.page.locator("#lab-compare details.how")
    how.locator("summary").click()
    how_text = how.inner_text()
    assert "Newcombe" in how_text and "McNemar" in how_text and "p = " in how_text


def test_the_runs_controls_fit_a_phone_and_axe_finds_nothing_serious(browser, base_url):
    context, page = paused_phone_page(
        browser, base_url, SETUP.replace({"speed": 0}).to_query(), 100
    )
    try:
        page.click("#pin-run")
        page.select_option("#ctl-optimizer", "sgd")
        page.wait_for_function("() => window.playground.pins[0]?.label === 'optimizer: Adam'")
        for name in (
            "Save run",
            "Open run",
            "Pin",
            "Code",
            "Compare optimizer: Adam in the restart lab",
            "Unpin optimizer: Adam",
        ):
            button = page.get_by_role("button", name=name, exact=True)
            button.scroll_into_view_if_needed()
            box = button.bounding_box()
            assert button.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 390, name
        assert page.evaluate("() => document.documentElement.scrollWidth") == 390
        assert axe_violations(page) == []
    finally:
        context.close()
