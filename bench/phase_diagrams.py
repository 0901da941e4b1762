"""Draw a phase diagram from a two-setting sweep's JSON as a PNG (docs/EXPERIMENTS.md).

    playground sweep --grid hidden=1/2/3 --grid init_scale=0.1,1,3 ... --json runs.json
    python -m bench.phase_diagrams runs.json docs/screenshots/phase.png --title "..."

The grid's first key runs down the rows, its second across the columns; each cell is
coloured by its success rate on the page's ramp (static/js/phase_panel.js: white 0 %
to dark blue 100 %) and labelled with the rate and its 95 % Wilson interval. The
figure is Plotly's (the project's dependency), its plotly.js inlined from the
installed package, and the PNG is Chromium's screenshot of it (Playwright driving
Debian's /usr/bin/chromium, as the browser tests do): nothing is fetched.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.sweep import _show  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
RAMP = [[0.0, "rgb(239, 243, 255)"], [1.0, "rgb(8, 48, 107)"]]
LABELS = {
    "hidden": "hidden units h (2-h-1)",
    "init_scale": "initial weights U(−a, a): a",
    "lr": "learning rate",
    "momentum": "momentum",
}


def _label(key: str) -> str:
    return LABELS.get(key, key)


def _tick(key: str, value) -> str:
    if key == "hidden" and isinstance(value, list) and len(value) == 1:
        return str(value[0])
    return _show(value)


def _pct(x: float) -> str:
    """A percentage to whole points, or to one decimal near 0 and 100 (0.4, not 0)."""
    return f"{x:.1f}" if 0 < x < 1 or 99 < x < 100 else f"{x:.0f}"


def figure(doc: dict, title: str):
    """The heatmap of a sweep's JSON (``playground sweep --json``) over two keys."""
    import plotly.graph_objects as go

    keys = list(doc["grid"])
    if len(keys) != 2:
        raise SystemExit(f"a phase diagram needs a grid of two settings, got {keys}")
    row_key, col_key = keys
    rows = [_tick(row_key, v) for v in doc["grid"][row_key]]
    cols = [_tick(col_key, v) for v in doc["grid"][col_key]]
    z = [[None] * len(cols) for _ in rows]
    text = [[""] * len(cols) for _ in rows]
    hover = [[""] * len(cols) for _ in rows]
    for cell in doc["cells"]:
        r = rows.index(_tick(row_key, cell["changes"][row_key]))
        c = cols.index(_tick(col_key, cell["changes"][col_key]))
        s = cell["summary"]
        if not s["n"]:
            continue
        z[r][c] = 100 * s["rate"]
        lo, hi = 100 * s["wilson_low"], 100 * s["wilson_high"]
        text[r][c] = f"<b>{100 * s['rate']:.0f}</b><br>{_pct(lo)}–{_pct(hi)}"
        hover[r][c] = f"{s['successes']}/{s['n']} solved, 95 % CI [{lo:.1f}, {hi:.1f}] %"
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=cols,
            y=rows,
            text=text,
            texttemplate="%{text}",
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            zmin=0,
            zmax=100,
            colorscale=RAMP,
            xgap=2,
            ygap=2,
            textfont={"size": 12},
            colorbar={"title": {"text": "solved %"}, "thickness": 14},
        )
    )
    note = (
        f"{doc['seeds']} seeds per cell ({doc['seed_start']} to "
        f"{doc['seed_start'] + doc['seeds'] - 1}), {doc['epochs']} epochs; "
        f"cell: solved % and its 95 % Wilson interval"
    )
    fig.update_layout(
        title={"text": f"{title}<br><sup>{note}</sup>", "x": 0.5},
        xaxis={"title": {"text": _label(col_key)}, "type": "category", "side": "bottom"},
        yaxis={"title": {"text": _label(row_key)}, "type": "category"},
        width=860,
        height=180 + 62 * len(rows),
        margin={"l": 90, "r": 30, "t": 90, "b": 60},
        paper_bgcolor="white",
        plot_bgcolor="white",
        font={"family": "sans-serif"},
    )
    return fig


def write_png(fig, path: Path) -> Path:
    """Chromium's screenshot of the figure, at twice the pixels (crisp in the docs)."""
    from playwright.sync_api import sync_playwright
    from plotly.offline import get_plotlyjs

    html = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><script>{get_plotlyjs()}"
        f"</script></head><body style='margin:0'>"
        f"{fig.to_html(full_html=False, include_plotlyjs=False, div_id='phase')}"
        f"</body></html>"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(
                viewport={"width": fig.layout.width, "height": fig.layout.height},
                device_scale_factor=2,
            )
            page.set_content(html)
            page.wait_for_selector("#phase .main-svg")
            page.locator("#phase").screenshot(path=str(path))
        finally:
            browser.close()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("json", type=Path, help="a two-setting sweep's --json file")
    parser.add_argument("png", type=Path, help="the picture to write")
    parser.add_argument("--title", default="Phase diagram", help="the figure's title")
    args = parser.parse_args(argv)
    doc = json.loads(args.json.read_text(encoding="utf-8"))
    args.png.parent.mkdir(parents=True, exist_ok=True)
    print(f"wrote {write_png(figure(doc, args.title), args.png)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
