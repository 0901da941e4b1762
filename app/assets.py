"""The page's built scripts and styles: their content-hashed names, and building them.

``npm run build`` (static/build/bundle.mjs, esbuild) bundles static/js/main.js and the
modules it imports into one minified file with a source map, and minifies each
stylesheet, all under content-hashed names in ``static/dist/``; ``manifest.json`` there
maps a source name (``js/main.js``) to its built one (``dist/main-<hash>.js``). The
template asks :func:`url` for those names, so a changed file gets a new name and the
server can let browsers keep every built file for a year (:data:`IMMUTABLE`).

A wheel carries ``static/dist`` (hatch_build.py builds it); an installed copy never
builds. A source checkout builds when the manifest is missing or older than a source
under static/js or static/css, so an edited module is never served stale from an old
bundle (esbuild takes well under a second).
"""

from __future__ import annotations

import json
import mimetypes
import shutil
import subprocess
import threading
from pathlib import Path

from flask import url_for

from app import resources

DIST = "dist"
MANIFEST = "manifest.json"
BUNDLE_SCRIPT = Path("static/build/bundle.mjs")
SOURCE_DIRS = ("js", "css")
# Hashed names never change their content: a year, and no revalidation.
IMMUTABLE = "public, max-age=31536000, immutable"

_lock = threading.Lock()
# esbuild's source maps are JSON (Python's table does not know the suffix): so they are
# served as that, and compressed (app/http_policy.py).
mimetypes.add_type("application/json", ".map")


class AssetsMissing(RuntimeError):
    """The built page is missing and cannot be built here."""


def _newest_source(static: Path) -> float:
    newest = 0.0
    for sub in SOURCE_DIRS:
        for path in (static / sub).rglob("*"):
            if path.suffix in (".js", ".css"):
                newest = max(newest, path.stat().st_mtime)
    return newest


def stale(static: Path) -> bool:
    """Whether ``static/dist`` must be (re)built: no manifest, or a source newer than it."""
    manifest = static / DIST / MANIFEST
    if not manifest.is_file():
        return True
    return _newest_source(static) > manifest.stat().st_mtime


def build(root: Path) -> None:
    """Run static/build/bundle.mjs in checkout ``root``; a clear error when it cannot run."""
    node = shutil.which("node")
    script = root / BUNDLE_SCRIPT
    if node is None or not (root / "node_modules" / "esbuild").is_dir() or not script.is_file():
        raise AssetsMissing(
            f"the page's bundle in {root / 'static' / DIST} is missing or older than its "
            "sources, and cannot be built here: run `npm ci && npm run build` (or `make`)"
        )
    done = subprocess.run([node, str(script)], cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssetsMissing(f"building the page's bundle failed:\n{done.stderr.strip()}")


def manifest(static: Path | None = None) -> dict[str, str]:
    """Source name -> built name under ``static`` (a checkout's built first if stale)."""
    static = static or resources.static_dir()
    with _lock:
        if static == resources.REPO_DIR / "static" and stale(static):
            build(resources.REPO_DIR)
        path = static / DIST / MANIFEST
        if not path.is_file():
            raise AssetsMissing(f"{path} is missing: run `npm ci && npm run build` (or `make`)")
        return json.loads(path.read_text(encoding="utf-8"))


def url(name: str, table: dict[str, str]) -> str:
    """The URL of source ``name`` (e.g. ``js/main.js``) as built, from ``table``."""
    try:
        built = table[name]
    except KeyError:
        raise AssetsMissing(f"{name} is not in the page's bundle manifest") from None
    return url_for("static", filename=built)


def hashed(path: str) -> bool:
    """Whether a request path names a built, content-hashed file."""
    return path.startswith(f"/static/{DIST}/") and not path.endswith(f"/{MANIFEST}")
