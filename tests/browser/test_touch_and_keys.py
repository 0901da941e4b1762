"""Touch and keyboard in the page (issue 22): on a phone, one tap adds exactly one point,
the eraser's tap and a long press each remove exactly one; keyboard only, the skip
link and Play come first, Space plays and pauses after "Use these points", and the
arrows move the class palette's choice.

Taps land where Plotly itself puts a data point (its axes' ``l2p``), as in
test_your_data.py, so the page's mapping is checked, not assumed. The long press is a
real touch (Chromium's Input.dispatchTouchEvent) held until the page shows the point
gone, then lifted: no sleep stands in for the 500 ms.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_helpers import AXE, axe_violations
from conftest import Playground

SCREENSHOTS = os.environ.get("PLAYGROUND_SCREENSHOTS")

OPEN_ON = "dataset=circle&speed=0"  # domain [-6, 6] on both axes
A1, A2, B1, B2, C = (-3.0, -3.0), (-3.0, 3.0), (3.0, -3.0), (3.0, 3.0), (0.0, 0.0)


def _screenshot(pg, tmp_path: Path, name: str) -> Path:
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    pg.page.screenshot(path=str(folder / name))
    assert (folder / name).stat().st_size > 10_000
    return folder / name


@pytest.fixture()
def phone(browser, watch, base_url):
    """A Playground in a 390x844 touch phone context (touch events, mobile viewport)."""
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    p = ctx.new_page()
    p.set_default_timeout(15_000)
    watch.attach(p)
    p.add_init_script(path=str(AXE))
    yield Playground(p, base_url)
    problems = watch.problems()
    ctx.close()
    assert not problems, f"the page misbehaved: {problems}"


def _screen_xy(pg, x: float, y: float) -> tuple[float, float]:
    """Where Plotly draws the data point (x, y), in viewport pixels."""
    return tuple(
        pg.page.evaluate(
            """([x, y]) => {
                const el = document.querySelector('#surface .surface-points');
                const L = el._fullLayout;
                const r = el.getBoundingClientRect();
                return [r.left + L.xaxis._offset + L.xaxis.l2p(x),
                        r.top + L.yaxis._offset + L.yaxis.l2p(y)];
            }""",
            [x, y],
        )
    )


def _tap(pg, x: float, y: float) -> None:
    pg.page.touchscreen.tap(*_screen_xy(pg, x, y))


def _tap_el(pg, selector: str) -> None:
    b = pg.page.locator(selector).bounding_box()
    pg.page.touchscreen.tap(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)


def _hint(pg, text: str) -> None:
    """Wait until the drawing hint starts with `text`."""
    pg.page.wait_for_function(
        "t => document.getElementById('draw-hint').textContent.startsWith(t)", arg=text
    )


def _near(points, xy, tol=0.6) -> list:
    return [p for p in points if abs(p[0] - xy[0]) < tol and abs(p[1] - xy[1]) < tol]


def _points_are(pg, n: int, *where) -> list:
    """Wait for the session to train on n drawn points; each of `where` holds one."""
    pg.wait_state(f"s => s.data && s.data.n === {n}")
    pg.page.wait_for_function(f"() => window.playground.lastPoints.length === {n}")
    pts = pg.hook("lastPoints")
    for xy in where:
        assert len(_near(pts, xy)) == 1, (xy, pts)
    return pts


def _start_drawing(pg) -> None:
    pg.page.locator("#draw-start").scroll_into_view_if_needed()
    _tap_el(pg, "#draw-start")
    assert pg.page.get_attribute("#draw-toggle", "aria-pressed") == "true"
    _tap_el(pg, "#draw-clear")
    _hint(pg, "Draw points of at least two classes (0 so far)")
    pg.page.locator("#surface").scroll_into_view_if_needed()


def test_one_tap_adds_one_point_and_the_eraser_tap_removes_one(phone, tmp_path):
    pg = phone.open(OPEN_ON)
    _start_drawing(pg)
    _tap(pg, *A1)
    _hint(pg, "Draw points of at least two classes (1 so far)")
    _tap_el(pg, "#class-palette [data-class='1']")
    _tap(pg, *B1)
    _points_are(pg, 2, A1, B1)
    # Both taps' echoes (mouse events, clicks) have come and gone: one point each.
    assert pg.page.inner_text("#draw-hint") == "2 points: 1 of class 0, 1 of class 1."
    _tap(pg, *B2)
    _tap_el(pg, "#class-palette [data-class='0']")
    _tap(pg, *A2)
    _points_are(pg, 4, A1, A2, B1, B2)
    assert pg.page.inner_text("#draw-hint") == "4 points: 2 of class 0, 2 of class 1."

    # The eraser: a visible toggle in the tools, then a tap removes the nearest point.
    eraser = pg.page.locator("#draw-eraser")
    assert eraser.is_visible() and eraser.get_attribute("aria-pressed") == "false"
    _tap_el(pg, "#draw-eraser")
    assert eraser.get_attribute("aria-pressed") == "true"
    _tap(pg, A1[0] + 0.3, A1[1] + 0.2)  # near A1, not on it: the nearest goes
    pts = _points_are(pg, 3, A2, B1, B2)
    assert not _near(pts, A1)
    assert pg.page.inner_text("#draw-hint").startswith("3 points: 1 of class 0, 2 of class 1.")

    # The tools with the eraser on, at the phone's size; axe with the eraser pressed.
    pg.page.locator("#draw-tools").scroll_into_view_if_needed()
    _screenshot(pg, tmp_path, "touch_eraser_390x844.png")
    assert axe_violations(pg.page) == []
    # Choosing a class draws again.
    _tap_el(pg, "#class-palette [data-class='1']")
    assert eraser.get_attribute("aria-pressed") == "false"


def test_a_long_press_removes_the_nearest_point_once(phone):
    pg = phone.open(OPEN_ON)
    _start_drawing(pg)
    for k, xy in ((0, A1), (0, A2), (1, B1), (1, B2)):
        _tap_el(pg, f"#class-palette [data-class='{k}']")
        pg.page.locator("#surface").scroll_into_view_if_needed()
        _tap(pg, *xy)
    _points_are(pg, 4, A1, A2, B1, B2)

    cdp = pg.page.context.new_cdp_session(pg.page)
    x, y = _screen_xy(pg, *B1)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    # Held: the page says the point is gone while the finger is still down.
    _hint(pg, "3 points: 2 of class 0, 1 of class 1.")
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    pts = _points_are(pg, 3, A1, A2, B2)
    assert not _near(pts, B1)
    # The lift added nothing: the next tap makes 4, not 5.
    _tap(pg, *C)
    _points_are(pg, 4, A1, A2, B2, C)
    assert pg.page.inner_text("#draw-hint") == "4 points: 2 of class 0, 2 of class 1."


def _focused(pg) -> str:
    return pg.page.evaluate(
        "() => { const a = document.activeElement; return a.id || a.className || a.tagName; }"
    )


def test_keyboard_skip_link_then_play_reach_the_output_in_four_tabs(pg, tmp_path):
    pg.page.set_viewport_size({"width": 1366, "height": 768})
    pg.page.add_init_script(path=str(AXE))
    pg.open("speed=0")
    pg.page.wait_for_function("() => !document.getElementById('reset').disabled")
    page = pg.page
    # From the page's start: Tab 1 is the skip link, shown on focus; 2 the header's Class
    # control (class mode, docs/CLASS.md); 3 Reset; 4 Play.
    page.keyboard.press("Tab")
    assert _focused(pg) == "skip-link"
    link = page.locator(".skip-link")
    assert link.inner_text() == "Skip to the output"
    box = link.bounding_box()
    assert box["y"] >= 0 and box["width"] > 50, box
    page.keyboard.press("Tab")
    assert _focused(pg) == "class-button"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert _focused(pg) == "play"
    page.keyboard.press("Enter")
    pg.wait_state("s => s.status === 'playing'")
    pg.epoch_rises(0)
    page.keyboard.press("Enter")
    pg.wait_state("s => s.status === 'paused'")
    # Back to the skip link; Enter puts focus in the output, the surface on screen.
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
    assert _focused(pg) == "skip-link"
    assert axe_violations(page) == []
    _screenshot(pg, tmp_path, "skip_link_1366x768.png")
    hash_before = page.evaluate("() => location.hash")
    page.keyboard.press("Enter")
    assert _focused(pg) == "output"
    # The URL's hash holds the set-up: the jump leaves it (and the session) alone.
    assert page.evaluate("() => location.hash") == hash_before
    assert "speed=0" in hash_before
    surface = page.locator("#surface").bounding_box()
    assert 0 <= surface["y"] < 768, surface
    # The next Tab goes on inside the output, not back to the settings.
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('#output')")


def test_space_plays_and_pauses_after_use_these_points(pg):
    pg.open("dataset=circle&speed=0")
    page = pg.page
    page.click(".csv-paste summary")
    page.fill("#csv-paste", "x1,x2,label\n-2,-2,0\n-2,2,0\n2,-2,1\n2,2,1\n")
    page.click("#csv-paste-load")
    pg.wait_state("s => s.data && s.data.n === 4 && s.status === 'paused'")
    assert _focused(pg) == "csv-paste-load"
    sent = page.evaluate("() => window.playground.lastState.data.n")
    page.keyboard.press("Space")
    pg.wait_state("s => s.status === 'playing'")
    pg.epoch_rises(0)
    page.keyboard.press("Space")
    pg.wait_state("s => s.status === 'paused'")
    assert sent == 4
    # Inside a text field Space is a space.
    page.click("#csv-paste")
    page.keyboard.press("Control+End")
    page.keyboard.press("Space")
    assert page.input_value("#csv-paste").endswith("2,2,1\n ")
    assert pg.state["status"] == "paused"


def test_arrow_keys_move_the_class_palette_choice(pg):
    pg.open("dataset=circle&speed=0")
    page = pg.page
    page.click("#draw-toggle")
    page.focus("#class-palette [data-class='0']")

    def checked() -> list[str]:
        return page.eval_on_selector_all(
            "#class-palette [role=radio]",
            "bs => bs.map(b => b.getAttribute('aria-checked') + b.tabIndex)",
        )

    # One Tab stop: the checked swatch.
    assert checked() == ["true0"] + ["false-1"] * 5
    page.keyboard.press("ArrowRight")
    assert checked()[1] == "true0" and _focused(pg) == "class-swatch"
    assert page.evaluate("() => document.activeElement.dataset.class") == "1"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("() => document.activeElement.dataset.class") == "1"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # wraps to the last class
    assert page.evaluate("() => document.activeElement.dataset.class") == "5"
    assert checked()[5] == "true0"
    # Space inside the palette does not play: a Step sent after it finds the run paused
    # (a play sent before it would have been answered first).
    page.keyboard.press("Space")
    assert checked()[5] == "true0"
    page.click("#step")
    pg.epoch_rises(0)
    assert pg.state["status"] == "paused"
    page.focus("#class-palette [data-class='5']")
    # Tab leaves the group: the next stop is the eraser.
    page.keyboard.press("Tab")
    assert _focused(pg) == "draw-eraser"


def test_input_features_come_before_the_weights_in_tab_order(pg):
    pg.open()
    order = pg.page.evaluate(
        """() => {
            const all = [...document.querySelectorAll('#network button, #network [tabindex="0"],'
                                                      + ' #network input')];
            const first = (sel) => all.findIndex(e => e.matches(sel));
            return [first('.node.feature'), first('.link-hit'), first('.bias')];
        }"""
    )
    feature, weight, bias = order
    assert 0 <= feature < weight < bias, order


def test_data_sets_are_one_tab_stop_and_the_arrows_move_among_them(pg):
    pg.open("dataset=circle&speed=0")
    page = pg.page
    page.wait_for_function("() => !document.getElementById('reset').disabled")
    # Tab from the page's start to the first neuron slider: the thumbnails are one stop.
    stops = []
    for _ in range(80):
        page.keyboard.press("Tab")
        stops.append(
            page.evaluate(
                "() => { const a = document.activeElement;"
                " return a.closest('#datasets') ? 'dataset:' + a.dataset.dataset : a.id; }"
            )
        )
        if stops[-1] == "layer-1-size":
            break
    assert stops[-1] == "layer-1-size", stops
    assert [s for s in stops if s.startswith("dataset:")] == ["dataset:circle"], stops
    # The arrows move focus among the shown thumbnails without picking; Enter picks.
    page.focus("button.dataset[data-dataset='circle']")
    shown = page.eval_on_selector_all(
        "#datasets button.dataset:not([hidden])", "bs => bs.map(b => b.dataset.dataset)"
    )
    at = shown.index("circle")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => document.activeElement.dataset.dataset") == shown[at + 1]
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("() => document.activeElement.dataset.dataset") == shown[at - 1]
    page.keyboard.press("End")
    assert page.evaluate("() => document.activeElement.dataset.dataset") == shown[-1]
    page.keyboard.press("Home")
    assert page.evaluate("() => document.activeElement.dataset.dataset") == shown[0]
    page.keyboard.press("ArrowDown")
    # Nothing was picked: a Step sent after the arrows finds the session on the circle.
    page.click("#step")
    pg.epoch_rises(0)
    assert pg.state["config"]["dataset"] == "circle"
    page.focus(f"button.dataset[data-dataset='{shown[1]}']")
    page.keyboard.press("Enter")
    pg.wait_state(f"s => s.config.dataset === '{shown[1]}'")
