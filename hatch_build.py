"""Wheel build hook: ship the npm-installed Socket.IO client and Plotly.js inside the wheel,
and the page's bundle (static/dist, built by esbuild: app/assets.py).

All come from npm (package.json + package-lock.json), never from a CDN. A fresh
clone has no node_modules, so the hook runs `npm ci` once when a file is missing,
which lets a plain `pip install .` work on a machine with Node; it builds the bundle
(`npm run build`) when it is missing or older than a source under static/js or
static/css, and pyproject's force-include of static/ then carries it.
"""

import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# what the wheel carries from node_modules, and where (app/resources.py looks there)
VENDOR = {
    Path(
        "node_modules/socket.io-client/dist/socket.io.min.js"
    ): "app/static/vendor/socket.io.min.js",
    Path(
        "node_modules/plotly.js-cartesian-dist-min/plotly-cartesian.min.js"
    ): "app/static/vendor/plotly.min.js",
}


MANIFEST = Path("static/dist/manifest.json")  # the bundle's last file written
SOURCES = ("static/js", "static/css")


def _bundle_stale(root: Path) -> bool:
    manifest = root / MANIFEST
    if not manifest.is_file():
        return True
    built = manifest.stat().st_mtime
    return any(
        path.stat().st_mtime > built
        for sub in SOURCES
        for path in (root / sub).rglob("*")
        if path.suffix in (".js", ".css")
    )


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to fetch and bundle the page (run `npm ci`)")
    return npm


class SocketIOClientHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        if (
            not all((root / source).is_file() for source in VENDOR)
            or not (root / "node_modules/esbuild").is_dir()
        ):
            subprocess.run([_npm(), "ci", "--no-audit", "--no-fund"], cwd=root, check=True)
        if _bundle_stale(root):
            subprocess.run([_npm(), "run", "--silent", "build"], cwd=root, check=True)
        for source, target in VENDOR.items():
            build_data["force_include"][str(root / source)] = target
