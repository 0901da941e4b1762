"""Where the page's files are: inside an installed wheel, or in a source checkout.

A wheel carries the templates, static files and the Socket.IO client inside the
``app`` package (see pyproject.toml's force-include and hatch_build.py); a source
checkout keeps them at the repository's top level and the client in ``node_modules``.
The packaged location wins when it exists, so an installed copy never reads files
from whatever directory it happens to be run in. Plotly.js comes from the installed
``plotly`` Python package. Nothing is fetched from a CDN.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
SOCKETIO_CLIENT_IN_CHECKOUT = Path("node_modules/socket.io-client/dist/socket.io.min.js")


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
        [PACKAGE_DIR / "static" / "vendor" / "socket.io.min.js",
         REPO_DIR / SOCKETIO_CLIENT_IN_CHECKOUT],
        "the Socket.IO client (run `npm ci`)",
    )


def plotly_js() -> Path:
    """``plotly.min.js`` from the installed ``plotly`` package."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the plotly package is not installed")
    return _first_existing(
        [Path(spec.origin).parent / "package_data" / "plotly.min.js"], "plotly.min.js"
    )
