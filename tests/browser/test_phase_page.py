"""The phase diagram panel in a real Chromium against the real server (issue 17, page
half): a 4 x 4 diagram of a ReLU net, its cells' words, and a click on a cell.

Expected values come from outside the page: a 2-1-1 net cannot separate XOR (one
ReLU unit draws one line), so the whole units = 1 row is 0 %; a cell's interval must
hold its rate, and its rate must be its counts; the seed a click opens must fail
live, as the diagram said. Every wait is on the DOM or the page's read-only hook.
"""

from __future__ import annotations

import math
import re

import pytest
from browser_helpers import AXE, axe_violations

pytestmark = pytest.mark.browser

PHASE_TIMEOUT = 120_000
RELU = "hidden=2&activation=relu&dataset=xor4"
LABEL = re.compile(
    r"Hidden units (\d+), Init scale a \(U\(−a, a\)\) ([\d.]+): (\d+) % solved "
    r"\((\d+)/(\d+)\), 95 % interval (\d+)–(\d+) %; "
    r"(?:opens seed (\d+), the first that failed|all solved; opens seed (\d+))"
)


def run_4x4(pg, seeds: int = 24, epochs: int = 300) -> list[dict]:
    page = pg.page
    page.select_option("#phase-y-key", "units")
    page.fill("#phase-y-values", "1,2,3,4")
    page.select_option("#phase-x-key", "init_scale")
    page.fill("#phase-x-values", "0.1,0.5,1,2")
    page.fill("#phase-seeds", str(seeds))
    page.fill("#phase-epochs", str(epochs))
    page.click("#phase-run")
    page.wait_for_selector("#phase-grid[data-state='done']", timeout=PHASE_TIMEOUT)
    cells = []
    for label in page.eval_on_selector_all(
        "#phase-grid .phase-cell", "bs => bs.map(b => b.getAttribute('aria-label'))"
    ):
        m = LABEL.fullmatch(label)
        assert m, label
        cells.append(
            {
                "units": int(m[1]),
                "scale": float(m[2]),
                "pct": int(m[3]),
                "k": int(m[4]),
                "n": int(m[5]),
                "lo": int(m[6]),
                "hi": int(m[7]),
                "opens": int(m[8] or m[9]),
                "failing": m[8] is not None,
            }
        )
    return cells


def test_a_4x4_phase_diagram_then_a_click_opens_a_failing_seed_live(pg):
    pg.open(RELU)
    page = pg.page
    cells = run_4x4(pg)
    assert len(cells) == 16
    assert [(c["units"], c["scale"]) for c in cells] == [
        (h, a) for h in (1, 2, 3, 4) for a in (0.1, 0.5, 1.0, 2.0)
    ]
    for c in cells:
        assert c["n"] == 24
        assert c["pct"] == math.floor(100 * c["k"] / 24 + 0.5)  # half up, as the page
        assert c["lo"] <= c["pct"] <= c["hi"]
    assert all(c["k"] == 0 and c["opens"] == 0 for c in cells if c["units"] == 1)
    assert any(c["k"] > 0 for c in cells), "nothing solved: the diagram says nothing"
    texts = page.eval_on_selector_all("#phase-grid .phase-cell", "bs => bs.map(b => b.textContent)")
    assert texts == [str(c["pct"]) for c in cells]

    # hover: the readout says the cell's interval
    target = next(c for c in cells if c["units"] >= 2 and c["failing"] and c["k"] > 0)
    index = cells.index(target)
    button = page.locator("#phase-grid .phase-cell").nth(index)
    button.hover()
    readout = page.inner_text("#phase-readout")
    assert f"95 % interval {target['lo']}–{target['hi']} %" in readout

    # click: that set-up live, with its first failing seed, for the diagram's epochs
    button.click()
    seed = target["opens"]
    state = pg.wait_state(f"s => s.config.seed === {seed} && s.config.init === 'uniform'")
    config = state["config"]
    assert config["hidden"] == [target["units"]]
    assert config["init_low"] == -target["scale"] and config["init_high"] == target["scale"]
    assert config["activation"] == "relu"
    frame = pg.wait_frame("f => f.epoch === 300", timeout=60_000)
    assert frame["trainAcc"] < 1.0, "the seed the diagram called failing solved live"
    assert f"seed {seed} live" in page.inner_text("#phase-readout")


def test_a_bad_axis_is_said_on_the_panel_and_nothing_is_sent(pg):
    pg.open()
    page = pg.page
    page.fill("#phase-y-values", "1,2.5")
    page.click("#phase-run")
    assert "rows: “2.5” is not a whole number" in page.inner_text("#phase-summary")
    page.select_option("#phase-x-key", "units")
    page.fill("#phase-y-values", "1,2")
    page.click("#phase-run")
    assert "two different settings" in page.inner_text("#phase-summary")
    assert page.is_disabled("#phase-cancel")


def test_a_diagram_can_be_cancelled_and_keeps_its_finished_cells(pg):
    pg.open(RELU)
    page = pg.page
    page.select_option("#phase-y-key", "lr")
    page.fill("#phase-y-values", "0.01,0.1")
    page.select_option("#phase-x-key", "units")
    page.fill("#phase-x-values", "2,3")
    page.fill("#phase-seeds", "1000")
    page.fill("#phase-epochs", "20000")
    page.click("#phase-run")
    page.wait_for_function(
        "() => document.getElementById('phase-progress').value > 0", timeout=PHASE_TIMEOUT
    )
    page.click("#phase-cancel")
    page.wait_for_selector("#phase-grid[data-state='cancelled']", timeout=PHASE_TIMEOUT)
    assert "stopped" in page.inner_text("#phase-summary")
    assert page.is_disabled("#phase-cancel") and page.is_enabled("#phase-run")


def test_at_390x844_the_diagram_is_findable_fits_and_axe_finds_nothing_serious(pg):
    """Findable (a heading of its own in the lab row, its controls labelled), within a
    phone's width with every cell a button, and clean for axe-core (npm, loaded before
    the page's scripts) with the diagram drawn, one cell hovered."""
    assert AXE.is_file(), "run `npm ci`: axe-core is a dev dependency"
    pg.page.add_init_script(path=str(AXE))
    pg.page.set_viewport_size({"width": 390, "height": 844})
    pg.open(RELU)
    page = pg.page
    heading = page.get_by_role("heading", name="Phase diagram")
    assert heading.count() == 1
    for label in ("Rows", "Rows: values", "Columns", "Columns: values", "Restarts per cell"):
        assert page.get_by_label(label, exact=True).count() == 1, label
    cells = run_4x4(pg, seeds=8, epochs=100)
    assert len(cells) == 16
    page.locator("#phase-grid").scroll_into_view_if_needed()
    page.locator("#phase-grid .phase-cell").nth(9).hover()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for sel in ("#phase-panel", "#phase-grid", "#phase-run", "#phase-x-values"):
        box = page.locator(sel).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (sel, box)
    for box in page.eval_on_selector_all(
        "#phase-grid .phase-cell", "bs => bs.map(b => b.getBoundingClientRect().width)"
    ):
        assert box >= 24, "a cell too small to tap"
    assert axe_violations(page) == []
