"""Helpers shared by the browser tests: axe-core, loaded from node_modules (npm, not a
CDN), and the serious or critical violations it finds on a page; drawing your own points
on the surface, where Plotly itself puts a data point."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def paused_phone_page(browser, base_url: str, query: str, epoch: int):
    """(context, page): a 390×844 page with axe-core loaded, on the set-up ``query``,
    played past ``epoch`` and paused. Close the context when done."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.add_init_script(path=str(AXE))
    page.goto(f"{base_url}/#{query}")
    page.wait_for_function("() => window.playground && window.playground.synced")
    page.click("#play")
    page.wait_for_function(f"() => window.playground.lastFrame?.epoch >= {epoch}")
    page.click("#play")
    page.wait_for_function("() => window.playground.lastState.status === 'paused'")
    return context, page


def axe_violations(page, selector: str | None = None) -> list[dict]:
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, { resultTypes: ['violations'] });
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                           nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')) }));
        }"""
    )
    return found


CLUSTERS = [(-3.5, -2.0), (3.5, -2.0), (0.0, 3.5)]  # class 0, 1, 2
OFFSETS = [(0.0, 0.0), (0.5, 0.3), (-0.4, 0.4)]


def click_at(pg, x: float, y: float, shift: bool = False, button: str = "left") -> None:
    """Click the surface where Plotly draws the data point (x, y)."""
    box = pg.page.evaluate(
        """([x, y]) => {
            const el = document.querySelector('#surface .surface-points');
            const L = el._fullLayout;
            const r = el.getBoundingClientRect();
            return [r.left + L.xaxis._offset + L.xaxis.l2p(x),
                    r.top + L.yaxis._offset + L.yaxis.l2p(y)];
        }""",
        [x, y],
    )
    if shift:
        pg.page.keyboard.down("Shift")
    pg.page.mouse.click(box[0], box[1], button=button)
    if shift:
        pg.page.keyboard.up("Shift")


def draw_three_clusters(pg) -> None:
    """Your own points: three of each of three classes, clicked on the surface."""
    page = pg.page
    page.click("#draw-toggle")
    assert page.get_attribute("#draw-toggle", "aria-pressed") == "true"
    page.click("#draw-clear")
    for k, (cx, cy) in enumerate(CLUSTERS):
        page.click(f"#class-palette [data-class='{k}']")
        assert page.get_attribute(f"#class-palette [data-class='{k}']", "aria-checked") == "true"
        for dx, dy in OFFSETS:
            click_at(pg, cx + dx, cy + dy)
