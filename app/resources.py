"""Where the page's files are: inside an installed wheel, or in a source checkout.

A wheel carries the templates, static files and the Socket.IO client inside the
``app`` package (see pyproject.toml's force-include and hatch_build.py); a source
checkout keeps them at the repository's top level and the npm clients in ``node_modules``.
The packaged location wins when it exists, so an installed copy never reads files
from whatever directory it happens to be run in. Nothing is fetched from a CDN.

Plotly.js is npm's partial "cartesian" bundle (1.5 MB against the full bundle's 4.8 MB
in the ``plotly`` Python package): it holds every trace type the page draws (heatmap
and scatter on the surface, scatter on the loss and gradient charts, histogram in the
restart lab, contour in the loss landscape), and the page paints its first frame sooner
(``python -m bench.browser`` measures both).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
SOCKETIO_CLIENT_IN_CHECKOUT = Path("node_modules/socket.io-client/dist/socket.io.min.js")
PLOTLY_IN_CHECKOUT = Path("node_modules/plotly.js-cartesian-dist-min/plotly-cartesian.min.js")


def _first_existing(candidates: list[Path], what: str) -> Path:
    for path in candidates:
        if path.exists():
            return path
    tried = ", ".join(str(p) for p in candidates)
    raise FileNotFoundError(f"{what} not found (looked in {tried})")


def template_dir() -> Path:
    """The directory holding ``index.html``."""
    return _first_existing([PACKAGE_DIR / "templates", REPO_DIR / "templates"], "templates")


def static_dir() -> Path:
    """The directory served at ``/static``."""
    return _first_existing([PACKAGE_DIR / "static", REPO_DIR / "static"], "static files")


def socketio_client() -> Path:
    """The minified Socket.IO browser client (from npm, shipped in the wheel)."""
    return _first_existing(
        [
            PACKAGE_DIR / "static" / "vendor" / "socket.io.min.js",
            REPO_DIR / SOCKETIO_CLIENT_IN_CHECKOUT,
        ],
        "the Socket.IO client (run `npm ci`)",
    )


def plotly_js() -> Path:
    """Plotly.js, the partial cartesian bundle from npm (shipped in the wheel)."""
    return _first_existing(
        [PACKAGE_DIR / "static" / "vendor" / "plotly.min.js", REPO_DIR / PLOTLY_IN_CHECKOUT],
        "Plotly.js (run `npm ci`)",
    )
