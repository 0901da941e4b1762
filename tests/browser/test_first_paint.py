"""The first paint (issue 22): the page loads from its bundle, and paints the first
surface on a canvas before Plotly.js has run; the live frame then takes its place.

Expected colours come from the server's own first frame (app/first_paint.py, the
engine's surface) through the TF Playground's colour stops written out here, not from
the page's code.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import urljoin, urlsplit

import pytest

pytestmark = pytest.mark.browser

ORANGE, NEUTRAL, BLUE = (245, 147, 34), (232, 234, 235), (8, 119, 189)  # colors.js
MARGIN_L, MARGIN_T, MARGIN_R, MARGIN_B = 28, 6, 6, 24  # surface.js, as Plotly lays it out
PAINTED = "() => performance.getEntriesByName('playground:first-paint').length > 0"


def expected_colour(t: float) -> tuple[int, ...]:
    """The colorscale [orange, neutral, blue] at t in [0, 1], linear in RGB."""
    a, b, u = (ORANGE, NEUTRAL, t / 0.5) if t <= 0.5 else (NEUTRAL, BLUE, (t - 0.5) / 0.5)
    return tuple(round(x + (y - x) * u) for x, y in zip(a, b, strict=True))


def test_the_page_loads_from_one_bundle_and_its_source_map_is_served(page, base_url):
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.goto(f"{base_url}/")
    page.wait_for_function("() => window.playground && window.playground.framesPainted >= 1")
    paths = [urlsplit(u).path for u in urls]
    assert not [p for p in paths if p.startswith("/static/js/")], paths
    scripts = [p for p in paths if p.endswith(".js")]
    (bundle,) = [p for p in scripts if p.startswith("/static/dist/")]
    assert sorted(scripts) == sorted([bundle, "/vendor/plotly.min.js", "/vendor/socket.io.min.js"])
    assert [p for p in paths if p.endswith(".css")] and all(
        p.startswith("/static/dist/") for p in paths if p.endswith(".css")
    )
    source_map = page.request.get(urljoin(base_url, f"{bundle}.map"))
    assert source_map.ok
    sources = {urljoin(f"{bundle}.map", s) for s in json.loads(source_map.body())["sources"]}
    assert {"/static/js/main.js", "/static/js/surface.js", "/static/js/first_paint.js"} <= sources


def test_the_first_surface_is_painted_before_plotly_has_loaded(page, base_url):
    from app.first_paint import first_frame

    held = []
    page.route("**/vendor/plotly.min.js", lambda route: held.append(route))
    page.goto(f"{base_url}/", wait_until="commit")
    page.wait_for_function(PAINTED)
    # Plotly.js has not even arrived: what shows is the canvas
    assert len(held) == 1
    assert page.evaluate("() => typeof window.Plotly") == "undefined"
    assert page.evaluate("() => window.playground") is None  # the page waits for Plotly
    assert page.locator("#surface canvas").count() == 1
    assert page.locator("#surface .main-svg").count() == 0

    # Its pixels are the server's first surface in the page's colours.
    frame = first_frame()
    n = frame["grid"]
    lo, hi = frame["surface_range"]
    values = [lo + b * (hi - lo) / 255 for b in base64.b64decode(frame["surface"]["base64"])]
    size = page.evaluate("() => document.querySelector('#surface canvas').clientWidth")
    ratio = page.evaluate("() => window.devicePixelRatio")
    w, h = size - MARGIN_L - MARGIN_R, size - MARGIN_T - MARGIN_B
    # cells away from the four XOR points (which sit over cells 12 and 37)
    for row, col in [(4, 25), (25, 4), (25, 25), (45, 25), (25, 45)]:
        x = (MARGIN_L + col * w / (n - 1)) * ratio
        y = (MARGIN_T + (n - 1 - row) * h / (n - 1)) * ratio
        rgba = page.evaluate(
            "([x, y]) => Array.from(document.querySelector('#surface canvas')"
            ".getContext('2d').getImageData(Math.round(x), Math.round(y), 1, 1).data)",
            [x, y],
        )
        want = expected_colour(values[row * n + col])  # colour domain [0, 1]: 0/1 labels
        assert all(abs(g - e) <= 4 for g, e in zip(rgba[:3], want, strict=True)), (row, col, rgba)
        assert abs(rgba[3] - round(0.85 * 255)) <= 1  # Plotly's heatmap opacity

    # Plotly then loads, the live first frame (the same one) replaces the canvas.
    held[0].continue_()
    page.wait_for_function("() => window.playground && window.playground.framesPainted >= 1")
    painted = page.evaluate("() => window.playground.firstPaint")
    assert painted["digest"] == page.evaluate("() => window.playground.firstFrame.digest")
    page.wait_for_function("() => !document.querySelector('#surface canvas')")
    assert page.locator("#surface .main-svg").count() >= 1


def test_a_link_to_another_network_waits_for_its_own_frame(pg):
    # The inlined frame is the default network's: a link naming another seed must not
    # show it, even for a moment.
    pg.open("seed=3")
    assert pg.hook("firstPaint") is None
    assert pg.page.evaluate(PAINTED.replace("> 0", "=== 0"))
