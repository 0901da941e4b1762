"""A self-contained HTML report of a restart-lab grid (``playground sweep --html``).

One file, no network: plotly.js is inlined from the installed ``plotly`` Python
package (``plotly.offline.get_plotlyjs()``, about 4.8 MB), never fetched from a CDN.
It holds

* a heatmap of the success rate per cell (columns: the grid's last key; rows: every
  combination of the others), each cell labelled k/n and its 95 % Wilson interval;
* a histogram of the final training losses of every run, stacked by outcome and
  stuck case: stuck runs pile up at the plateaus (ln2/2 ≈ 0.3466 for two points at
  0.5, 0.4774 for three points merged at 2/3, ln 2 ≈ 0.6931 for all at 0.5);
* the table :meth:`engine.sweep.GridResult.table` prints.

This module imports plotly (a dependency of the project, not of the NumPy core);
nothing else in the engine does.
"""

from __future__ import annotations

import html
import itertools
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .sweep import STUCK_CASES, GridResult, _show

if TYPE_CHECKING:
    import plotly.graph_objects as go

_COLOURS = {
    "solved": "#2a9d8f",
    "half_plateau": "#e76f51",
    "dead_units": "#6d597a",
    "plateau": "#f4a261",
    "saturated": "#264653",
    "small_steps": "#8ab17d",
    "still_improving": "#b5b5b5",
    "diverged": "#000000",
}


def _heatmap(result: GridResult) -> go.Figure:
    import plotly.graph_objects as go

    keys = result.keys
    col_key = keys[-1] if keys else None
    row_keys = keys[:-1]
    cols = [_show(v) for v in result.grid[col_key]] if col_key else ["all"]
    row_combos = list(itertools.product(*(result.grid[k] for k in row_keys)))
    rows = [
        " · ".join(f"{k}={_show(v)}" for k, v in zip(row_keys, combo, strict=True)) or "rate"
        for combo in row_combos
    ]
    z = np.full((len(rows), len(cols)), np.nan)
    text = [["" for _ in cols] for _ in rows]
    for cell in result.cells:  # placed by their settings: a stopped grid may lack some
        r = row_combos.index(tuple(cell.changes[k] for k in row_keys))
        c = result.grid[col_key].index(cell.changes[col_key]) if col_key else 0
        s = cell.summary()
        if s["rate"] is None:
            continue
        z[r, c] = 100 * s["rate"]
        text[r][c] = (
            f"{100 * s['rate']:.0f} %<br>{s['successes']}/{s['n']}<br>"
            f"[{100 * s['wilson_low']:.0f}, {100 * s['wilson_high']:.0f}]"
        )
    fig = go.Figure(
        go.Heatmap(
            z=z.tolist(),
            x=cols,
            y=rows,
            text=text,
            texttemplate="%{text}",
            zmin=0,
            zmax=100,
            colorscale="RdYlGn",
            colorbar={"title": {"text": "solved %"}},
            hovertemplate="%{y} · " + (col_key or "") + "=%{x}<br>%{text}<extra></extra>",
        )
    )
    fig.update_layout(
        title="Success rate (95 % Wilson interval)",
        xaxis={"title": {"text": col_key or ""}, "type": "category"},
        yaxis={"type": "category", "autorange": "reversed"},
        height=max(320, 60 + 56 * len(rows)),
        margin={"l": 260},
    )
    return fig


def _histogram(result: GridResult) -> go.Figure:
    import plotly.graph_objects as go

    losses: dict[str, list[float]] = {}
    for cell in result.cells:
        for loss, outcome, case in zip(cell.final_loss, cell.outcome, cell.case, strict=True):
            key = "solved" if outcome == "solved" else (case or str(outcome))
            if np.isfinite(loss):
                losses.setdefault(key, []).append(float(loss))
    fig = go.Figure()
    top = max((max(v) for v in losses.values()), default=1.0)
    for key in ("solved", *STUCK_CASES, "diverged"):
        if key in losses:
            fig.add_trace(
                go.Histogram(
                    x=losses[key],
                    name=key.replace("_", " "),
                    marker_color=_COLOURS.get(key),
                    xbins={"start": 0.0, "end": top + 0.005, "size": 0.005},
                )
            )
    for value, label in ((np.log(2) / 2, "ln2/2"), (0.4774, "3 at 2/3"), (np.log(2), "ln 2")):
        if value <= top + 0.01:
            fig.add_vline(
                x=float(value),
                line_dash="dot",
                line_color="#888",
                annotation_text=label,
                annotation_position="top",
            )
    fig.update_layout(
        barmode="stack",
        title="Final training loss of every run",
        xaxis={"title": {"text": "final loss (bins of 0.005)"}},
        yaxis={"title": {"text": "runs"}},
        height=420,
    )
    return fig


def render_html_report(result: GridResult, title: str = "NumPy Playground: restart lab") -> str:
    """The report as one HTML string (plotly.js inline)."""
    from plotly.offline import get_plotlyjs

    figures = [_heatmap(result), _histogram(result)]
    divs = "\n".join(
        fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})
        for fig in figures
    )
    first = result.cells[0] if result.cells else None
    base = result.config.replace({"seed": 0}).to_query() or "defaults"
    what = (
        f"{first.n} seeds from {int(first.seeds[0]) if first.n else 0}, {first.epochs} epochs each"
        if first
        else "no cells"
    )
    if first is not None and first.loss_below is not None:
        what += f"; success also needs loss &lt; {first.loss_below:g}"
    grid = (
        ", ".join(f"{k} ∈ {{{'; '.join(_show(v) for v in vs)}}}" for k, vs in result.grid.items())
        or "none"
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<script>{get_plotlyjs()}</script>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; }}
pre {{ background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 13px; }}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p>{what}. Base settings: <code>{html.escape(base)}</code>. Grid: {html.escape(grid)}.
Success: every training point on the right side of the threshold (training accuracy
100 %). Stuck runs are tagged with the diagnostics' case.</p>
{divs}
<h2>Table</h2>
<pre>{html.escape(result.table())}</pre>
</body>
</html>
"""


def write_html_report(
    result: GridResult, path: str | Path, title: str = "NumPy Playground: restart lab"
) -> Path:
    """Write :func:`render_html_report` to ``path``; returns the path."""
    path = Path(path)
    path.write_text(render_html_report(result, title), encoding="utf-8")
    return path
