"""Helpers shared by the browser tests: axe-core, loaded from node_modules (npm, not a
CDN), and the serious or critical violations it finds on a page."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


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
