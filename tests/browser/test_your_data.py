"""Your own points in the page: draw three classes by clicking, load a CSV (a bad one is
named by its line and changes nothing; a good one trains), and screenshots of both.

Clicks land where Plotly itself puts a data point (its axes' ``l2p``), not where the
page's own mapping says, so the page's click-to-data mapping is checked, not assumed.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from browser_helpers import AXE, CLUSTERS, OFFSETS, axe_violations
from browser_helpers import click_at as _click_at
from browser_helpers import draw_three_clusters as _draw_three_clusters

# docs/screenshots/{drawn_3_classes_1920x1080,drawn_3_classes_390x844,loaded_csv_1920x1080}
# .png come from these tests: PLAYGROUND_SCREENSHOTS=docs/screenshots regenerates them;
# otherwise each test writes its screenshot to its own temporary directory.
SCREENSHOTS = os.environ.get("PLAYGROUND_SCREENSHOTS")


def _screenshot(pg, tmp_path: Path, name: str) -> None:
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    pg.page.screenshot(path=str(folder / name))
    assert (folder / name).stat().st_size > 10_000


def _class_at(pg, x: float, y: float) -> int:
    """The class the last frame's surface shows at (x, y), decoded here from its bytes
    with the protocol's formula (class = byte // (256 // C))."""
    s = pg.hook("lastSurface")
    x0, x1, y0, y1 = s["domain"]
    n = s["grid"]
    col = round((x - x0) / (x1 - x0) * (n - 1))
    row = round((y - y0) / (y1 - y0) * (n - 1))
    return s["bytes"][row * n + col] // (256 // s["classes"])


# A generator whose domain, [-6, 6] on both axes, holds the clusters: the drawn points
# keep the surface's domain.
OPEN_ON = "dataset=circle"


def _sized(pg, width: int, height: int):
    pg.page.set_viewport_size({"width": width, "height": height})
    return pg


def _within_width(pg, width: int, *selectors: str) -> None:
    assert pg.page.evaluate("document.documentElement.scrollWidth") <= width
    for sel in selectors:
        b = pg.page.locator(sel).bounding_box()
        assert b["x"] >= 0 and b["x"] + b["width"] <= width, (sel, b)


def _trains_to_three_regions(pg) -> None:
    """Play until every training point is right, then the surface's class at each
    cluster's centre is that cluster's class."""
    pg.play()
    pg.wait_frame("f => f.classes === 3 && f.trainAcc === 1 && f.epoch > 200", timeout=60_000)
    assert pg.page.inner_text("#ro-train-acc").strip().startswith("100")
    for k, (cx, cy) in enumerate(CLUSTERS):
        assert _class_at(pg, cx, cy) == k
    legend = pg.page.inner_text("#class-legend")
    assert "Class 0" in legend and "Class 2" in legend
    pg.pause()


def test_drawing_three_clusters_of_three_classes_trains_to_three_regions(pg, tmp_path):
    _sized(pg, 1920, 1080).open(f"{OPEN_ON}&hidden=6&lr=0.05&speed=0")
    _draw_three_clusters(pg)
    state = pg.wait_state("s => s.data && s.data.n === 9 && s.config.classes === 3")
    assert state["config"]["dataset"] == "custom" and state["config"]["output"] == "softmax"
    # the points arrived where they were clicked (Plotly's own mapping against the page's)
    frame = pg.wait_frame("f => f.classes === 3")
    pts = pg.hook("lastPoints")
    for k, (cx, cy) in enumerate(CLUSTERS):
        near = [p for p in pts if abs(p[0] - cx) < 1.0 and abs(p[1] - cy) < 1.0]
        assert len(near) == 3 and {round(p[2]) for p in near} == {k}, (k, near)
    _trains_to_three_regions(pg)
    # one output thumbnail per class, named by its class
    assert pg.page.locator(".node.output .node-label").all_inner_texts() == [
        "class 0",
        "class 1",
        "class 2",
    ]
    _screenshot(pg, tmp_path, "drawn_3_classes_1920x1080.png")
    assert frame["classes"] == 3
    # every drawn point trains (no hidden test set), and the legend counts each once
    state = pg.wait_state("s => s.config.train_share === 100")
    legend = pg.page.inner_text("#class-legend")
    for k, colour in enumerate(("orange", "blue", "green")):
        assert f"Class {k} ({colour}): 3 points" in legend, legend


def test_drawing_on_a_phone_at_390x844(pg, tmp_path):
    """The panel's button is found below the data sets; drawing brings the surface and
    its tools into view, and they fit the screen."""
    _sized(pg, 390, 844).open(f"{OPEN_ON}&hidden=6&lr=0.05&speed=0")
    _draw_three_clusters(pg)
    _within_width(pg, 390, "#surface", "#draw-tools", "#class-palette", "#draw-done")
    pg.wait_state("s => s.data && s.data.n === 9 && s.config.classes === 3")
    _trains_to_three_regions(pg)
    # the surface at the top of the screen, its drawing tools under it
    pg.page.evaluate("document.getElementById('surface').scrollIntoView({block: 'start'})")
    _screenshot(pg, tmp_path, "drawn_3_classes_390x844.png")


def test_shift_click_removes_the_nearest_point_and_clear_empties(pg):
    pg.open(f"{OPEN_ON}&speed=0")
    _draw_three_clusters(pg)
    pg.wait_state("s => s.data && s.data.n === 9")
    _click_at(pg, *CLUSTERS[2], shift=True)
    pg.wait_state("s => s.data && s.data.n === 8")
    _click_at(pg, *CLUSTERS[1], button="right")
    pg.wait_state("s => s.data && s.data.n === 7")
    pg.page.wait_for_function("() => window.playground.lastPoints.length === 7")
    # the one nearest each click went: the clusters' own centres
    pts = pg.hook("lastPoints")
    for cx, cy in CLUSTERS[1:]:
        assert not any(abs(p[0] - cx) < 0.05 and abs(p[1] - cy) < 0.05 for p in pts), pts
    assert len(pts) == 7
    pg.page.click("#draw-clear")
    hint = pg.page.inner_text("#draw-hint")
    assert "at least two classes" in hint
    # nothing to train on is never sent: one epoch's round trip, then the same 7 points
    epoch = pg.frame["epoch"]
    pg.page.click("#step")
    pg.epoch_rises(epoch)
    assert pg.state["data"]["n"] == 7


BAD_CSV = "x1,x2,label\n0,0,0\n1,abc,1\n2,2,1\n"


def _upload(pg, tmp_path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    pg.page.set_input_files("#csv-file", str(path))


def test_a_bad_csv_is_named_by_its_line_and_the_previous_points_stay(pg, tmp_path):
    pg.open("speed=0")
    good = "x1,x2,label\n" + "".join(
        f"{x},{y},{k}\n"
        for k, (cx, cy) in enumerate(CLUSTERS)
        for x, y in [(cx, cy), (cx + 0.5, cy)]
    )
    _upload(pg, tmp_path, "good.csv", good)
    before = pg.wait_state("s => s.data && s.data.n === 6")["data"]
    pg.wait_frame("f => f.classes === 3")
    shown = pg.hook("lastPoints")
    _upload(pg, tmp_path, "bad.csv", BAD_CSV)
    error = pg.page.locator("#data-error")
    error.wait_for(state="visible")
    text = error.inner_text()
    assert "line 3: x2 'abc' is not a finite number" in text and "bad.csv" in text
    # One epoch's round trip: the server handles events in order, so a `data` event
    # sent with the bad file would show in the state before this step's frame.
    epoch = pg.frame["epoch"]
    pg.page.click("#step")
    pg.epoch_rises(epoch)
    assert pg.state["data"] == before  # the same points, the same digest
    assert sorted(map(tuple, pg.hook("lastPoints"))) == sorted(map(tuple, shown))
    assert pg.page.locator("#data-error").is_visible()  # the message stays until a change


def test_a_good_csv_loads_and_trains(pg, tmp_path):
    _sized(pg, 1920, 1080).open("hidden=8,8&lr=0.03&speed=0")
    rows = []
    for i in range(120):  # three rings, radius 2, 3.5 and 5: class by ring
        t = i / 120 * 2 * math.pi
        k = i % 3
        r = 2 + k * 1.5
        rows.append(f"{r * math.cos(t):.4f},{r * math.sin(t):.4f},{k}")
    _upload(pg, tmp_path, "rings.csv", "x1,x2,label\n" + "\n".join(rows) + "\n")
    state = pg.wait_state("s => s.data && s.data.n === 120 && s.config.classes === 3")
    assert state["config"]["dataset"] == "custom"
    assert pg.page.locator("#data-error").is_hidden()
    pg.play()
    frame = pg.wait_frame("f => f.classes === 3 && f.trainAcc >= 0.9", timeout=90_000)
    assert frame["epoch"] > 0
    pg.pause()
    _screenshot(pg, tmp_path, "loaded_csv_1920x1080.png")


def test_points_the_server_refuses_show_its_error_and_change_nothing(pg):
    """A CSV the page's own check accepts but the server refuses (a coordinate past the
    wire's ±1e9, docs/PROTOCOL.md): the server's error is shown, nothing changes."""
    pg.open("dataset=circle&speed=0")
    before = pg.state
    pg.page.click(".csv-paste summary")
    pg.page.fill("#csv-paste", "x1,x2,label\n0,0,0\n1e12,1,1\n")
    pg.page.click("#csv-paste-load")
    error = pg.page.locator("#data-error")
    error.wait_for(state="visible")
    text = error.inner_text()
    assert "refused" in text and "point 1" in text and "1e9" in text, text
    assert pg.hook("errors")[-1]["event"] == "data"
    after = pg.state
    assert after["data"] is None and after["config"] == before["config"]


def test_the_link_holds_only_the_hash_and_the_downloaded_csv_brings_the_points_back(
    pg, playground_at, base_url
):
    """The URL names the points by their content hash (no coordinates); the CSV saved
    with Download is the points themselves: a new page opened on the link says where
    they live, runs the rest of the link, and loading that file gives the same hash."""
    pg.open(f"{OPEN_ON}&hidden=5&speed=0")
    _draw_three_clusters(pg)
    digest = pg.wait_state("s => s.data && s.data.n === 9")["data"]["digest"]
    pg.page.wait_for_function("d => location.hash.includes('data=' + d)", arg=digest)
    link = pg.page.url
    assert "3.5" not in link.split("#", 1)[1]  # no coordinates in the link
    with pg.page.expect_download() as download:
        pg.page.click("#csv-download")
    rows = Path(download.value.path()).read_text().splitlines()
    assert rows[0] == "x1,x2,label" and len(rows) == 10
    saved = sorted((float(x), float(y), int(k)) for x, y, k in (r.split(",") for r in rows[1:]))
    shown = sorted((x, y, round(k)) for x, y, k in pg.hook("lastPoints"))
    for (x, y, k), (sx, sy, sk) in zip(saved, shown, strict=True):
        assert k == sk and math.isclose(x, sx, rel_tol=1e-6) and math.isclose(y, sy, rel_tol=1e-6)

    other = playground_at(base_url)
    other.page.goto(link)
    other.wait_frames(1)
    note = other.page.locator("#data-note")
    assert note.is_visible()
    assert digest in note.inner_text() and "CSV" in note.inner_text()
    state = other.wait_state("s => s.config.hidden.length === 1 && s.config.hidden[0] === 5")
    assert state["data"] is None and state["config"]["dataset"] != "custom"
    other.page.set_input_files("#csv-file", download.value.path())
    assert other.wait_state("s => s.data && s.data.n === 9")["data"]["digest"] == digest
    other.page.wait_for_function(
        "() => document.getElementById('data-note').textContent.includes(\"the link's points\")"
    )


def test_axe_finds_nothing_serious_while_drawing_three_classes(pg):
    """Issue 11's accessibility check, with the drawing tools, the class palette and
    legend, the paste box and an error on screen."""
    pg.page.add_init_script(path=str(AXE))
    pg.open(f"{OPEN_ON}&speed=0")
    _draw_three_clusters(pg)
    pg.wait_frame("f => f.classes === 3")
    pg.page.click(".csv-paste summary")
    pg.page.fill("#csv-paste", "x1,x2,label\n0,0,cat\n")
    pg.page.click("#csv-paste-load")
    pg.page.locator("#data-error").wait_for(state="visible")
    assert axe_violations(pg.page) == []


# ---- issue 23: your points all shown, an opt-in hold-out, a new set restarts ------------

# How many markers Plotly drew on the surface's points plot, per trace ("train" and
# "test"), and how many of each class the test trace holds (its markers' colours are
# their classes', class_surface.js): read from what Plotly laid out, not the page's data.
MARKERS_JS = """() => {
    const el = document.querySelector('#surface .surface-points');
    const out = {};
    el.querySelectorAll('.scatterlayer .trace').forEach((t, i) => {
        const name = el._fullData[i].name;
        const visible = el._fullData[i].visible === true;
        out[name] = visible ? t.querySelectorAll('path.point').length : 0;
    });
    // no separate test set (all your points train): the test trace is empty, unmarked
    const test = el._fullData.find(d => d.name === 'test');
    out.testSymbols = test && test.marker && test.marker.symbol ? [test.marker.symbol] : [];
    return out;
}"""


def _markers(pg) -> dict:
    pg.page.wait_for_function(
        "() => document.querySelector('#surface .surface-points')?._fullData?.length === 2"
    )
    return pg.page.evaluate(MARKERS_JS)


def test_every_drawn_point_stays_visible_after_done(pg):
    """Nine points drawn, then Done: Plotly draws nine markers, with "Show test data"
    off (whatever share of them trains, none vanishes)."""
    pg.open(f"{OPEN_ON}&speed=0")
    assert not pg.page.is_checked("#show-test")
    _draw_three_clusters(pg)
    pg.wait_state("s => s.data && s.data.n === 9 && s.data.active")
    pg.page.click("#draw-done")
    assert pg.page.get_attribute("#draw-toggle", "aria-pressed") == "false"
    pg.page.wait_for_function("() => window.playground.lastPoints.length === 9")
    pg.page.wait_for_function(
        "() => document.querySelectorAll('#surface .surface-points path.point').length >= 9"
    )
    m = _markers(pg)
    # on main half of them are test points, with the engine's change none (or the same
    # nine again, hollow): either way Plotly drew a marker at every drawn point
    assert m["train"] + m.get("test", 0) >= 9, m
    shown = pg.page.evaluate(
        """() => document.querySelector('#surface .surface-points')._fullData
            .filter(t => t.visible === true)
            .flatMap(t => Array.from(t.x, (x, i) => [x, t.y[i]]))"""
    )
    for cx, cy in CLUSTERS:
        for dx, dy in OFFSETS:  # within a pixel or two of where it was clicked
            x, y = cx + dx, cy + dy
            assert any(abs(p[0] - x) < 0.1 and abs(p[1] - y) < 0.1 for p in shown), (x, y)
    legend = pg.page.inner_text("#class-legend")
    assert legend.count("3") >= 3, legend  # three of each class, as drawn


def test_drawn_points_all_train_unless_a_share_is_held_out(pg):
    """Needs the points-engine branch (train_share=100 accepted): with the hold-out off,
    all nine drawn points train and none is a test point."""
    pg.open(f"{OPEN_ON}&speed=0")
    _draw_three_clusters(pg)
    pg.wait_state("s => s.data && s.data.n === 9 && s.config.train_share === 100")
    pg.page.wait_for_function(
        "() => { const f = document.querySelector('#surface .surface-points')._fullData;"
        " return f && f[0].x.length === 9; }"
    )
    m = _markers(pg)
    assert m["train"] == 9, m  # however the engine marks "no test set", all nine train
    assert len(pg.hook("lastPoints")) == 9
    assert not pg.page.is_checked("#holdout-on")


def test_a_hold_out_shows_hollow_test_points_stratified(pg):
    """30 % of 4 x 10 drawn points held out: three of each class are hollow test points
    (stratified needs the points-engine branch; main's split is not)."""
    pg.open("dataset=circle&speed=0")
    pg.page.click("#draw-toggle")
    pg.page.click("#draw-clear")
    centres = [(-3.5, -3.5), (3.5, -3.5), (-3.5, 3.5), (3.5, 3.5)]
    for k, (cx, cy) in enumerate(centres):
        pg.page.click(f"#class-palette [data-class='{k}']")
        for i in range(10):
            _click_at(pg, cx + 0.25 * (i % 5) - 0.5, cy + 0.5 * (i // 5) - 0.25)
    pg.wait_state("s => s.data && s.data.n === 40")
    pg.page.click("#draw-done")
    pg.page.check("#holdout-on")
    pg.page.select_option("#holdout-share", "30")
    pg.wait_state("s => s.config.train_share === 70")
    pg.page.wait_for_function(
        "() => { const f = document.querySelector('#surface .surface-points')._fullData;"
        " return f && f[1].x.length === 12 && f[1].visible === true; }"
    )
    m = _markers(pg)
    assert m["train"] == 28 and m["test"] == 12, m
    assert m["testSymbols"] == ["circle-open"]  # hollow rings
    # per class: the test trace's points, by the class the page drew them (their colour)
    per_class = pg.page.evaluate(
        """() => {
            const pts = window.playground.lastPoints;  // train first, then test
            const test = pts.slice(28);
            const n = [0, 0, 0, 0];
            for (const p of test) n[Math.round(p[2])] += 1;
            return n;
        }"""
    )
    assert per_class == [3, 3, 3, 3], per_class
    # off again: every point trains
    pg.page.uncheck("#holdout-on")
    pg.wait_state("s => s.config.train_share === 100")


def _chart_epochs(pg, selector: str) -> list[list[float]]:
    """The x values (epochs) of every trace Plotly holds for a chart."""
    return pg.page.evaluate(
        "s => (document.querySelector(s).data || []).map(t => Array.from(t.x || []))",
        selector,
    )


def test_a_csv_loaded_over_drawn_points_restarts_at_epoch_zero_with_the_charts(pg, tmp_path):
    # linear epochs: a log axis has no epoch 0 to show
    pg.open(f"{OPEN_ON}&speed=0&log_epochs=0")
    _draw_three_clusters(pg)
    pg.wait_state("s => s.data && s.data.n === 9")
    pg.page.click("#draw-done")
    pg.play()
    pg.wait_frame("f => f.epoch >= 60", timeout=30_000)
    pg.pause()
    grad_before = _chart_epochs(pg, "#grad-chart")
    assert max(grad_before[0]) >= 60
    # three classes, as drawn: the same network shape, which alone would not rebuild
    rows = [f"{-3 + 0.5 * i},{-2 + (i % 3) * 0.3},{i % 3}" for i in range(12)]
    _upload(pg, tmp_path, "twelve.csv", "x1,x2,label\n" + "\n".join(rows) + "\n")
    pg.wait_state("s => s.data && s.data.n === 12 && s.epoch === 0")
    pg.page.wait_for_function(
        "() => window.playground.rebuildFrame && window.playground.rebuildFrame.epoch === 0"
        " && window.playground.lastPoints.length === 12"
    )
    for n in (1, 2, 3):
        pg.page.click("#step")
        pg.wait_frame(f"f => f.epoch === {n}")
    for chart in ("#grad-chart", "#loss-chart"):  # each redraws at its own pace
        pg.page.wait_for_function(
            "s => { const d = document.querySelector(s).data;"
            " return d && d[0].x.length && Math.max(...d[0].x) === 3; }",
            arg=chart,
        )
    loss = _chart_epochs(pg, "#loss-chart")[0]
    assert min(loss) == 0 and max(loss) == 3, loss
    for trace in _chart_epochs(pg, "#grad-chart"):
        assert min(trace) >= 0 and max(trace) == 3, trace
        assert len(trace) <= 4, trace  # nothing of the run before the restart
    assert pg.hook("lossPoints") <= 4


def test_five_blobs_then_xor_brings_sigmoid_and_cross_entropy_back(pg):
    pg.open("dataset=xor&speed=0")
    pg.page.click('button.dataset[data-dataset="blobs5"]')
    state = pg.wait_state("s => s.config.dataset === 'blobs5'")
    assert state["config"]["output"] == "softmax" and state["config"]["loss"] == "ce"
    pg.page.click('button.dataset[data-dataset="xor"]')
    state = pg.wait_state("s => s.config.dataset === 'xor'")
    assert state["config"]["output"] == "sigmoid" and state["config"]["loss"] == "bce"
    assert state["sizes"][-1] == 1
