"""The NumPy Playground server: Flask + Flask-SocketIO around the NumPy engine.

``create_app(config)`` builds the application (see :mod:`app.server`); the wire
protocol is in docs/PROTOCOL.md and the command line in :mod:`app.cli`.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

DIST_NAME = "numpy-playground"


def _version() -> str:
    try:
        return metadata.version(DIST_NAME)
    except metadata.PackageNotFoundError:
        # a source checkout that was never pip-installed: read pyproject.toml
        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            text = pyproject.read_text(encoding="utf-8")
        except OSError:
            return "0+unknown"
        found = re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE)
        return found.group(1) if found else "0+unknown"


__version__ = _version()

from .server import create_app, get_socketio  # noqa: E402  (needs __version__)

__all__ = ["__version__", "create_app", "get_socketio"]
