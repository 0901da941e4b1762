"""Helpers shared by the browser tests: axe-core, loaded from node_modules (npm, not a
CDN), and the serious or critical violations it finds on a page."""

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
